//! [`DbLedger`]: the ledger a `--db` argument names, opened by one function
//! ([`DbLedger::open`], [`DbLedger::open_existing`]) for every command: a
//! SQLite file path, or with feature `postgres` a `postgres://…` /
//! `postgresql://…` URL. Key binding (which authority key the ledger
//! belongs to) works the same on both.

use std::path::Path;

#[cfg(not(feature = "postgres"))]
use super::LedgerError;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx};
#[cfg(feature = "postgres")]
use super::postgres::PostgresLedger;
use super::sqlite::{KeyBinding, SqliteLedger};
use crate::keys::{PublicKey, SecretKey};

/// A ledger on SQLite or PostgreSQL, as `--db` chose.
#[derive(Debug)]
#[non_exhaustive]
pub enum DbLedger {
    /// A SQLite file.
    Sqlite(SqliteLedger),
    /// A PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres(PostgresLedger),
}

/// Whether `db` is a PostgreSQL URL rather than a file path.
pub fn is_postgres_url(db: &Path) -> bool {
    db.to_str().is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

impl DbLedger {
    /// Opens (creating if needed) the ledger `db` names.
    pub fn open(db: &Path) -> Result<Self, AuthorityError> {
        Self::open_with(db, true)
    }

    /// Opens the existing ledger `db` names (a missing SQLite file is an error).
    pub fn open_existing(db: &Path) -> Result<Self, AuthorityError> {
        Self::open_with(db, false)
    }

    fn open_with(db: &Path, create: bool) -> Result<Self, AuthorityError> {
        if is_postgres_url(db) {
            #[cfg(feature = "postgres")]
            return PostgresLedger::open(db.to_str().unwrap_or_default()).map(DbLedger::Postgres);
            #[cfg(not(feature = "postgres"))]
            return Err(AuthorityError::Storage(LedgerError::PostgresNotBuilt));
        }
        let ledger = if create { SqliteLedger::open(db)? } else { SqliteLedger::open_existing(db)? };
        Ok(DbLedger::Sqlite(ledger))
    }

    /// The ledger for messages: the file, or the database without its password.
    pub fn describe(&self) -> String {
        match self {
            DbLedger::Sqlite(l) => l.path().display().to_string(),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.target().to_owned(),
        }
    }

    /// Makes the ledger belong to `key` (see [`SqliteLedger::bind_key`]).
    pub fn bind_key(&self, key: &PublicKey, secret_key_path: &str) -> Result<KeyBinding, AuthorityError> {
        match self {
            DbLedger::Sqlite(l) => l.bind_key(key, secret_key_path),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.bind_key(key, secret_key_path),
        }
    }

    /// The public key of the authority this ledger belongs to.
    pub fn authority_key(&self) -> Result<PublicKey, AuthorityError> {
        match self {
            DbLedger::Sqlite(l) => l.authority_key(),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.authority_key(),
        }
    }

    /// The authority's secret key, from `file` or the recorded path.
    pub fn secret_key(&self, file: Option<&Path>) -> Result<SecretKey, AuthorityError> {
        match self {
            DbLedger::Sqlite(l) => l.secret_key(file),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.secret_key(file),
        }
    }
}

impl Ledger for DbLedger {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        match self {
            DbLedger::Sqlite(l) => l.transaction(f),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.transaction(f),
        }
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        match self {
            DbLedger::Sqlite(l) => l.read(f),
            #[cfg(feature = "postgres")]
            DbLedger::Postgres(l) => l.read(f),
        }
    }
}
