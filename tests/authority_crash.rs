//! Crash safety of the SQLite and PostgreSQL ledgers: a process granting and releasing
//! activations as fast as it can, from several threads sharing the ledger
//! (so commits are shared), is killed with SIGKILL at moments drawn from the
//! test's seed (`NODELOCK_TEST_SEED`, printed). Each thread prints `writing`
//! from inside its write transaction (the write lock held, nothing
//! committed) and its outcome once the operation returned, so the test sees
//! that kills landed mid-write: a thread whose last word was `writing`.
//! Afterwards the file opens and checks clean, every activation the process
//! reported (it prints after its grant returned) is recorded, every release
//! it reported is recorded, the in-use count is the number of held seat rows
//! and of active permanent activations, each of those holds exactly one seat,
//! and every recorded change has its history entry: nothing half-written,
//! nothing over-allocated. On PostgreSQL (SKIPPED without
//! `NODELOCK_POSTGRES_URL`) the process killed is the client: its
//! connection drops with a transaction open, and the server must keep only
//! what was committed.
#![cfg(all(unix, feature = "authority"))]

mod authority_support;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use authority_support::*;
use nodelock::activation::ActivationId;
use nodelock::authority::{Authority, AuthorityError, DbLedger, Ledger, LedgerTx, SqliteLedger};
use rusqlite::Connection;

const SEATS: u32 = 10;
/// Threads in the child, each granting and releasing seats of its own license.
const THREADS: u8 = 4;
const DB_VAR: &str = "NODELOCK_CRASH_LEDGER";
const FIRST_VAR: &str = "NODELOCK_CRASH_FIRST_MACHINE";

/// The ledger, saying `writing <thread>` on stdout from inside every
/// write transaction, before the operation writes anything: from then until
/// the thread prints its outcome, a kill lands in the middle of a write.
struct Marked(DbLedger);

impl Ledger for Marked {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.0.transaction(&mut |tx| {
            println!("writing {}", std::thread::current().name().unwrap_or("main"));
            f(tx)
        })
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.0.read(f)
    }
}

