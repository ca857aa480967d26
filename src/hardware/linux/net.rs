//! `Mac`: permanent addresses of physical network adapters (`/sys/class/net`).
//!
//! An interface counts when it is a physical Ethernet-type adapter: it has a
//! `device` link (virtual interfaces — loopback, bridges, veth, tun/tap,
//! bonds, VLANs — live under `/sys/devices/virtual` and have none), it is not
//! a bridge, tun or bond (its class link leads into its parent device's
//! directory, where the kernel never puts those; only an entry that is no
//! such link is checked for their marker files), and its `type` is `ARPHRD_ETHER` (1, which Wi-Fi
//! also uses). Its address is, on the live system, the permanent one the
//! kernel reports through `ETHTOOL_GPERMADDR`; otherwise (a fixture root, or
//! an adapter without a recorded permanent address) the current `address`
//! when `addr_assign_type` says it is permanent (0) or stolen from another
//! device (2), never when it is random (1) or set by software (3).
//! See `Documentation/ABI/testing/sysfs-class-net`.
//!
//! Flags: `usb` and `removable` when the adapter hangs off a USB bus,
//! `virtual_device` for paravirtual and hypervisor NICs (virtio, Xen,
//! Hyper-V, VMware), `locally_administered` from the address itself.

use std::path::Path;

