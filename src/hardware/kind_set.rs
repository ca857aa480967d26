//! `KindSet`: a set of component kinds, for asking a collector to read only
//! some of them ([`Collector::collect_only`](super::Collector::collect_only))
//! and for saying which kinds a comparison did not read.

use std::fmt;

use super::ComponentKind;

/// A set of [`ComponentKind`]s, one bit per kind in [`ComponentKind::ALL`]
/// order.
///
/// ```
/// use nodelock::hardware::{ComponentKind, KindSet};
/// let pci = KindSet::of(&[ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi]);
/// assert!(pci.contains(ComponentKind::Ide));
/// assert!(!KindSet::ALL.without(pci).contains(ComponentKind::Video));
/// assert_eq!(KindSet::ALL.without(pci).iter().count(), 5);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KindSet(u32);

impl KindSet {
    /// No kind.
    pub const EMPTY: KindSet = KindSet(0);

    /// Every kind.
    pub const ALL: KindSet = KindSet((1 << ComponentKind::COUNT) - 1);

    /// The kinds read from the PCI bus, by one pass on every platform:
    /// display, IDE and SCSI controllers.
    pub const PCI: KindSet = KindSet::of(&[ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi]);

    /// The set of `kinds`.
    pub const fn of(kinds: &[ComponentKind]) -> KindSet {
        let mut set = KindSet::EMPTY;
        let mut i = 0;
        while i < kinds.len() {
            set = set.with(kinds[i]);
            i += 1;
        }
        set
    }

    /// This set and `kind`.
    pub const fn with(self, kind: ComponentKind) -> KindSet {
        KindSet(self.0 | 1 << kind.index())
    }

    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: ComponentKind) -> bool {
        self.0 & 1 << kind.index() != 0
    }

    /// The kinds of this set that are not in `other`.
    pub const fn without(self, other: KindSet) -> KindSet {
        KindSet(self.0 & !other.0)
    }

    /// The kinds of this set or of `other`.
    pub const fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    /// The kinds of this set that are in `other` too.
    pub const fn intersection(self, other: KindSet) -> KindSet {
        KindSet(self.0 & other.0)
    }

    /// Whether the set has no kind.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds of the set, in [`ComponentKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = ComponentKind> {
        ComponentKind::ALL.into_iter().filter(move |&kind| self.contains(kind))
    }
}

impl fmt::Debug for KindSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<ComponentKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = ComponentKind>>(kinds: I) -> Self {
        kinds.into_iter().fold(KindSet::EMPTY, KindSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_one_bit_and_all_holds_exactly_them() {
        for kind in ComponentKind::ALL {
            let one = KindSet::of(&[kind]);
            assert!(one.contains(kind));
            assert_eq!(one.iter().collect::<Vec<_>>(), [kind]);
            assert!(KindSet::ALL.contains(kind));
            assert!(!KindSet::ALL.without(one).contains(kind));
            assert_eq!(KindSet::ALL.without(one).union(one), KindSet::ALL);
        }
        assert_eq!(KindSet::ALL.iter().collect::<Vec<_>>(), ComponentKind::ALL);
        assert!(KindSet::EMPTY.is_empty() && KindSet::EMPTY.iter().next().is_none());
        assert_eq!(ComponentKind::ALL.into_iter().collect::<KindSet>(), KindSet::ALL);
    }
}
