//! Altered copies of the fixture machines. Mostly damage — garbage,
//! truncated, unreadable, dangling, looping and non-UTF-8 files — where the
//! collector must never panic, the damaged kind becomes unreadable or skips
//! the bad device, and every other kind is exactly as on the intact machine;
//! and a few legitimate variations of the same machines.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use super::expect::{c, u};
use super::fixtures;
use nodelock::hardware::ComponentKind::{self, CdRom, Cpu, Ide, Mac, Memory, Scsi, SystemDrive, Video};
use nodelock::hardware::linux::LinuxCollector;
use nodelock::hardware::{Collector, Content, Environment, FileAction, Inventory, Why};

/// A temporary copy of a fixture machine, symlinks kept as symlinks.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn copy_of(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&fixtures::path(name), dir.path());
        Machine { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, content: impl AsRef<[u8]>) {
        fs::write(self.path(relative), content).expect("write");
    }

    /// Replaces whatever is at `relative` with a symlink to `target`.
    fn relink(&self, relative: &str, target: &str) {
        let path = self.path(relative);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(&path).expect("remove dir");
        } else if fs::symlink_metadata(&path).is_ok() {
            fs::remove_file(&path).expect("remove");
        }
        symlink(target, path).expect("symlink");
    }

    fn collect(&self) -> Inventory {
        LinuxCollector::with_root(self.dir.path()).collect()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().expect("file type");
        if kind.is_symlink() {
            symlink(fs::read_link(&source).expect("readlink"), &dest).expect("symlink");
        } else if kind.is_dir() {
            copy_tree(&source, &dest);
        } else {
            fs::copy(&source, &dest).expect("copy");
        }
    }
}

/// `bytes` with every `from` replaced by `to`.
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// `expected` with `kind`'s components replaced by `reason`.
fn unreadable(mut expected: Inventory, kind: ComponentKind, reason: &str) -> Inventory {
    expected.components.retain(|c| c.kind != kind);
    expected.unreadable.push(u(kind, reason));
    expected.finish()
}

/// `expected` without the component `value` of `kind`.
fn without(mut expected: Inventory, kind: ComponentKind, value: &str) -> Inventory {
    expected.components.retain(|c| !(c.kind == kind && c.value == value));
    expected
}

const NVIDIA: &str = "sys/devices/pci0000:16/0000:16:00.0/0000:17:00.0";
const SATA_DISK: &str = "sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0";
const SATA_OPTICAL: &str = "sys/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0";
const DONGLE: &str = "sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/net/enx00e04c680a1b";

#[test]
fn fixture_links_are_symlinks() {
    // A checkout without symlink support would turn them into text files.
    for (machine, link) in [
        ("laptop", "sys/class/net/enx00e04c680a1b"),
        ("laptop", "sys/dev/block/259:2"),
        ("workstation", "sys/bus/pci/devices/0000:17:00.0"),
        ("workstation", "sys/devices/virtual/block/dm-0/slaves/sda3"),
        ("cloud-vm", "sys/class/block/sr0"),
        ("container", "sys/class/net/eth0"),
    ] {
        let path = fixtures::path(machine).join(link);
        let meta = fs::symlink_metadata(&path).expect("fixture entry");
        assert!(meta.file_type().is_symlink(), "{machine}/{link} must be a symlink");
        assert!(fs::metadata(&path).is_ok(), "{machine}/{link} must not dangle");
    }
}

#[test]
fn garbage_pci_class_skips_only_that_device() {
    let machine = Machine::copy_of("workstation");
    machine.write(&format!("{NVIDIA}/class"), "graphics card, probably\n");
    assert_eq!(machine.collect(), without(fixtures::workstation(), Video, "10de:1eb1"));
    machine.write(&format!("{NVIDIA}/class"), "0x030000\n");
    machine.write(&format!("{NVIDIA}/device"), "0x\n");
    assert_eq!(machine.collect(), without(fixtures::workstation(), Video, "10de:1eb1"));
}

#[test]
fn truncated_meminfo_makes_memory_unreadable() {
    for (content, reason) in [
        ("MemTot", "/proc/meminfo has no MemTotal line"),
        ("MemTotal:       16063", "/proc/meminfo has a MemTotal line without its kB unit: \"16063\""),
        ("", "/proc/meminfo has no MemTotal line"),
    ] {
        let machine = Machine::copy_of("laptop");
        machine.write("proc/meminfo", content);
        assert_eq!(machine.collect(), unreadable(fixtures::laptop(), Memory, reason), "{content:?}");
    }
}