use super::sysfs::{Sysfs, is_paravirtual_path, is_usb_path};
use crate::hardware::normalise::{mac_from_octets, mac_is_locally_administered, mac_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{AddressProblem, Component, ComponentFlags, ComponentKind, Content, Environment, Why};

/// `ARPHRD_ETHER` from `include/uapi/linux/if_arp.h`.
const ARPHRD_ETHER: u64 = 1;

/// Drivers of paravirtual or hypervisor-emulated network adapters.
const VIRTUAL_NIC_DRIVERS: [&str; 5] = ["virtio_net", "vif", "xen-netfront", "hv_netvsc", "vmxnet3"];

/// Asks the kernel for permanent addresses (the live system only).
pub(super) trait PermanentAddress {
    /// The permanent address of `interface`, if the kernel reports one.
    fn permanent(&self, interface: &str) -> Option<[u8; 6]>;
}

/// Never knows a permanent address: fixture roots use the sysfs rule alone.
pub(super) struct SysfsOnly;

impl PermanentAddress for SysfsOnly {
    fn permanent(&self, _interface: &str) -> Option<[u8; 6]> {
        None
    }
}

/// What one entry of `/sys/class/net` turned out to be.
enum Adapter {
    /// Loopback, virtual, bridge, tun, bond or not Ethernet: not a candidate.
    Skipped,
    /// A physical adapter without a permanent address (the reason says why).
    NoPermanentAddress(AddressProblem),
    /// A physical adapter and its permanent address.
    Found(Component),
}

/// Collects the `Mac` components of the machine below `sysfs`.
///
/// A device that cannot be read is skipped; when nothing is found the kind is
/// unreadable, with the first problem met or, failing that, the reason no
/// adapter qualified.
pub(super) fn collect(
    sysfs: &Sysfs,
    kernel: &dyn PermanentAddress,
    environment: Environment,
) -> Result<Vec<Component>, Why> {
    let dir = sysfs.path("sys/class/net");
    let names = sysfs.list(&dir)?;
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut no_permanent = Vec::new();
    for name in &names {
        match adapter(sysfs, &dir.join(name), name, kernel) {
            Ok(Adapter::Skipped) => {}
            Ok(Adapter::NoPermanentAddress(problem)) => no_permanent.push((name.clone(), problem)),
            Ok(Adapter::Found(component)) => found.push(component),
            Err(problem) => problems.push(problem),
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem);
    }
    if !no_permanent.is_empty() {
        return Err(Why::NoPermanentAddress { adapters: no_permanent });
    }
    Err(Why::NoPhysicalAdapter { container: environment == Environment::Container })
}

/// Classifies one entry of `/sys/class/net`.
///
/// Ordered for the live path's cost: one `readlink` settles every virtual
/// interface (under `/sys/devices/virtual`, where `device` links never are),
/// the `device` link is resolved once and then serves the USB and virtual
/// checks too.
fn adapter(sysfs: &Sysfs, entry: &Path, name: &str, kernel: &dyn PermanentAddress) -> Result<Adapter, Why> {
    if name == "lo" {
        return Ok(Adapter::Skipped);
    }
    // One readlink settles a virtual interface and finds a physical one's
    // directory; whether it exists is learnt from its `device` link.
    let (dir, linked) = match sysfs.link_target(entry) {
        Some(target) if target.starts_with(sysfs.path("sys/devices/virtual")) => return Ok(Adapter::Skipped),
        Some(target) if sysfs.is_inside(&target) => {
            let linked = target != entry;
            (target, linked)
        }
        _ => (sysfs.resolve(entry)?, false),
    };
    let device = match sysfs.resolve(&dir.join("device")) {
        Ok(device) => device,
        Err(error) if error.is_missing() && !sysfs.exists(&dir.join("device")) => {
            if sysfs.exists(&dir) {
                return Ok(Adapter::Skipped); // no `device` link: not a physical adapter
            }
            // The class entry itself dangles: report it in its own words.
            return Err(sysfs.resolve(entry).err().unwrap_or(error));
        }
        Err(error) => return Err(error),
    };
    // The kernel puts bridges, tun/tap devices and bonds (which have no
    // parent device) under `/sys/devices/virtual`, so a class link into a
    // device's directory already proves the interface is none of them; the
    // marker files are looked for only when the class entry is not such a
    // link (a hand-made tree), which saves three lookups per adapter.
    if !linked {
        for marker in ["bridge", "tun_flags", "bonding"] {
            if sysfs.probe(&dir.join(marker))? {
                return Ok(Adapter::Skipped);
            }
        }
    }
    // Attributes are read through the class link so that messages name
    // `/sys/class/net/<name>/…`, the path people know.
    if sysfs.read_decimal(&entry.join("type"))? != ARPHRD_ETHER {
        return Ok(Adapter::Skipped);
    }
    let value = match kernel.permanent(name).and_then(mac_from_octets) {
        Some(value) => value,
        None => match sysfs_address(sysfs, entry)? {
            Ok(value) => value,
            Err(problem) => return Ok(Adapter::NoPermanentAddress(problem)),
        },
    };
    let usb = is_usb_path(&device);
    let flags = ComponentFlags {
        removable: usb,
        usb,
        virtual_device: is_virtual_nic(sysfs, &device),
        locally_administered: mac_is_locally_administered(&value),
    };
    Ok(Adapter::Found(Component::new(ComponentKind::Mac, value).with_flags(flags)))
}

/// The sysfs rule: the current address when `addr_assign_type` says it is
/// permanent or stolen. The outer error is a read problem, the inner one
/// why the adapter has no usable address.
fn sysfs_address(sysfs: &Sysfs, dir: &Path) -> Result<Result<String, AddressProblem>, Why> {
    let assign_path = dir.join("addr_assign_type");
    match sysfs.read_decimal(&assign_path)? {
        0 | 2 => {}
        1 => return Ok(Err(AddressProblem::Random)),
        3 => return Ok(Err(AddressProblem::SetBySoftware)),
        other => return Err(sysfs.invalid(&assign_path, Content::UnknownAddressType(other))),
    }
    let address_path = dir.join("address");
    let text = sysfs.read_text(&address_path)?;
    Ok(mac_value(&text).ok_or_else(|| AddressProblem::Invalid(text.trim().to_owned())))
}

/// Whether the adapter's `device` (the resolved `device` link) is a
/// paravirtual or hypervisor NIC: by bus, by driver, or by PCI vendor.
fn is_virtual_nic(sysfs: &Sysfs, device: &Path) -> bool {
    is_paravirtual_path(device)
        || sysfs.link_name(&device.join("driver")).is_some_and(|d| VIRTUAL_NIC_DRIVERS.contains(&d.as_str()))
        || sysfs
            .read_hex(&device.join("vendor"))
            .ok()
            .and_then(|v| u16::try_from(v).ok())
            .is_some_and(pci_vendor_is_virtual)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::collect`] with the reason as the text people read, which
    /// these tests pin word for word.
    fn collect(
        sysfs: &Sysfs,
        kernel: &dyn PermanentAddress,
        environment: Environment,
    ) -> Result<Vec<Component>, String> {
        super::collect(sysfs, kernel, environment).map_err(|why| why.to_string())
    }

    /// Pretends the kernel knows `mac` as every interface's permanent address.
    struct Kernel([u8; 6]);

    impl PermanentAddress for Kernel {
        fn permanent(&self, _interface: &str) -> Option<[u8; 6]> {
            Some(self.0)
        }
    }

    /// A minimal physical adapter `name` with a PCI `device` link.
    fn adapter_tree(root: &Path, name: &str, assign: &str, address: &str) {
        let pci = root.join("sys/devices/pci0000:00/0000:00:1f.6");
        let dir = pci.join("net").join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::create_dir_all(root.join("sys/class/net")).expect("mkdir");
        std::fs::write(pci.join("vendor"), "0x8086\n").expect("write");
        std::fs::write(dir.join("type"), "1\n").expect("write");
        std::fs::write(dir.join("addr_assign_type"), assign).expect("write");
        std::fs::write(dir.join("address"), address).expect("write");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../../../0000:00:1f.6", dir.join("device")).expect("symlink");
            let link = format!("../../devices/pci0000:00/0000:00:1f.6/net/{name}");
            std::os::unix::fs::symlink(link, root.join("sys/class/net").join(name)).expect("symlink");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_kernel_permanent_address_wins_over_a_random_current_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        adapter_tree(dir.path(), "wlp2s0", "1\n", "f6:3b:9a:10:7e:25\n");
        let sysfs = Sysfs::new(dir.path());
        let fixture = collect(&sysfs, &SysfsOnly, Environment::BareMetal);
        assert_eq!(
            fixture,
            Err("no network adapter has a permanent address: wlp2s0 has a randomly generated address".into())
        );
        let live = collect(&sysfs, &Kernel([0x3c, 0x52, 0x82, 0x1a, 0x2b, 0x3c]), Environment::BareMetal);
        assert_eq!(live, Ok(vec![Component::new(ComponentKind::Mac, "3c:52:82:1a:2b:3c")]));
        // All zeros means "no permanent address recorded": the sysfs rule decides.
        let zeros = collect(&sysfs, &Kernel([0; 6]), Environment::BareMetal);
        assert_eq!(zeros, fixture);
    }

    #[cfg(unix)]
    #[test]
    fn address_types_follow_the_abi() {
        for (assign, expected) in [
            ("0", Ok("00:1b:21:3a:51:7c")),
            ("2", Ok("00:1b:21:3a:51:7c")),
            ("3", Err("no network adapter has a permanent address: eno1 has an address set by software")),
            ("7", Err("/sys/class/net/eno1/addr_assign_type: unknown address type 7")),
            ("x", Err("/sys/class/net/eno1/addr_assign_type: does not hold a decimal number (\"x\")")),
        ] {
            let dir = tempfile::tempdir().expect("temp dir");
            adapter_tree(dir.path(), "eno1", assign, "00:1B:21:3A:51:7C\n");
            let got = collect(&Sysfs::new(dir.path()), &SysfsOnly, Environment::BareMetal);
            let want =
                expected.map(|mac| vec![Component::new(ComponentKind::Mac, mac)]).map_err(str::to_owned);
            assert_eq!(got, want, "addr_assign_type {assign}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn bridges_tun_and_bonds_are_skipped_when_the_class_entry_is_no_device_link() {
        for marker in ["bridge", "tun_flags", "bonding"] {
            let dir = tempfile::tempdir().expect("temp dir");
            adapter_tree(dir.path(), "eth0", "0", "00:1b:21:3a:51:7c");
            let iface = dir.path().join("sys/devices/pci0000:00/0000:00:1f.6/net/eth0");
            std::fs::create_dir(iface.join(marker)).expect("mkdir");
            // A class link into the PCI device's directory proves a physical
            // adapter (the kernel never puts a bridge, tun or bond there):
            // the markers are not even looked at.
            let sysfs = Sysfs::new(dir.path());
            let got = collect(&sysfs, &SysfsOnly, Environment::Container);
            assert_eq!(got, Ok(vec![Component::new(ComponentKind::Mac, "00:1b:21:3a:51:7c")]), "{marker}");
            // A class entry that is a directory of its own (no such link) is
            // classified by its markers.
            let entry = dir.path().join("sys/class/net/eth0");
            std::fs::remove_file(&entry).expect("unlink");
            std::fs::create_dir(&entry).expect("mkdir");
            for file in ["type", "addr_assign_type", "address"] {
                std::fs::copy(iface.join(file), entry.join(file)).expect("copy");
            }
            std::os::unix::fs::symlink("../../../devices/pci0000:00/0000:00:1f.6", entry.join("device"))
                .expect("symlink");
            std::fs::remove_dir(iface.join(marker)).expect("rmdir");
            assert_eq!(
                collect(&sysfs, &SysfsOnly, Environment::Container),
                Ok(vec![Component::new(ComponentKind::Mac, "00:1b:21:3a:51:7c")]),
                "{marker}: without the marker such an entry counts"
            );
            std::fs::create_dir(entry.join(marker)).expect("mkdir");
            let got = collect(&sysfs, &SysfsOnly, Environment::Container);
            assert_eq!(got, Err("no physical network adapter is visible (container)".into()), "{marker}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_ethernet_and_invalid_addresses_are_not_used() {
        let dir = tempfile::tempdir().expect("temp dir");
        adapter_tree(dir.path(), "ib0", "0", "00:1b:21:3a:51:7c");
        let iface = dir.path().join("sys/devices/pci0000:00/0000:00:1f.6/net/ib0");
        std::fs::write(iface.join("type"), "32\n").expect("write");
        let sysfs = Sysfs::new(dir.path());
        assert_eq!(
            collect(&sysfs, &SysfsOnly, Environment::BareMetal),
            Err("no physical network adapter is visible".into())
        );
        std::fs::write(iface.join("type"), "1\n").expect("write");
        std::fs::write(iface.join("address"), "00:00:00:00:00:00\n").expect("write");
        assert_eq!(
            collect(&sysfs, &SysfsOnly, Environment::BareMetal),
            Err("no network adapter has a permanent address: ib0 has no valid address (\"00:00:00:00:00:00\")"
                .into())
        );
    }

    #[test]
    fn a_missing_class_directory_is_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let got = collect(&Sysfs::new(dir.path()), &SysfsOnly, Environment::BareMetal);
        assert_eq!(got, Err("cannot list /sys/class/net: it does not exist".into()));
    }
}
