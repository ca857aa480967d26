//! Comparison policy: how much each hardware change costs, and how much change
//! a license tolerates.
//!
//! A [`Policy`] travels inside every signed license, so the vendor decides per
//! license; [`Policy::default`] is the DeployLX table of SPEC §1.2.
//!
//! It also says which profiles can be a real machine's at all
//! ([`Policy::check_profile`]), one rule with two callers: the authority
//! applies it to every request and the validator to the **current** profile
//! at every check, so a certificate obtained with a made-up component, or one
//! carrying two machines' digests, never validates. A profile is plausible
//! when it identifies at least `min_kinds` kinds and no kind carries more
//! digests than [`plausible_instances`] allows:
//!
//! | kind | at most | why |
//! |---|---|---|
//! | system drive | 1 | a machine boots from one drive |
//! | memory | 1 | the collectors report the total installed memory once |
//! | MAC address | 16 | NICs with several ports, bonds, servers |
//! | CPU | 8 | one digest per socket; eight-socket servers exist |
//! | video | 8 | multi-GPU workstations |
//! | CD-ROM | 4 | |
//! | IDE, SCSI controller | 16 | storage servers |
//!
//! A machine with more instances than that (a router with 64 adapters) is
//! not implausible: [`Profile::build`] keeps a bounded, deterministic subset
//! of each kind (plain physical components first, then by value), so the
//! profile built on the machine itself always passes.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hardware::{ComponentKind, KindSet};
use crate::profile::Profile;

/// The three weights of one component kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Weights {
    /// Applied when the kind changed and neither of the other cases applies.
    pub default: u16,
    /// Applied when a multi-instance kind still matches some, but not all,
    /// of its instances.
    pub partial: u16,
    /// Applied to every changed kind when the license store was moved,
    /// copied or restored.
    pub moved: u16,
}

impl Weights {
    /// Weights `default`/`partial`/`moved`.
    pub const fn new(default: u16, partial: u16, moved: u16) -> Self {
        Weights { default, partial, moved }
    }

    /// The largest of the three, the most a change of this kind can cost.
    pub fn max(self) -> u16 {
        self.default.max(self.partial).max(self.moved)
    }
}

/// Weights for every kind, indexed by [`ComponentKind::index`].
pub type KindWeights = [Weights; ComponentKind::COUNT];

/// The DeployLX default weights (default/partial/moved): Mac 3/1/3, Cpu 1/1/2,
/// SystemDrive 3/2/3, Memory, CdRom, Video, Ide and Scsi 1/1/1.
pub const DEFAULT_WEIGHTS: KindWeights = [
    Weights::new(3, 1, 3), // Mac
    Weights::new(1, 1, 2), // Cpu
    Weights::new(3, 2, 3), // SystemDrive
    Weights::new(1, 1, 1), // Memory
    Weights::new(1, 1, 1), // CdRom
    Weights::new(1, 1, 1), // Video
    Weights::new(1, 1, 1), // Ide
    Weights::new(1, 1, 1), // Scsi
];

/// The default tolerance: one major component (a NIC, the system drive) may be
/// replaced, or a few minor ones, before reactivation is needed.
pub const DEFAULT_TOLERANCE: u32 = 3;

/// The default minimum number of distinct readable kinds a profile must have.
pub const DEFAULT_MIN_KINDS: u8 = 3;

/// How a stored and a current hardware profile are compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Policy {
    /// Weights per kind, in [`ComponentKind::ALL`] order. In JSON, an object
    /// keyed by kind name (`"mac": {"default": 3, ...}`).
    #[serde(with = "weights_serde")]
    pub weights: KindWeights,
    /// The score a comparison may reach and still be accepted: reactivation is
    /// needed when `score > tolerance`.
    pub tolerance: u32,
    /// Ignore an existing activation whenever the store was moved, copied or
    /// restored, even when the hardware matches exactly.
    pub invalidate_on_move: bool,
    /// The minimum number of distinct kinds a profile must contain to be
    /// accepted; a container that shows only CPU and memory is refused rather
    /// than silently locked to almost nothing.
    pub min_kinds: u8,
    /// Whether removable devices (USB network dongles, USB optical drives) are
    /// part of the profile. Off by default: they come and go.
    pub include_removable: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            weights: DEFAULT_WEIGHTS,
            tolerance: DEFAULT_TOLERANCE,
            invalidate_on_move: false,
            min_kinds: DEFAULT_MIN_KINDS,
            include_removable: false,
        }
    }
}