/// The child: each thread activates new machines on its license until the
/// seats run out, then releases the oldest, and so on, until it is killed.
/// Prints `granted <thread> <id>`, `refused <thread>` or `released <thread> <id>`
/// once each operation has returned.
#[test]
#[ignore = "run by killed_mid_activation_the_ledger_stays_whole as a child process"]
fn crash_granter_child() {
    let (Some(path), Some(first)) = (std::env::var_os(DB_VAR), std::env::var(FIRST_VAR).ok()) else { return };
    let first: u32 = first.parse().unwrap();
    let a = Arc::new(Authority::new(vendor(), Marked(DbLedger::open_existing(path.as_ref()).unwrap())));
    let threads: Vec<_> = (1..=THREADS)
        .map(|n| {
            let a = Arc::clone(&a);
            std::thread::Builder::new()
                .name(format!("t{n}"))
                .spawn(move || grant_and_release(&a, n, first + u32::from(n) * 100_000))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

fn grant_and_release(a: &Authority<Marked>, n: u8, first: u32) {
    let id = license(n, SEATS).id;
    // What this thread holds, oldest first, starting with what earlier runs left.
    let mut held: VecDeque<ActivationId> =
        a.status(Some(id), t0()).unwrap().licenses[0].activations.iter().map(|h| h.activation_id).collect();
    for machine in first.. {
        match a.activate(&Machine::new(machine).request(id), None, "crash", t0()) {
            Ok(grant) => {
                println!("granted t{n} {}", grant.certificate.activation_id);
                held.push_back(grant.certificate.activation_id);
            }
            Err(AuthorityError::NoFreeSeat { .. }) => {
                println!("refused t{n}");
                let oldest = held.pop_front().unwrap();
                a.release(oldest, "crash", t0()).unwrap();
                println!("released t{n} {oldest}");
            }
            Err(other) => panic!("{other}"),
        }
    }
}

/// `n` kill delays of up to 50 ms, from test `name`'s seed.
fn kill_delays(name: &str, n: usize) -> Vec<u64> {
    let mut rng = Rng::new(test_seed(name));
    (0..n).map(|_| rng.next() % 50_000).collect()
}

/// What the child's output says: the ids it reported granted and released,
/// and the threads whose last word was `writing` (killed mid-write).
#[derive(Default)]
struct Report {
    granted: Vec<String>,
    released: Vec<String>,
    writing: std::collections::BTreeSet<String>,
}

impl Report {
    /// Takes one line; returns whether it reported a finished operation.
    fn take(&mut self, line: &str) -> bool {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["writing", thread] => {
                self.writing.insert(thread.to_owned());
                false
            }
            ["granted", thread, id] => {
                self.writing.remove(thread);
                self.granted.push(id.to_owned());
                true
            }
            ["released", thread, id] => {
                self.writing.remove(thread);
                self.released.push(id.to_owned());
                true
            }
            ["refused", thread] => {
                self.writing.remove(thread);
                true
            }
            _ => false,
        }
    }
}

/// The ledger under test: a SQLite file or a PostgreSQL schema, and how to
/// count its rows afterwards.
enum Db {
    Sqlite(std::path::PathBuf),
    /// The database URL, and the application name the child connects under.
    #[cfg(feature = "postgres")]
    Postgres(String, String),
}

impl Db {
    /// What `--db` says for it.
    fn name(&self) -> std::ffi::OsString {
        match self {
            Db::Sqlite(path) => path.clone().into_os_string(),
            #[cfg(feature = "postgres")]
            Db::Postgres(url, _) => url.into(),
        }
    }

    /// What the child is given: on PostgreSQL, under its own application name.
    fn child_name(&self) -> std::ffi::OsString {
        match self {
            Db::Sqlite(path) => path.clone().into_os_string(),
            #[cfg(feature = "postgres")]
            Db::Postgres(url, app) => format!("{url}&application_name={app}").into(),
        }
    }

    fn open(&self) -> DbLedger {
        DbLedger::open_existing(std::path::Path::new(&self.name())).unwrap()
    }

    /// Waits until the killed child can commit nothing more. A dead process
    /// commits nothing on SQLite; on PostgreSQL a COMMIT it sent just before
    /// the kill may still be carried out, until the server has seen its
    /// connections close.
    fn settle(&self) {
        #[cfg(feature = "postgres")]
        if let Db::Postgres(url, app) = self {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let q = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
                let open: i64 = client.query_one(q, &[app]).unwrap().get(0);
                if open == 0 {
                    return;
                }
                assert!(std::time::Instant::now() < deadline, "the killed child's connections stay open");
                std::thread::yield_now();
            }
        }
    }

    /// The storage's own consistency check, where it has one.
    fn check(&self) -> Vec<String> {
        match self {
            Db::Sqlite(path) => SqliteLedger::open_existing(path).unwrap().check().unwrap(),
            #[cfg(feature = "postgres")]
            Db::Postgres(..) => Vec::new(),
        }
    }

    fn count(&self, sql: &str) -> i64 {
        match self {
            Db::Sqlite(path) => Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap(),
            #[cfg(feature = "postgres")]
            Db::Postgres(url, _) => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().query_one(sql, &[]).unwrap().get(0)
            }
        }
    }

    /// The state of every activation, by id in lowercase hex.
    fn states(&self) -> std::collections::HashMap<String, String> {
        match self {
            Db::Sqlite(path) => {
                let conn = Connection::open(path).unwrap();
                let mut q = conn.prepare("SELECT lower(hex(activation_id)), state FROM activations").unwrap();
                q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
            }
            #[cfg(feature = "postgres")]
            Db::Postgres(url, _) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let rows =
                    client.query("SELECT encode(activation_id, 'hex'), state FROM activations", &[]).unwrap();
                rows.iter().map(|r| (r.get(0), r.get(1))).collect()
            }
        }
    }
}

#[test]
fn killed_mid_activation_the_ledger_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    SqliteLedger::open(dir.path().join("ledger.db")).unwrap();
    let name = "killed_mid_activation_the_ledger_stays_whole";
    killed_mid_activation(name, &Db::Sqlite(dir.path().join("ledger.db")));
}

