//! `Mac`: permanent addresses of physical network adapters (`/sys/class/net`).
//!
//! An interface counts when it is a physical Ethernet-type adapter: it has a
//! `device` link (virtual interfaces — loopback, bridges, veth, tun/tap,
//! bonds, VLANs — live under `/sys/devices/virtual` and have none; in a
//! class directory of more than a few entries one listing of
//! `/sys/devices/virtual/net` names them all, instead of a `readlink` of
//! each, which on a container host with hundreds of veths was most of the
//! check), it is not
//! a bridge, tun or bond (its class link leads into its parent device's
//! directory, where the kernel never puts those; only an entry that is no
//! such link is checked for their marker files), and its `type` is
//! `ARPHRD_ETHER` (1, which Wi-Fi also uses; on the live system asked of the
//! kernel with `SIOCGIFHWADDR`, which answers the same value in one system
//! call). Its address is, on the live system, the permanent one the kernel
//! reports through `ETHTOOL_GPERMADDR`; otherwise (a fixture root, or
//! an adapter without a recorded permanent address) the current `address`
//! when `addr_assign_type` says it is permanent (0) or stolen from another
//! device (2), never when it is random (1) or set by software (3).
//! See `Documentation/ABI/testing/sysfs-class-net`.
//!
//! Flags: `usb` and `removable` when the adapter hangs off a USB bus,
//! `virtual_device` for paravirtual and hypervisor NICs (virtio, Xen,
//! Hyper-V, VMware: by bus, by driver or by PCI vendor, the last two from
//! the device's `uevent` in one read, or from its `driver` link and `vendor`
//! attribute when there is no readable `uevent`), `locally_administered`
//! from the address itself.

use std::path::{Path, PathBuf};

