//! Comparing a stored profile with the current one (the DeployLX rules).
//!
//! For every kind that differs, the weight applied is, in this order: the
//! **moved** weight when the license store was moved, copied or restored;
//! else the **partial** weight when a multi-instance kind still matches some
//! of its instances; else the **default** weight. The score is the sum; the
//! machine must reactivate when `score > tolerance`.
//!
//! The [`Comparison`] *is* the explanation: per kind what changed, the weight
//! applied and why. `Display` renders it as the "compare tool" table and serde
//! gives JSON. [`compare_captures`] applies the same rule to two Profile
//! Helper captures, after checking that they can be compared at all.
//!
//! Profiles of different digest widths (a certificate that binds a short
//! profile, [`crate::profile::short`], and this machine's full one) are
//! compared at the shorter width: the wider one's digests are cut to it
//! first. Nothing else about the rule changes.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

use crate::capture::Capture;
use crate::hardware::{ComponentKind, KindSet};
use crate::policy::Policy;
use crate::profile::{Digest, Profile};

/// Two things that cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CompareError {
    /// The captures were keyed for different products, so equal hardware
    /// gives unrelated digests.
    #[error(
        "the captures were made for different products (`{old}` and `{new}`), so their digests cannot be \
         compared; capture both for the same product"
    )]
    DifferentProducts {
        /// The product of the earlier capture.
        old: String,
        /// The product of the later capture.
        new: String,
    },
}

/// What happened to one kind between the stored and the current profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// Identical instance sets (possibly both empty).
    Unchanged,
    /// Every stored instance is still present and new ones appeared.
    Added,
    /// Some or all stored instances are gone and nothing new appeared.
    Removed,
    /// Some stored instances still match; others were replaced.
    Partial,
    /// No stored instance matches any current one.
    Changed,
    /// Not read: the kinds already compared settled the verdict whatever
    /// this kind is now ([`compare_read`]).
    NotRead,
}

impl Change {
    /// The snake_case name (`partial`).
    pub const fn name(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Partial => "partial",
            Change::Changed => "changed",
            Change::NotRead => "not_read",
        }
    }
}

/// Which weight was applied to a kind, and so why it cost what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WeightRule {
    /// The kind did not change: no weight.
    None,
    /// The store was moved: the moved weight applies to every change.
    Moved,
    /// Some instances still match: the partial weight.
    Partial,
    /// The default weight.
    Default,
}

/// The comparison of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KindChange {
    /// The kind.
    pub kind: ComponentKind,
    /// What happened.
    pub change: Change,
    /// The weight added to the score.
    pub weight: u32,
    /// Which weight applied.
    pub rule: WeightRule,
    /// Instances in the stored profile.
    pub stored: usize,
    /// Instances in the current profile.
    pub current: usize,
    /// Instances present in both.
    pub matched: usize,
}

impl KindChange {
    /// Why this kind cost what it did, in words.
    pub fn explanation(&self) -> String {
        if self.change == Change::NotRead {
            return "not read: it could not change the verdict".to_owned();
        }
        match self.rule {
            WeightRule::None if self.stored == 0 => "not present".to_owned(),
            WeightRule::None => "all instances match".to_owned(),
            WeightRule::Moved => "store moved: moved weight".to_owned(),
            WeightRule::Partial => {
                format!("{} of {} still match: partial weight", self.matched, self.stored)
            }
            WeightRule::Default if self.current == 0 => "no longer present: default weight".to_owned(),
            WeightRule::Default if self.stored == 0 => "newly present: default weight".to_owned(),
            WeightRule::Default => "nothing matches: default weight".to_owned(),
        }
    }
}

/// The result of comparing two profiles under a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Comparison {
    /// One entry per kind, in [`ComponentKind::ALL`] order.
    pub kinds: Vec<KindChange>,
    /// Sum of the applied weights.
    pub score: u32,
    /// The policy's tolerance.
    pub tolerance: u32,
    /// Whether the store was treated as moved.
    pub moved: bool,
    /// `score > tolerance`: the machine must activate again.
    pub reactivate: bool,
}

