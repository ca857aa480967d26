//! The invariant of "a seat is one machine", model-based and adversarial:
//! random sequences of what a determined customer can do — activate, renew,
//! request twice, copy a store to another machine, back a store up and
//! restore it in place, deactivate, crafted requests (a walk towards another
//! machine, a union of two machines, a kind dropped) — and what the vendor
//! does — release, transfer, revoke, cull — with the clock advancing, against
//! **real stores** (the `Validator` on fixture machines, files in temporary
//! directories) and a **real ledger** (the authority on SQLite or in memory).
//!
//! After every step, for the machines of the run (pairwise far apart: every
//! component differs):
//!
//! 1. every store that validates `Licensed` holds a certificate of an
//!    activation the ledger accounts for: a seat holder, a running
//!    temporary activation, or an ended one whose lease (+ grace) still runs
//!    (`running_out` in the status);
//! 2. no store validates with an activation that was culled (culling takes
//!    only machines whose every certificate ended);
//! 3. the number of machines on which some store validates is at most the
//!    seats in use + running temporaries + those running-out activations;
//!    once leases end, that is the seats in use.
//!
//! A deactivation receipt proves possession of the store's key, not that no
//! copy of the store was kept: a kept copy (or a backup restored after the
//! receipt) validates until its certificate's lease + grace ends — its
//! renewals are refused — and is counted as running out until then. With
//! perpetual certificates it would run for ever, so perpetual runs make no
//! copies (the README states this limit of `lease_days = 0`).
//!
//! Machines closer than twice the tolerance are outside this proof: with an
//! additive score, a crafted profile mixing two such machines can be within
//! tolerance of both (`tests/compare.rs` states the bound that holds).
#![cfg(all(feature = "authority", feature = "client"))]

mod common;
#[path = "authority_support/postgres_env.rs"]
mod postgres_env;
#[path = "authority_support/seed.rs"]
mod seed;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use common::*;
use nodelock::Timestamp;
use nodelock::activation::{ActivationCertificate, ActivationId, Validator, Verdict};
use nodelock::authority::{Authority, EventKind, Ledger, LicenseStatus, MemoryLedger, SqliteLedger, Which};
use nodelock::hardware::{ComponentKind, Inventory};
use nodelock::license::License;
use nodelock::profile::Profile;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Machines of a run: every component of each differs from every other's.
const MACHINES: usize = 3;
/// Most stores a run creates (copies included).
const MAX_STORES: usize = 7;

#[derive(Debug, Clone)]
enum Op {
    /// Store `s` asks (or asks again) and installs the answer.
    Activate(usize),
    /// Store `s` renews the activation it holds.
    Renew(usize),
    /// Store `s` asks twice and installs only the first answer.
    RequestTwice(usize),
    /// Store `s` is copied to machine `m` (a new store there).
    Copy(usize, usize),
    /// A fresh store on machine `m` (another OS user, or `--store`).
    NewStore(usize),
    /// Store `s` is backed up (one backup per store, the latest kept).
    Backup(usize),
    /// Store `s`'s backup is restored over it, in place.
    Restore(usize),
    /// Store `s` deactivates and its receipt reaches the vendor.
    Deactivate(usize),
    /// Store `s` deactivates, and the receipt is lost.
    DeactivateQuietly(usize),
    /// The vendor releases the activation of store `s`'s certificate.
    Release(usize),
    /// The vendor transfers the activation of store `s`'s certificate to the
    /// machine of store `t`, which installs it.
    Transfer(usize, usize),
    /// The vendor revokes the license.
    Revoke,
    /// The vendor (or its service's schedule) culls machines whose
    /// certificates all ended: it must never reclaim the seat of a machine
    /// that still validates.
    Cull,
    /// Store `s` sends a crafted request: its machine with the components
    /// of kinds in the mask taken from machine `m` (a walk step).
    Walk(usize, usize, u8),
    /// Store `s` sends a crafted request: the union of its machine's and
    /// machine `m`'s multi-instance components.
    Union(usize, usize),
    /// Store `s` sends a crafted request with one kind dropped.
    DropKind(usize, u8),
    /// Days pass.
    Advance(u16),
}