#[test]
fn unreadable_vpd_page_makes_the_system_drive_unreadable() {
    let machine = Machine::copy_of("workstation");
    let vpd = format!("{SATA_DISK}/vpd_pg80");
    fs::remove_file(machine.path(&vpd)).expect("remove");
    fs::create_dir(machine.path(&vpd)).expect("mkdir");
    // Read through the disk's `device` link, which is how messages name it.
    let shown = format!("/{SATA_DISK}/block/sda/device/vpd_pg80");
    let reason = format!("cannot read {shown}: is a directory");
    assert_eq!(machine.collect(), unreadable(fixtures::workstation(), SystemDrive, &reason));

    fs::remove_dir(machine.path(&vpd)).expect("rmdir");
    machine.write(&vpd, b"\x00\x83\x00\x04abcd");
    let reason = format!("{shown}: is VPD page 0x83, not the unit serial number page 0x80");
    assert_eq!(machine.collect(), unreadable(fixtures::workstation(), SystemDrive, &reason));
}

#[test]
fn a_missing_vpd_page_falls_back_to_udev_then_wwid() {
    let machine = Machine::copy_of("workstation");
    machine.relink(&format!("{SATA_DISK}/vpd_pg80"), "nowhere");
    assert_eq!(machine.collect(), fixtures::workstation(), "udev has the same serial");
    fs::remove_file(machine.path("run/udev/data/b8:0")).expect("remove");
    let mut expected = without(fixtures::workstation(), SystemDrive, "S626NF0R402871K");
    let wwid = "t10.ATA Samsung SSD 870 EVO 1TB S626NF0R402871K";
    expected.components.push(c(SystemDrive, wwid, super::expect::NONE));
    assert_eq!(machine.collect(), expected.finish());
}

/// Removes every PCI function's `uevent` file of `machine`.
fn remove_pci_uevents(machine: &Machine) {
    for entry in fs::read_dir(machine.path("sys/bus/pci/devices")).expect("list") {
        let uevent = entry.expect("entry").path().join("uevent");
        if fs::symlink_metadata(&uevent).is_ok() {
            fs::remove_file(&uevent).expect("remove");
        }
    }
}

#[test]
fn uevent_files_agree_with_the_attributes_they_replace() {
    // laptop and cloud-vm carry the kernel's `uevent` in every PCI function;
    // workstation carries none, so its machine is read by the fallback reads.
    for (name, expected) in [("laptop", fixtures::laptop()), ("cloud-vm", fixtures::cloud_vm())] {
        let devices = fixtures::path(name).join("sys/bus/pci/devices");
        for entry in fs::read_dir(&devices).expect("list") {
            let dir = entry.expect("entry").path();
            let uevent = fs::read_to_string(dir.join("uevent")).expect("every function has a uevent");
            let key = |k: &str| {
                uevent.lines().find_map(|l| l.strip_prefix(k)?.strip_prefix('=')).map(str::to_owned)
            };
            let hex = |f: &str| {
                let text = fs::read_to_string(dir.join(f)).expect("attribute");
                u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).expect("hex")
            };
            let shown = dir.display();
            assert_eq!(key("PCI_CLASS"), Some(format!("{:X}", hex("class"))), "{shown}");
            assert_eq!(
                key("PCI_ID"),
                Some(format!("{:04X}:{:04X}", hex("vendor"), hex("device"))),
                "{shown}"
            );
            let slot = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned);
            assert_eq!(key("PCI_SLOT_NAME"), slot, "{shown}");
            let driver = fs::read_link(dir.join("driver")).ok();
            let driver = driver.and_then(|d| d.file_name().and_then(|n| n.to_str()).map(str::to_owned));
            assert_eq!(key("DRIVER"), driver, "{shown}");
        }
        let machine = Machine::copy_of(name);
        assert_eq!(machine.collect(), expected, "{name}");
        remove_pci_uevents(&machine);
        assert_eq!(machine.collect(), expected, "{name} without its uevent files: the fallback reads");
    }
    let workstation = fixtures::path("workstation").join("sys/bus/pci/devices");
    for entry in fs::read_dir(&workstation).expect("list") {
        assert!(
            !entry.expect("entry").path().join("uevent").exists(),
            "workstation keeps the fallback tested"
        );
    }

    // The uevent is what is read: attributes that disagree with it do not count.
    let machine = Machine::copy_of("laptop");
    machine.write("sys/devices/pci0000:00/0000:00:02.0/device", "0x0000\n");
    machine.write("sys/devices/pci0000:00/0000:00:14.3/class", "garbage\n");
    assert_eq!(machine.collect(), fixtures::laptop());
    remove_pci_uevents(&machine);
    let mut expected = without(fixtures::laptop(), Video, "8086:9a49");
    expected.components.push(c(Video, "8086:0000", super::expect::NONE));
    assert_eq!(machine.collect(), expected.finish(), "without the uevent, the attribute");
}