impl Comparison {
    /// Whether nothing changed at all (every kind was read and matches).
    pub fn is_exact(&self) -> bool {
        self.kinds.iter().all(|k| k.change == Change::Unchanged)
    }

    /// Whether a kind that was read changed (what a licensed verdict
    /// reports as drift).
    pub fn drifted(&self) -> bool {
        self.changed().next().is_some()
    }

    /// The kinds [`compare_read`] did not read.
    pub fn not_read(&self) -> impl Iterator<Item = ComponentKind> + '_ {
        self.kinds.iter().filter(|k| k.change == Change::NotRead).map(|k| k.kind)
    }

    /// The entry of `kind`.
    pub fn kind(&self, kind: ComponentKind) -> &KindChange {
        &self.kinds[kind.index()]
    }

    /// The kinds that were read and changed.
    pub fn changed(&self) -> impl Iterator<Item = &KindChange> {
        self.kinds.iter().filter(|k| !matches!(k.change, Change::Unchanged | Change::NotRead))
    }
}

/// Counts the digests two sorted, de-duplicated slices share.
fn count_common(a: &[Digest], b: &[Digest]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Compares the `stored` profile (the one the activation certified) with the
/// `current` one. `moved` says whether the license store was moved, copied or
/// restored since activation. When their digest widths differ, both are
/// compared at the shorter one ([`Profile::at_width`]).
///
/// ```
/// use nodelock::{compare, hardware::ComponentKind, policy::Policy, profile::{Digest, Profile}};
/// let nic = |b| (ComponentKind::Mac, Digest([b; 16]));
/// let stored = Profile::from_digests([nic(1), nic(2)]).unwrap();
/// let current = Profile::from_digests([nic(1), nic(3)]).unwrap();
/// let c = compare(&stored, &current, false, &Policy::default());
/// assert_eq!(c.score, 1); // one of two NICs replaced: the partial weight of MAC
/// assert!(!c.reactivate);
/// ```
pub fn compare(stored: &Profile, current: &Profile, moved: bool, policy: &Policy) -> Comparison {
    compare_read(stored, current, KindSet::ALL, moved, policy)
}

/// Compares like [`compare`], but only the kinds in `read`: `current` holds
/// what a collector read of them ([`Collector::collect_only`]), and every
/// other kind is reported as [`Change::NotRead`], with no weight. The score
/// is that of the kinds read; the kinds not read can add at most
/// [`Policy::most_added`] to it, so a verdict is settled without them when
/// `score + most_added <= tolerance` (the start-up check's rule).
///
/// [`Collector::collect_only`]: crate::hardware::Collector::collect_only
pub fn compare_read(
    stored: &Profile,
    current: &Profile,
    read: KindSet,
    moved: bool,
    policy: &Policy,
) -> Comparison {
    let width = stored.width().min(current.width());
    let (stored, current) = (stored.at_width(width), current.at_width(width));
    let mut kinds = Vec::with_capacity(ComponentKind::COUNT);
    let mut score = 0u32;
    for kind in ComponentKind::ALL {
        let (s, c) = (stored.digests(kind), current.digests(kind));
        if !read.contains(kind) {
            let (change, rule, weight, current, matched) = (Change::NotRead, WeightRule::None, 0, 0, 0);
            kinds.push(KindChange { kind, change, weight, rule, stored: s.len(), current, matched });
            continue;
        }
        let matched = count_common(s, c);
        let change = if matched == s.len() && matched == c.len() {
            Change::Unchanged
        } else if matched == s.len() {
            Change::Added
        } else if matched == c.len() {
            Change::Removed
        } else if matched > 0 {
            Change::Partial
        } else {
            Change::Changed
        };
        let weights = policy.weights(kind);
        let (rule, weight) = if change == Change::Unchanged {
            (WeightRule::None, 0)
        } else if moved {
            (WeightRule::Moved, weights.moved)
        } else if kind.is_multi_instance() && matched > 0 {
            (WeightRule::Partial, weights.partial)
        } else {
            (WeightRule::Default, weights.default)
        };
        let weight = u32::from(weight);
        score += weight;
        kinds.push(KindChange { kind, change, weight, rule, stored: s.len(), current: c.len(), matched });
    }
    Comparison { kinds, score, tolerance: policy.tolerance, moved, reactivate: score > policy.tolerance }
}

/// Compares two diagnostic captures like [`compare`] compares profiles.
///
/// Digests are keyed per product, so captures made for different products
/// are refused ([`CompareError::DifferentProducts`]) rather than reported as
/// a machine whose every component changed.
pub fn compare_captures(
    old: &Capture,
    new: &Capture,
    moved: bool,
    policy: &Policy,
) -> Result<Comparison, CompareError> {
    if old.product != new.product {
        return Err(CompareError::DifferentProducts { old: old.product.clone(), new: new.product.clone() });
    }
    Ok(compare(&old.profile, &new.profile, moved, policy))
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>6} {:>7} {:>7}  {:<9} {:>6}  Why",
            "Component", "Stored", "Current", "Matched", "Change", "Weight"
        )?;
        for k in &self.kinds {
            writeln!(
                f,
                "{:<16} {:>6} {:>7} {:>7}  {:<9} {:>6}  {}",
                k.kind.label(),
                k.stored,
                k.current,
                k.matched,
                k.change.name(),
                k.weight,
                k.explanation()
            )?;
        }
        let relation = if self.reactivate { ">" } else { "<=" };
        let verdict = if self.reactivate { "reactivation required" } else { "within tolerance" };
        write!(f, "Score {} {relation} tolerance {}: {verdict}", self.score, self.tolerance)?;
        if self.moved {
            write!(f, " (the license store was moved, copied or restored)")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::{Component, Environment, Inventory};
    use crate::timestamp::Timestamp;

    fn capture(product: &str, mac: &str) -> Capture {
        let mut inventory = Inventory::new(Environment::BareMetal);
        inventory.push(Component::new(ComponentKind::Mac, mac));
        Capture::new(&inventory.finish(), product, false, Timestamp(0))
    }

    #[test]
    fn captures_of_one_product_compare_like_their_profiles() {
        let (old, new) = (capture("p", "3c:52:82:1a:2b:3c"), capture("p", "3c:52:82:1a:2b:3d"));
        let policy = Policy::default();
        let got = compare_captures(&old, &new, false, &policy).expect("same product");
        assert_eq!(got, compare(&old.profile, &new.profile, false, &policy));
        assert_eq!(got.score, 3, "the one MAC changed: its default weight");
    }

    #[test]
    fn kinds_not_read_are_listed_as_such_and_weigh_nothing() {
        let (a, b) = (capture("p", "3c:52:82:1a:2b:3c"), capture("p", "3c:52:82:1a:2b:3d"));
        let policy = Policy::default();
        let read = KindSet::of(&[ComponentKind::Mac, ComponentKind::Cpu]);
        let c = compare_read(&a.profile, &b.profile, read, false, &policy);
        assert_eq!(c.score, 3, "the MAC, read, changed");
        assert_eq!(c.not_read().collect::<KindSet>(), KindSet::ALL.without(read));
        assert_eq!(c.changed().map(|k| k.kind).collect::<Vec<_>>(), [ComponentKind::Mac]);
        assert!(c.drifted() && !c.is_exact());
        let video = c.kind(ComponentKind::Video);
        assert_eq!((video.change, video.weight, video.change.name()), (Change::NotRead, 0, "not_read"));
        let table = c.to_string();
        assert!(
            table.contains("not_read") && table.contains("not read: it could not change the verdict"),
            "{table}"
        );
        // Nothing read changed: no drift, and not exact either (some kinds are unknown).
        let same = compare_read(&a.profile, &a.profile, read, false, &policy);
        assert!(!same.drifted() && !same.is_exact());
        assert!(compare(&a.profile, &a.profile, false, &policy).is_exact());
    }

    #[test]
    fn captures_of_different_products_are_refused() {
        let (old, new) = (capture("a", "3c:52:82:1a:2b:3c"), capture("b", "3c:52:82:1a:2b:3c"));
        let error = compare_captures(&old, &new, false, &Policy::default()).expect_err("different products");
        assert_eq!(error, CompareError::DifferentProducts { old: "a".into(), new: "b".into() });
        assert!(error.to_string().contains("same product"), "{error}");
    }
}