/// One store: a directory on a machine, and what its owner knows about it.
struct Sim {
    dir: PathBuf,
    machine: usize,
    backup: Option<PathBuf>,
}

struct World<L: Ledger> {
    _root: tempfile::TempDir,
    root: PathBuf,
    authority: Authority<L>,
    terms: License,
    text: String,
    machines: Vec<Inventory>,
    stores: Vec<Sim>,
    now: Timestamp,
    made: usize,
}

fn workstation(n: usize) -> Inventory {
    let mut inv = machine();
    for c in &mut inv.components {
        c.value = format!("{} #{n}", c.value);
    }
    inv.finish()
}

impl<L: Ledger> World<L> {
    fn new(ledger: L, terms: License) -> Self {
        let root = tempfile::tempdir().unwrap();
        let authority = Authority::new(vendor(), ledger);
        authority.issue(&terms, "vendor", ts("2026-01-01")).unwrap();
        let text = terms.sign(&vendor()).unwrap().to_armoured();
        let mut world = World {
            root: root.path().to_owned(),
            _root: root,
            authority,
            terms,
            text,
            machines: (0..MACHINES).map(workstation).collect(),
            stores: Vec::new(),
            now: ts("2026-07-01T10:00:00Z"),
            made: 0,
        };
        for m in 0..MACHINES {
            world.new_store(m);
        }
        world
    }

    fn fresh_dir(&mut self) -> PathBuf {
        self.made += 1;
        self.root.join(format!("store-{}", self.made))
    }

    fn new_store(&mut self, machine: usize) -> usize {
        let dir = self.fresh_dir();
        let v =
            Validator::new(app(), trusted(), &dir).with_collector(collector(self.machines[machine].clone()));
        v.install_license(&self.text).unwrap();
        self.stores.push(Sim { dir, machine, backup: None });
        self.stores.len() - 1
    }

    fn validator(&self, s: usize) -> Validator {
        let sim = &self.stores[s];
        Validator::new(app(), trusted(), &sim.dir)
            .with_collector(collector(self.machines[sim.machine].clone()))
    }

    /// The certificate store `s` holds, as its files say.
    fn certificate(&self, s: usize) -> Option<ActivationCertificate> {
        self.validator(s).store().load().ok()?.active?.certificate_unverified().ok()
    }

    fn profile_of(&self, machine: usize) -> Profile {
        let v = Validator::new(app(), trusted(), self.root.join("probe"))
            .with_collector(collector(self.machines[machine].clone()));
        v.current_profile(&self.terms)
    }

    /// Sends `request` to the vendor and installs the answer in store `s`.
    fn exchange(&self, s: usize, request: nodelock::activation::ActivationRequest) {
        if let Ok(grant) = self.authority.activate(&request, None, "desk", self.now) {
            // A refusal is an answer too; what matters is what validates.
            install_answer(&self.validator(s), &grant);
        }
    }

    fn crafted(&self, s: usize, profile: Profile) {
        let store = self.validator(s);
        if let Ok(request) = store.store().request(&self.text, &self.terms, profile, None, self.now) {
            self.exchange(s, request);
        }
    }

