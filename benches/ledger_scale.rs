//! A large license on the durable SQLite ledger (feature `authority`),
//! through the public API:
//!
//! - `ledger_scale/renewal/N`: a machine holding a seat in a license of `N`
//!   seats, all held by other activated machines, asks again from its store
//!   (`Authority::activate` → a renewal: recognise, certify, record, sign,
//!   commit with `synchronous=FULL`).
//! - `ledger_scale/reinstall/N`: the same machine from a new store (a key
//!   the ledger never saw): recognised by its hardware profile alone.
//! - `ledger_scale/new_machine/N`: a machine never seen takes the one free
//!   seat (released again after each, untimed, so the license keeps its size).
//! - `ledger_scale/issue/N`: issuing a license of `N` seats on a fresh ledger.
//!
//! `N` is 100, 10,000 and 100,000 for the first three (all in one run, so
//! the 100-seat case is the baseline beside the large ones) and 10,000,
//! 100,000 and 1,000,000 for issuing. The fill (one transaction per license,
//! the rows `activate` writes, checked by the schema's triggers) is set-up,
//! not measured. Samples are few so the whole bench runs in minutes:
//! `cargo bench --bench ledger_scale --features authority`.
//! `NODELOCK_SCALE_SIZES=100,10000` runs only those sizes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use nodelock::activation::{ActivationId, ActivationKind};
use nodelock::authority::{
    ActivationRecord, ActivationState, Authority, Event, EventKind, Ledger, SeatRecord, SqliteLedger,
    StoreRecord,
};
use nodelock::license::LicenseId;

#[path = "../tests/authority_support/mod.rs"]
mod support;

use support::{Machine, license, t0, vendor};

/// A directory on the build's disk (benchmarks must not measure a tmpfs).
fn scratch() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

fn sizes(default: &[u32]) -> Vec<u32> {
    match std::env::var("NODELOCK_SCALE_SIZES") {
        Ok(list) => {
            let wanted: Vec<u32> = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            default.iter().copied().filter(|n| wanted.contains(n)).collect()
        }
        Err(_) => default.to_vec(),
    }
}

/// A license of `seats + 1` seats whose first `seats` seats are held by
/// machines 1..=seats (each with one store), written in one transaction.
fn filled(dir: &tempfile::TempDir, seats: u32) -> (Authority<SqliteLedger>, LicenseId) {
    let a = Authority::new(vendor(), SqliteLedger::open(dir.path().join("ledger.db")).unwrap());
    let terms = license(1, seats + 1);
    a.issue(&terms, "bench", t0()).unwrap();
    let id = terms.id;
    a.ledger()
        .transaction(&mut |tx| {
            for seat in tx.seats(&id)?.into_iter().take(seats as usize) {
                let request = Machine::new(seat.seat).request(id);
                let record = ActivationRecord {
                    activation_id: ActivationId::generate().unwrap(),
                    license_id: id,
                    state: ActivationState::Active,
                    kind: ActivationKind::Permanent,
                    temporary_until: None,
                    release_version: 1,
                    profile: Some(request.profile.to_bytes()),
                    fingerprint: Some(request.profile.fingerprint().code()),
                    label: Some(format!("machine {}", seat.seat)),
                    stamp: Some(request.stamp),
                    activation_key: request.activation_key,
                    nonce: request.nonce,
                    since: t0(),
                    renewed_at: t0(),
                    ended_at: None,
                    forked_at: None,
                };
                tx.insert_activation(&record)?;
                tx.update_seat(&SeatRecord { holder: Some(record.activation_id), ..seat })?;
                tx.insert_store(&StoreRecord {
                    activation_id: record.activation_id,
                    license_id: id,
                    activation_key: request.activation_key,
                    first_granted: t0(),
                    last_granted: t0(),
                    certificates: 1,
                    nonce: request.nonce,
                    lease_ends: None,
                    diverged_at: None,
                    surrendered_at: None,
                })?;
                tx.append_history(&Event {
                    at: t0(),
                    actor: "bench".into(),
                    kind: EventKind::Activation,
                    license_id: Some(id),
                    activation_id: Some(record.activation_id),
                    details: format!("seat {}", seat.seat),
                })?;
            }
            Ok(())
        })
        .unwrap();
    (a, id)
}

fn large_license(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger_scale");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for seats in sizes(&[100, 10_000, 100_000]) {
        let dir = scratch();
        let started = Instant::now();
        let (a, id) = filled(&dir, seats);
        eprintln!("filled {seats} seats in {:.1?}", started.elapsed());
        // A machine in the middle of the license, with a store the ledger knows.
        let mut machine = Machine::new(seats / 2 + 1);
        a.activate(&machine.request(id), None, "bench", t0()).unwrap();
        group.bench_with_input(BenchmarkId::new("renewal", seats), &seats, |b, _| {
            b.iter(|| a.activate(&machine.request(id), None, "bench", t0()).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("reinstall", seats), &seats, |b, _| {
            b.iter(|| a.activate(&Machine::new(seats / 2 + 1).request(id), None, "bench", t0()).unwrap())
        });
        let mut next = seats + 10;
        group.bench_with_input(BenchmarkId::new("new_machine", seats), &seats, |b, _| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    next += 1;
                    let request = Machine::new(next).request(id);
                    let start = Instant::now();
                    let grant = a.activate(&request, None, "bench", t0()).unwrap();
                    spent += start.elapsed();
                    assert_eq!(grant.certificate.seat, Some(seats + 1), "the one free seat");
                    a.release(grant.certificate.activation_id, "bench", t0()).unwrap();
                }
                spent
            })
        });
    }
    group.finish();
}

fn issue(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger_scale");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    for seats in sizes(&[10_000, 100_000, 1_000_000]) {
        group.bench_with_input(BenchmarkId::new("issue", seats), &seats, |b, &seats| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let dir = scratch();
                    let a = Authority::new(vendor(), SqliteLedger::open(dir.path().join("l.db")).unwrap());
                    let start = Instant::now();
                    a.issue(&license(1, seats), "bench", t0()).unwrap();
                    spent += start.elapsed();
                }
                spent
            })
        });
    }
    group.finish();
}

criterion_group!(benches, large_license, issue);
criterion_main!(benches);
