//! [`PostgresLedger`]: the ledger on a PostgreSQL database, for several
//! activation servers sharing one ledger (feature `postgres`).
//!
//! Every write transaction runs at `SERIALIZABLE` isolation: PostgreSQL
//! aborts one of two transactions whose interleaving could differ from
//! running them one after the other (SQLSTATE 40001), and one of two that
//! wait for each other (40P01); the ledger then runs the operation again on
//! a fresh transaction, up to [`MAX_ATTEMPTS`] times with a short jittered
//! back-off, before reporting [`AuthorityError::Busy`]. A retry holds a
//! session advisory lock (taken before its `BEGIN`), so writers that
//! collided once go one at a time instead of colliding again; first
//! attempts never wait for it. Seats stay exact
//! across threads, processes and servers, and the [`schema`] refuses
//! over-allocation by itself. A commit returns once PostgreSQL has made it
//! durable (its default `synchronous_commit = on`). Reads run at
//! `REPEATABLE READ`, read-only: one consistent snapshot that never waits.
//!
//! The ledger keeps a small pool of connections (one per thread writing at
//! once, up to [`MAX_CONNECTIONS`]); a connection that broke is dropped and
//! a new one opened on the next use.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::error::SqlState;
use postgres::{Client, Config, IsolationLevel, NoTls};

use super::LedgerError;
use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx};
use super::sqlite::schema::RULES;

mod activation_row;
mod binding;
mod prefixes;
mod profiles;
mod retry;
pub mod schema;
mod stores;
mod tx;
mod values;

pub use retry::MAX_ATTEMPTS;

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: u32 = schema::MIGRATIONS.len() as u32;

/// The most connections one [`PostgresLedger`] opens.
pub const MAX_CONNECTIONS: usize = 16;

/// The advisory lock key that serialises migrations ("nodelock" in ASCII).
const MIGRATION_LOCK: i64 = 0x6e6f_6465_6c6f_636b;

/// The advisory lock key a write transaction holds when it runs again after
/// a conflict ("nodelokw"): such writers go one at a time across every
/// server on the database (the key is per database, so ledgers in other
/// schemas of it share it).
const WRITER_LOCK: i64 = 0x6e6f_6465_6c6f_6b77;

/// A ledger in a PostgreSQL database (in one schema of it).
pub struct PostgresLedger {
    config: Config,
    target: String,
    pool: Mutex<Pool>,
    returned: Condvar,
}

impl std::fmt::Debug for PostgresLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLedger").field("target", &self.target).finish_non_exhaustive()
    }
}

struct Pool {
    idle: Vec<Client>,
    open: usize,
}

/// Maps a PostgreSQL error: serialization failures and deadlocks become
/// [`AuthorityError::Busy`] once retries are spent (see `retry.rs`),
/// integrity violations [`AuthorityError::LedgerRefused`] (naming the
/// schema's rule when one of its triggers refused), data that cannot be read
/// back [`AuthorityError::Corrupt`], anything else [`AuthorityError::Storage`].
pub(crate) fn pg_error(e: postgres::Error) -> AuthorityError {
    let Some(code) = e.code() else {
        return AuthorityError::Storage(LedgerError::Postgres(e));
    };
    if code.code().starts_with("23") {
        let message = e.as_db_error().map(|d| d.message());
        return AuthorityError::LedgerRefused(match RULES.iter().find(|rule| Some(**rule) == message) {
            Some(rule) => LedgerError::Rule(rule),
            None => LedgerError::PostgresConstraint(e),
        });
    }
    if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
        return AuthorityError::Corrupt(Damage::Storage(LedgerError::Postgres(e)));
    }
    AuthorityError::Storage(LedgerError::Postgres(e))
}

