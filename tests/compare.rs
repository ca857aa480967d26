//! The DeployLX comparison: table-driven cases for every kind and case, and
//! properties that must hold for any profiles and any coherent policy.
//!
//! Reproducing a property failure (proptest 1.12, see its `Config` docs):
//! proptest prints the minimal failing input and records its seed in
//! `tests/compare.proptest-regressions`, which is replayed first on every run
//! (commit it with the fix); a whole run is repeated with
//! `PROPTEST_RNG_SEED=<u64> cargo test --test compare`.

use nodelock::hardware::ComponentKind::{self, *};
use nodelock::hardware::KindSet;
use nodelock::policy::{Policy, Weights};
use nodelock::profile::{Digest, Profile};
use nodelock::{Change, WeightRule, compare, compare_read};
use proptest::prelude::*;

/// A digest standing for instance `n` of a kind.
fn d(n: u8) -> Digest {
    Digest([n; 16])
}

fn profile(entries: &[(ComponentKind, &[u8])]) -> Profile {
    Profile::from_digests(entries.iter().flat_map(|(k, ns)| ns.iter().map(move |n| (*k, d(*n))))).unwrap()
}

/// A typical machine: two NICs, one CPU, a system drive, memory, one optical
/// drive, two GPUs, one IDE and one SCSI controller.
fn machine() -> Vec<(ComponentKind, &'static [u8])> {
    vec![
        (Mac, &[1, 2]),
        (Cpu, &[10]),
        (SystemDrive, &[20]),
        (Memory, &[30]),
        (CdRom, &[40]),
        (Video, &[50, 51]),
        (Ide, &[60]),
        (Scsi, &[70]),
    ]
}

fn with(kind: ComponentKind, instances: &'static [u8]) -> Profile {
    let mut m = machine();
    for e in &mut m {
        if e.0 == kind {
            e.1 = instances;
        }
    }
    profile(&m)
}

struct Case {
    name: &'static str,
    current: Profile,
    moved: bool,
    score: u32,
    changes: Vec<(ComponentKind, Change, u32, WeightRule)>,
}

