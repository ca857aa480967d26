//! Model-based test: random sequences of activations, deactivations,
//! releases, transfers, seat packs and the passing of time, run against the
//! authority and against a plain reference model of seats, transfers and
//! temporary periods. After every step the outcome and the ledger's status
//! must be the model's.
#![cfg(feature = "authority")]

mod authority_support;

use std::collections::HashMap;

use authority_support::*;
use nodelock::Timestamp;
use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind};
use nodelock::authority::{Authority, AuthorityError, Deactivation, Grant, GrantKind, Ledger};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Simulated machines in a run.
const MACHINES: usize = 6;

#[derive(Debug, Clone)]
enum Op {
    Activate(usize),
    Deactivate(usize),
    Release(usize),
    Transfer(usize, usize),
    ReissueSeats(u32),
    Advance(u64),
}

#[derive(Debug, Clone, Copy)]
struct Terms {
    seats: u32,
    transfers_per_seat: u32,
    temporary_days: u16,
}

/// What an operation should do, in the model's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Granted { kind: GrantKind, seat: Option<u32>, until: Option<Timestamp> },
    NoFreeSeat,
    TemporaryUsed,
    Ended { seat: Option<u32> },
    AlreadyEnded,
    NotActive,
    NotTransferable,
    TransfersExhausted,
    AlreadyHoldsSeat,
    Pack { first_seat: u32 },
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holding {
    Nothing,
    Seat(u32),
    /// An active temporary activation (possibly past its end).
    Temporary(Timestamp),
}

/// What a status shows: (total, in use, temporary, available), seat →
/// machine, and the machines with a running temporary activation and its end.
type Seen = ((u32, u32, u32, u32), Vec<(u32, usize)>, Vec<(usize, Timestamp)>);

/// The reference model: seats with holders and transfer counts, what each
/// machine holds, and each machine's one temporary period.
struct Model {
    terms: Terms,
    now: Timestamp,
    seats: Vec<(u32, Option<usize>, u32)>,
    holding: [Holding; MACHINES],
    period: [Option<Timestamp>; MACHINES],
    has_certificate: [bool; MACHINES],
}

impl Model {
    fn new(terms: Terms) -> Self {
        Model {
            terms,
            now: t0(),
            seats: (1..=terms.seats).map(|s| (s, None, 0)).collect(),
            holding: [Holding::Nothing; MACHINES],
            period: [None; MACHINES],
            has_certificate: [false; MACHINES],
        }
    }

    fn set_holder(&mut self, seat: u32, holder: Option<usize>) {
        for s in &mut self.seats {
            if s.0 == seat {
                s.1 = holder;
            }
        }
    }

    fn take_free_seat(&mut self, m: usize) -> Option<u32> {
        let seat = self.seats.iter().find(|s| s.1.is_none())?.0;
        self.set_holder(seat, Some(m));
        self.holding[m] = Holding::Seat(seat);
        Some(seat)
    }

    fn granted(kind: GrantKind, seat: Option<u32>, until: Option<Timestamp>) -> Outcome {
        Outcome::Granted { kind, seat, until }
    }

    fn activate(&mut self, m: usize) -> Outcome {
        let outcome = match self.holding[m] {
            Holding::Seat(s) => Self::granted(GrantKind::Renewal, Some(s), None),
            Holding::Temporary(until) => match self.take_free_seat(m) {
                Some(s) => Self::granted(GrantKind::Upgrade, Some(s), None),
                None if self.now < until => Self::granted(GrantKind::Renewal, None, Some(until)),
                None => Outcome::TemporaryUsed,
            },
            Holding::Nothing => match self.take_free_seat(m) {
                Some(s) => Self::granted(GrantKind::Seat, Some(s), None),
                None if self.terms.temporary_days == 0 => Outcome::NoFreeSeat,
                None => {
                    let until = *self.period[m]
                        .get_or_insert(self.now.plus_days(u64::from(self.terms.temporary_days)));
                    if self.now < until {
                        self.holding[m] = Holding::Temporary(until);
                        Self::granted(GrantKind::Temporary, None, Some(until))
                    } else {
                        Outcome::TemporaryUsed
                    }
                }
            },
        };
        if matches!(outcome, Outcome::Granted { .. }) {
            self.has_certificate[m] = true;
        }
        outcome
    }

    /// A deactivation receipt (`by_admin` false) or a release.
    fn end(&mut self, m: usize, by_admin: bool) -> Outcome {
        if !self.has_certificate[m] {
            return Outcome::Skipped;
        }
        let seat = match self.holding[m] {
            Holding::Nothing if by_admin => return Outcome::NotActive,
            Holding::Nothing => return Outcome::AlreadyEnded,
            Holding::Seat(s) => Some(s),
            Holding::Temporary(_) => None,
        };
        if let Some(s) = seat {
            self.set_holder(s, None);
        }
        self.holding[m] = Holding::Nothing;
        Outcome::Ended { seat }
    }

