//! Which authority key a PostgreSQL ledger belongs to: the same binding as
//! the SQLite ledger's (`sqlite/binding.rs`), over this ledger's settings.

use std::path::{Path, PathBuf};

use super::PostgresLedger;
use crate::authority::error::AuthorityError;
use crate::authority::sqlite::KeyBinding;
use crate::authority::sqlite::binding::{self, KeySettings};
use crate::keys::{PublicKey, SecretKey};

impl KeySettings for PostgresLedger {
    fn get(&self, name: &str) -> Result<Option<String>, AuthorityError> {
        self.setting(name)
    }
    fn put(&self, name: &str, value: &str) -> Result<(), AuthorityError> {
        self.set_setting(name, value)
    }
    fn ledger_name(&self) -> PathBuf {
        PathBuf::from(self.target())
    }
}

impl PostgresLedger {
    /// Makes the ledger belong to `key` (or checks that it already does) and
    /// records `secret_key_path` (see [`SqliteLedger::bind_key`](crate::authority::SqliteLedger::bind_key)).
    pub fn bind_key(&self, key: &PublicKey, secret_key_path: &str) -> Result<KeyBinding, AuthorityError> {
        binding::bind_key(self, key, secret_key_path)
    }

    /// The public key of the authority this ledger belongs to.
    pub fn authority_key(&self) -> Result<PublicKey, AuthorityError> {
        binding::authority_key(self)
    }

    /// The authority's secret key, from `file` or the recorded path, checked
    /// to be this ledger's key.
    pub fn secret_key(&self, file: Option<&Path>) -> Result<SecretKey, AuthorityError> {
        binding::secret_key(self, file)
    }
}