#[cfg(feature = "postgres")]
#[test]
fn killed_mid_activation_the_postgres_ledger_stays_whole() {
    let name = "killed_mid_activation_the_postgres_ledger_stays_whole";
    let Some(url) = postgres_url(name) else { return };
    let schema = fresh_schema();
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = Db::Postgres(format!("{url}{sep}options=-csearch_path%3D{schema}"), format!("crash_{schema}"));
    killed_mid_activation(name, &db);
}

fn killed_mid_activation(name: &str, db: &Db) {
    let authority = Authority::new(vendor(), db.open());
    for n in 1..=THREADS {
        authority.issue(&license(n, SEATS), ADMIN, t0()).unwrap();
    }
    drop(authority);
    let (mut granted, mut released) = (Vec::new(), Vec::new());
    let mut killed_mid_write = 0;
    for (round, delay_us) in kill_delays(name, 20).into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_granter_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(DB_VAR, db.child_name())
            .env(FIRST_VAR, (round * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut report = Report::default();
        // Wait for its first finished operation, let it run a while, then kill it.
        for line in lines.by_ref() {
            if report.take(&line.unwrap()) {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        child.kill().unwrap();
        for line in lines {
            report.take(&line.unwrap());
        }
        child.wait().unwrap();
        db.settle();
        if !report.writing.is_empty() {
            killed_mid_write += 1;
        }
        granted.append(&mut report.granted);
        released.append(&mut report.released);
        check_whole(db, &granted, &released, round, delay_us);
    }
    eprintln!(
        "{} grants and {} releases reported over the rounds; {killed_mid_write} of 20 kills landed mid-write",
        granted.len(),
        released.len()
    );
    assert!(
        granted.len() > SEATS as usize,
        "the children granted and released seats ({} grants)",
        granted.len()
    );
    assert!(
        killed_mid_write >= 1,
        "no kill landed inside a write transaction, so the rounds did not test a crash mid-write"
    );
}

fn check_whole(db: &Db, granted: &[String], released: &[String], round: usize, delay_us: u64) {
    let at = format!("after the kill in round {round} at {delay_us} µs");
    assert_eq!(db.check(), Vec::<String>::new(), "{at}");
    let status = Authority::new(vendor(), db.open()).status(None, t0()).unwrap();
    let in_use: u32 = status.licenses.iter().map(|l| l.in_use).sum();
    for l in &status.licenses {
        assert!(l.in_use <= l.total && l.total == SEATS, "{at}: no over-allocation");
    }
    let states = db.states();
    for id in granted {
        assert!(states.contains_key(&id.to_lowercase()), "{at}: reported activation {id} is not recorded");
    }
    for id in released {
        assert_eq!(
            states.get(&id.to_lowercase()).map(String::as_str),
            Some("released"),
            "{at}: reported release of {id} is not recorded"
        );
    }
    let held = db.count("SELECT count(*) FROM seats WHERE activation_id IS NOT NULL");
    let active = db.count("SELECT count(*) FROM activations WHERE state = 'active' AND kind = 'permanent'");
    let seated = db.count(
        "SELECT count(*) FROM activations a JOIN seats s ON s.activation_id = a.activation_id \
         WHERE a.state = 'active'",
    );
    assert_eq!((i64::from(in_use), active, seated), (held, held, held), "{at}");
    assert_eq!(db.count("SELECT count(*) FROM seats") as u32, SEATS * u32::from(THREADS), "{at}");
    // Every activation row came with its history entry, every release too.
    let activations = db.count("SELECT count(*) FROM activations");
    let logged = db.count("SELECT count(*) FROM history WHERE kind = 'activation'");
    assert_eq!(activations, logged, "{at}: an activation without its history entry, or the reverse");
    let ended = db.count("SELECT count(*) FROM activations WHERE state = 'released'");
    let logged = db.count("SELECT count(*) FROM history WHERE kind = 'release'");
    assert_eq!(ended, logged, "{at}");
    assert!(activations as usize >= granted.len(), "{at}");
}