    fn apply(&mut self, op: &Op) {
        let n = self.stores.len();
        match *op {
            Op::Activate(s) => {
                if let Ok(r) = self.validator(s % n).request_activation_at(None, self.now) {
                    self.exchange(s % n, r);
                }
            }
            Op::Renew(s) => {
                if let Ok(r) = self.validator(s % n).request_renewal_at(None, self.now) {
                    self.exchange(s % n, r);
                }
            }
            Op::RequestTwice(s) => {
                let v = self.validator(s % n);
                let (Ok(first), Ok(second)) =
                    (v.request_activation_at(None, self.now), v.request_activation_at(None, self.now))
                else {
                    return;
                };
                let a = self.authority.activate(&first, None, "desk", self.now);
                let _ = self.authority.activate(&second, None, "desk", self.now);
                if let Ok(a) = a {
                    install_answer(&v, &a);
                }
            }
            Op::Copy(s, m) => {
                if n < MAX_STORES {
                    let to = self.fresh_dir();
                    copy_dir(&self.stores[s % n].dir, &to);
                    self.stores.push(Sim { dir: to, machine: m % MACHINES, backup: None });
                }
            }
            Op::NewStore(m) => {
                if n < MAX_STORES {
                    self.new_store(m % MACHINES);
                }
            }
            Op::Backup(s) => {
                let to = self.fresh_dir();
                copy_dir(&self.stores[s % n].dir, &to);
                self.stores[s % n].backup = Some(to);
            }
            Op::Restore(s) => {
                if let Some(backup) = self.stores[s % n].backup.clone() {
                    let dir = self.stores[s % n].dir.clone();
                    std::fs::remove_dir_all(&dir).unwrap();
                    copy_dir(&backup, &dir);
                }
            }
            Op::Deactivate(s) | Op::DeactivateQuietly(s) => {
                if let Ok(receipt) = self.validator(s % n).store().deactivate(self.now)
                    && matches!(op, Op::Deactivate(_))
                {
                    self.authority.deactivate(&receipt, "customer", self.now).unwrap();
                }
            }
            Op::Release(s) => {
                if let Some(c) = self.certificate(s % n) {
                    let _ = self.authority.release(c.activation_id, "vendor", self.now);
                }
            }
            Op::Transfer(s, t) => {
                let Some(c) = self.certificate(s % n) else { return };
                let v = self.validator(t % n);
                let Ok(request) = v.request_activation_at(None, self.now) else { return };
                if let Ok(g) = self.authority.transfer(c.activation_id, &request, None, "vendor", self.now) {
                    install_answer(&v, &g);
                }
            }
            Op::Revoke => {
                let _ = self.authority.revoke(self.terms.id, "vendor", self.now);
            }
            Op::Cull => {
                self.authority.cull("service", self.now).unwrap();
            }
            Op::Walk(s, m, mask) => {
                let own = self.profile_of(self.stores[s % n].machine);
                let other = self.profile_of(m % MACHINES);
                let mixed =
                    Profile::from_digests(ComponentKind::ALL.into_iter().enumerate().flat_map(|(i, k)| {
                        let from = if mask & (1 << i) != 0 { &other } else { &own };
                        from.digests(k).iter().map(move |d| (k, *d)).collect::<Vec<_>>()
                    }));
                if let Ok(p) = mixed {
                    self.crafted(s % n, p);
                }
            }
            Op::Union(s, m) => {
                let own = self.profile_of(self.stores[s % n].machine);
                let other = self.profile_of(m % MACHINES);
                let union = Profile::from_digests(ComponentKind::ALL.into_iter().flat_map(|k| {
                    let mut d: Vec<_> = own.digests(k).iter().map(|d| (k, *d)).collect();
                    if k.is_multi_instance() {
                        d.extend(other.digests(k).iter().map(|d| (k, *d)));
                    }
                    d
                }));
                if let Ok(p) = union {
                    self.crafted(s % n, p);
                }
            }
            Op::DropKind(s, kind) => {
                let own = self.profile_of(self.stores[s % n].machine);
                let dropped = ComponentKind::ALL[usize::from(kind) % ComponentKind::COUNT];
                let p = Profile::from_digests(
                    ComponentKind::ALL
                        .into_iter()
                        .filter(|k| *k != dropped)
                        .flat_map(|k| own.digests(k).iter().map(move |d| (k, *d)).collect::<Vec<_>>()),
                );
                if let Ok(p) = p {
                    self.crafted(s % n, p);
                }
            }
            Op::Advance(days) => self.now = self.now.plus_days(u64::from(days)),
        }
    }

    fn status(&self) -> LicenseStatus {
        self.authority.status(Some(self.terms.id), self.now).unwrap().licenses.remove(0)
    }

