//! `Video`, `Ide` and `Scsi`: PCI display and mass-storage controllers
//! (`/sys/bus/pci/devices`).
//!
//! Each device's 24-bit `class` picks the kind ([`pci_kind`]; read through
//! the function's own directory when it is on a root bus, which spares the
//! lookup the `/sys/bus/pci/devices` symlink); only then are
//! its vendor and device ids read (from its `uevent`, one read, or failing
//! that from its `vendor` and `device` attributes), so the many bridges, USB
//! and audio functions of a machine cost one small read each. A function
//! whose `uevent` the network pass already read (a network adapter's, see
//! [`Known`]) costs none: its class and ids are known. A device whose `class`
//! cannot be read or parsed is skipped (its kind is unknown). Devices of
//! vendors that only make emulated hardware are flagged `virtual_device`.
//!
//! When there is no PCI bus at all (some ARM boards, sandboxed containers)
//! the three kinds are unreadable; when the bus exists but holds no such
//! controller, the kind is simply empty.

use std::path::{Path, PathBuf};

use super::sysfs::Sysfs;
use super::uevent::Uevent;
use crate::hardware::normalise::{parse_hex, pci_kind, pci_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Content, Why};

/// The kinds this module fills, in profile order.
pub(super) const KINDS: [ComponentKind; 3] = [ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi];

/// PCI functions whose `uevent` another pass already read (the network
/// pass, for each adapter's function): their class and ids by slot name
/// (the name under `/sys/bus/pci/devices`).
#[derive(Debug, Default)]
pub(super) struct Known(Vec<Function>);

/// One function of [`Known`].
#[derive(Debug)]
struct Function {
    slot: String,
    class: u32,
    id: Option<(u16, u16)>,
}

impl Known {
    /// Records what `uevent` says of a PCI function (nothing when it names no
    /// slot or class: not a PCI function, or a damaged file).
    pub(super) fn learn(&mut self, uevent: &Uevent<'_>) {
        if let (Some(slot), Some(class)) = (uevent.pci_slot, uevent.pci_class) {
            self.0.push(Function { slot: slot.to_owned(), class, id: uevent.pci_id });
        }
    }

    /// What is known of the function named `slot`.
    fn get(&self, slot: &str) -> Option<&Function> {
        self.0.binary_search_by(|f| f.slot.as_str().cmp(slot)).ok().map(|i| &self.0[i])
    }

    /// Sorted by slot (the first record of a slot wins) for [`get`](Self::get).
    fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| a.slot.cmp(&b.slot));
        self.0.dedup_by(|later, first| later.slot == first.slot);
        self
    }
}

/// Collects the three PCI kinds: one outcome per entry of [`KINDS`];
/// `known` holds the functions whose class and ids were already read.
pub(super) fn collect(sysfs: &Sysfs, known: Known) -> [Result<Vec<Component>, Why>; 3] {
    let known = known.sorted();
    let dir = sysfs.path("sys/bus/pci/devices");
    let names = match sysfs.list(&dir) {
        Ok(names) => names,
        Err(error) => {
            let reason = if error.is_missing() { Why::NoPciBus } else { error };
            return [Err(reason.clone()), Err(reason.clone()), Err(reason)];
        }
    };
    let mut found: [Vec<Component>; 3] = Default::default();
    let mut problems: [Option<Why>; 3] = Default::default();
    // One buffer for every function's directory and one for its attributes.
    let mut device = dir;
    let mut attribute = PathBuf::new();
    let mut roots = RootBuses::new(sysfs);
    for name in &names {
        device.push(name);
        let known = known.get(name);
        let outcome = match known {
            Some(function) => pci_kind(function.class).map(|kind| (kind, function.id)),
            None => class_kind(sysfs, name, &device, &mut attribute, &mut roots).map(|kind| (kind, None)),
        }
        .and_then(|(kind, id)| Some((KINDS.iter().position(|k| *k == kind)?, kind, id)))
        .map(|(slot, kind, id)| (slot, component(sysfs, &device, kind, id, &mut attribute)));
        device.pop();
        match outcome {
            None => {}
            Some((slot, Ok(component))) => found[slot].push(component),
            Some((slot, Err(problem))) => {
                problems[slot].get_or_insert(problem);
            }
        }
    }
    let mut outcomes = found.map(Ok);
    for (outcome, problem) in outcomes.iter_mut().zip(problems) {
        if let (Ok(components), Some(problem)) = (&*outcome, problem)
            && components.is_empty()
        {
            *outcome = Err(problem);
        }
    }
    outcomes
}

/// `buffer` set to `dir/name`: one allocation reused for every attribute.
fn join<'b>(buffer: &'b mut PathBuf, dir: &Path, name: &str) -> &'b Path {
    buffer.as_mut_os_string().clear();
    buffer.push(dir);
    buffer.push(name);
    buffer
}