fn cases() -> Vec<Case> {
    let mut both = machine();
    both[0].1 = &[3];
    both[2].1 = &[21];
    let mut four = machine();
    four[1].1 = &[11];
    four[3].1 = &[31];
    four[4].1 = &[41];
    four[6].1 = &[61];
    let mut three = machine();
    three[1].1 = &[11];
    three[3].1 = &[31];
    three[4].1 = &[41];
    vec![
        Case { name: "identical", current: profile(&machine()), moved: false, score: 0, changes: vec![] },
        Case {
            name: "identical on a moved store",
            current: profile(&machine()),
            moved: true,
            score: 0,
            changes: vec![],
        },
        Case {
            name: "one of two NICs replaced",
            current: with(Mac, &[1, 3]),
            moved: false,
            score: 1,
            changes: vec![(Mac, Change::Partial, 1, WeightRule::Partial)],
        },
        Case {
            name: "both NICs replaced",
            current: with(Mac, &[3, 4]),
            moved: false,
            score: 3,
            changes: vec![(Mac, Change::Changed, 3, WeightRule::Default)],
        },
        Case {
            name: "one NIC removed",
            current: with(Mac, &[1]),
            moved: false,
            score: 1,
            changes: vec![(Mac, Change::Removed, 1, WeightRule::Partial)],
        },
        Case {
            name: "all NICs removed",
            current: with(Mac, &[]),
            moved: false,
            score: 3,
            changes: vec![(Mac, Change::Removed, 3, WeightRule::Default)],
        },
        Case {
            name: "NIC and system drive replaced",
            current: profile(&both),
            moved: false,
            score: 6,
            changes: vec![
                (Mac, Change::Changed, 3, WeightRule::Default),
                (SystemDrive, Change::Changed, 3, WeightRule::Default),
            ],
        },
        Case {
            name: "CPU changed on a moved store",
            current: with(Cpu, &[11]),
            moved: true,
            score: 2,
            changes: vec![(Cpu, Change::Changed, 2, WeightRule::Moved)],
        },
        Case {
            name: "one of two NICs replaced on a moved store",
            current: with(Mac, &[1, 3]),
            moved: true,
            score: 3,
            changes: vec![(Mac, Change::Partial, 3, WeightRule::Moved)],
        },
        Case {
            name: "system drive replaced",
            current: with(SystemDrive, &[21]),
            moved: false,
            score: 3,
            changes: vec![(SystemDrive, Change::Changed, 3, WeightRule::Default)],
        },
        Case {
            name: "system drive unreadable",
            current: with(SystemDrive, &[]),
            moved: false,
            score: 3,
            changes: vec![(SystemDrive, Change::Removed, 3, WeightRule::Default)],
        },
        Case {
            name: "memory upgraded",
            current: with(Memory, &[31]),
            moved: false,
            score: 1,
            changes: vec![(Memory, Change::Changed, 1, WeightRule::Default)],
        },
        Case {
            name: "second optical drive added",
            current: with(CdRom, &[40, 41]),
            moved: false,
            score: 1,
            changes: vec![(CdRom, Change::Added, 1, WeightRule::Partial)],
        },
        Case {
            name: "optical drive removed",
            current: with(CdRom, &[]),
            moved: false,
            score: 1,
            changes: vec![(CdRom, Change::Removed, 1, WeightRule::Default)],
        },
        Case {
            name: "one of two GPUs replaced",
            current: with(Video, &[50, 52]),
            moved: false,
            score: 1,
            changes: vec![(Video, Change::Partial, 1, WeightRule::Partial)],
        },
        Case {
            name: "IDE controller changed",
            current: with(Ide, &[61]),
            moved: false,
            score: 1,
            changes: vec![(Ide, Change::Changed, 1, WeightRule::Default)],
        },
        Case {
            name: "everything but SCSI gone and a second SCSI controller added",
            current: profile(&[(Scsi, &[70, 71])]),
            moved: false,
            score: 3 + 1 + 3 + 1 + 1 + 1 + 1 + 1,
            changes: vec![
                (Mac, Change::Removed, 3, WeightRule::Default),
                (Cpu, Change::Removed, 1, WeightRule::Default),
                (SystemDrive, Change::Removed, 3, WeightRule::Default),
                (Memory, Change::Removed, 1, WeightRule::Default),
                (CdRom, Change::Removed, 1, WeightRule::Default),
                (Video, Change::Removed, 1, WeightRule::Default),
                (Ide, Change::Removed, 1, WeightRule::Default),
                (Scsi, Change::Added, 1, WeightRule::Partial),
            ],
        },
        Case {
            name: "score equal to the tolerance stays licensed",
            current: profile(&three),
            moved: false,
            score: 3,
            changes: vec![
                (Cpu, Change::Changed, 1, WeightRule::Default),
                (Memory, Change::Changed, 1, WeightRule::Default),
                (CdRom, Change::Changed, 1, WeightRule::Default),
            ],
        },
        Case {
            name: "one more change crosses the tolerance",
            current: profile(&four),
            moved: false,
            score: 4,
            changes: vec![
                (Cpu, Change::Changed, 1, WeightRule::Default),
                (Memory, Change::Changed, 1, WeightRule::Default),
                (CdRom, Change::Changed, 1, WeightRule::Default),
                (Ide, Change::Changed, 1, WeightRule::Default),
            ],
        },
    ]
}

#[test]
fn table_of_cases() {
    let stored = profile(&machine());
    let policy = Policy::default();
    assert_eq!(policy.tolerance, 3);
    for case in cases() {
        let c = compare(&stored, &case.current, case.moved, &policy);
        assert_eq!(c.score, case.score, "{}: score\n{c}", case.name);
        assert_eq!(c.reactivate, case.score > 3, "{}: verdict", case.name);
        assert_eq!(c.moved, case.moved);
        let changed: Vec<_> = c.changed().map(|k| (k.kind, k.change, k.weight, k.rule)).collect();
        assert_eq!(changed, case.changes, "{}: per-kind changes\n{c}", case.name);
        assert_eq!(c.kinds.len(), ComponentKind::COUNT);
    }
}

#[test]
fn each_kind_alone_costs_its_default_or_moved_weight() {
    let policy = Policy::default();
    for kind in ComponentKind::ALL {
        let stored = profile(&[(kind, &[1])]);
        let current = profile(&[(kind, &[2])]);
        let w = policy.weights(kind);
        assert_eq!(compare(&stored, &current, false, &policy).score, u32::from(w.default), "{kind:?}");
        assert_eq!(compare(&stored, &current, true, &policy).score, u32::from(w.moved), "{kind:?} moved");
    }
}