    /// Checks the invariant; `Err` names what broke it.
    fn check(&self) -> Result<(), String> {
        let status = self.status();
        let live: BTreeSet<ActivationId> = status.activations.iter().map(|h| h.activation_id).collect();
        // Only a vendor's reclaim (release, transfer) may leave a machine
        // running past its seat; a receipt frees a seat only when no store
        // that did not give its certificates up still runs. What a receipt
        // cannot prove is that no copy of the store's key was kept: such a
        // copy runs to the end of its certificate's lease (+ grace).
        let mut running_out: BTreeSet<ActivationId> = status
            .running_out
            .iter()
            .filter(|r| matches!(r.state.name(), "released" | "transferred"))
            .map(|r| r.activation_id)
            .collect();
        let grace = self.terms.grace_secs();
        let now = self.now;
        let kept_copies: Vec<ActivationId> = self
            .authority
            .ledger()
            .read(&mut |tx| {
                let mut ids = Vec::new();
                for a in tx.activations(&self.terms.id, Which::All)? {
                    let stores = tx.stores_of(&a.activation_id)?;
                    if a.state.name() != "active"
                        && stores.iter().any(|s| {
                            s.surrendered_at.is_some()
                                && s.lease_ends.is_some_and(|e| now < e.plus_secs(grace))
                        })
                    {
                        ids.push(a.activation_id);
                    }
                }
                Ok(ids)
            })
            .unwrap();
        running_out.extend(kept_copies);
        // Culling takes only machines whose every certificate ended: none
        // of a culled activation's stores validates, then or later.
        let culled: BTreeSet<ActivationId> = self
            .authority
            .history(Some(self.terms.id))
            .unwrap()
            .iter()
            .filter(|e| e.event.kind == EventKind::Culled)
            .filter_map(|e| e.event.activation_id)
            .collect();
        let mut machines: HashMap<usize, Vec<usize>> = HashMap::new();
        for s in 0..self.stores.len() {
            let Verdict::Licensed(licensed) = self.validator(s).check_at(self.now) else { continue };
            let id = licensed.activation_id;
            if culled.contains(&id) {
                return Err(format!("store {s} validates with activation {id}, which was culled"));
            }
            if !live.contains(&id) && !running_out.contains(&id) {
                return Err(format!(
                    "store {s} on machine {} validates with activation {id}, which the ledger does not account for",
                    self.stores[s].machine
                ));
            }
            machines.entry(self.stores[s].machine).or_default().push(s);
        }
        let bound = status.in_use + status.temporary + running_out.len() as u32;
        if machines.len() as u32 > bound {
            return Err(format!(
                "{} machines validate ({machines:?}) but the ledger accounts for {bound} \
                 ({} in use, {} temporary, {} running out)",
                machines.len(),
                status.in_use,
                status.temporary,
                running_out.len()
            ));
        }
        Ok(())
    }
}

fn run<L: Ledger>(ledger: L, terms: License, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut world = World::new(ledger, terms);
    for (step, op) in ops.iter().enumerate() {
        world.apply(op);
        if let Err(broken) = world.check() {
            return Err(TestCaseError::fail(format!("after step {step} {op:?}: {broken}")));
        }
    }
    Ok(())
}

/// The moves of a run. With perpetual certificates a kept copy of a store
/// outlives its receipt for ever (nothing reaches a machine that never calls
/// back: the price of `lease_days = 0`), so copies, backups and restores are
/// only made under leases, which bound them.
fn op(leased: bool) -> impl Strategy<Value = Op> {
    let s = 0..MAX_STORES;
    let m = 0..MACHINES;
    prop_oneof![
        5 => s.clone().prop_map(Op::Activate),
        3 => s.clone().prop_map(Op::Renew),
        1 => s.clone().prop_map(Op::RequestTwice),
        2 => (s.clone(), m.clone()).prop_map(move |(s, m)| if leased { Op::Copy(s, m) } else { Op::NewStore(m) }),
        2 => m.clone().prop_map(Op::NewStore),
        1 => s.clone().prop_map(move |s| if leased { Op::Backup(s) } else { Op::Renew(s) }),
        1 => s.clone().prop_map(move |s| if leased { Op::Restore(s) } else { Op::Renew(s) }),
        2 => s.clone().prop_map(Op::Deactivate),
        1 => s.clone().prop_map(Op::DeactivateQuietly),
        1 => s.clone().prop_map(Op::Release),
        1 => (s.clone(), s.clone()).prop_map(|(a, b)| Op::Transfer(a, b)),
        1 => Just(Op::Revoke),
        2 => Just(Op::Cull),
        1 => (s.clone(), m.clone(), any::<u8>()).prop_map(|(s, m, mask)| Op::Walk(s, m, mask)),
        1 => (s.clone(), m).prop_map(|(s, m)| Op::Union(s, m)),
        1 => (s, any::<u8>()).prop_map(|(s, k)| Op::DropKind(s, k)),
        3 => (1u16..20).prop_map(Op::Advance),
    ]
}