/// Whether `e` is a conflict with a concurrent transaction, worth running again.
fn is_conflict(e: &AuthorityError) -> bool {
    let pg = match e {
        AuthorityError::Storage(LedgerError::Postgres(pg)) => pg,
        _ => return false,
    };
    matches!(pg.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// `url` without its password, for messages.
fn redacted(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "postgres://{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// Whether `name` may be used as a schema name unquoted: a lowercase ASCII
/// letter or `_`, then letters, digits and `_`, at most 63 bytes.
fn plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

impl PostgresLedger {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`,
    /// or libpq's `key=value` form), creating the schema if the database has
    /// none, and brings it up to date.
    pub fn open(url: &str) -> Result<Self, AuthorityError> {
        Self::open_with(url, None)
    }

    /// The same in the schema `schema` of the database (created if missing):
    /// several ledgers in one database, as the tests use it. `schema` is a
    /// plain lowercase identifier.
    pub fn open_in_schema(url: &str, schema: &str) -> Result<Self, AuthorityError> {
        if !plain_identifier(schema) {
            return Err(AuthorityError::Storage(LedgerError::BadSchemaName { name: schema.to_owned() }));
        }
        Self::open_with(url, Some(schema))
    }

    fn open_with(url: &str, schema: Option<&str>) -> Result<Self, AuthorityError> {
        let mut config: Config =
            url.parse().map_err(|source| AuthorityError::Storage(LedgerError::PostgresUrl { source }))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if let Some(schema) = schema {
            config.options(&format!("-c search_path={schema}"));
        }
        let target = redacted(&config);
        let ledger = PostgresLedger {
            config,
            target,
            pool: Mutex::new(Pool { idle: Vec::new(), open: 0 }),
            returned: Condvar::new(),
        };
        let mut client = ledger.take()?;
        if let Some(schema) = schema {
            // Concurrent `CREATE SCHEMA IF NOT EXISTS` can still collide on
            // the catalog's unique index: the loser finds the schema made.
            match client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")) {
                Ok(()) => {}
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {}
                Err(e) => return Err(pg_error(e)),
            }
        }
        let migrated = migrate(&mut client);
        ledger.give_back(client);
        migrated?;
        Ok(ledger)
    }

    /// The database, without its password (`postgres://user@host:port/dbname`).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<u32, AuthorityError> {
        self.with_client(|c| {
            let row = c.query_one("SELECT version FROM nodelock_schema", &[]).map_err(pg_error)?;
            values::count(&row, 0, "schema version")
        })
    }

    /// A setting kept in the ledger (as [`SqliteLedger::setting`](super::SqliteLedger::setting)).
    pub fn setting(&self, name: &str) -> Result<Option<String>, AuthorityError> {
        self.with_client(|c| {
            let row =
                c.query_opt("SELECT value FROM settings WHERE name = $1", &[&name]).map_err(pg_error)?;
            row.map(|r| r.try_get(0).map_err(values::map_read)).transpose()
        })
    }

    /// Sets a setting.
    pub fn set_setting(&self, name: &str, value: &str) -> Result<(), AuthorityError> {
        self.with_client(|c| {
            c.execute(
                "INSERT INTO settings (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                &[&name, &value],
            )
            .map(drop)
            .map_err(pg_error)
        })
    }

    fn with_client<R>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        let mut client = self.take()?;
        let result = f(&mut client);
        self.give_back(client);
        result
    }

    /// An idle connection, a new one, or (with [`MAX_CONNECTIONS`] in use)
    /// the next one given back.
    fn take(&self) -> Result<Client, AuthorityError> {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(client) = pool.idle.pop() {
                if client.is_closed() {
                    pool.open -= 1;
                    continue;
                }
                return Ok(client);
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return self.config.connect(NoTls).map_err(|source| {
                    let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
                    pool.open -= 1;
                    self.returned.notify_one();
                    AuthorityError::Storage(LedgerError::PostgresConnect {
                        target: self.target.clone(),
                        source,
                    })
                });
            }
            pool = self.returned.wait(pool).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, client: Client) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if client.is_closed() {
            pool.open -= 1;
        } else {
            pool.idle.push(client);
        }
        self.returned.notify_one();
    }

    /// Closes `client` instead of pooling it.
    fn discard(&self, client: Client) {
        drop(client);
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.open -= 1;
        self.returned.notify_one();
    }

    /// One attempt of a write transaction.
    fn attempt<R>(
        &self,
        client: &mut Client,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .map_err(pg_error)?;
        let result = f(&mut tx::PostgresTx::new(&mut tx))?;
        tx.commit().map_err(|e| match pg_error(e) {
            e if is_conflict(&e) => e,
            e => AuthorityError::CommitFailed(std::sync::Arc::new(e)),
        })?;
        Ok(result)
    }
}

