//! What a profile keeps of a kind: how many components
//! ([`kept_instances`]) and which, in what order ([`keep_rank`], then the
//! value). The rule is applied by `Profile::build` one layer up; it lives
//! here so that a collector can stop reading a kind once it holds every
//! component any profile would keep of it
//! ([`Collector::collect_only`](super::Collector::collect_only)).

use super::{ComponentFlags, ComponentKind};

/// The most components of `kind` a profile built from an inventory keeps
/// (`Profile::build`; of a single-instance kind it keeps every value, so
/// that two are refused), and so the most digests of it a real machine's
/// profile carries (`policy::plausible_instances`): exactly one of a
/// single-instance kind, 16 MAC addresses (NICs with several ports, servers),
/// 8 CPUs (one per socket), 8 video adapters, 4 optical drives, 16 IDE and 16
/// SCSI controllers. All are within `profile::MAX_INSTANCES` (32).
pub const fn kept_instances(kind: ComponentKind) -> usize {
    match kind {
        ComponentKind::SystemDrive | ComponentKind::Memory => 1,
        ComponentKind::Mac | ComponentKind::Ide | ComponentKind::Scsi => 16,
        ComponentKind::Cpu | ComponentKind::Video => 8,
        ComponentKind::CdRom => 4,
    }
}

/// The group a profile ranks a component in when a kind has more
/// components than it keeps: plain ones (0) before virtual or locally
/// administered ones (1), those before removable ones (2); within a group,
/// by value. A value listed twice counts once, in its best group.
pub const fn keep_rank(flags: &ComponentFlags) -> u8 {
    if flags.exclusion().is_some() {
        2
    } else if flags.virtual_device || flags.locally_administered {
        1
    } else {
        0
    }
}

/// How much of a multi-instance kind a collection reads: what
/// [`Collector::collect`](super::Collector::collect) holds (`Every`), or what
/// [`Collector::collect_only`](super::Collector::collect_only) may stop at
/// (`Kept`: every component some profile keeps, whichever way it treats
/// removable devices). Collectors that cannot stop early read `Every`.
#[cfg(feature = "client")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    /// Every component.
    Every,
    /// At least the components a profile keeps.
    Kept,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_components_rank_before_described_ones_and_those_before_removable_ones() {
        let plain = ComponentFlags::default();
        let vm_nic = ComponentFlags { virtual_device: true, ..plain };
        let cloud = ComponentFlags { locally_administered: true, ..plain };
        let dongle = ComponentFlags { removable: true, usb: true, ..vm_nic };
        assert_eq!([plain, vm_nic, cloud, dongle].map(|f| keep_rank(&f)), [0, 1, 1, 2]);
        assert!(ComponentKind::ALL.iter().all(|&k| (1..=32).contains(&kept_instances(k))));
    }
}
