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
//! `NODELOCK_SCALE_SIZES=100,10000` runs only those sizes. With
//! `--features authority,postgres` and `NODELOCK_POSTGRES_URL` set, the same
//! benches run on PostgreSQL too (group `ledger_scale_postgres`, a fresh
//! schema per ledger).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use nodelock::authority::{Authority, GrantKind, Ledger, SqliteLedger, StoreRecord};
use nodelock::license::LicenseId;

mod common;
#[path = "../tests/authority_support/mod.rs"]
mod support;

use common::seated::hold_seat;
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
fn filled<L: Ledger>(ledger: L, seats: u32) -> (Authority<L>, LicenseId) {
    let a = Authority::new(vendor(), ledger);
    let terms = license(1, seats + 1);
    a.issue(&terms, "bench", t0()).unwrap();
    let id = terms.id;
    a.ledger()
        .transaction(&mut |tx| {
            for seat in tx.seats(&id)?.into_iter().take(seats as usize) {
                let seat_number = seat.seat;
                let request = Machine::new(seat_number).request(id);
                let record = hold_seat(tx, seat, &request, seat_number, t0())?;
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
            }
            Ok(())
        })
        .unwrap();
    (a, id)
}

/// The rows [`filled`] writes, on PostgreSQL with a few set-based statements
/// (`unnest` of one array per column) in one transaction: written row by row
/// over loopback, a 100,000-seat license took about 15 minutes to set up.
/// The schema's triggers check these rows as they check the ledger's own;
/// each activation's digest-prefix keys are the ones `insert_activation`
/// writes ([`digest_prefixes`] of its profile). The benches then assert that
/// the machines are recognised, so a fill the ledger would read differently
/// fails rather than measuring something else.
#[cfg(feature = "postgres")]
fn filled_in_bulk(
    ledger: Schema<nodelock::authority::PostgresLedger>,
    seats: u32,
) -> (Authority<Schema<nodelock::authority::PostgresLedger>>, LicenseId) {
    use nodelock::activation::ActivationId;
    use nodelock::authority::digest_prefixes;

    #[derive(Default)]
    struct Columns {
        ids: Vec<Vec<u8>>,
        profiles: Vec<Vec<u8>>,
        fingerprints: Vec<String>,
        labels: Vec<String>,
        stamps: Vec<Vec<u8>>,
        keys: Vec<Vec<u8>>,
        nonces: Vec<Vec<u8>>,
        seats: Vec<i64>,
        prefix_keys: Vec<i64>,
        prefix_ids: Vec<Vec<u8>>,
    }
    let (url, name) = (ledger.url.clone(), ledger.name.clone());
    let a = Authority::new(vendor(), ledger);
    let terms = license(1, seats + 1);
    a.issue(&terms, "bench", t0()).unwrap();
    let id = terms.id;
    let mut c = Columns::default();
    for seat in 1..=seats {
        let request = Machine::new(seat).request(id);
        let activation = ActivationId::generate().unwrap();
        for key in digest_prefixes(&request.profile) {
            c.prefix_keys.push(i64::from(key));
            c.prefix_ids.push(activation.0.to_vec());
        }
        c.ids.push(activation.0.to_vec());
        c.profiles.push(request.profile.to_bytes());
        c.fingerprints.push(request.profile.fingerprint().code());
        c.labels.push(format!("machine {seat}"));
        c.stamps.push(request.stamp.0.to_vec());
        c.keys.push(request.activation_key.to_vec());
        c.nonces.push(request.nonce.0.to_vec());
        c.seats.push(i64::from(seat));
    }
    let license_id = id.0.to_vec();
    let at = i64::try_from(t0().0).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("SET search_path TO {name}")).unwrap();
    let mut tx =
        client.build_transaction().isolation_level(postgres::IsolationLevel::Serializable).start().unwrap();
    tx.execute(
        "INSERT INTO activations (activation_id, license_id, state, kind, release_version, profile, \
         fingerprint, label, stamp, activation_key, nonce, since, renewed_at) \
         SELECT u.id, $1, 'active', 'permanent', 1, u.profile, u.fingerprint, u.label, u.stamp, u.key, \
         u.nonce, $2, $2 FROM unnest($3::BYTEA[], $4::BYTEA[], $5::TEXT[], $6::TEXT[], $7::BYTEA[], \
         $8::BYTEA[], $9::BYTEA[]) AS u(id, profile, fingerprint, label, stamp, key, nonce)",
        &[&license_id, &at, &c.ids, &c.profiles, &c.fingerprints, &c.labels, &c.stamps, &c.keys, &c.nonces],
    )
    .unwrap();
    // The insert trigger marked each new profile as not indexed yet; index
    // them as `insert_activation` does (the mark replaced by the keys).
    tx.execute("DELETE FROM profile_prefixes WHERE license_id = $1 AND prefix = -1", &[&license_id]).unwrap();
    tx.execute(
        "INSERT INTO profile_prefixes (license_id, prefix, activation_id) \
         SELECT $1, k, a FROM unnest($2::BIGINT[], $3::BYTEA[]) AS u(k, a)",
        &[&license_id, &c.prefix_keys, &c.prefix_ids],
    )
    .unwrap();
    let held = tx
        .execute(
            "UPDATE seats SET activation_id = u.id FROM unnest($2::BIGINT[], $3::BYTEA[]) AS u(seat, id) \
             WHERE seats.license_id = $1 AND seats.seat = u.seat",
            &[&license_id, &c.seats, &c.ids],
        )
        .unwrap();
    assert_eq!(held, u64::from(seats));
    tx.execute(
        "INSERT INTO stores (activation_id, license_id, activation_key, first_granted, last_granted, \
         certificates, nonce) SELECT u.id, $1, u.key, $2, $2, 1, u.nonce \
         FROM unnest($3::BYTEA[], $4::BYTEA[], $5::BYTEA[]) AS u(id, key, nonce)",
        &[&license_id, &at, &c.ids, &c.keys, &c.nonces],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO history (at, actor, kind, license_id, activation_id, details) \
         SELECT $2, 'bench', 'activation', $1, u.id, 'seat ' || u.seat \
         FROM unnest($3::BYTEA[], $4::BIGINT[]) AS u(id, seat)",
        &[&license_id, &at, &c.ids, &c.seats],
    )
    .unwrap();
    tx.commit().unwrap();
    // What autovacuum does within a minute of a write this large, done now
    // so it does not land in the middle of a measurement: without it the
    // free-seat index still holds the 100,000 entries the fill made dead
    // and the planner's statistics describe empty tables (a reinstall and
    // a new machine took 49 and 52 ms at 100,000 seats, 14 and 20 ms after).
    client.batch_execute("VACUUM ANALYZE seats, activations, profile_prefixes, stores, history").unwrap();
    (a, id)
}