#[test]
fn dangling_links_skip_the_device_or_make_the_kind_unreadable() {
    let machine = Machine::copy_of("laptop");
    machine.relink(&format!("{DONGLE}/device"), "../../../2-9:1.0");
    let reason = format!("cannot resolve /{DONGLE}/device: it does not exist");
    assert_eq!(machine.collect(), unreadable(fixtures::laptop(), Mac, &reason));

    let machine = Machine::copy_of("cloud-vm");
    machine.relink("sys/dev/block/252:1", "../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda9");
    let reason = "cannot resolve /sys/dev/block/252:1: it does not exist";
    assert_eq!(machine.collect(), unreadable(fixtures::cloud_vm(), SystemDrive, reason));

    let machine = Machine::copy_of("workstation");
    machine.relink("sys/devices/virtual/block/dm-0/slaves/sda3", "../../../../pci0000:00/gone");
    let reason = "cannot resolve /sys/devices/virtual/block/dm-0/slaves/sda3: it does not exist";
    assert_eq!(machine.collect(), unreadable(fixtures::workstation(), SystemDrive, reason));
}

#[test]
fn symlink_loops_are_skipped() {
    let machine = Machine::copy_of("workstation");
    machine.relink("sys/class/net/enp9s0", "enp9s0");
    machine.relink("sys/bus/pci/devices/0000:09:00.0", "0000:09:00.0");
    machine.relink("sys/class/block/sr1", "sr1");
    assert_eq!(machine.collect(), fixtures::workstation(), "the looping devices are skipped");

    let machine = Machine::copy_of("cloud-vm");
    machine.relink("sys/dev/block/252:1", "252:1");
    let reason = "cannot resolve /sys/dev/block/252:1: too many levels of symbolic links";
    assert_eq!(machine.collect(), unreadable(fixtures::cloud_vm(), SystemDrive, reason));
}

#[test]
fn links_may_not_leave_the_root() {
    let machine = Machine::copy_of("cloud-vm");
    machine.relink("sys/dev/block/252:1", "/proc");
    let reason = "/sys/dev/block/252:1: points outside the root directory";
    assert_eq!(machine.collect(), unreadable(fixtures::cloud_vm(), SystemDrive, reason));
}

#[test]
fn non_utf8_bytes() {
    // In a sysfs attribute: that device is unusable.
    let machine = Machine::copy_of("workstation");
    machine.write(&format!("{SATA_OPTICAL}/model"), b"DVD\xff\xfeRW GHB0N\n");
    let reason = format!("/{SATA_OPTICAL}/block/sr0/device/model: is not UTF-8 text");
    assert_eq!(machine.collect(), unreadable(fixtures::workstation(), CdRom, &reason));

    // In procfs tables (a Latin-1 mount point, a CPU name): the rest is read.
    let machine = Machine::copy_of("laptop");
    let mut mountinfo = fs::read(machine.path("proc/self/mountinfo")).expect("read");
    mountinfo.extend_from_slice(b"90 28 8:1 / /media/caf\xe9 rw - vfat /dev/sda1 rw\n");
    machine.write("proc/self/mountinfo", mountinfo);
    let cpuinfo = fs::read(machine.path("proc/cpuinfo")).expect("read");
    machine.write("proc/cpuinfo", replace_bytes(&cpuinfo, b"(TM)", b"\xae"));
    assert_eq!(machine.collect(), fixtures::laptop());

    // In a MAC address: the adapter is left out.
    let machine = Machine::copy_of("laptop");
    machine.write(&format!("{DONGLE}/address"), b"00:e0:4c:68:0a:\xb1\n");
    let reason = "/sys/class/net/enx00e04c680a1b/address: is not UTF-8 text";
    assert_eq!(machine.collect(), unreadable(fixtures::laptop(), Mac, reason));
}