/// A policy that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A partial weight is greater than the default weight of its kind.
    #[error(
        "the partial weight of {kind} ({partial}) is greater than its default weight ({default}); \
         a partial change must not cost more than a complete one"
    )]
    PartialAboveDefault {
        /// The kind.
        kind: ComponentKind,
        /// Its partial weight.
        partial: u16,
        /// Its default weight.
        default: u16,
    },
    /// `min_kinds` asks for more kinds than exist.
    #[error("min_kinds is {0}, but there are only {count} component kinds", count = ComponentKind::COUNT)]
    MinKindsTooLarge(u8),
}

/// A profile with fewer readable kinds than the policy demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error(
    "only {found} kinds of hardware could be identified on this machine, and this license needs \
     {required}; run the application on the machine itself rather than in a container, or ask \
     the vendor for a license with a lower minimum"
)]
pub struct WeakProfile {
    /// Distinct kinds found.
    pub found: usize,
    /// Distinct kinds required.
    pub required: usize,
}

/// The most digests of `kind` a real machine's profile carries (the table in
/// the module docs): exactly one of a single-instance kind. It is the number
/// of components of a kind [`Profile::build`] keeps
/// ([`crate::profile::kept_instances`]), so a profile built on the machine
/// itself is never implausible for having many instances.
pub const fn plausible_instances(kind: ComponentKind) -> usize {
    crate::profile::kept_instances(kind)
}

/// A profile that cannot be a real machine's under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Implausible {
    /// Too few kinds could be identified (`min_kinds`).
    #[error("{0}")]
    Weak(#[from] WeakProfile),
    /// A kind carries more digests than a machine has instances of it: a
    /// made-up component, or the digests of two machines in one profile.
    #[error(
        "the hardware profile lists {found} {kind} entries, and a machine has at most {max}; it cannot be \
         one machine's profile. Activate from the machine itself, with its hardware as it is"
    )]
    TooManyInstances {
        /// The kind.
        kind: ComponentKind,
        /// Digests of it in the profile.
        found: usize,
        /// The most a machine has ([`plausible_instances`]).
        max: usize,
    },
}

impl Policy {
    /// The weights of `kind`.
    pub fn weights(&self, kind: ComponentKind) -> Weights {
        self.weights[kind.index()]
    }

    /// Sets the weights of `kind`.
    pub fn set_weights(&mut self, kind: ComponentKind, weights: Weights) {
        self.weights[kind.index()] = weights;
    }

    /// The same policy with `tolerance`.
    pub fn with_tolerance(mut self, tolerance: u32) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks that the policy is coherent: partial weights never exceed
    /// default weights (so replacing more never lowers a score) and
    /// `min_kinds` is achievable.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for kind in ComponentKind::ALL {
            let w = self.weights(kind);
            if w.partial > w.default {
                return Err(PolicyError::PartialAboveDefault {
                    kind,
                    partial: w.partial,
                    default: w.default,
                });
            }
        }
        if usize::from(self.min_kinds) > ComponentKind::COUNT {
            return Err(PolicyError::MinKindsTooLarge(self.min_kinds));
        }
        Ok(())
    }

    /// Checks that a profile identifying `found` distinct kinds is strong
    /// enough for this policy.
    pub fn check_kinds(&self, found: usize) -> Result<(), WeakProfile> {
        let required = usize::from(self.min_kinds);
        if found < required { Err(WeakProfile { found, required }) } else { Ok(()) }
    }

    /// The most the kinds in `kinds` can add to a comparison's score: each
    /// its moved weight when the store was moved, else the larger of its
    /// default and partial weights — what it costs when it changes in the
    /// dearest way (see [`compare_read`](crate::compare::compare_read)).
    pub fn most_added(&self, kinds: KindSet, moved: bool) -> u32 {
        kinds
            .iter()
            .map(|kind| {
                let w = self.weights(kind);
                u32::from(if moved { w.moved } else { w.default.max(w.partial) })
            })
            .sum()
    }

    /// Checks that `profile` can be one real machine's under this policy:
    /// every kind within [`plausible_instances`] (exactly one digest of a
    /// single-instance kind that is present) and at least `min_kinds` kinds.
    /// The authority applies it to every request, the validator to the
    /// current profile at every check.
    pub fn check_profile(&self, profile: &Profile) -> Result<(), Implausible> {
        for kind in ComponentKind::ALL {
            let (found, max) = (profile.digests(kind).len(), plausible_instances(kind));
            if found > max {
                return Err(Implausible::TooManyInstances { kind, found, max });
            }
        }
        Ok(self.check_kinds(profile.kind_count())?)
    }
}

/// Weights are a fixed tuple of eight on the wire and a map by kind name in
/// human-readable formats.
pub(crate) mod weights_serde {
    use std::collections::BTreeMap;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{KindWeights, Weights};
    use crate::hardware::ComponentKind;

