//! Which authority key a ledger file belongs to: `nodelock authority init`
//! records the key's public half and the *path* of its secret key file in
//! the ledger's settings — never the secret itself — and every later command
//! checks the key it is given against that record. The PostgreSQL ledger
//! binds its key the same way ([`KeySettings`]).

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

/// Where a ledger keeps its settings, for the key binding shared by the
/// SQLite and PostgreSQL ledgers.
pub(crate) trait KeySettings {
    /// A setting.
    fn get(&self, name: &str) -> Result<Option<String>, AuthorityError>;
    /// Sets a setting.
    fn put(&self, name: &str, value: &str) -> Result<(), AuthorityError>;
    /// The ledger, for messages (a file, or a database without its password).
    fn ledger_name(&self) -> PathBuf;
}

impl KeySettings for SqliteLedger {
    fn get(&self, name: &str) -> Result<Option<String>, AuthorityError> {
        self.setting(name)
    }
    fn put(&self, name: &str, value: &str) -> Result<(), AuthorityError> {
        self.set_setting(name, value)
    }
    fn ledger_name(&self) -> PathBuf {
        self.path().to_owned()
    }
}

impl SqliteLedger {
    /// Makes the ledger belong to `key` (or checks that it already does) and
    /// records `secret_key_path`, where the secret half is kept.
    pub fn bind_key(&self, key: &PublicKey, secret_key_path: &str) -> Result<KeyBinding, AuthorityError> {
        bind_key(self, key, secret_key_path)
    }

    /// The public key of the authority this ledger belongs to.
    pub fn authority_key(&self) -> Result<PublicKey, AuthorityError> {
        authority_key(self)
    }

    /// The authority's secret key: read from `file`, or else from the path
    /// recorded by [`bind_key`](Self::bind_key), and checked to be this
    /// ledger's key.
    pub fn secret_key(&self, file: Option<&Path>) -> Result<SecretKey, AuthorityError> {
        secret_key(self, file)
    }
}

pub(crate) fn bind_key(
    ledger: &impl KeySettings,
    key: &PublicKey,
    secret_key_path: &str,
) -> Result<KeyBinding, AuthorityError> {
    let binding = match recorded_key(ledger)? {
        Some(recorded) if recorded != *key => {
            return Err(AuthorityError::LedgerOfAnotherKey {
                ledger: ledger.ledger_name(),
                recorded: recorded.id(),
                given: key.id(),
            });
        }
        Some(_) => KeyBinding::Rebound,
        None => {
            ledger.put(PUBLIC_KEY_SETTING, &key.to_armoured())?;
            KeyBinding::Created
        }
    };
    ledger.put(SECRET_KEY_PATH_SETTING, secret_key_path)?;
    Ok(binding)
}

pub(crate) fn authority_key(ledger: &impl KeySettings) -> Result<PublicKey, AuthorityError> {
    recorded_key(ledger)?.ok_or_else(|| AuthorityError::NoAuthorityKey { ledger: ledger.ledger_name() })
}

pub(crate) fn secret_key(
    ledger: &impl KeySettings,
    file: Option<&Path>,
) -> Result<SecretKey, AuthorityError> {
    let public = authority_key(ledger)?;
    let file = match file {
        Some(file) => file.to_owned(),
        None => PathBuf::from(ledger.get(SECRET_KEY_PATH_SETTING)?.ok_or(AuthorityError::NoKeyPath)?),
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

fn recorded_key(ledger: &impl KeySettings) -> Result<Option<PublicKey>, AuthorityError> {
    ledger
        .get(PUBLIC_KEY_SETTING)?
        .map(|text| {
            PublicKey::from_armoured(&text).map_err(|source| AuthorityError::Key { file: None, source })
        })
        .transpose()
}
