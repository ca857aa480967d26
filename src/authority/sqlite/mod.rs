//! [`SqliteLedger`]: the durable embedded ledger, one SQLite file.
//!
//! Every connection runs with `journal_mode=WAL` (readers never wait for the
//! writer), `synchronous=FULL` (a transaction is on disk before its commit
//! returns: a grant is never handed out for a write that could be lost),
//! `foreign_keys=ON`, `secure_delete=ON` (erased labels and profiles are
//! overwritten, not left in free pages) and a busy timeout. Every write
//! transaction starts with `BEGIN IMMEDIATE`, taking the database's single
//! write lock before it reads anything, so concurrent activations — from
//! threads or processes — are serialised and each sees the seats the
//! previous one left. Threads sharing one `SqliteLedger` share commits
//! (group commit): each operation in its own savepoint, none
//! returning before the flush that holds it. The [`schema`] refuses
//! over-allocation by itself.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use super::LedgerError;
use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx};

mod activation_row;
pub(crate) mod binding;
mod commit;
pub mod schema;

pub use binding::{KeyBinding, PUBLIC_KEY_SETTING, SECRET_KEY_PATH_SETTING};
mod prefixes;
mod profiles;
mod stores;
mod tx;
mod values;

/// How long a writer waits for another one before giving up with
/// [`AuthorityError::Busy`], unless [`SqliteLedger::with_busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: u32 = schema::MIGRATIONS.len() as u32;

/// A ledger in one SQLite database file.
#[derive(Debug)]
pub struct SqliteLedger {
    conn: commit::GroupCommit,
    path: PathBuf,
}

/// Maps a SQLite error: busy and locked become [`AuthorityError::Busy`],
/// constraint violations [`AuthorityError::LedgerRefused`] (naming the
/// schema's rule when one of its triggers refused), a damaged file
/// [`AuthorityError::Corrupt`], anything else [`AuthorityError::Storage`].
pub(crate) fn sql_error(e: rusqlite::Error) -> AuthorityError {
    let (code, message) = match &e {
        rusqlite::Error::SqliteFailure(f, message) => (Some(f.code), message.as_deref()),
        _ => (None, None),
    };
    match code {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => AuthorityError::Busy,
        Some(ErrorCode::ConstraintViolation) => {
            AuthorityError::LedgerRefused(match schema::RULES.iter().find(|rule| Some(**rule) == message) {
                Some(rule) => LedgerError::Rule(rule),
                None => LedgerError::Constraint(e),
            })
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            AuthorityError::Corrupt(Damage::Storage(LedgerError::Sqlite(e)))
        }
        _ => AuthorityError::Storage(LedgerError::Sqlite(e)),
    }
}

/// Waits for another connection's write lock for up to `timeout`, trying
/// again after short, jittered sleeps (¼ ms doubling to 2 ms, plus up to
/// 1 ms). A commit holds the lock for about one flush, and SQLite's own
/// handler backs off to 100 ms sleeps, which starves connections that share
/// a file: measured at 20 activations/s with 64 connections.
fn busy_handler(timeout: Duration) -> impl FnMut(i32) -> bool + Send + 'static {
    let mut started = Instant::now();
    move |attempt| {
        if attempt == 0 {
            started = Instant::now();
        }
        if started.elapsed() >= timeout {
            return false;
        }
        let jitter = u64::from(
            std::time::SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos()),
        ) % 1_000;
        let backoff = 250u64 << attempt.clamp(0, 3);
        std::thread::sleep(Duration::from_micros(backoff + jitter));
        true
    }
}

impl SqliteLedger {
    /// Opens the ledger at `path`, creating the file if it does not exist,
    /// and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuthorityError> {
        Self::open_with(path.as_ref(), true, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens an existing ledger (refusing to create one, so a mistyped path
    /// is an error rather than an empty ledger) and brings its schema up to date.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, AuthorityError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(AuthorityError::Storage(LedgerError::NoLedger { path: path.to_owned() }));
        }
        Self::open_with(path, false, DEFAULT_BUSY_TIMEOUT)
    }