#[test]
fn a_root_without_a_device_number_is_found_by_its_source() {
    // btrfs (and ZFS, NFS …) report major 0: the mount source names the device.
    let machine = Machine::copy_of("laptop");
    machine
        .write("proc/self/mountinfo", "28 1 0:33 /@ / rw,relatime - btrfs /dev/nvme0n1p2 rw,ssd,subvol=/@\n");
    assert_eq!(machine.collect(), fixtures::laptop());

    let machine = Machine::copy_of("workstation");
    machine.write("proc/self/mountinfo", "29 1 0:40 /@ / rw - btrfs /dev/mapper/vg0-root rw,subvol=/@\n");
    assert_eq!(machine.collect(), fixtures::workstation());
    machine.write("proc/self/mountinfo", "29 1 0:40 /@ / rw - btrfs /dev/mapper/vg9-gone rw\n");
    let reason = "no block device under the root filesystem (btrfs /dev/mapper/vg9-gone)";
    assert_eq!(machine.collect(), unreadable(fixtures::workstation(), SystemDrive, reason));
}

#[test]
fn a_missing_root_makes_every_kind_unreadable() {
    let inventory = LinuxCollector::with_root("/nonexistent/nodelock-fixture").collect();
    let expected = super::expect::inventory(
        Environment::BareMetal,
        vec![],
        vec![
            u(Mac, "cannot list /sys/class/net: it does not exist"),
            u(Cpu, "cannot read /proc/cpuinfo: it does not exist"),
            u(SystemDrive, "cannot read /proc/self/mountinfo: it does not exist"),
            u(Memory, "cannot read /proc/meminfo: it does not exist"),
            u(CdRom, "no block devices are visible"),
            u(Video, "no PCI bus is visible"),
            u(Ide, "no PCI bus is visible"),
            u(Scsi, "no PCI bus is visible"),
        ],
    );
    assert_eq!(inventory, expected);
}

#[test]
fn environment_signals_stand_on_their_own() {
    // Without .dockerenv the overlay root in Docker's store still tells.
    let machine = Machine::copy_of("container");
    fs::remove_file(machine.path(".dockerenv")).expect("remove");
    assert_eq!(machine.collect().environment, Environment::Container);
    // Without the overlay root too, the CPU's hypervisor flag is what is left.
    machine.write("proc/self/mountinfo", "1021 960 8:1 / / rw - ext4 /dev/sda1 rw\n");
    assert_eq!(machine.collect().environment, Environment::VirtualMachine);

    // Without DMI the hypervisor flag still tells a virtual machine.
    let machine = Machine::copy_of("cloud-vm");
    fs::remove_file(machine.path("sys/class/dmi/id")).expect("remove");
    assert_eq!(machine.collect().environment, Environment::VirtualMachine);
    // Without the flag too, it looks like bare metal.
    let cpuinfo = fs::read_to_string(machine.path("proc/cpuinfo")).expect("read");
    machine.write("proc/cpuinfo", cpuinfo.replace(" hypervisor", ""));
    assert_eq!(machine.collect().environment, Environment::BareMetal);
}

/// Applies `damage` to every regular file (or every symlink) of a copy of
/// each machine; collection must still return, without panicking, an
/// inventory where no kind is both found and unreadable.
fn sweep(damage: impl Fn(&Path)) {
    fn walk(dir: &Path, damage: &dyn Fn(&Path)) {
        for entry in fs::read_dir(dir).expect("read").map(|e| e.expect("entry")) {
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                walk(&entry.path(), damage);
            } else {
                damage(&entry.path());
            }
        }
    }
    for name in ["laptop", "workstation", "cloud-vm", "container"] {
        let machine = Machine::copy_of(name);
        walk(machine.dir.path(), &damage);
        let inventory = machine.collect();
        for kind in ComponentKind::ALL {
            let found = inventory.of_kind(kind).next().is_some();
            assert!(!(found && inventory.unreadable_reason(kind).is_some()), "{name}: {kind}");
        }
        assert_eq!(inventory.clone().finish(), inventory, "{name}: finished");
    }
}

#[test]
fn sweeping_damage_never_panics() {
    let regular = |path: &Path| fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
    sweep(|path| {
        if regular(path) {
            fs::write(path, b"").expect("empty");
        }
    });
    sweep(|path| {
        if regular(path) {
            fs::write(path, [0xff; 64]).expect("garbage");
        }
    });
    sweep(|path| {
        if regular(path) {
            let bytes = fs::read(path).expect("read");
            fs::write(path, &bytes[..bytes.len() / 2]).expect("truncate");
        }
    });
    sweep(|path| {
        if regular(path) {
            fs::remove_file(path).expect("remove");
            fs::create_dir(path).expect("directory instead");
        }
    });
    sweep(|path| {
        if !regular(path) {
            fs::remove_file(path).expect("remove");
            symlink(path.file_name().expect("name"), path).expect("loop");
        }
    });
}