/// The kind of the function `name` (listed as `dir`), if it is a display
/// or storage controller.
///
/// Its `class` is read through its own directory when it sits on a root
/// bus ([`RootBuses`]), else through `dir`, the `/sys/bus/pci/devices`
/// link. The link costs the lookup one more symlink: ~8.6 µs against ~5.8
/// µs per read on this project's VM, where every function is on the root
/// bus.
fn class_kind(
    sysfs: &Sysfs,
    name: &str,
    dir: &Path,
    attribute: &mut PathBuf,
    roots: &mut RootBuses,
) -> Option<ComponentKind> {
    let direct =
        roots.class_path(attribute, name).map(|path| sysfs.with_text(path, parse_hex)).filter(|read| {
            let missing = read.as_ref().is_err_and(Why::is_missing);
            if missing {
                roots.not_a_root(name);
            }
            !missing
        });
    let class = match direct {
        Some(read) => read,
        None => sysfs.with_text(join(attribute, dir, "class"), parse_hex),
    };
    pci_kind(u32::try_from(class.ok()??).ok().filter(|c| *c <= 0x00ff_ffff)?)
}

/// Where a function's own directory is when its bus is a root bus:
/// `sys/devices/pci<domain>:<bus>/<name>`, the kernel's directory of the
/// host bridge that roots the bus. A function behind a bridge is not
/// there (its bus roots no `pci…` directory): trying costs one failed
/// lookup, once per bus, because the bus found not to be a root is kept
/// and the names come sorted, so the other functions of that bus go
/// straight to their link.
struct RootBuses {
    /// `sys/devices` below the root.
    devices: PathBuf,
    /// The `domain:bus` (`0000:03`) of the last bus found not to be a root.
    not_root: Option<[u8; 7]>,
}

impl RootBuses {
    fn new(sysfs: &Sysfs) -> Self {
        RootBuses { devices: sysfs.path("sys/devices"), not_root: None }
    }

    /// `buffer` set to the `class` file of the function `name`
    /// (`DDDD:BB:dd.f`) under its bus's root directory; `None` for a name
    /// of another form (a five-digit VMD domain) or a bus known to be no
    /// root.
    fn class_path<'b>(&self, buffer: &'b mut PathBuf, name: &str) -> Option<&'b Path> {
        let bus = bus_of(name)?;
        if self.not_root == Some(bus) {
            return None;
        }
        buffer.as_mut_os_string().clear();
        buffer.push(&self.devices);
        let path = buffer.as_mut_os_string();
        for part in ["/pci", &name[..7], "/", name, "/class"] {
            path.push(part);
        }
        Some(buffer)
    }

    /// Records that the bus of `name` is no root bus.
    fn not_a_root(&mut self, name: &str) {
        self.not_root = bus_of(name);
    }
}

/// The `domain:bus` of a function named `DDDD:BB:dd.f`; `None` for a name
/// of another form.
fn bus_of(name: &str) -> Option<[u8; 7]> {
    let bytes = name.as_bytes();
    let well_formed = bytes.len() == 12
        && bytes[4] == b':'
        && bytes[7] == b':'
        && bytes[10] == b'.'
        && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| bytes[i].is_ascii_hexdigit())
        && bytes[11].is_ascii_digit();
    let mut bus = [0u8; 7];
    bus.copy_from_slice(bytes.get(..7)?);
    well_formed.then_some(bus)
}