    fn transfer(&mut self, from: usize, to: usize) -> Outcome {
        if !self.has_certificate[from] {
            return Outcome::Skipped;
        }
        let seat = match self.holding[from] {
            Holding::Nothing => return Outcome::NotActive,
            Holding::Temporary(_) => return Outcome::NotTransferable,
            Holding::Seat(s) => s,
        };
        let entry = self.seats.iter_mut().find(|s| s.0 == seat).unwrap();
        if entry.2 >= self.terms.transfers_per_seat {
            return Outcome::TransfersExhausted;
        }
        if matches!(self.holding[to], Holding::Seat(_)) {
            return Outcome::AlreadyHoldsSeat;
        }
        entry.1 = Some(to);
        entry.2 += 1;
        self.holding[from] = Holding::Nothing;
        self.holding[to] = Holding::Seat(seat);
        self.has_certificate[to] = true;
        Self::granted(GrantKind::Transfer, Some(seat), None)
    }

    fn reissue(&mut self, n: u32) -> Outcome {
        let first_seat = self.seats.iter().map(|s| s.0).max().unwrap_or(0) + 1;
        self.seats.extend((first_seat..first_seat + n).map(|s| (s, None, 0)));
        Outcome::Pack { first_seat }
    }

    fn status(&self) -> Seen {
        let held: Vec<(u32, usize)> = self.seats.iter().filter_map(|s| Some((s.0, s.1?))).collect();
        let temporary: Vec<(usize, Timestamp)> = (0..MACHINES)
            .filter_map(|m| match self.holding[m] {
                Holding::Temporary(until) if self.now < until => Some((m, until)),
                _ => None,
            })
            .collect();
        let total = self.seats.len() as u32;
        let in_use = held.len() as u32;
        ((total, in_use, temporary.len() as u32, total - in_use), held, temporary)
    }
}

/// The authority side of a run: the machines and who owns which activation.
struct Real<L: Ledger> {
    authority: Authority<L>,
    machines: Vec<Machine>,
    last: [Option<Grant>; MACHINES],
    owner: HashMap<ActivationId, usize>,
    now: Timestamp,
}

impl<L: Ledger> Real<L> {
    fn outcome_of_grant(&mut self, m: usize, result: Result<Grant, AuthorityError>) -> Outcome {
        match result {
            Ok(g) => {
                let until = match g.certificate.kind {
                    ActivationKind::Temporary { until } => Some(until),
                    ActivationKind::Permanent => None,
                };
                let outcome = Outcome::Granted { kind: g.kind, seat: g.certificate.seat, until };
                self.owner.insert(g.certificate.activation_id, m);
                self.last[m] = Some(g);
                outcome
            }
            Err(e) => error_outcome(e),
        }
    }

    fn apply(&mut self, op: &Op) -> Outcome {
        let id = license(1, 1).id;
        match *op {
            Op::Activate(m) => {
                let request = self.machines[m].request(id);
                let result = self.authority.activate(&request, None, "model", self.now);
                self.outcome_of_grant(m, result)
            }
            Op::Deactivate(m) => {
                let Some(g) = &self.last[m] else { return Outcome::Skipped };
                match self.authority.deactivate(&self.machines[m].receipt(&g.certificate), "model", self.now)
                {
                    Ok(Deactivation::Deactivated(f)) => Outcome::Ended { seat: f.seat },
                    Ok(Deactivation::AlreadyEnded { .. }) => Outcome::AlreadyEnded,
                    Ok(other) => panic!("{other:?}"),
                    Err(e) => error_outcome(e),
                }
            }
            Op::Release(m) => {
                let Some(g) = &self.last[m] else { return Outcome::Skipped };
                let certificate = g.certificate.clone();
                match self.authority.release(certificate.activation_id, "model", self.now) {
                    Ok(f) => {
                        self.surrender(m, &certificate);
                        Outcome::Ended { seat: f.seat }
                    }
                    Err(e) => error_outcome(e),
                }
            }
            Op::Transfer(from, to) => {
                let Some(g) = &self.last[from] else { return Outcome::Skipped };
                let certificate = g.certificate.clone();
                let request = self.machines[to].request(id);
                let result =
                    self.authority.transfer(certificate.activation_id, &request, None, "model", self.now);
                if result.is_ok() {
                    self.surrender(from, &certificate);
                }
                self.outcome_of_grant(to, result)
            }
            Op::ReissueSeats(n) => {
                let pack = self.authority.reissue_seats(id, n, "model", self.now).unwrap();
                Outcome::Pack { first_seat: pack.first_seat }
            }
            Op::Advance(days) => {
                self.now = self.now.plus_days(days);
                Outcome::Skipped
            }
        }
    }

