//! Concurrent activations against k seats: 64 threads, each with its own
//! connection to one SQLite file, and separately several processes on the
//! same file. Exactly k succeed, every other one gets "no free seat", and
//! the status agrees.
#![cfg(feature = "authority")]

mod authority_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use authority_support::*;
use nodelock::authority::{Authority, AuthorityError, Event, EventKind, Ledger, MemoryLedger, SqliteLedger};

const SEATS: u32 = 5;
const CLIENTS: u32 = 64;
const DB_VAR: &str = "NODELOCK_CONCURRENT_LEDGER";
const RANGE_VAR: &str = "NODELOCK_CONCURRENT_MACHINES";

/// A ledger file with one license of `SEATS` seats, temporary activations off.
fn ledger_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let a = Authority::new(vendor(), SqliteLedger::open(&path).unwrap());
    a.issue(&license(1, SEATS), ADMIN, t0()).unwrap();
    (dir, path)
}

/// `Some(seat)` when granted, `None` when refused for want of a seat.
fn activate_one<L: nodelock::authority::Ledger>(a: &Authority<L>, machine: u32) -> Option<u32> {
    match a.activate(&Machine::new(machine).request(license(1, SEATS).id), None, "client", t0()) {
        Ok(grant) => Some(grant.certificate.seat.expect("a permanent seat")),
        Err(AuthorityError::NoFreeSeat { holders, .. }) => {
            assert_eq!(holders.len() as u32, SEATS, "the refusal lists every seat");
            None
        }
        Err(other) => panic!("machine {machine}: {other}"),
    }
}

fn assert_exactly_the_seats(results: &[Option<u32>]) {
    let mut seats: Vec<u32> = results.iter().flatten().copied().collect();
    seats.sort_unstable();
    assert_eq!(seats, (1..=SEATS).collect::<Vec<_>>(), "exactly k grants, each its own seat");
    assert_eq!(results.iter().filter(|r| r.is_none()).count() as u32, CLIENTS - SEATS);
}

fn assert_status(path: &std::path::Path) {
    let ledger = SqliteLedger::open_existing(path).unwrap();
    assert!(ledger.check().unwrap().is_empty());
    let a = Authority::new(vendor(), ledger);
    let s = &a.status(None, t0()).unwrap().licenses[0];
    assert_eq!((s.total, s.in_use, s.available, s.activations.len() as u32), (SEATS, SEATS, 0, SEATS));
    let grants = a.history(None).unwrap().iter().filter(|e| e.event.kind.name() == "activation").count();
    assert_eq!(grants as u32, SEATS, "one history entry per grant, none for refusals");
}

#[test]
fn sixty_four_threads_with_their_own_connections_get_exactly_k_seats() {
    let (_dir, path) = ledger_file();
    let start = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|machine| {
            let (path, start) = (path.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                let a = Authority::new(vendor(), SqliteLedger::open_existing(&path).unwrap());
                start.wait();
                activate_one(&a, machine)
            })
        })
        .collect();
    let results: Vec<Option<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_exactly_the_seats(&results);
    assert_status(&path);
}

#[test]
fn sixty_four_threads_sharing_one_sqlite_ledger_get_exactly_k_seats() {
    // Threads sharing one ledger share commits (group commit).
    let (_dir, path) = ledger_file();
    let a = Arc::new(Authority::new(vendor(), SqliteLedger::open_existing(&path).unwrap()));
    let start = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|machine| {
            let (a, start) = (Arc::clone(&a), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                activate_one(&a, machine)
            })
        })
        .collect();
    let results: Vec<Option<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_exactly_the_seats(&results);
    drop(a);
    assert_status(&path);
}

#[test]
fn an_operation_failing_inside_a_shared_commit_is_rolled_back_alone() {
    let (_dir, path) = ledger_file();
    let ledger = Arc::new(SqliteLedger::open_existing(&path).unwrap());
    let before = Authority::new(vendor(), Arc::clone(&ledger)).history(None).unwrap().len();
    let start = Arc::new(Barrier::new(32));
    let threads: Vec<_> = (0..32u32)
        .map(|i| {
            let (ledger, start) = (Arc::clone(&ledger), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                ledger.transaction(&mut |tx| {
                    let event = Event {
                        at: t0(),
                        actor: "test".into(),
                        kind: EventKind::Issue,
                        license_id: None,
                        activation_id: None,
                        details: format!("operation {i}"),
                    };
                    tx.append_history(&event)?;
                    match i % 4 {
                        1 => Err(AuthorityError::Busy),
                        3 if i == 31 => panic!("operation {i} panics after writing"),
                        _ => Ok(i),
                    }
                })
            })
        })
        .collect();
    let mut kept = Vec::new();
    for (i, t) in threads.into_iter().enumerate() {
        match t.join() {
            Ok(Ok(n)) => kept.push(format!("operation {n}")),
            Ok(Err(AuthorityError::Busy)) => assert_eq!(i % 4, 1),
            Ok(Err(other)) => panic!("{other}"),
            Err(_) => assert_eq!(i, 31, "only operation 31 panics"),
        }
    }
    let history = Authority::new(vendor(), Arc::clone(&ledger)).history(None).unwrap();
    let mut written: Vec<String> = history[before..].iter().map(|e| e.event.details.clone()).collect();
    written.sort();
    kept.sort();
    assert_eq!(written, kept, "exactly the operations that succeeded are kept");
    assert_eq!(kept.len(), 32 - 8 - 1);
    assert!(ledger.check().unwrap().is_empty());
}