    fn open_with(path: &Path, create: bool, busy: Duration) -> Result<Self, AuthorityError> {
        check_header(path, create)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(path, flags)
            .map_err(|source| AuthorityError::Storage(LedgerError::Open { path: path.to_owned(), source }))?;
        conn.busy_handler(Some(busy_handler(busy))).map_err(sql_error)?;
        refuse_foreign(&conn, path)?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF;",
        )
        .map_err(sql_error)?;
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(sql_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(AuthorityError::Storage(LedgerError::NoWriteAheadLog {
                path: path.to_owned(),
                mode,
            }));
        }
        // After journal_mode: in WAL mode FULL syncs the log on every commit.
        conn.execute_batch("PRAGMA synchronous = FULL;").map_err(sql_error)?;
        let ledger = SqliteLedger { conn: commit::GroupCommit::new(conn), path: path.to_owned() };
        ledger.migrate()?;
        Ok(ledger)
    }

    /// The same ledger waiting up to `timeout` for other writers.
    pub fn with_busy_timeout(self, timeout: Duration) -> Result<Self, AuthorityError> {
        self.conn.idle().conn.busy_handler(Some(busy_handler(timeout))).map_err(sql_error)?;
        Ok(self)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&self) -> Result<(), AuthorityError> {
        let mut state = self.conn.idle();
        let tx = state.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
        let version: u32 = tx.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(sql_error)?;
        if version > SCHEMA_VERSION {
            return Err(AuthorityError::SchemaTooNew { found: version, known: SCHEMA_VERSION });
        }
        for (from, migration) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(migration).map_err(sql_error)?;
            if from + 1 == schema::PREFIX_INDEX_VERSION as usize {
                prefixes::index_pending(&tx)?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {}", from + 1)).map_err(sql_error)?;
        }
        tx.commit().map_err(sql_error)
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<u32, AuthorityError> {
        self.conn.idle().conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(sql_error)
    }

    /// A setting kept in the ledger (the CLI keeps the authority's public
    /// key and the path of its secret key file here — never the secret).
    pub fn setting(&self, name: &str) -> Result<Option<String>, AuthorityError> {
        self.conn
            .idle()
            .conn
            .query_row("SELECT value FROM settings WHERE name = ?1", [name], |row| row.get(0))
            .optional()
            .map_err(sql_error)
    }

    /// Sets a setting.
    pub fn set_setting(&self, name: &str, value: &str) -> Result<(), AuthorityError> {
        let mut state = self.conn.idle();
        let tx = state.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
        tx.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
            [name, value],
        )
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)
    }

    /// Checks the whole file: `PRAGMA integrity_check` and
    /// `PRAGMA foreign_key_check`. Returns the problems found (none when healthy).
    pub fn check(&self) -> Result<Vec<String>, AuthorityError> {
        let state = self.conn.idle();
        let conn = &state.conn;
        let mut problems = Vec::new();
        let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(sql_error)?;
        for row in stmt.query_map([], |row| row.get::<_, String>(0)).map_err(sql_error)? {
            let line = row.map_err(sql_error)?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check").map_err(sql_error)?;
        for row in stmt.query_map([], |row| row.get::<_, String>(0)).map_err(sql_error)? {
            problems.push(format!("a row of {} refers to a missing row", row.map_err(sql_error)?));
        }
        Ok(problems)
    }
}

impl Ledger for SqliteLedger {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.conn.write(f).map_err(|e| disk_full(e, &self.path))
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        let mut state = self.conn.idle();
        // A deferred transaction that only reads is one consistent snapshot
        // of the WAL and never waits for writers; it is rolled back.
        let tx = state.conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(sql_error)?;
        f(&mut tx::SqliteTx::new(&tx)).map_err(|e| disk_full(e, &self.path))
    }
}

/// SQLite's "database or disk is full" (`SQLITE_FULL`), from a statement or
/// from the commit of a batch, as [`LedgerError::DiskFull`] naming the file.
fn disk_full(e: AuthorityError, path: &Path) -> AuthorityError {
    let full = |e: &AuthorityError| {
        matches!(e, AuthorityError::Storage(LedgerError::Sqlite(rusqlite::Error::SqliteFailure(f, _)))
            if f.code == ErrorCode::DiskFull)
    };
    let is_full = match &e {
        AuthorityError::CommitFailed(cause) => full(cause),
        other => full(other),
    };
    if is_full { AuthorityError::Storage(LedgerError::DiskFull { path: path.to_owned() }) } else { e }
}

/// Refuses, before SQLite opens it, a file that cannot be a ledger: an empty
/// file (unless it is being created) and a file that is no SQLite database.
fn check_header(path: &Path, create: bool) -> Result<(), AuthorityError> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else { return Ok(()) }; // missing: created, or NoLedger
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(_) => return Ok(()), // SQLite reports it
        }
    }
    let path = path.to_owned();
    match read {
        0 if create => Ok(()),
        0 => Err(AuthorityError::NotALedger(LedgerError::Empty { path })),
        16 if &header == b"SQLite format 3\0" => Ok(()),
        _ => Err(AuthorityError::NotALedger(LedgerError::NotALedger {
            path,
            why: "it is not a database at all",
        })),
    }
}

/// Refuses another program's SQLite database before anything (even the
/// journal mode) is written to it: a file with tables but no nodelock schema.
fn refuse_foreign(conn: &Connection, path: &Path) -> Result<(), AuthorityError> {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(sql_error)?;
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, u32>(0)).map_err(sql_error);
    let any = count("SELECT count(*) FROM sqlite_master")?;
    let settings = count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'settings'")?;
    if (version == 0 && any > 0) || (version > 0 && settings == 0) {
        return Err(AuthorityError::NotALedger(LedgerError::NotALedger {
            path: path.to_owned(),
            why: "it is another program's SQLite database",
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SQLITE_FULL` from a statement or a batch's commit names the ledger
    /// file and says "disk full"; other storage errors pass unchanged.
    #[test]
    fn a_full_disk_is_reported_as_disk_full_naming_the_ledger() {
        let full = || {
            AuthorityError::Storage(LedgerError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                None,
            )))
        };
        let path = Path::new("/srv/ledger.db");
        for e in [full(), AuthorityError::CommitFailed(std::sync::Arc::new(full()))] {
            let mapped = disk_full(e, path);
            assert!(
                matches!(&mapped, AuthorityError::Storage(LedgerError::DiskFull { path: p }) if p == path),
                "{mapped:?}"
            );
            assert!(
                mapped.to_string().contains("disk full: cannot write the ledger /srv/ledger.db"),
                "{mapped}"
            );
        }
        let busy = disk_full(AuthorityError::Busy, path);
        assert!(matches!(busy, AuthorityError::Busy));
    }
}