    /// The machine whose activation was released or transferred does as the
    /// refusal of its next renewal says: deactivates (the receipt changes no
    /// seat) and requests from a fresh store from then on.
    fn surrender(&mut self, m: usize, certificate: &ActivationCertificate) {
        let receipt = self.machines[m].receipt(certificate);
        let answer = self.authority.deactivate(&receipt, "model", self.now).unwrap();
        assert!(matches!(answer, Deactivation::AlreadyEnded { .. }), "{answer:?}");
    }

    fn status(&self) -> Seen {
        let s = self.authority.status(Some(license(1, 1).id), self.now).unwrap().licenses.remove(0);
        let held =
            s.activations.iter().filter_map(|h| Some((h.seat?, self.owner[&h.activation_id]))).collect();
        let mut temporary: Vec<(usize, Timestamp)> = s
            .activations
            .iter()
            .filter(|h| h.seat.is_none())
            .map(|h| (self.owner[&h.activation_id], h.until.unwrap()))
            .collect();
        temporary.sort();
        ((s.total, s.in_use, s.temporary, s.available), held, temporary)
    }
}

fn error_outcome(e: AuthorityError) -> Outcome {
    match e {
        AuthorityError::NoFreeSeat { .. } => Outcome::NoFreeSeat,
        AuthorityError::TemporaryUsed { .. } => Outcome::TemporaryUsed,
        AuthorityError::NotActive { .. } => Outcome::NotActive,
        AuthorityError::NotTransferable { .. } => Outcome::NotTransferable,
        AuthorityError::TransfersExhausted { .. } => Outcome::TransfersExhausted,
        AuthorityError::AlreadyHoldsSeat { .. } => Outcome::AlreadyHoldsSeat,
        other => panic!("unexpected error: {other}"),
    }
}

fn run<L: Ledger>(backend: Backend<L>, terms: Terms, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut l = license(1, terms.seats);
    l.transfers_per_seat = terms.transfers_per_seat;
    l.temporary_days = terms.temporary_days;
    let (authority, _dir) = authority(backend, &[l]);
    let mut real = Real {
        authority,
        machines: (0..MACHINES as u32).map(Machine::new).collect(),
        last: Default::default(),
        owner: HashMap::new(),
        now: t0(),
    };
    let mut model = Model::new(terms);
    let mut history = 0;
    for (step, op) in ops.iter().enumerate() {
        let expected = match *op {
            Op::Activate(m) => model.activate(m),
            Op::Deactivate(m) => model.end(m, false),
            Op::Release(m) => model.end(m, true),
            Op::Transfer(from, to) => model.transfer(from, to),
            Op::ReissueSeats(n) => model.reissue(n),
            Op::Advance(days) => {
                model.now = model.now.plus_days(days);
                Outcome::Skipped
            }
        };
        let actual = real.apply(op);
        prop_assert_eq!(actual, expected, "step {} {:?}", step, op);
        prop_assert_eq!(real.status(), model.status(), "status after step {} {:?}", step, op);
        let now = real.authority.history(None).unwrap().len();
        prop_assert!(now >= history, "the history shrank at step {}", step);
        history = now;
    }
    Ok(())
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0..MACHINES;
    prop_oneof![
        5 => m.clone().prop_map(Op::Activate),
        2 => m.clone().prop_map(Op::Deactivate),
        1 => m.clone().prop_map(Op::Release),
        2 => (m.clone(), m).prop_map(|(a, b)| Op::Transfer(a, b)),
        1 => (1u32..3).prop_map(Op::ReissueSeats),
        2 => (1u64..40).prop_map(Op::Advance),
    ]
}

fn terms() -> impl Strategy<Value = Terms> {
    (1u32..4, 0u32..3, prop_oneof![Just(0u16), Just(30u16)]).prop_map(
        |(seats, transfers_per_seat, temporary_days)| Terms { seats, transfers_per_seat, temporary_days },
    )
}

/// `cases` cases from the seed `NODELOCK_TEST_SEED` (else proptest's own
/// `PROPTEST_RNG_SEED`, else a fresh one), printed so a failure can be
/// rerun; proptest also replays the cases persisted in
/// `authority_model.proptest-regressions` before new ones.
fn config(cases: u32, test: &str) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(cases);
    let fallback = match config.rng_seed {
        RngSeed::Fixed(seed) => Some(seed),
        RngSeed::Random => None,
    };
    config.rng_seed = RngSeed::Fixed(test_seed_or(test, fallback));
    config
}

proptest! {
    #![proptest_config(config(128, "the_memory_ledger_follows_the_model"))]

    #[test]
    fn the_memory_ledger_follows_the_model(terms in terms(), ops in proptest::collection::vec(op(), 1..60)) {
        run(memory(), terms, &ops)?;
    }
}

proptest! {
    // Every step is a durable SQLite commit: fewer cases, same model.
    #![proptest_config(config(16, "the_sqlite_ledger_follows_the_model"))]

    #[test]
    fn the_sqlite_ledger_follows_the_model(terms in terms(), ops in proptest::collection::vec(op(), 1..40)) {
        run(sqlite(), terms, &ops)?;
    }
}
