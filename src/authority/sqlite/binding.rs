//! Which authority key a ledger file belongs to: `nodelock authority init`
//! records the key's public half and the *path* of its secret key file in
//! the ledger's settings — never the secret itself — and every later command
//! checks the key it is given against that record.

use std::path::{Path, PathBuf};

use super::SqliteLedger;
use crate::authority::error::AuthorityError;
use crate::keys::{PublicKey, SecretKey};

/// The setting holding the armoured public key of the ledger's authority.
pub const PUBLIC_KEY_SETTING: &str = "public_key";
/// The setting holding the path of the authority's secret key file.
pub const SECRET_KEY_PATH_SETTING: &str = "secret_key_path";

/// What [`SqliteLedger::bind_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyBinding {
    /// The ledger belonged to no key; now it belongs to this one.
    Created,
    /// It already belonged to this key; the secret key's path was updated.
    Rebound,
}

impl SqliteLedger {
    /// Makes the ledger belong to `key` (or checks that it already does) and
    /// records `secret_key_path`, where the secret half is kept.
    pub fn bind_key(&self, key: &PublicKey, secret_key_path: &str) -> Result<KeyBinding, AuthorityError> {
        let binding = match self.recorded_key()? {
            Some(recorded) if recorded != *key => {
                return Err(AuthorityError::LedgerOfAnotherKey {
                    ledger: self.path().to_owned(),
                    recorded: recorded.id(),
                    given: key.id(),
                });
            }
            Some(_) => KeyBinding::Rebound,
            None => {
                self.set_setting(PUBLIC_KEY_SETTING, &key.to_armoured())?;
                KeyBinding::Created
            }
        };
        self.set_setting(SECRET_KEY_PATH_SETTING, secret_key_path)?;
        Ok(binding)
    }

    /// The public key of the authority this ledger belongs to.
    pub fn authority_key(&self) -> Result<PublicKey, AuthorityError> {
        self.recorded_key()?.ok_or_else(|| AuthorityError::NoAuthorityKey { ledger: self.path().to_owned() })
    }

    /// The authority's secret key: read from `file`, or else from the path
    /// recorded by [`bind_key`](Self::bind_key), and checked to be this
    /// ledger's key.
    pub fn secret_key(&self, file: Option<&Path>) -> Result<SecretKey, AuthorityError> {
        let public = self.authority_key()?;
        let file = match file {
            Some(file) => file.to_owned(),
            None => PathBuf::from(self.setting(SECRET_KEY_PATH_SETTING)?.ok_or(AuthorityError::NoKeyPath)?),
        };
        let secret = SecretKey::read_file(&file)
            .map_err(|source| AuthorityError::Key { file: Some(file.clone()), source })?;
        if *secret.public_key() != public {
            return Err(AuthorityError::NotTheLedgersKey {
                key_file: file,
                given: secret.key_id(),
                recorded: public.id(),
            });
        }
        Ok(secret)
    }

    fn recorded_key(&self) -> Result<Option<PublicKey>, AuthorityError> {
        self.setting(PUBLIC_KEY_SETTING)?
            .map(|text| {
                PublicKey::from_armoured(&text).map_err(|source| AuthorityError::Key { file: None, source })
            })
            .transpose()
    }
}