#[test]
fn single_instance_kinds_are_never_partial() {
    let mut policy = Policy::default();
    policy.set_weights(Memory, Weights::new(5, 0, 5));
    // Two memory digests cannot happen in a real profile, but the rule must
    // hold for any input: a single-instance kind never gets the partial weight.
    let stored = profile(&[(Memory, &[1, 2])]);
    let current = profile(&[(Memory, &[1, 3])]);
    let c = compare(&stored, &current, false, &policy);
    assert_eq!((c.kind(Memory).rule, c.score), (WeightRule::Default, 5));
}

#[test]
fn table_and_json_explain_the_result() {
    let stored = profile(&machine());
    let c = compare(&stored, &with(Mac, &[1, 3]), false, &Policy::default());
    let table = c.to_string();
    for kind in ComponentKind::ALL {
        assert!(table.contains(kind.label()), "{table}");
    }
    assert!(table.contains("1 of 2 still match: partial weight"), "{table}");
    assert!(table.contains("Score 1 <= tolerance 3: within tolerance"), "{table}");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["score"], 1);
    assert_eq!(json["tolerance"], 3);
    assert_eq!(json["reactivate"], false);
    assert_eq!(json["kinds"][0]["kind"], "mac");
    assert_eq!(json["kinds"][0]["change"], "partial");
    assert_eq!(json["kinds"][0]["weight"], 1);
    assert_eq!(json["kinds"][2]["kind"], "system_drive");
    assert_eq!(json["kinds"][4]["kind"], "cd_rom");
}

// ---- properties ----

/// One instance's fate in a modification.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Keep,
    Replace,
    Remove,
}

/// A base machine (per kind, 0..4 distinct instances) and, per instance, a
/// pair of operations (a, b) where b is "a plus possibly more": b == a or a == Keep.
/// Per kind, per instance, the (smaller, larger) modification; and per kind
/// the (smaller, larger) number of added instances.
type Scenario = (Vec<Vec<(Op, Op)>>, Vec<(u8, u8)>);

fn scenario() -> impl Strategy<Value = Scenario> {
    let op = prop_oneof![Just(Op::Keep), Just(Op::Replace), Just(Op::Remove)];
    let pair = (op.clone(), op, any::<bool>())
        .prop_map(|(a, b, escalate)| if a == Op::Keep && escalate { (Op::Keep, b) } else { (a, a) });
    let per_kind = proptest::collection::vec(pair, 0..4);
    let kinds = proptest::collection::vec(per_kind, ComponentKind::COUNT);
    let adds = proptest::collection::vec((0u8..3, 0u8..3), ComponentKind::COUNT)
        .prop_map(|v| v.into_iter().map(|(a, extra)| (a, a + extra)).collect());
    (kinds, adds)
}

fn policy_strategy() -> impl Strategy<Value = Policy> {
    let weights = (0u16..6, 0u16..6, 0u16..6).prop_map(|(a, b, m)| Weights::new(a.max(b), a.min(b), m));
    (proptest::collection::vec(weights, ComponentKind::COUNT), 0u32..20).prop_map(|(w, tolerance)| {
        let mut p = Policy::default().with_tolerance(tolerance);
        for (kind, w) in ComponentKind::ALL.into_iter().zip(w) {
            p.set_weights(kind, w);
        }
        p.validate().unwrap();
        p
    })
}

/// Builds the stored profile and the two modified ones (first = fewer changes).
fn build(kinds: &[Vec<(Op, Op)>], adds: &[(u8, u8)]) -> (Profile, Profile, Profile) {
    let (mut base, mut small, mut large) = (Vec::new(), Vec::new(), Vec::new());
    for (ki, (ops, &(add_small, add_large))) in kinds.iter().zip(adds).enumerate() {
        let kind = ComponentKind::ALL[ki];
        for (i, &(a, b)) in ops.iter().enumerate() {
            let original = d((ki * 16 + i) as u8);
            let replacement = d(128 + (ki * 16 + i) as u8);
            base.push((kind, original));
            for (op, out) in [(a, &mut small), (b, &mut large)] {
                match op {
                    Op::Keep => out.push((kind, original)),
                    Op::Replace => out.push((kind, replacement)),
                    Op::Remove => {}
                }
            }
        }
        for j in 0..add_large {
            let added = d(128 + (ki * 16 + 8 + usize::from(j)) as u8);
            large.push((kind, added));
            if j < add_small {
                small.push((kind, added));
            }
        }
    }
    let p = |v: Vec<_>| Profile::from_digests(v).unwrap();
    (p(base), p(small), p(large))
}