/// Terms, and moves fit for them.
fn case() -> impl Strategy<Value = (License, Vec<Op>)> {
    terms().prop_flat_map(|terms| {
        let ops = proptest::collection::vec(op(terms.lease_days != 0), 1..30);
        (Just(terms), ops)
    })
}

fn terms() -> impl Strategy<Value = License> {
    (1u32..3, 0u32..2, prop_oneof![Just(0u16), Just(10)], prop_oneof![Just(0u16), Just(8)], 0u16..3).prop_map(
        |(seats, transfers, temporary_days, lease_days, grace_days)| {
            let mut l = license();
            l.seats = seats;
            l.transfers_per_seat = transfers;
            l.temporary_days = temporary_days;
            l.lease_days = lease_days;
            l.grace_days = grace_days;
            l
        },
    )
}

/// `cases` cases from `NODELOCK_TEST_SEED` (else proptest's own
/// `PROPTEST_RNG_SEED`, else a fresh one), printed so a failure can be rerun.
fn config(cases: u32, test: &str) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(cases);
    let fallback = match config.rng_seed {
        RngSeed::Fixed(seed) => Some(seed),
        RngSeed::Random => None,
    };
    config.rng_seed = RngSeed::Fixed(seed::test_seed_or(test, fallback));
    config
}

proptest! {
    #![proptest_config(config(48, "a_seat_is_one_machine_in_memory"))]

    #[test]
    fn a_seat_is_one_machine_in_memory((terms, ops) in case()) {
        run(MemoryLedger::new(), terms, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(8, "a_seat_is_one_machine_on_sqlite"))]

    #[test]
    fn a_seat_is_one_machine_on_sqlite((terms, ops) in case()) {
        let dir = tempfile::tempdir().unwrap();
        run(SqliteLedger::open(dir.path().join("ledger.db")).unwrap(), terms, &ops)?;
    }
}

#[cfg(feature = "postgres")]
proptest! {
    #![proptest_config(config(8, "a_seat_is_one_machine_on_postgres"))]

    /// The same property on PostgreSQL (each case in a fresh schema); says
    /// SKIPPED without `NODELOCK_POSTGRES_URL`.
    #[test]
    fn a_seat_is_one_machine_on_postgres((terms, ops) in case()) {
        if let Some(url) = postgres_env::postgres_url("a_seat_is_one_machine_on_postgres") {
            let schema = postgres_env::fresh_schema();
            run(nodelock::authority::PostgresLedger::open_in_schema(&url, &schema).unwrap(), terms, &ops)?;
        }
    }
}

/// A sequence the property found interesting, kept as a fixed test: copy,
/// renew from the copy on another machine, release, keep running.
#[test]
fn copied_renewed_released_stores_stay_accounted_for() {
    let mut terms = license();
    terms.seats = 1;
    terms.lease_days = 8;
    terms.grace_days = 1;
    let ops = [
        Op::Activate(0),
        Op::Copy(0, 1),
        Op::Renew(3),
        Op::Renew(0),
        Op::Release(0),
        Op::Activate(1),
        Op::Advance(5),
        Op::Renew(0),
        Op::Advance(5),
    ];
    run(MemoryLedger::new(), terms, &ops).unwrap();
}