#[test]
fn sixty_four_threads_sharing_a_memory_ledger_get_exactly_k_seats() {
    let a = Arc::new(Authority::new(vendor(), MemoryLedger::new()));
    a.issue(&license(1, SEATS), ADMIN, t0()).unwrap();
    let start = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|machine| {
            let (a, start) = (Arc::clone(&a), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                activate_one(&a, machine)
            })
        })
        .collect();
    let results: Vec<Option<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_exactly_the_seats(&results);
    assert_eq!(a.status(None, t0()).unwrap().licenses[0].in_use, SEATS);
}

/// The child: activates machines `first..first + count` on the ledger named
/// by the environment and prints one line per machine.
#[test]
#[ignore = "run by several_processes_on_one_file_get_exactly_k_seats as a child process"]
fn concurrent_activation_child() {
    let (Some(path), Some(range)) = (std::env::var_os(DB_VAR), std::env::var(RANGE_VAR).ok()) else { return };
    let (first, count) = range.split_once(',').unwrap();
    let (first, count): (u32, u32) = (first.parse().unwrap(), count.parse().unwrap());
    let a = Authority::new(vendor(), SqliteLedger::open_existing(path).unwrap());
    for machine in first..first + count {
        match activate_one(&a, machine) {
            Some(seat) => println!("result granted {seat}"),
            None => println!("result refused"),
        }
    }
}

#[test]
fn several_processes_on_one_file_get_exactly_k_seats() {
    const PROCESSES: u32 = 8;
    let (_dir, path) = ledger_file();
    let per = CLIENTS / PROCESSES;
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "concurrent_activation_child",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(DB_VAR, &path)
                .env(RANGE_VAR, format!("{},{per}", p * per))
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut results = Vec::new();
    for mut child in children {
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            // The harness may print its own text before ours on the same line.
            match line.trim_end().split_once("result ").map(|(_, r)| r) {
                Some("refused") => results.push(None),
                Some(granted) => {
                    results.push(Some(granted.strip_prefix("granted ").unwrap().parse().unwrap()))
                }
                None => {}
            }
        }
        assert!(child.wait().unwrap().success(), "a child process failed");
    }
    assert_eq!(results.len() as u32, CLIENTS, "every process reported every machine");
    assert_exactly_the_seats(&results);
    assert_status(&path);
}

/// Several servers on one PostgreSQL database, as threads: 64 clients, each
/// with its own ledger (its own connections), race for k seats; PostgreSQL's
/// serializable transactions (retried on conflicts) grant exactly k.
#[cfg(feature = "postgres")]
#[test]
fn sixty_four_clients_on_one_postgres_database_get_exactly_k_seats() {
    use nodelock::authority::PostgresLedger;
    let Some(url) = postgres_url("sixty_four_clients_on_one_postgres_database_get_exactly_k_seats") else {
        return;
    };
    let schema = fresh_schema();
    let a = Authority::new(vendor(), PostgresLedger::open_in_schema(&url, &schema).unwrap());
    a.issue(&license(1, SEATS), ADMIN, t0()).unwrap();
    let start = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|machine| {
            let (url, schema, start) = (url.clone(), schema.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                let a = Authority::new(vendor(), PostgresLedger::open_in_schema(&url, &schema).unwrap());
                start.wait();
                activate_one(&a, machine)
            })
        })
        .collect();
    let results: Vec<Option<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_exactly_the_seats(&results);
    let s = &a.status(None, t0()).unwrap().licenses[0];
    assert_eq!((s.total, s.in_use, s.available, s.activations.len() as u32), (SEATS, SEATS, 0, SEATS));
    let grants = a.history(None).unwrap().iter().filter(|e| e.event.kind == EventKind::Activation).count();
    assert_eq!(grants as u32, SEATS, "one history entry per grant, none for refusals");
}

/// Threads sharing one PostgreSQL ledger (its pool of connections) get exactly k seats.
#[cfg(feature = "postgres")]
#[test]
fn sixty_four_threads_sharing_one_postgres_ledger_get_exactly_k_seats() {
    use nodelock::authority::PostgresLedger;
    let Some(url) = postgres_url("sixty_four_threads_sharing_one_postgres_ledger_get_exactly_k_seats") else {
        return;
    };
    let a =
        Arc::new(Authority::new(vendor(), PostgresLedger::open_in_schema(&url, &fresh_schema()).unwrap()));
    a.issue(&license(1, SEATS), ADMIN, t0()).unwrap();
    let start = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|machine| {
            let (a, start) = (Arc::clone(&a), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                activate_one(&a, machine)
            })
        })
        .collect();
    let results: Vec<Option<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_exactly_the_seats(&results);
    assert_eq!(a.status(None, t0()).unwrap().licenses[0].in_use, SEATS);
}
