//! [`ComponentFlags`]: what a collector knows about a component beyond its
//! value, and the one flag that changes a profile ([`Exclusion`]). Why each
//! flag exists, and why none was removed, is documented on the type.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Facts about a component: [`removable`](Self::removable) decides whether
/// a profile includes it; the others describe it.
///
/// # What each flag is for (and why all four stay)
///
/// - `removable` is the **only flag policy reads**: a profile leaves a
///   removable component out unless the license's policy includes removable
///   devices (`Policy::include_removable`, a layer above this one),
///   so unplugging a USB dongle never costs a reactivation (SPEC §1.1: "mark
///   USB and other removable devices so policy can down-weight or exclude
///   them"). [`exclusion`](Self::exclusion) is that rule's answer, with the
///   reason.
/// - `usb` says *why* a component is removable ([`Exclusion::Usb`] rather
///   than [`Exclusion::Removable`], a FireWire/Thunderbolt/SD/hot-plug or
///   removable-media device). Every collector sets `removable` whenever it
///   sets `usb`, so `usb` never decides anything on its own.
/// - `virtual_device` and `locally_administered` are **descriptive only**.
///   They explain a value that is deliberately *kept*: a virtual machine's
///   NIC, disk or GPU is the stable hardware of that machine (the hypervisor
///   controls every value, which [`Environment::VirtualMachine`](super::Environment::VirtualMachine)
///   already says for the whole inventory), and a cloud NIC's locally
///   administered address is still its permanent address (the `cloud-vm`
///   fixture). Using them to exclude components would empty the profile of
///   every virtual machine, which the spec does not want.
///
/// None of the three is removed: `nodelock profile show` prints them (text
/// and `--json`) and diagnostic captures carry them in `raw_components`
/// (`docs/FORMAT.md` §12), both contracts this crate keeps; they are what a
/// support desk reads when "a component seems to change each time the
/// machine is profiled". [`labels`](Self::labels) is their one wording.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentFlags {
    /// The device can be unplugged (USB, FireWire, hot-plug media): left out
    /// of profiles unless the policy includes removable devices.
    pub removable: bool,
    /// The device hangs off a USB bus (always also `removable`).
    pub usb: bool,
    /// The device is emulated or paravirtual (virtio, a hypervisor's NIC or
    /// disk). Descriptive: such devices stay in the profile.
    pub virtual_device: bool,
    /// For MAC addresses: the locally-administered bit is set (permanent
    /// addresses of VM NICs often are). Descriptive: such addresses stay in
    /// the profile.
    pub locally_administered: bool,
}

/// Why a profile that leaves out removable devices leaves a component out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exclusion {
    /// The device is on a USB bus.
    Usb,
    /// The device is removable some other way (FireWire, Thunderbolt, SD,
    /// external or hot-plug interconnect, removable media).
    Removable,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Exclusion::Usb => "it is a USB device, which can be unplugged",
            Exclusion::Removable => "it is a removable device",
        })
    }
}

impl ComponentFlags {
    /// Why a profile built without removable devices leaves this component
    /// out, or `None` when every profile includes it.
    pub const fn exclusion(&self) -> Option<Exclusion> {
        match (self.removable, self.usb) {
            (false, _) => None,
            (true, true) => Some(Exclusion::Usb),
            (true, false) => Some(Exclusion::Removable),
        }
    }

    /// The names of the flags that are set, in a fixed order, for people:
    /// `removable`, `usb`, `virtual`, `locally administered`.
    pub fn labels(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.removable, "removable"),
            (self.usb, "usb"),
            (self.virtual_device, "virtual"),
            (self.locally_administered, "locally administered"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_removable_components_are_excluded_and_usb_says_why() {
        let none = ComponentFlags::default();
        assert_eq!(none.exclusion(), None);
        let vm_nic = ComponentFlags { virtual_device: true, locally_administered: true, ..none };
        assert_eq!(vm_nic.exclusion(), None, "virtual and locally administered devices stay");
        let dongle = ComponentFlags { removable: true, usb: true, ..none };
        assert_eq!(dongle.exclusion(), Some(Exclusion::Usb));
        let firewire = ComponentFlags { removable: true, ..none };
        assert_eq!(firewire.exclusion(), Some(Exclusion::Removable));
        assert!(Exclusion::Usb.to_string().contains("USB"));
    }

    #[test]
    fn labels_name_every_set_flag_in_order() {
        assert_eq!(ComponentFlags::default().labels().count(), 0);
        let all =
            ComponentFlags { removable: true, usb: true, virtual_device: true, locally_administered: true };
        assert_eq!(all.labels().collect::<Vec<_>>(), ["removable", "usb", "virtual", "locally administered"]);
        let vm_nic =
            ComponentFlags { virtual_device: true, locally_administered: true, ..Default::default() };
        assert_eq!(vm_nic.labels().collect::<Vec<_>>(), ["virtual", "locally administered"]);
    }
}