use super::pci::Known;
use super::sysfs::{Sysfs, is_paravirtual_path, is_usb_path};
use super::uevent::Uevent;
use crate::hardware::normalise::{mac_from_octets, mac_is_locally_administered, mac_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{
    AddressProblem, Component, ComponentFlags, ComponentKind, Content, Environment, Why, keep_rank,
};

/// `ARPHRD_ETHER` from `include/uapi/linux/if_arp.h`.
const ARPHRD_ETHER: u64 = 1;

/// Drivers of paravirtual or hypervisor-emulated network adapters.
const VIRTUAL_NIC_DRIVERS: [&str; 5] = ["virtio_net", "vif", "xen-netfront", "hv_netvsc", "vmxnet3"];

/// What the kernel answers about an interface without sysfs (the live
/// system only); `None` sends the collector to the sysfs attribute.
pub(super) trait KernelInterfaces {
    /// The permanent address of `interface`, if the kernel reports one.
    fn permanent(&self, interface: &str) -> Option<[u8; 6]>;
    /// The link type (`ARPHRD_*`) of `interface`: what its sysfs `type`
    /// attribute shows, if the kernel answers.
    fn link_type(&self, interface: &str) -> Option<u16>;
}

/// Never answers: fixture roots use the sysfs rule alone.
pub(super) struct SysfsOnly;

impl KernelInterfaces for SysfsOnly {
    fn permanent(&self, _interface: &str) -> Option<[u8; 6]> {
        None
    }

    fn link_type(&self, _interface: &str) -> Option<u16> {
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
///
/// With `keep` (the most adapters a profile keeps, asked by a start-up
/// check) and more candidates than that, not every adapter is read in full
/// (see [`kept_adapters`]); the profile built from what is returned is the
/// one built from every adapter.
///
/// Each adapter's PCI function whose `uevent` was read is recorded in
/// `known` (its class and ids), so the PCI pass need not read them again.
pub(super) fn collect(
    sysfs: &Sysfs,
    kernel: &dyn KernelInterfaces,
    environment: Environment,
    known: &mut Known,
    keep: Option<usize>,
) -> Result<Vec<Component>, Why> {
    let dir = sysfs.path("sys/class/net");
    let names = sysfs.list(&dir)?;
    let virtual_names = virtual_interfaces(sysfs, names.len());
    let candidates: Vec<&String> = names
        .iter()
        .filter(|name| name.as_str() != "lo")
        .filter(|name| virtual_names.as_ref().is_none_or(|listed| listed.binary_search(name).is_err()))
        .collect();
    // One buffer for every class entry's path (and, in `adapter`, one for
    // its attributes), instead of a fresh `PathBuf` per join.
    let mut look = Look { sysfs, kernel, entry: dir, attribute: PathBuf::new() };
    let outcomes: Vec<Option<Result<Adapter, Why>>> = match keep {
        Some(keep) if keep > 0 && candidates.len() > keep => {
            kept_adapters(&mut look, &candidates, known, keep)
        }
        _ => candidates.iter().map(|name| Some(look.adapter(name, known, None))).collect(),
    };
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut no_permanent = Vec::new();
    // In listing order, whatever order the adapters were read in.
    for (name, outcome) in candidates.iter().zip(outcomes) {
        match outcome {
            None | Some(Ok(Adapter::Skipped)) => {}
            Some(Ok(Adapter::NoPermanentAddress(problem))) => no_permanent.push(((*name).clone(), problem)),
            Some(Ok(Adapter::Found(component))) => found.push(component),
            Some(Err(problem)) => problems.push(problem),
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

/// What a first look at an adapter read: its class entry's link and its
/// address, which together bound where a profile would rank it.
struct Glance {
    /// The class entry's directory, where the entry links.
    dir: PathBuf,
    /// The address the adapter would have, if its other attributes allow.
    address: Address,
    /// The best rank it could have: 1 when the address is locally
    /// administered, else 0 ([`keep_rank`]).
    rank: u8,
}

/// Where an adapter's address came from, once read.
enum Address {
    /// The kernel's permanent address: it stands whatever the sysfs
    /// attributes say.
    Kernel(String),
    /// The `address` attribute: it stands if `addr_assign_type` allows.
    Attribute(String),
}

/// Reads the adapters of a machine with more candidates than `keep` in
/// the order a profile keeps them, and stops once no adapter left unread
/// could be kept. The `None` outcomes are the adapters never read in full.
///
/// A first look reads each entry's class link (which settles a virtual
/// interface) and its address (the kernel's permanent one on the live
/// system, else the `address` attribute): one `readlink` and one read. That
/// bounds the adapter's place in a profile's order (its rank is at least
/// that of its address, [`keep_rank`], and its value is the address), and
/// the adapters are then read in full — `device` link, `uevent`, `type`,
/// `addr_assign_type` — in that order. Reading stops before an address
/// when `keep` distinct addresses of non-removable adapters already rank
/// before it (a value counts once, in its best group): every adapter not
/// read ranks after them, so neither a profile with removable devices nor
/// one without keeps it. An entry whose first look is not conclusive (no
/// link, an address that is no MAC address) is read in full at once.
///
/// With fewer than `keep` such addresses, every adapter is read: the same
/// outcomes as reading them in listing order.
fn kept_adapters(
    look: &mut Look<'_>,
    candidates: &[&String],
    known: &mut Known,
    keep: usize,
) -> Vec<Option<Result<Adapter, Why>>> {
    let mut outcomes: Vec<Option<Result<Adapter, Why>>> = candidates.iter().map(|_| None).collect();
    let mut glances = Vec::new();
    for (i, name) in candidates.iter().enumerate() {
        match look.glance(name) {
            Ok(Some(glance)) => glances.push((i, glance)),
            Ok(None) => outcomes[i] = Some(Ok(Adapter::Skipped)),
            Err(()) => outcomes[i] = Some(look.adapter(name, known, None)),
        }
    }
    glances.sort_by(|(_, a), (_, b)| (a.rank, a.address.value()).cmp(&(b.rank, b.address.value())));
    // Adapters found so far: until there are `keep` of them, no stop is
    // possible and the outcomes are not looked over.
    let mut found = outcomes.iter().filter(|o| matches!(o, Some(Ok(Adapter::Found(_))))).count();
    for (i, glance) in glances {
        // Adapters of one address are adjacent here, and none of them
        // ranks before the address itself: the answer cannot change
        // between them, so all of them are read or none.
        if found >= keep && enough_before(&outcomes, keep, glance.rank, glance.address.value()) {
            break;
        }
        let outcome = look.adapter(candidates[i], known, Some(glance));
        found += usize::from(matches!(outcome, Ok(Adapter::Found(_))));
        outcomes[i] = Some(outcome);
    }
    outcomes
}

/// Whether `keep` distinct addresses of adapters read so far rank before
/// `(rank, address)`. A removable adapter's rank (2) is after every first
/// look's, so only non-removable ones are counted.
fn enough_before(outcomes: &[Option<Result<Adapter, Why>>], keep: usize, rank: u8, address: &str) -> bool {
    let mut before: Vec<&str> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            Some(Ok(Adapter::Found(c))) => Some(c),
            _ => None,
        })
        .filter(|c| (keep_rank(&c.flags), c.value.as_str()) < (rank, address))
        .map(|c| c.value.as_str())
        .collect();
    if before.len() < keep {
        return false;
    }
    before.sort_unstable();
    before.dedup();
    before.len() >= keep
}

impl Address {
    fn value(&self) -> &str {
        match self {
            Address::Kernel(value) | Address::Attribute(value) => value,
        }
    }
}

/// What reading an adapter needs: the tree, the kernel, and the reused path
/// buffers (the class entry's, and its attributes').
struct Look<'a> {
    sysfs: &'a Sysfs,
    kernel: &'a dyn KernelInterfaces,
    /// `sys/class/net`, or one of its entries while it is read.
    entry: PathBuf,
    attribute: PathBuf,
}

impl Look<'_> {
    /// Classifies the class entry `name` ([`adapter`]), after a first look
    /// (`glance`) if there was one.
    fn adapter(&mut self, name: &str, known: &mut Known, glance: Option<Glance>) -> Result<Adapter, Why> {
        self.entry.push(name);
        let outcome = adapter(self.sysfs, &self.entry, name, self.kernel, known, &mut self.attribute, glance);
        self.entry.pop();
        outcome
    }

    /// The first look at the class entry `name`: `None` for a virtual
    /// interface, `Err` when the look settles nothing (the entry is no link
    /// into the tree, or no MAC address reads; a full read decides it).
    fn glance(&mut self, name: &str) -> Result<Option<Glance>, ()> {
        self.entry.push(name);
        let glance = glance(self.sysfs, &self.entry, name, self.kernel, &mut self.attribute);
        self.entry.pop();
        glance
    }
}

/// [`Look::glance`] at the class entry `entry`.
fn glance(
    sysfs: &Sysfs,
    entry: &Path,
    name: &str,
    kernel: &dyn KernelInterfaces,
    attribute: &mut PathBuf,
) -> Result<Option<Glance>, ()> {
    let dir = match class_link(sysfs, entry) {
        Some(ClassLink::Virtual) => return Ok(None),
        Some(ClassLink::Into(target)) if target.as_os_str() != entry.as_os_str() => target,
        _ => return Err(()),
    };
    let address = match kernel.permanent(name).and_then(mac_from_octets) {
        Some(value) => Address::Kernel(value),
        None => {
            let read = sysfs.with_text(join(attribute, entry, "address"), mac_value);
            Address::Attribute(read.ok().flatten().ok_or(())?)
        }
    };
    let rank = u8::from(mac_is_locally_administered(address.value()));
    Ok(Some(Glance { dir, address, rank }))
}

/// Where a class entry's `readlink` leads.
enum ClassLink {
    /// Into `/sys/devices/virtual`: a virtual interface.
    Virtual,
    /// Somewhere inside the tree: the target (the entry itself when it is
    /// no link).
    Into(PathBuf),
}

/// The class entry's link, or `None` when it leads out of the tree or
/// cannot be read.
fn class_link(sysfs: &Sysfs, entry: &Path) -> Option<ClassLink> {
    match sysfs.link_target(entry) {
        Some(target) if sysfs.is_virtual_device(&target) => Some(ClassLink::Virtual),
        Some(target) if sysfs.is_inside(&target) => Some(ClassLink::Into(target)),
        _ => None,
    }
}

/// Above this many class entries, [`virtual_interfaces`] lists the virtual
/// ones at once. A listing costs five system calls (~10 µs here), a
/// `readlink` ~2.3 µs: it pays from about five virtual interfaces on, and
/// a machine with this many interfaces almost always has more (a container
/// host's bridges and veths, a hypervisor host's taps).
const VIRTUAL_LISTING_ABOVE: usize = 8;

/// The names under `/sys/devices/virtual/net`, sorted, when the class
/// directory has more than [`VIRTUAL_LISTING_ABOVE`] entries (`count`):
/// every interface there is virtual, exactly what the `readlink` of its
/// class entry would show (the kernel puts an interface without a parent
/// device there and links its class entry to it), so one listing settles
/// all of them. `None` when the class directory is small, or the listing
/// cannot be read (each entry's link then decides, as always).
fn virtual_interfaces(sysfs: &Sysfs, count: usize) -> Option<Vec<String>> {
    if count <= VIRTUAL_LISTING_ABOVE {
        return None;
    }
    sysfs.list(&sysfs.path("sys/devices/virtual/net")).ok()
}

/// Classifies one entry of `/sys/class/net`.
///
/// Ordered for the live path's cost: one `readlink` settles every virtual
/// interface (under `/sys/devices/virtual`, where `device` links never are),
/// the `device` link is read once and its device's `uevent` then serves the
/// USB and virtual checks (see [`device`]).
///
/// After a first look (`glance`), its class link and address are not read
/// again.
fn adapter(
    sysfs: &Sysfs,
    entry: &Path,
    name: &str,
    kernel: &dyn KernelInterfaces,
    known: &mut Known,
    attribute: &mut PathBuf,
    glance: Option<Glance>,
) -> Result<Adapter, Why> {
    if name == "lo" {
        return Ok(Adapter::Skipped);
    }
    // One readlink settles a virtual interface and finds a physical one's
    // directory; whether it exists is learnt from its `device` link.
    let (glanced, (dir, linked)) = match glance {
        Some(glance) => (Some(glance.address), (glance.dir, true)),
        None => match class_link(sysfs, entry) {
            Some(ClassLink::Virtual) => return Ok(Adapter::Skipped),
            Some(ClassLink::Into(target)) => {
                // `link_target` returns the entry itself when it is no link: compare
                // the bytes, not the components (a walk over both paths).
                let linked = target.as_os_str() != entry.as_os_str();
                (None, (target, linked))
            }
            None => (None, (sysfs.resolve(entry)?, false)),
        },
    };
    let Some((device, facts)) = device(sysfs, entry, &dir, known)? else {
        return Ok(Adapter::Skipped); // no `device` link: not a physical adapter
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
    // The kernel's answer, when there is one, is the `type` attribute's
    // value in one system call instead of three. Attributes are read through
    // the class link so that messages name `/sys/class/net/<name>/…`, the
    // path people know.
    let link_type = match kernel.link_type(name) {
        Some(link_type) => u64::from(link_type),
        None => sysfs.read_decimal(join(attribute, entry, "type"))?,
    };
    if link_type != ARPHRD_ETHER {
        return Ok(Adapter::Skipped);
    }
    // After a first look the kernel was asked already: its answer, or the
    // `address` attribute read because it knew none.
    let (permanent, read) = match glanced {
        Some(Address::Kernel(value)) => (Some(value), None),
        Some(Address::Attribute(value)) => (None, Some(value)),
        None => (kernel.permanent(name).and_then(mac_from_octets), None),
    };
    let value = match permanent {
        Some(value) => value,
        None => match sysfs_address(sysfs, entry, attribute, read)? {
            Ok(value) => value,
            Err(problem) => return Ok(Adapter::NoPermanentAddress(problem)),
        },
    };
    let usb = is_usb_path(&device);
    let flags = ComponentFlags {
        removable: usb,
        usb,
        virtual_device: is_virtual_nic(sysfs, &device, facts, attribute),
        locally_administered: mac_is_locally_administered(&value),
    };
    Ok(Adapter::Found(Component::new(ComponentKind::Mac, value).with_flags(flags)))
}

/// `buffer` set to `dir/name`: one allocation reused for every attribute.
fn join<'b>(buffer: &'b mut PathBuf, dir: &Path, name: &str) -> &'b Path {
    buffer.as_mut_os_string().clear();
    buffer.push(dir);
    buffer.push(name);
    buffer
}

/// What an adapter's device's `uevent` said about it, for [`is_virtual_nic`].
#[derive(Clone, Copy)]
struct Facts {
    /// Its bound driver is one of [`VIRTUAL_NIC_DRIVERS`].
    virtual_driver: bool,
    /// Its PCI vendor id, when it is a PCI function.
    vendor: Option<u16>,
}

/// The adapter's device (where its `device` link, in its directory `dir`,
/// leads) and what the device's `uevent` says; `None` when there is no
/// `device` link (not a physical adapter).
///
/// The kernel's `device` links point straight at a device's directory, so
/// the link's target (one `readlink`, joined lexically) is the device once
/// its `uevent` reads: that read proves the directory exists, and the
/// second `readlink` that would confirm the target is no further link is
/// saved. When the `uevent` cannot be read (a tree without it), or the
/// target is a paravirtual device (whose bus alone decides), the link is
/// resolved link by link as before, with the same reasons for a dangling or
/// looping link.
fn device(
    sysfs: &Sysfs,
    entry: &Path,
    dir: &Path,
    known: &mut Known,
) -> Result<Option<(PathBuf, Option<Facts>)>, Why> {
    let link = dir.join("device");
    let target = match sysfs.link_target(&link) {
        Some(target) if target.as_os_str() != link.as_os_str() && sysfs.is_inside(&target) => {
            if !is_paravirtual_path(&target) {
                let facts = sysfs.with_text(&target.join("uevent"), |text| {
                    let uevent = Uevent::parse(text);
                    known.learn(&uevent);
                    Facts {
                        virtual_driver: uevent.driver.is_some_and(|d| VIRTUAL_NIC_DRIVERS.contains(&d)),
                        vendor: uevent.pci_id.map(|(vendor, _)| vendor),
                    }
                });
                if let Ok(facts) = facts {
                    return Ok(Some((target, Some(facts))));
                }
            }
            Some(target)
        }
        _ => None,
    };
    let resolved = match target {
        Some(target) => sysfs.resolve_after(&link, target),
        None => sysfs.resolve(&link),
    };
    match resolved {
        Ok(device) => Ok(Some((device, None))),
        Err(error) if error.is_missing() && !sysfs.exists(&link) => {
            if sysfs.exists(dir) {
                return Ok(None);
            }
            // The class entry itself dangles: report it in its own words.
            Err(sysfs.resolve(entry).err().unwrap_or(error))
        }
        Err(error) => Err(error),
    }
}

/// The sysfs rule: the current address when `addr_assign_type` says it is
/// permanent or stolen. The outer error is a read problem, the inner one
/// why the adapter has no usable address. `read` is the `address`
/// attribute's value when a first look read it already.
fn sysfs_address(
    sysfs: &Sysfs,
    dir: &Path,
    attribute: &mut PathBuf,
    read: Option<String>,
) -> Result<Result<String, AddressProblem>, Why> {
    let assign_path = join(attribute, dir, "addr_assign_type");
    match sysfs.read_decimal(assign_path)? {
        0 | 2 => {}
        1 => return Ok(Err(AddressProblem::Random)),
        3 => return Ok(Err(AddressProblem::SetBySoftware)),
        other => return Err(sysfs.invalid(assign_path, Content::UnknownAddressType(other))),
    }
    if let Some(value) = read {
        return Ok(Ok(value));
    }
    let address_path = join(attribute, dir, "address");
    sysfs.with_text(address_path, |text| {
        mac_value(text).ok_or_else(|| AddressProblem::Invalid(text.trim().to_owned()))
    })
}

/// Whether the adapter's `device` (the resolved `device` link) is a
/// paravirtual or hypervisor NIC: by bus, by driver, or by PCI vendor — the
/// driver and vendor from the device's `uevent` (`facts`) when it was read,
/// else from its `driver` link and `vendor` attribute.
fn is_virtual_nic(sysfs: &Sysfs, device: &Path, facts: Option<Facts>, attribute: &mut PathBuf) -> bool {
    if is_paravirtual_path(device) {
        return true;
    }
    let (virtual_driver, vendor) = match facts {
        Some(facts) => (facts.virtual_driver, facts.vendor),
        None => {
            let driver = sysfs.link_name(join(attribute, device, "driver"));
            (driver.is_some_and(|d| VIRTUAL_NIC_DRIVERS.contains(&d.as_str())), None)
        }
    };
    // A device that is no PCI function (a USB interface) has no PCI id in
    // its `uevent`; its `vendor` attribute, if any, is read as before.
    virtual_driver
        || vendor
            .or_else(|| {
                sysfs.read_hex(join(attribute, device, "vendor")).ok().and_then(|v| u16::try_from(v).ok())
            })
            .is_some_and(pci_vendor_is_virtual)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::collect`] with the reason as the text people read, which
    /// these tests pin word for word.
    fn collect(
        sysfs: &Sysfs,
        kernel: &dyn KernelInterfaces,
        environment: Environment,
    ) -> Result<Vec<Component>, String> {
        super::collect(sysfs, kernel, environment, &mut Known::default(), None).map_err(|why| why.to_string())
    }

    /// Pretends the kernel knows `mac` as every interface's permanent address
    /// (and answers no link type: sysfs's `type` decides).
    struct Kernel([u8; 6]);

    impl KernelInterfaces for Kernel {
        fn permanent(&self, _interface: &str) -> Option<[u8; 6]> {
            Some(self.0)
        }

        fn link_type(&self, _interface: &str) -> Option<u16> {
            None
        }
    }

    /// Pretends the kernel answers `link_type` for every interface and
    /// knows no permanent address.
    struct Typed(u16);

    impl KernelInterfaces for Typed {
        fn permanent(&self, _interface: &str) -> Option<[u8; 6]> {
            None
        }

        fn link_type(&self, _interface: &str) -> Option<u16> {
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
    fn the_kernel_link_type_stands_for_the_type_attribute() {
        let dir = tempfile::tempdir().expect("temp dir");
        adapter_tree(dir.path(), "eno1", "0", "00:1b:21:3a:51:7c\n");
        let sysfs = Sysfs::new(dir.path());
        let eno1 = Ok(vec![Component::new(ComponentKind::Mac, "00:1b:21:3a:51:7c")]);
        assert_eq!(collect(&sysfs, &Typed(1), Environment::BareMetal), eno1);
        // An answer of another type (InfiniBand, 32) skips the adapter whatever
        // the attribute says; no answer leaves the attribute to decide.
        let none = Err("no physical network adapter is visible".to_owned());
        assert_eq!(collect(&sysfs, &Typed(32), Environment::BareMetal), none);
        let type_file = dir.path().join("sys/devices/pci0000:00/0000:00:1f.6/net/eno1/type");
        std::fs::write(&type_file, "32\n").expect("write");
        assert_eq!(collect(&sysfs, &SysfsOnly, Environment::BareMetal), none);
        // With the kernel's answer the attribute is not read at all.
        std::fs::remove_file(&type_file).expect("unlink");
        assert_eq!(collect(&sysfs, &Typed(1), Environment::BareMetal), eno1);
        assert_eq!(
            collect(&sysfs, &SysfsOnly, Environment::BareMetal),
            Err("cannot read /sys/class/net/eno1/type: it does not exist".into())
        );
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

    /// The flags and the PCI record of the adapter of `adapter_tree`, whose
    /// PCI function carries `uevent` (if any) and a `driver` link to `driver`.
    #[cfg(unix)]
    fn virtual_flag(uevent: Option<&[u8]>, driver: &str, vendor: &str) -> (bool, Known) {
        let dir = tempfile::tempdir().expect("temp dir");
        adapter_tree(dir.path(), "eth0", "0", "00:1b:21:3a:51:7c");
        let pci = dir.path().join("sys/devices/pci0000:00/0000:00:1f.6");
        std::fs::write(pci.join("vendor"), vendor).expect("write");
        std::os::unix::fs::symlink(format!("../../../bus/pci/drivers/{driver}"), pci.join("driver"))
            .expect("symlink");
        if let Some(uevent) = uevent {
            std::fs::write(pci.join("uevent"), uevent).expect("write");
        }
        let mut known = Known::default();
        let found =
            super::collect(&Sysfs::new(dir.path()), &SysfsOnly, Environment::BareMetal, &mut known, None)
                .expect("the adapter is found");
        assert_eq!(found.len(), 1);
        (found[0].flags.virtual_device, known)
    }

    #[cfg(unix)]
    #[test]
    fn the_uevent_decides_like_the_driver_link_and_vendor_it_replaces() {
        let uevent = |driver: &str, vendor: &str| {
            format!("DRIVER={driver}\nPCI_CLASS=20000\nPCI_ID={vendor}:10D3\nPCI_SLOT_NAME=0000:00:1f.6\n")
        };
        for (driver, vendor, virtual_device) in
            [("e1000e", "8086", false), ("vmxnet3", "8086", true), ("e1000", "15AD", true)]
        {
            let vendor_file = format!("0x{}\n", vendor.to_lowercase());
            // With the uevent, and without it (the `driver` link and `vendor` file).
            let (flag, known) = virtual_flag(Some(uevent(driver, vendor).as_bytes()), driver, &vendor_file);
            assert_eq!(flag, virtual_device, "{driver} {vendor} from uevent");
            assert_eq!(format!("{known:?}").matches("0000:00:1f.6").count(), 1, "the function is recorded");
            let (flag, known) = virtual_flag(None, driver, &vendor_file);
            assert_eq!(flag, virtual_device, "{driver} {vendor} from the driver link and vendor file");
            assert_eq!(format!("{known:?}"), "Known([])", "nothing is recorded without a uevent");
        }
        // The uevent is what is read: a vendor file that disagrees is not.
        let (flag, _) = virtual_flag(Some(uevent("e1000e", "8086").as_bytes()), "e1000e", "0x15ad\n");
        assert!(!flag, "the uevent's PCI_ID, not the vendor file");
        // A uevent without PCI_ID (not a PCI function, or damaged): the vendor file decides.
        let (flag, _) = virtual_flag(Some(b"DRIVER=e1000e\n"), "e1000e", "0x15ad\n");
        assert!(flag, "no PCI_ID: the vendor file");
        // A readable uevent's driver counts, not the link.
        let (flag, _) = virtual_flag(Some(uevent("e1000e", "8086").as_bytes()), "vmxnet3", "0x8086\n");
        assert!(!flag, "the uevent's driver");
        // A uevent that is not UTF-8 (unreadable): the driver link and vendor file decide.
        let (flag, known) = virtual_flag(Some(b"DRIVER=e1000e\n\xff"), "vmxnet3", "0x8086\n");
        assert!(flag, "an unreadable uevent: the driver link");
        assert_eq!(format!("{known:?}"), "Known([])");
    }

    /// `adapter_tree`'s adapter `eno1` plus `virtual_count` veths, linked
    /// into `sys/devices/virtual/net` as the kernel links them.
    #[cfg(unix)]
    fn crowded_tree(root: &Path, virtual_count: usize) {
        adapter_tree(root, "eno1", "0", "00:1b:21:3a:51:7c\n");
        for i in 0..virtual_count {
            let name = format!("veth{i}");
            let dir = root.join("sys/devices/virtual/net").join(&name);
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(dir.join("type"), "1\n").expect("write");
            let link = format!("../../devices/virtual/net/{name}");
            std::os::unix::fs::symlink(link, root.join("sys/class/net").join(&name)).expect("symlink");
        }
    }

    #[cfg(unix)]
    #[test]
    fn many_virtual_interfaces_are_settled_by_one_listing() {
        let eno1 = Ok(vec![Component::new(ComponentKind::Mac, "00:1b:21:3a:51:7c")]);
        for count in [0, VIRTUAL_LISTING_ABOVE - 1, VIRTUAL_LISTING_ABOVE, 40] {
            let dir = tempfile::tempdir().expect("temp dir");
            crowded_tree(dir.path(), count);
            let sysfs = Sysfs::new(dir.path());
            let listed = virtual_interfaces(&sysfs, count + 1);
            assert_eq!(listed.is_some(), count + 1 > VIRTUAL_LISTING_ABOVE, "{count} veths");
            assert_eq!(collect(&sysfs, &SysfsOnly, Environment::BareMetal), eno1, "{count} veths");
            // Without the listing (unreadable), each link decides: the same answer.
            if count > 0 {
                std::fs::remove_dir_all(dir.path().join("sys/devices/virtual/net")).expect("rm");
            }
            assert_eq!(virtual_interfaces(&sysfs, count + 1), None);
            assert_eq!(
                collect(&sysfs, &SysfsOnly, Environment::BareMetal),
                eno1,
                "{count} veths, no listing"
            );
        }
        // The listing, not the entry's link, is what decides in a crowded
        // directory: a name listed there is skipped without its `readlink`
        // (a tree the kernel never makes, where the physical adapter's name
        // is also listed as virtual, shows it).
        let dir = tempfile::tempdir().expect("temp dir");
        crowded_tree(dir.path(), VIRTUAL_LISTING_ABOVE);
        std::fs::create_dir(dir.path().join("sys/devices/virtual/net/eno1")).expect("mkdir");
        let sysfs = Sysfs::new(dir.path());
        assert_eq!(
            collect(&sysfs, &SysfsOnly, Environment::BareMetal),
            Err("no physical network adapter is visible".into())
        );
    }

    /// Answers a permanent address for the interfaces `eth<even>`: the
    /// higher the number, the lower the address.
    struct EvenKnown;

    impl KernelInterfaces for EvenKnown {
        fn permanent(&self, interface: &str) -> Option<[u8; 6]> {
            let i: u8 = interface.strip_prefix("eth")?.parse().ok()?;
            i.is_multiple_of(2).then_some([0x00, 0x1b, 0x21, 0x00, 0x00, 100 - i])
        }

        fn link_type(&self, _interface: &str) -> Option<u16> {
            None
        }
    }

    #[cfg(unix)]
    #[test]
    fn with_more_adapters_than_kept_only_those_a_profile_keeps_are_read_in_full() {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..40_u8 {
            // A random current address: only the kernel's answer counts.
            adapter_tree(dir.path(), &format!("eth{i:02}"), "1\n", &format!("02:00:00:00:00:{i:02x}\n"));
            if i.is_multiple_of(2) {
                // The kernel's answer is taken without the attribute.
                let iface = format!("sys/devices/pci0000:00/0000:00:1f.6/net/eth{i:02}/address");
                std::fs::remove_file(dir.path().join(iface)).expect("unlink");
            }
        }
        let sysfs = Sysfs::new(dir.path());
        let read = |keep| {
            let found =
                super::collect(&sysfs, &EvenKnown, Environment::BareMetal, &mut Known::default(), keep);
            found.expect("adapters are found").into_iter().map(|c| c.value).collect::<Vec<_>>()
        };
        let every = read(None);
        assert_eq!(every.len(), 20, "the even ones");
        let mut lowest = every.clone();
        lowest.sort_unstable();
        lowest.truncate(16);
        let mut kept = read(Some(16));
        assert_eq!(kept.len(), 16, "the odd ones and the 4 highest addresses are not read in full");
        kept.sort_unstable();
        assert_eq!(kept, lowest);
        // With no more candidates than kept, every adapter is read.
        assert_eq!(read(Some(40)), every);
    }

    #[test]
    fn a_missing_class_directory_is_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let got = collect(&Sysfs::new(dir.path()), &SysfsOnly, Environment::BareMetal);
        assert_eq!(got, Err("cannot list /sys/class/net: it does not exist".into()));
    }
}