/// The limit of a receipt, as a fixed test: a copy of the store deactivates
/// and its receipt frees the seat; the original, kept back, validates only
/// until its certificate's lease + grace ends, and cannot renew.
#[test]
fn a_kept_copy_of_a_deactivated_store_runs_only_to_its_lease_end() {
    let mut terms = license();
    terms.seats = 1;
    terms.lease_days = 8;
    terms.grace_days = 1;
    let ops = [Op::Activate(1), Op::Copy(1, 1), Op::Deactivate(3), Op::Activate(0), Op::Advance(4)];
    let mut world = World::new(MemoryLedger::new(), terms);
    for op in &ops {
        world.apply(op);
        world.check().unwrap();
    }
    assert!(world.validator(1).check_at(world.now).is_licensed(), "the kept original still runs");
    assert!(world.validator(0).check_at(world.now).is_licensed(), "machine 0 took the freed seat");
    let renewal = world.validator(1).request_renewal_at(None, world.now).unwrap();
    let err = world.authority.activate(&renewal, None, "desk", world.now).unwrap_err();
    assert!(err.to_string().contains("deactivation receipt"), "{err}");
    world.apply(&Op::Advance(6));
    world.check().unwrap();
    assert!(!world.validator(1).check_at(world.now).is_licensed(), "lease + grace over");
}

/// The customer's moves of the issue as fixed sequences, checked step by
/// step against the invariant (perpetual certificates, one seat).
#[test]
fn the_issues_attacks_keep_the_invariant() {
    let attacks: [&[Op]; 5] = [
        // 1. A second store on the machine, renewed into the seat, deactivates.
        &[Op::Activate(0), Op::NewStore(0), Op::Activate(3), Op::Deactivate(3), Op::Activate(1)],
        // 1'. Request twice, install the first answer, deactivate.
        &[Op::RequestTwice(0), Op::Deactivate(0), Op::Activate(1)],
        // 2. A walk towards machine 1, one kind at a time (CPU, memory, IDE,
        //    optical, video, NICs, drive), a second store keeping machine 0's
        //    certificate, and the walked store copied to machine 1.
        &[
            Op::Activate(0),
            Op::NewStore(0),
            Op::Activate(3),
            Op::Walk(0, 1, 0x02),
            Op::Walk(0, 1, 0x0a),
            Op::Walk(0, 1, 0x4a),
            Op::Walk(0, 1, 0x5a),
            Op::Walk(0, 1, 0x7a),
            Op::Walk(0, 1, 0x7b),
            Op::Walk(0, 1, 0xff),
            Op::Copy(0, 1),
            Op::Activate(1),
        ],
        // 4, 6. A union of two machines; a kind dropped.
        &[Op::Union(0, 1), Op::DropKind(1, 6), Op::Activate(1), Op::Activate(2)],
        // 8. Released and transferred seats.
        &[Op::Activate(0), Op::Release(0), Op::Activate(1), Op::Transfer(1, 2), Op::Renew(0), Op::Renew(1)],
    ];
    for (n, ops) in attacks.iter().enumerate() {
        let mut terms = license();
        terms.seats = 1;
        terms.transfers_per_seat = 1;
        let mut world = World::new(MemoryLedger::new(), terms);
        for (step, op) in ops.iter().enumerate() {
            world.apply(op);
            world.check().unwrap_or_else(|e| panic!("attack {n}, step {step} {op:?}: {e}"));
        }
    }
}

/// Installs the authority's answer as the customer does: the short response
/// code, or — when the short response renews an activation the store does
/// not hold, so it cannot be rebuilt — the full one the vendor sends then
/// (`authority grant --long-code`).
fn install_answer(v: &Validator, grant: &nodelock::authority::Grant) {
    match v.install(grant.code().as_bytes()) {
        Err(nodelock::activation::ActivationError::ShortResponseUnknownActivation) => {
            v.install(grant.full_code().as_bytes()).unwrap();
        }
        other => {
            other.unwrap();
        }
    }
}