/// The ledgers the bench runs on: SQLite always; PostgreSQL too with feature
/// `postgres` and `NODELOCK_POSTGRES_URL` set (a fresh schema per ledger).
#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

fn databases() -> Vec<Db> {
    // NODELOCK_SCALE_DB=sqlite or =postgres runs only that one.
    let only = std::env::var("NODELOCK_SCALE_DB").unwrap_or_default();
    #[allow(unused_mut)]
    let mut list = vec![Db::Sqlite];
    #[cfg(feature = "postgres")]
    if std::env::var(support::POSTGRES_VAR).is_ok_and(|u| !u.is_empty()) {
        list.push(Db::Postgres);
    }
    list.retain(|&db| {
        only.is_empty()
            || group_name(db).ends_with(only.as_str())
            || only == "sqlite" && matches!(db, Db::Sqlite)
    });
    list
}

fn group_name(db: Db) -> &'static str {
    match db {
        Db::Sqlite => "ledger_scale",
        #[cfg(feature = "postgres")]
        Db::Postgres => "ledger_scale_postgres",
    }
}

fn large_license(c: &mut Criterion) {
    for db in databases() {
        match db {
            Db::Sqlite => large_license_on(c, group_name(db), |dir, seats| {
                filled(SqliteLedger::open(dir.path().join("ledger.db")).unwrap(), seats)
            }),
            #[cfg(feature = "postgres")]
            Db::Postgres => large_license_on(c, group_name(db), |_, seats| filled_in_bulk(postgres(), seats)),
        }
    }
}