/// The controller in `dir` as a component of `kind`: its vendor and device
/// ids are `id` when known, else from its `uevent`, else from its `vendor`
/// and `device` attributes (a tree without `uevent` files, or one whose
/// `PCI_ID` is unreadable; then a bad attribute is reported as before).
fn component(
    sysfs: &Sysfs,
    dir: &Path,
    kind: ComponentKind,
    id: Option<(u16, u16)>,
    attribute: &mut PathBuf,
) -> Result<Component, Why> {
    let from_uevent =
        || sysfs.with_text(join(attribute, dir, "uevent"), |t| Uevent::parse(t).pci_id).ok().flatten();
    let (vendor, device) = match id.or_else(from_uevent) {
        Some(ids) => ids,
        None => {
            let mut id = |file: &str| -> Result<u16, Why> {
                let path = join(attribute, dir, file);
                let value = sysfs.read_hex(path)?;
                u16::try_from(value).map_err(|_| sysfs.invalid(path, Content::PciIdTooWide(value)))
            };
            (id("vendor")?, id("device")?)
        }
    };
    let flags = ComponentFlags { virtual_device: pci_vendor_is_virtual(vendor), ..ComponentFlags::default() };
    Ok(Component::new(kind, pci_value(vendor, device)).with_flags(flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::collect`] with the reasons as the text people read.
    fn collect(sysfs: &Sysfs) -> [Result<Vec<Component>, String>; 3] {
        super::collect(sysfs, Known::default()).map(|outcome| outcome.map_err(|why| why.to_string()))
    }

    fn device(root: &Path, name: &str, class: &str, vendor: &str, id: &str) {
        let dir = root.join("sys/bus/pci/devices").join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("class"), class).expect("write");
        std::fs::write(dir.join("vendor"), vendor).expect("write");
        std::fs::write(dir.join("device"), id).expect("write");
    }

    #[test]
    fn sorts_controllers_into_kinds() {
        let dir = tempfile::tempdir().expect("temp dir");
        device(dir.path(), "0000:00:00.0", "0x060000\n", "0x8086\n", "0x1237\n");
        device(dir.path(), "0000:00:02.0", "0x030000\n", "0x1234\n", "0x1111\n");
        device(dir.path(), "0000:00:17.0", "0x010601\n", "0x8086\n", "0xa182\n");
        device(dir.path(), "0000:03:00.0", "0x010802\n", "0x144d\n", "0xa808\n");
        let [video, ide, scsi] = collect(&Sysfs::new(dir.path()));
        let virtual_flags = ComponentFlags { virtual_device: true, ..ComponentFlags::default() };
        assert_eq!(
            video,
            Ok(vec![Component::new(ComponentKind::Video, "1234:1111").with_flags(virtual_flags)])
        );
        assert_eq!(ide, Ok(vec![Component::new(ComponentKind::Ide, "8086:a182")]));
        assert_eq!(scsi, Ok(vec![Component::new(ComponentKind::Scsi, "144d:a808")]));
    }

    #[test]
    fn bad_devices_are_skipped_and_reported_only_when_nothing_is_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        device(dir.path(), "0000:00:02.0", "banana\n", "0x8086\n", "0x9a49\n");
        device(dir.path(), "0000:00:03.0", "0x0300000000\n", "0x8086\n", "0x9a49\n");
        device(dir.path(), "0000:01:00.0", "0x030000\n", "0x10de\n", "0x1eb1\n");
        device(dir.path(), "0000:02:00.0", "0x010400\n", "0x1000\n", "0x12345\n");
        let [video, ide, scsi] = collect(&Sysfs::new(dir.path()));
        assert_eq!(video, Ok(vec![Component::new(ComponentKind::Video, "10de:1eb1")]));
        assert_eq!(ide, Ok(vec![]));
        assert_eq!(
            scsi,
            Err("/sys/bus/pci/devices/0000:02:00.0/device: 0x12345 is not a 16-bit PCI id".into())
        );
    }

    /// A function at `path` below `sys/devices` with `class`, listed in
    /// `sys/bus/pci/devices` by a link, as the kernel lists it.
    #[cfg(unix)]
    fn linked_function(root: &Path, path: &str, class: &str) {
        let dir = root.join("sys/devices").join(path);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("class"), class).expect("write");
        std::fs::write(dir.join("uevent"), "PCI_ID=1234:1111\n").expect("write");
        let bus = root.join("sys/bus/pci/devices");
        std::fs::create_dir_all(&bus).expect("mkdir");
        let name = path.rsplit('/').next().expect("a name");
        std::os::unix::fs::symlink(format!("../../../devices/{path}"), bus.join(name)).expect("symlink");
    }

    #[cfg(unix)]
    #[test]
    fn classes_are_read_through_the_root_bus_directory_when_there_is_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        // On the root bus, behind a bridge, and in a domain of five digits
        // (Intel VMD), whose name the root-bus shortcut does not take.
        linked_function(dir.path(), "pci0000:00/0000:00:02.0", "0x030000\n");
        linked_function(dir.path(), "pci0000:00/0000:00:1c.0", "0x060400\n");
        linked_function(dir.path(), "pci0000:00/0000:00:1c.0/0000:03:00.0", "0x010802\n");
        linked_function(dir.path(), "pci0000:00/0000:00:1c.0/0000:03:00.1", "0x030000\n");
        linked_function(dir.path(), "pci10000:e0/10000:e1:00.0", "0x010802\n");
        let sysfs = Sysfs::new(dir.path());
        let found = collect(&sysfs);
        let value =
            |outcome: &Result<Vec<Component>, String>| outcome.as_ref().map(Vec::len).map_err(Clone::clone);
        assert_eq!(found.each_ref().map(value), [Ok(2), Ok(0), Ok(2)], "Video, Ide, Scsi");
        // A bus found to be no root bus is not tried again for its next function.
        let (mut attribute, mut roots) = (PathBuf::new(), RootBuses::new(&sysfs));
        let bus = dir.path().join("sys/bus/pci/devices");
        let kind = |name: &str, roots: &mut RootBuses, attribute: &mut PathBuf| {
            class_kind(&sysfs, name, &bus.join(name), attribute, roots)
        };
        assert_eq!(kind("0000:00:02.0", &mut roots, &mut attribute), Some(ComponentKind::Video));
        assert_eq!(roots.not_root, None, "bus 00 is a root bus");
        assert_eq!(kind("0000:03:00.0", &mut roots, &mut attribute), Some(ComponentKind::Scsi));
        assert_eq!(roots.not_root, Some(*b"0000:03"));
        // (A root-bus directory made for it now, which the kernel would never
        // make, is not looked at: the function is read through its link.)
        let impossible = dir.path().join("sys/devices/pci0000:03/0000:03:00.1");
        std::fs::create_dir_all(&impossible).expect("mkdir");
        std::fs::write(impossible.join("class"), "0x010601\n").expect("write");
        assert_eq!(kind("0000:03:00.1", &mut roots, &mut attribute), Some(ComponentKind::Video));
        assert_eq!(roots.not_root, Some(*b"0000:03"), "kept for the next function of bus 03");
        let fresh = RootBuses::new(&sysfs);
        assert_eq!(
            fresh.class_path(&mut attribute, "0000:00:02.0"),
            Some(dir.path().join("sys/devices/pci0000:00/0000:00:02.0/class").as_path())
        );
        for name in ["10000:e1:00.0", "0000:00:02", "0000-00:02.0", "0000:00:02.x", "000g:00:02.0"] {
            assert_eq!(fresh.class_path(&mut attribute, name), None, "{name}");
        }
        // The root-bus directory is what is read when it exists (a tree the
        // kernel never makes, where the link leads elsewhere, shows it).
        let elsewhere = dir.path().join("sys/devices/elsewhere");
        std::fs::create_dir_all(&elsewhere).expect("mkdir");
        std::fs::write(elsewhere.join("class"), "0x010601\n").expect("write");
        std::fs::write(elsewhere.join("uevent"), "PCI_ID=1234:2222\n").expect("write");
        let link = dir.path().join("sys/bus/pci/devices/0000:00:02.0");
        std::fs::remove_file(&link).expect("unlink");
        std::os::unix::fs::symlink("../../../devices/elsewhere", &link).expect("symlink");
        assert_eq!(
            collect(&sysfs).each_ref().map(value),
            [Ok(2), Ok(0), Ok(2)],
            "Video, as the root bus says"
        );
    }

    #[test]
    fn ids_come_from_the_uevent_and_known_functions_are_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        device(dir.path(), "0000:00:02.0", "0x030000\n", "0x8086\n", "0x9a49\n");
        device(dir.path(), "0000:04:00.0", "0x010802\n", "0x144d\n", "0xa808\n");
        let devices = dir.path().join("sys/bus/pci/devices");
        // The uevent's PCI_ID wins over `vendor` and `device` (which it replaces).
        std::fs::write(
            devices.join("0000:00:02.0/uevent"),
            "DRIVER=i915\nPCI_CLASS=30000\nPCI_ID=8086:9A40\n",
        )
        .expect("write");
        // A uevent without a usable PCI_ID: the attributes are read.
        std::fs::write(devices.join("0000:04:00.0/uevent"), "DRIVER=nvme\nPCI_ID=144d\n").expect("write");
        let sysfs = Sysfs::new(dir.path());
        let [video, _, scsi] = collect(&sysfs);
        assert_eq!(video, Ok(vec![Component::new(ComponentKind::Video, "8086:9a40")]));
        assert_eq!(scsi, Ok(vec![Component::new(ComponentKind::Scsi, "144d:a808")]));

        // A function the network pass read the uevent of: its `class` is not read
        // (here it is garbage, and the function still counts, by the known class).
        std::fs::write(devices.join("0000:04:00.0/class"), "garbage\n").expect("write");
        let mut known = Known::default();
        known.learn(&Uevent::parse("PCI_CLASS=10802\nPCI_ID=144D:A80A\nPCI_SLOT_NAME=0000:04:00.0\n"));
        known.learn(&Uevent::parse("PCI_CLASS=20000\nPCI_ID=8086:1521\nPCI_SLOT_NAME=0000:40:00.0\n"));
        known.learn(&Uevent::parse("PCI_CLASS=20000\nPCI_ID=8086:1521\n")); // no slot: not recorded
        let [_, _, scsi] = super::collect(&sysfs, known).map(|o| o.map_err(|why| why.to_string()));
        assert_eq!(scsi, Ok(vec![Component::new(ComponentKind::Scsi, "144d:a80a")]));
        let [_, _, scsi] = collect(&sysfs);
        assert_eq!(scsi, Ok(vec![]), "unknown, the garbage class skips it");
    }

    #[test]
    fn no_bus_means_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outcomes = collect(&Sysfs::new(dir.path()));
        assert!(outcomes.iter().all(|o| o == &Err("no PCI bus is visible".to_owned())));
    }
}
