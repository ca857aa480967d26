//! [`LedgerError`]: what went wrong in a ledger's storage, below the
//! authority's rules — the cause inside [`AuthorityError::Storage`](super::AuthorityError::Storage),
//! [`AuthorityError::LedgerRefused`](super::AuthorityError::LedgerRefused) and
//! [`Damage::Storage`](super::Damage::Storage). It names no authority type, so
//! the error types of the authority import one way: `error` → `damage` →
//! `ledger_error`.

use std::path::PathBuf;

use thiserror::Error;

use crate::timestamp::Timestamp;

/// What went wrong in a ledger's storage: inside [`AuthorityError::Storage`](super::AuthorityError::Storage)
/// (the storage failed), [`AuthorityError::LedgerRefused`](super::AuthorityError::LedgerRefused) (it refused a
/// write breaking one of its rules) and [`Damage::Storage`](super::Damage::Storage)
/// (it holds data it cannot read back).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The ledger file does not exist.
    #[error("there is no ledger at {}; create one with `nodelock authority init`", path.display())]
    NoLedger {
        /// The path given.
        path: PathBuf,
    },
    /// The ledger file is empty (zero bytes): no ledger was ever written to it.
    #[error("{} is empty, so it is no ledger; create one with `nodelock authority init`, or check --db", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not a nodelock ledger: not a database at all, or another
    /// program's SQLite database (which is never changed).
    #[error("{} is not a nodelock ledger ({why}); check --db, or create a ledger with `nodelock authority init` at a new path", path.display())]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: &'static str,
    },
    /// The disk holding the ledger is full: the transaction was not kept.
    #[error(
        "disk full: cannot write the ledger {}; nothing of this operation was kept. Free space on that disk, then try again",
        path.display()
    )]
    DiskFull {
        /// The ledger file.
        path: PathBuf,
    },
    /// The database file cannot be opened.
    #[cfg(feature = "sqlite")]
    #[error("{}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why not.
        source: rusqlite::Error,
    },
    /// The file system does not support SQLite's write-ahead log.
    #[error(
        "{} cannot use write-ahead logging (journal mode is {mode}); put the ledger on a local file system",
        path.display()
    )]
    NoWriteAheadLog {
        /// The file.
        path: PathBuf,
        /// The journal mode SQLite reported instead.
        mode: String,
    },
    /// SQLite reported an error.
    #[cfg(feature = "sqlite")]
    #[error("{0}")]
    Sqlite(#[source] rusqlite::Error),
    /// A stored value does not fit its type.
    #[error("the ledger holds an invalid {what}")]
    BadValue {
        /// What the value should have been (`seat number`).
        what: &'static str,
    },
    /// A time too large for the database.
    #[error("the time {} is out of range", .0.0)]
    TimeOutOfRange(Timestamp),
    /// The database rolled the transaction back by itself.
    #[error("the transaction was rolled back")]
    RolledBack,
    /// The operation panicked; nothing it wrote was kept.
    #[error("the operation panicked")]
    Panicked,
    /// A write breaking one of the ledger's named rules.
    #[error("{0}")]
    Rule(&'static str),
    /// A write breaking one of SQLite's own constraints (unique, check, foreign key).
    #[cfg(feature = "sqlite")]
    #[error("{0}")]
    Constraint(#[source] rusqlite::Error),
    /// The PostgreSQL URL given cannot be parsed.
    #[cfg(feature = "postgres")]
    #[error(
        "the PostgreSQL URL is not valid ({source}); give it as postgres://user:password@host:port/dbname"
    )]
    PostgresUrl {
        /// Why not.
        source: postgres::Error,
    },
    /// The PostgreSQL server cannot be reached or refused the connection.
    #[cfg(feature = "postgres")]
    #[error(
        "cannot connect to the PostgreSQL ledger at {target} ({source}); check --db and that the server is running"
    )]
    PostgresConnect {
        /// The database, without its password.
        target: String,
        /// Why not.
        source: postgres::Error,
    },
    /// PostgreSQL reported an error.
    #[cfg(feature = "postgres")]
    #[error("{0}")]
    Postgres(#[source] postgres::Error),
    /// A write breaking one of PostgreSQL's own constraints (unique, check, foreign key).
    #[cfg(feature = "postgres")]
    #[error("{0}")]
    PostgresConstraint(#[source] postgres::Error),
    /// A schema name that is not a plain lowercase identifier.
    #[error("`{name}` is not a usable schema name; use lowercase letters, digits and _")]
    BadSchemaName {
        /// The name given.
        name: String,
    },
    /// The PostgreSQL schema holds tables of another program (a `licenses`
    /// or `history` table, but no nodelock version table); nothing was changed.
    #[error(
        "the PostgreSQL schema holds another program's tables; give nodelock a database or schema of its own"
    )]
    ForeignPostgresSchema,
    /// `--db` names a PostgreSQL database, but this build has no PostgreSQL ledger.
    #[error(
        "this nodelock was built without the PostgreSQL ledger; build it with `--features postgres`, or give a ledger file"
    )]
    PostgresNotBuilt,
}