    pub fn serialize<S: Serializer>(w: &KindWeights, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(Some(ComponentKind::COUNT))?;
            for kind in ComponentKind::ALL {
                map.serialize_entry(kind.name(), &w[kind.index()])?;
            }
            map.end()
        } else {
            w.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<KindWeights, D::Error> {
        if d.is_human_readable() {
            let map = BTreeMap::<String, Weights>::deserialize(d)?;
            let mut out = super::DEFAULT_WEIGHTS;
            for (name, w) in map {
                let kind = ComponentKind::from_name(&name)
                    .ok_or_else(|| D::Error::custom(format_args!("unknown component kind `{name}`")))?;
                out[kind.index()] = w;
            }
            Ok(out)
        } else {
            KindWeights::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_added_is_each_kinds_dearest_applicable_weight() {
        let p = Policy::default();
        let pci = KindSet::of(&[ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi]);
        assert_eq!(p.most_added(pci, false), 3, "the default tolerance: the start-up check's premise");
        assert_eq!(p.most_added(KindSet::of(&[ComponentKind::Cpu]), false), 1);
        assert_eq!(p.most_added(KindSet::of(&[ComponentKind::Cpu]), true), 2, "moved weight");
        assert_eq!(p.most_added(KindSet::EMPTY, true), 0);
        assert_eq!(p.most_added(KindSet::ALL, false), 12);
    }

    #[test]
    fn defaults_are_the_deploylx_table() {
        let p = Policy::default();
        let table = [
            (ComponentKind::Mac, 3, 1, 3),
            (ComponentKind::Cpu, 1, 1, 2),
            (ComponentKind::SystemDrive, 3, 2, 3),
            (ComponentKind::Memory, 1, 1, 1),
            (ComponentKind::CdRom, 1, 1, 1),
            (ComponentKind::Video, 1, 1, 1),
            (ComponentKind::Ide, 1, 1, 1),
            (ComponentKind::Scsi, 1, 1, 1),
        ];
        for (kind, d, pa, m) in table {
            assert_eq!(p.weights(kind), Weights::new(d, pa, m), "{kind:?}");
        }
        assert!(!p.invalidate_on_move);
        p.validate().unwrap();
    }

    #[test]
    fn validation_rejects_incoherent_policies() {
        let mut p = Policy::default();
        p.set_weights(ComponentKind::Video, Weights::new(1, 2, 1));
        assert!(matches!(
            p.validate(),
            Err(PolicyError::PartialAboveDefault { kind: ComponentKind::Video, .. })
        ));
        let p = Policy { min_kinds: 9, ..Policy::default() };
        assert_eq!(p.validate(), Err(PolicyError::MinKindsTooLarge(9)));
    }

    fn profile(counts: &[(ComponentKind, u8)]) -> Profile {
        let digests = counts.iter().flat_map(|&(kind, n)| {
            (0..n).map(move |i| (kind, crate::profile::Digest([i + 1; crate::profile::DIGEST_LEN])))
        });
        Profile::from_digests(digests).unwrap()
    }

    #[test]
    fn single_instance_kinds_carry_one_digest_and_the_others_are_capped() {
        use ComponentKind::*;
        let p = Policy::default();
        assert_eq!(p.check_profile(&profile(&[(Mac, 1), (Cpu, 1), (Memory, 1), (SystemDrive, 1)])), Ok(()));
        for kind in [Memory, SystemDrive] {
            let two = profile(&[(Mac, 1), (Cpu, 1), (Memory, 1), (SystemDrive, 1), (kind, 2)]);
            assert_eq!(p.check_profile(&two), Err(Implausible::TooManyInstances { kind, found: 2, max: 1 }));
        }
        for kind in [Mac, Cpu, CdRom, Video, Ide, Scsi] {
            let max = plausible_instances(kind);
            let at_cap = profile(&[(Memory, 1), (SystemDrive, 1), (kind, max as u8)]);
            assert_eq!(p.check_profile(&at_cap), Ok(()), "{kind:?} at its cap");
            let over = profile(&[(Memory, 1), (SystemDrive, 1), (kind, max as u8 + 1)]);
            let err = p.check_profile(&over).unwrap_err();
            assert_eq!(err, Implausible::TooManyInstances { kind, found: max + 1, max });
            assert!(err.to_string().contains("Activate from the machine itself"), "{err}");
        }
        assert_eq!(
            p.check_profile(&profile(&[(Cpu, 1), (Memory, 1)])),
            Err(Implausible::Weak(WeakProfile { found: 2, required: 3 }))
        );
    }

    #[test]
    fn weak_profiles_are_reported() {
        let p = Policy::default();
        assert_eq!(p.check_kinds(2), Err(WeakProfile { found: 2, required: 3 }));
        assert_eq!(p.check_kinds(3), Ok(()));
    }
}