/// Brings the schema up to date in one transaction, under an advisory lock
/// so that servers starting together migrate once.
fn migrate(client: &mut Client) -> Result<(), AuthorityError> {
    let mut tx = client.transaction().map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(pg_error)?;
    let exists = tx
        .query_one("SELECT to_regclass('nodelock_schema') IS NOT NULL", &[])
        .and_then(|r| r.try_get::<_, bool>(0))
        .map_err(pg_error)?;
    let version = if exists {
        let row = tx.query_one("SELECT version FROM nodelock_schema", &[]).map_err(pg_error)?;
        values::count(&row, 0, "schema version")?
    } else {
        let tables = tx
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() \
                 AND tablename IN ('licenses', 'seats', 'activations', 'history', 'settings')",
                &[],
            )
            .and_then(|r| r.try_get::<_, i64>(0))
            .map_err(pg_error)?;
        if tables > 0 {
            return Err(AuthorityError::NotALedger(LedgerError::ForeignPostgresSchema));
        }
        tx.batch_execute(
            "CREATE TABLE nodelock_schema (version BIGINT NOT NULL); INSERT INTO nodelock_schema VALUES (0)",
        )
        .map_err(pg_error)?;
        0
    };
    if version > SCHEMA_VERSION {
        return Err(AuthorityError::SchemaTooNew { found: version, known: SCHEMA_VERSION });
    }
    for (from, migration) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(migration).map_err(pg_error)?;
        if from + 1 == schema::PREFIX_INDEX_VERSION as usize {
            prefixes::index_pending(&mut tx)?;
        }
        tx.execute("UPDATE nodelock_schema SET version = $1", &[&((from + 1) as i64)]).map_err(pg_error)?;
    }
    tx.commit().map_err(pg_error)
}

/// A few microseconds of jitter from the clock, so retrying writers spread out.
fn jitter_micros(range: u64) -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    u64::from(nanos) % range.max(1)
}

impl Ledger for PostgresLedger {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        // A write transaction that lost a conflict runs again holding a
        // session advisory lock taken before BEGIN (so its snapshot starts
        // once it holds it): under serializable isolation alone, 64 clients
        // activating machines of one license kept aborting each other until
        // the retries ran out (`busy`). Writers that lost once now queue
        // instead of colliding again; a first attempt stays optimistic, so
        // writers that do not collide never wait. A connection that dies
        // releases its lock (a killed server blocks no one).
        let mut client = self.take()?;
        let mut locked = false;
        let result = retry::retrying(
            |attempt| {
                if attempt > 0 && !locked {
                    client.execute("SELECT pg_advisory_lock($1)", &[&WRITER_LOCK]).map_err(pg_error)?;
                    locked = true;
                }
                self.attempt(&mut client, f)
            },
            is_conflict,
            |attempt| std::thread::sleep(retry::backoff(attempt, jitter_micros(1_000))),
        );
        if locked && client.execute("SELECT pg_advisory_unlock($1)", &[&WRITER_LOCK]).is_err() {
            // Never pool a connection that may still hold the lock.
            self.discard(client);
        } else {
            self.give_back(client);
        }
        result
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.with_client(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(pg_error)?;
            f(&mut tx::PostgresTx::new(&mut tx))
        })
    }
}