#[test]
fn a_dangling_interface_entry_is_reported() {
    let machine = Machine::copy_of("laptop");
    machine
        .relink("sys/class/net/enx00e04c680a1b", "../../devices/pci0000:00/0000:00:14.0/usb2/2-9/net/enx0");
    let reason = "cannot resolve /sys/class/net/enx00e04c680a1b: it does not exist";
    assert_eq!(machine.collect(), unreadable(fixtures::laptop(), Mac, reason));
}

/// The reasons are values, not only sentences: a program can tell a missing
/// directory from a damaged file and read the path and the problem.
#[test]
fn reasons_carry_the_path_and_the_problem_as_fields() {
    let inventory = LinuxCollector::with_root("/nonexistent/nodelock-fixture").collect();
    match inventory.unreadable_reason(Mac) {
        Some(why @ Why::File { action: FileAction::List, path, error }) => {
            assert_eq!(path, Path::new("/sys/class/net"));
            assert_eq!(error.kind, std::io::ErrorKind::NotFound);
            assert!(why.is_missing());
        }
        other => panic!("Mac: {other:?}"),
    }
    assert!(matches!(inventory.unreadable_reason(Video), Some(Why::NoPciBus)));
    assert!(matches!(inventory.unreadable_reason(CdRom), Some(Why::NoBlockDevices)));

    let machine = Machine::copy_of("workstation");
    machine.write(&format!("{SATA_DISK}/vpd_pg80"), b"\x00\x83\x00\x04abcd");
    match machine.collect().unreadable_reason(SystemDrive) {
        Some(Why::Content { path, problem: Content::VpdWrongPage(0x83) }) => {
            assert_eq!(path, &Path::new("/").join(SATA_DISK).join("block/sda/device/vpd_pg80"));
        }
        other => panic!("SystemDrive: {other:?}"),
    }
    machine.write("proc/self/mountinfo", "29 1 0:40 /@ / rw - btrfs /dev/mapper/vg9-gone rw\n");
    match machine.collect().unreadable_reason(SystemDrive) {
        Some(Why::NoBlockDevice { fstype, source }) => {
            assert_eq!((fstype.as_str(), source.as_deref()), ("btrfs", Some("/dev/mapper/vg9-gone")));
        }
        other => panic!("SystemDrive: {other:?}"),
    }

    let machine = Machine::copy_of("cloud-vm");
    machine.relink("sys/dev/block/252:1", "252:1");
    match machine.collect().unreadable_reason(SystemDrive) {
        Some(why @ Why::LinkLoop { path, .. }) => {
            assert_eq!(path, Path::new("/sys/dev/block/252:1"));
            assert!(!why.is_missing());
        }
        other => panic!("SystemDrive: {other:?}"),
    }
    machine.relink("sys/dev/block/252:1", "/proc");
    assert!(matches!(
        machine.collect().unreadable_reason(SystemDrive),
        Some(Why::Content { problem: Content::OutsideRoot, .. })
    ));
}

/// A capture or JSON inventory keeps only a reason's text; read back, the
/// reason is `Recorded` and equals the one that was written.
#[test]
fn reasons_survive_a_round_trip_through_json_as_their_text() {
    let inventory = LinuxCollector::with_root("/nonexistent/nodelock-fixture").collect();
    let json = serde_json::to_value(&inventory).expect("serialise");
    assert_eq!(json["unreadable"][0]["reason"], "cannot list /sys/class/net: it does not exist");
    let back: Inventory = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, inventory);
    assert!(back.unreadable.iter().all(|u| matches!(u.reason, Why::Recorded(_))));
}

#[test]
fn a_collection_without_the_pci_kinds_reads_nothing_of_the_pci_bus() {
    // The start-up check leaves the PCI kinds for last; without them the
    // bus is not even listed: a machine whose PCI listing is gone reads,
    // for every other kind, exactly as the intact one.
    let last = nodelock::activation::READ_LAST;
    let first = nodelock::hardware::KindSet::ALL.without(last);
    let machine = Machine::copy_of("workstation");
    fs::remove_dir_all(machine.path("sys/bus/pci")).expect("remove");
    let collector = LinuxCollector::with_root(machine.dir.path());
    for kind in last.iter() {
        assert!(collector.collect().unreadable_reason(kind).is_some(), "{kind}: the bus is gone");
    }
    assert_eq!(collector.collect_only(first).unwrap(), fixtures::workstation().only(first));
}