/// A PostgreSQL ledger in a fresh schema, dropped when the returned guard is.
#[cfg(feature = "postgres")]
fn postgres() -> Schema<nodelock::authority::PostgresLedger> {
    let url = std::env::var(support::POSTGRES_VAR).unwrap();
    let name = support::fresh_schema();
    let ledger = nodelock::authority::PostgresLedger::open_in_schema(&url, &name).unwrap();
    Schema { ledger: Some(ledger), url, name }
}

/// A ledger in a schema of its own, dropped (with its rows) after use, so the
/// shared database does not keep a million seats per sample.
#[cfg(feature = "postgres")]
struct Schema<L> {
    ledger: Option<L>,
    url: String,
    name: String,
}

#[cfg(feature = "postgres")]
impl<L: Ledger> Ledger for Schema<L> {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(
            &mut dyn nodelock::authority::LedgerTx,
        ) -> Result<R, nodelock::authority::AuthorityError>,
    ) -> Result<R, nodelock::authority::AuthorityError> {
        self.ledger.as_ref().unwrap().transaction(f)
    }
}

#[cfg(feature = "postgres")]
impl<L> Drop for Schema<L> {
    fn drop(&mut self) {
        drop(self.ledger.take());
        if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

fn large_license_on<L: Ledger>(
    c: &mut Criterion,
    name: &str,
    fill: impl Fn(&tempfile::TempDir, u32) -> (Authority<L>, LicenseId),
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for seats in sizes(&[100, 10_000, 100_000]) {
        let dir = scratch();
        let started = Instant::now();
        let (a, id) = fill(&dir, seats);
        eprintln!("{name}: filled {seats} seats in {:.1?}", started.elapsed());
        // A machine in the middle of the license, with a store the ledger
        // knows: recognised by its hardware (it keeps its seat), then by
        // its store.
        let mut machine = Machine::new(seats / 2 + 1);
        let first = a.activate(&machine.request(id), None, "bench", t0()).unwrap();
        assert_eq!(first.certificate.seat, Some(seats / 2 + 1), "the filled machine is recognised");
        assert_eq!(a.activate(&machine.request(id), None, "bench", t0()).unwrap().kind, GrantKind::Renewal);
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
    for db in databases() {
        let mut group = c.benchmark_group(group_name(db));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(1));
        group.measurement_time(Duration::from_secs(1));
        let all: &[u32] = match db {
            Db::Sqlite => &[10_000, 100_000, 1_000_000],
            #[cfg(feature = "postgres")]
            Db::Postgres => &[10_000, 100_000, 1_000_000],
        };
        for seats in sizes(all) {
            group.bench_with_input(BenchmarkId::new("issue", seats), &seats, |b, &seats| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        let dir = scratch();
                        spent += match db {
                            Db::Sqlite => {
                                issue_once(SqliteLedger::open(dir.path().join("l.db")).unwrap(), seats)
                            }
                            #[cfg(feature = "postgres")]
                            Db::Postgres => issue_once(postgres(), seats),
                        };
                    }
                    spent
                })
            });
        }
        group.finish();
    }
}

/// The time `Authority::issue` of a license of `seats` seats takes on `ledger`.
fn issue_once<L: Ledger>(ledger: L, seats: u32) -> Duration {
    let a = Authority::new(vendor(), ledger);
    let start = Instant::now();
    a.issue(&license(1, seats), "bench", t0()).unwrap();
    start.elapsed()
}

criterion_group!(benches, large_license, issue);
criterion_main!(benches);