proptest! {
    #[test]
    fn identical_profiles_score_zero((kinds, adds) in scenario(), policy in policy_strategy(), moved in any::<bool>()) {
        let (base, _, _) = build(&kinds, &adds);
        let c = compare(&base, &base, moved, &policy);
        prop_assert_eq!(c.score, 0);
        prop_assert!(c.is_exact());
        prop_assert!(!c.reactivate);
    }

    #[test]
    fn more_changes_never_lower_the_score((kinds, adds) in scenario(), policy in policy_strategy(), moved in any::<bool>()) {
        let (base, small, large) = build(&kinds, &adds);
        let s = compare(&base, &small, moved, &policy).score;
        let l = compare(&base, &large, moved, &policy).score;
        prop_assert!(s <= l, "fewer changes scored {} but more scored {}", s, l);
    }

    #[test]
    fn score_never_exceeds_the_applicable_weights((kinds, adds) in scenario(), policy in policy_strategy(), moved in any::<bool>()) {
        let (base, _, large) = build(&kinds, &adds);
        let bound: u32 = ComponentKind::ALL
            .iter()
            .map(|k| {
                let w = policy.weights(*k);
                u32::from(if moved { w.moved } else { w.default.max(w.partial) })
            })
            .sum();
        let c = compare(&base, &large, moved, &policy);
        prop_assert!(c.score <= bound);
        prop_assert_eq!(c.score, c.kinds.iter().map(|k| k.weight).sum::<u32>());
        prop_assert_eq!(c.reactivate, c.score > policy.tolerance);
    }

    /// The start-up check's rule (`compare_read`, `Policy::most_added`):
    /// the kinds read are compared exactly as in the whole comparison, and
    /// the kinds not read never add more than `most_added`, so a verdict
    /// settled without them is the whole comparison's verdict.
    #[test]
    fn kinds_left_unread_never_add_more_than_most_added(
        (kinds, adds) in scenario(),
        policy in policy_strategy(),
        moved in any::<bool>(),
        bits in 0u32..(1 << ComponentKind::COUNT),
    ) {
        let (base, _, large) = build(&kinds, &adds);
        let read: KindSet = ComponentKind::ALL.into_iter().filter(|k| bits >> k.index() & 1 == 1).collect();
        let unread = KindSet::ALL.without(read);
        let seen = Profile::from_digests(
            read.iter().flat_map(|k| large.digests(k).iter().map(move |d| (k, *d))),
        ).unwrap();
        let whole = compare(&base, &large, moved, &policy);
        let part = compare_read(&base, &seen, read, moved, &policy);
        for (w, p) in whole.kinds.iter().zip(&part.kinds) {
            if read.contains(w.kind) {
                prop_assert_eq!(w, p);
            } else {
                prop_assert_eq!((p.change, p.weight, p.rule, p.stored), (Change::NotRead, 0, WeightRule::None, w.stored));
            }
        }
        prop_assert_eq!(part.not_read().collect::<KindSet>(), unread);
        prop_assert!(part.score <= whole.score);
        prop_assert!(whole.score <= part.score + policy.most_added(unread, moved));
        if part.score + policy.most_added(unread, moved) <= policy.tolerance {
            prop_assert!(!whole.reactivate, "settled without {:?}, but the whole comparison reactivates", unread);
        }
        if unread.is_empty() {
            prop_assert_eq!(&part, &whole);
        }
    }

    #[test]
    fn comparison_is_symmetric_in_score((kinds, adds) in scenario(), policy in policy_strategy(), moved in any::<bool>()) {
        let (base, _, large) = build(&kinds, &adds);
        prop_assert_eq!(compare(&base, &large, moved, &policy).score, compare(&large, &base, moved, &policy).score);
    }

    #[test]
    fn profiles_round_trip_through_bytes_and_json((kinds, adds) in scenario()) {
        let (base, _, large) = build(&kinds, &adds);
        for p in [base, large] {
            prop_assert_eq!(Profile::from_bytes(&p.to_bytes()).unwrap(), p.clone());
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p.clone());
            prop_assert_eq!(p.fingerprint(), Profile::from_bytes(&p.to_bytes()).unwrap().fingerprint());
        }
    }
}

