//! Ledger benchmarks (feature `authority`):
//!
//! - `ledger/activate_durable`: one complete `Authority::activate` — read the
//!   license and its seats, compare the machine with every active one, take
//!   a seat, append the history, sign the certificate, commit with
//!   `synchronous=FULL` — per iteration, on a SQLite file on the same disk as
//!   the build (not a tmpfs). Throughput is reported as activations/s.
//! - `ledger/activate_durable_64_clients`: the same activations from 64
//!   threads sharing one ledger, whose operations then share commits (group
//!   commit: each operation still atomic in its own savepoint, none returning
//!   before its commit is on disk); `…_64_connections`: 64 threads each with
//!   its own connection, so each commit is flushed alone.
//! - `ledger/sqlite_commit_floor`: the cost of one durable SQLite commit of
//!   one tiny row with the same pragmas, to tell the authority's own work
//!   from the disk's flush.
//! - `ledger/status_10k`: the "licenses in use" query over 100 licenses with
//!   10,000 activations recorded, and over one of those licenses.
//!
//! Run with `cargo bench --bench ledger --features authority`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nodelock::authority::{Authority, Ledger, SqliteLedger};

mod common;
#[path = "../tests/authority_support/mod.rs"]
mod support;

use common::seated::hold_seat;
use support::{Machine, license, t0, vendor};

const SEATS: u32 = 100;

/// A directory on the build's disk (benchmarks must not measure a tmpfs).
fn scratch() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

/// An authority on a fresh ledger with `licenses` licenses of `SEATS` seats.
fn authority(dir: &tempfile::TempDir, licenses: u32) -> Authority<SqliteLedger> {
    let a = Authority::new(vendor(), SqliteLedger::open(dir.path().join("ledger.db")).unwrap());
    for n in 0..licenses {
        let mut l = license(0, SEATS);
        l.id.0[..4].copy_from_slice(&n.to_le_bytes());
        a.issue(&l, "bench", t0()).unwrap();
    }
    a
}

fn license_id(n: u32) -> nodelock::license::LicenseId {
    let mut id = license(0, SEATS).id;
    id.0[..4].copy_from_slice(&n.to_le_bytes());
    id
}

fn activate_durable(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("activate_durable", |b| {
        b.iter_custom(|iters| {
            // Fresh ledger and requests, not timed: each license fills up to
            // SEATS machines, so every activation takes a new seat.
            let dir = scratch();
            let licenses = (iters as u32).div_ceil(SEATS);
            let a = authority(&dir, licenses);
            let requests: Vec<_> =
                (0..iters as u32).map(|m| Machine::new(m).request(license_id(m / SEATS))).collect();
            let start = Instant::now();
            for request in &requests {
                a.activate(request, None, "bench", t0()).unwrap();
            }
            start.elapsed()
        })
    });
    for shared in [true, false] {
        let name = if shared { "activate_durable_64_clients" } else { "activate_durable_64_connections" };
        group.bench_function(name, |b| b.iter_custom(|iters| concurrent(iters, shared)));
    }
    group.bench_function("sqlite_commit_floor", |b| {
        let dir = scratch();
        let conn = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);",
        )
        .unwrap();
        b.iter(|| {
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            conn.execute("INSERT INTO t (v) VALUES (?1)", [&[7u8; 64][..]]).unwrap();
            conn.execute_batch("COMMIT").unwrap();
        })
    });
    group.finish();
}

/// `iters` activations from 64 threads: sharing one ledger (`shared`) or
/// each with its own connection to the file. Returns the wall time.
fn concurrent(iters: u64, shared: bool) -> Duration {
    const CLIENTS: u32 = 64;
    let dir = scratch();
    let licenses = (iters as u32).div_ceil(SEATS);
    let a = Arc::new(authority(&dir, licenses));
    let path = dir.path().join("ledger.db");
    let work: Vec<Vec<_>> = (0..CLIENTS)
        .map(|t| {
            (0..iters as u32)
                .filter(|m| m % CLIENTS == t)
                .map(|m| Machine::new(m).request(license_id(m / SEATS)))
                .collect()
        })
        .collect();
    let authorities: Vec<Arc<Authority<SqliteLedger>>> = (0..CLIENTS)
        .map(|_| match shared {
            true => Arc::clone(&a),
            false => Arc::new(Authority::new(vendor(), SqliteLedger::open_existing(&path).unwrap())),
        })
        .collect();
    let start = Instant::now();
    let threads: Vec<_> = work
        .into_iter()
        .zip(authorities)
        .map(|(requests, a)| {
            std::thread::spawn(move || {
                for request in &requests {
                    a.activate(request, None, "bench", t0()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

/// Fills every seat of every license in one transaction per license, as
/// `activate` would record them (the schema's triggers still check every row).
fn fill(a: &Authority<SqliteLedger>, licenses: u32) {
    for n in 0..licenses {
        let id = license_id(n);
        a.ledger()
            .transaction(&mut |tx| {
                for seat in tx.seats(&id)? {
                    let m = n * SEATS + seat.seat;
                    let request = Machine::new(m).request(id);
                    hold_seat(tx, seat, &request, m, t0())?;
                }
                Ok(())
            })
            .unwrap();
    }
}

fn status_10k(c: &mut Criterion) {
    const LICENSES: u32 = 100;
    let dir = scratch();
    let a = authority(&dir, LICENSES);
    fill(&a, LICENSES);
    let status = a.status(None, t0()).unwrap();
    let in_use: u32 = status.licenses.iter().map(|l| l.in_use).sum();
    assert_eq!(in_use, LICENSES * SEATS, "10,000 activations recorded");
    let mut group = c.benchmark_group("ledger");
    group.sample_size(30);
    group.bench_function("status_10k/all_licenses", |b| b.iter(|| a.status(None, t0()).unwrap()));
    group.bench_function("status_10k/one_license", |b| {
        b.iter(|| a.status(Some(license_id(7)), t0()).unwrap())
    });
    // A machine reactivating in that ledger: the renewal path.
    let mut machine = Machine::new(7 * SEATS + 1);
    group.bench_function("status_10k/renewal_durable", |b| {
        b.iter(|| a.activate(&machine.request(license_id(7)), None, "bench", t0()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, activate_durable, status_10k);
criterion_main!(benches);