/// Per kind, the instances of one machine drawn from a small universe (so two
/// machines overlap often): single-instance kinds hold at most one.
fn machine_strategy() -> impl Strategy<Value = Profile> {
    let per_kind = ComponentKind::ALL.map(|kind| {
        let most = if kind.is_multi_instance() { 3 } else { 1 };
        proptest::collection::btree_set(0u8..5, 0..=most).prop_map(move |set| {
            set.into_iter().map(move |n| (kind, d(kind as u8 * 16 + n))).collect::<Vec<_>>()
        })
    });
    per_kind.prop_map(|kinds| Profile::from_digests(kinds.into_iter().flatten()).unwrap())
}

fn union(a: &Profile, b: &Profile) -> Profile {
    let all = |p: &Profile| {
        ComponentKind::ALL.map(|k| p.digests(k).iter().map(move |x| (k, *x)).collect::<Vec<_>>())
    };
    Profile::from_digests(all(a).into_iter().chain(all(b)).flatten()).unwrap()
}

proptest! {
    /// **The union profile (attack 4).** Let A and B be two plausible machine
    /// profiles and U = A ∪ B (per kind, the union of their digests) the
    /// profile a crafted request certifies. Then:
    ///
    /// 1. If A and B both carry a memory (or system-drive) digest and those
    ///    differ, U is refused by [`Policy::check_profile`] — the rule the
    ///    authority applies to every request — so no such certificate exists.
    /// 2. Otherwise, with normal weights,
    ///    `score(A, B) ≤ score(U, A) + score(U, B) + slack`, where `slack` sums,
    ///    over multi-instance kinds in which A and B are both non-empty and
    ///    share no instance, `max(0, default − 2·partial)`. Hence if
    ///    `score(A, B) > 2·tolerance + slack`, U validates on at most one of
    ///    A and B.
    ///
    /// Missing certified instances cost what new ones do (the symmetry of
    /// `comparison_is_symmetric_in_score`), which is what makes 2 hold. It is
    /// not the stronger "at most one validates whenever A and B are out of
    /// tolerance": an additive score below a threshold splits — e.g. A and B
    /// differing only in their one NIC (3) and one video card (1) give
    /// score(A, B) = 4 > 3, while U costs each of them 1 + 1 = 2.
    #[test]
    fn a_union_certificate_is_refused_or_bounded_by_the_triangle(a in machine_strategy(), b in machine_strategy()) {
        let policy = Policy::default();
        prop_assume!(policy.check_profile(&a).is_ok() && policy.check_profile(&b).is_ok());
        let u = union(&a, &b);
        let differ_single = [SystemDrive, Memory].into_iter().any(|k| {
            !a.digests(k).is_empty() && !b.digests(k).is_empty() && a.digests(k) != b.digests(k)
        });
        if differ_single {
            prop_assert!(policy.check_profile(&u).is_err(), "a union across a single-instance kind is refused");
            return Ok(());
        }
        let slack: u32 = ComponentKind::ALL
            .into_iter()
            .filter(|&k| k.is_multi_instance())
            .filter(|&k| {
                let (x, y) = (a.digests(k), b.digests(k));
                !x.is_empty() && !y.is_empty() && !x.iter().any(|i| y.contains(i))
            })
            .map(|k| {
                let w = policy.weights(k);
                u32::from(w.default.saturating_sub(2 * w.partial))
            })
            .sum();
        let ab = compare(&a, &b, false, &policy).score;
        let (ua, ub) = (compare(&u, &a, false, &policy), compare(&u, &b, false, &policy));
        prop_assert!(ab <= ua.score + ub.score + slack, "score(A,B) {} > {} + {} + {}", ab, ua.score, ub.score, slack);
        if ab > 2 * policy.tolerance + slack {
            prop_assert!(ua.reactivate || ub.reactivate, "U validates on both A and B");
        }
    }
}
