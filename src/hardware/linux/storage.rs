//! `SystemDrive`: the serial number of the physical disk under `/`.
//!
//! The walk: the root mount's `MAJ:MIN` from `/proc/self/mountinfo` →
//! `/sys/dev/block/MAJ:MIN` → the whole disk (a partition has a `partition`
//! file and lives inside its disk's directory) → through `slaves/` of
//! device-mapper and md devices (LVM, dm-crypt, software RAID) down to the
//! physical disks. A root without a device number (btrfs, ZFS, overlay,
//! tmpfs) is looked up by its mount source (`/dev/nvme0n1p2`,
//! `/dev/mapper/vg0-root`); an overlay or tmpfs root has no disk, and the kind
//! is unreadable with that reason.
//!
//! The serial is the first non-empty one of: `device/serial` (NVMe
//! controllers, MMC cards), `serial` (virtio-blk), `device/vpd_pg80` (SCSI
//! and SATA: the Unit Serial Number VPD page, a 4-byte header then ASCII),
//! udev's `ID_SERIAL_SHORT` in `/run/udev/data/bMAJ:MIN`, `device/wwid`.
//! A source that exists but cannot be read makes the kind unreadable instead
//! of falling through to the next one, so a transient failure never swaps
//! the value for a different identifier. When the root spans several disks
//! (RAID, a volume group over two disks), the first disk by name that has a
//! serial is the system drive.
//!
//! Flags: `removable` from the disk's `removable` file or a USB path, `usb`
//! for a USB path, `virtual_device` for virtio, Xen and Hyper-V disks and for
//! disks whose SCSI vendor is a hypervisor's (`QEMU`, `VBOX`, `VMware`, `Msft`).

use std::path::{Path, PathBuf};

use super::mounts::RootMount;
use super::sysfs::{Sysfs, is_paravirtual_path, is_usb_path, is_virtio_path};
use crate::hardware::normalise::serial_value;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Content, Why};

/// How many device-mapper/md layers the walk follows (a loop guard).
const MAX_DEPTH: usize = 8;
/// Name prefixes of block devices that are disks on a bus (SCSI/SATA/USB,
/// NVMe, virtio, Xen, MMC, legacy IDE), never layered on other block devices.
const PHYSICAL_DISKS: [&str; 6] = ["sd", "nvme", "vd", "xvd", "mmcblk", "hd"];
/// Upper bound for a VPD page: 4-byte header plus a 16-bit length.
const VPD_LIMIT: usize = 4 + 0xffff;
/// Upper bound for a udev database entry.
const UDEV_LIMIT: usize = 64 << 10;
/// SCSI (T10) vendor ids of emulated disks and optical drives.
pub(super) const VIRTUAL_T10_VENDORS: [&str; 5] = ["QEMU", "VBOX", "VMware", "Msft", "Google"];

/// Collects the `SystemDrive` component from the root mount.
pub(super) fn collect(sysfs: &Sysfs, root: &Result<RootMount, Why>) -> Result<Vec<Component>, Why> {
    let mount = root.as_ref().map_err(Clone::clone)?;
    let device = block_device(sysfs, mount)?;
    let disks = physical_disks(sysfs, &device, 0)?;
    for disk in &disks {
        if let Some(serial) = serial(sysfs, disk)? {
            let component = Component::new(ComponentKind::SystemDrive, serial);
            return Ok(vec![component.with_flags(flags(sysfs, disk))]);
        }
    }
    Err(Why::NoSerialNumber { drives: disks.iter().map(|d| name_of(d)).collect() })
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The resolved sysfs directory of the block device holding `/`.
fn block_device(sysfs: &Sysfs, mount: &RootMount) -> Result<PathBuf, Why> {
    if mount.major != 0 {
        let link = sysfs.path(&format!("sys/dev/block/{}:{}", mount.major, mount.minor));
        return sysfs.resolve(&link);
    }
    let no_device = || Why::NoBlockDevice {
        fstype: mount.fstype.clone(),
        source: (mount.source != mount.fstype && mount.source != "none").then(|| mount.source.clone()),
    };
    let Some(name) = mount.source.strip_prefix("/dev/") else {
        return Err(no_device());
    };
    if let Some(mapped) = name.strip_prefix("mapper/") {
        return device_mapper(sysfs, mapped)?.ok_or_else(no_device);
    }
    let name = if name.contains('/') {
        // `/dev/disk/by-uuid/…` and friends are symlinks to the kernel name.
        let target = sysfs.resolve(&sysfs.path(&format!("dev/{name}"))).map_err(|_| no_device())?;
        name_of(&target)
    } else {
        name.to_owned()
    };
    sysfs.resolve(&sysfs.path(&format!("sys/class/block/{name}")))
}

/// The `dm-N` device whose `dm/name` is `mapped` (`/dev/mapper/vg0-root`).
fn device_mapper(sysfs: &Sysfs, mapped: &str) -> Result<Option<PathBuf>, Why> {
    let dir = sysfs.path("sys/class/block");
    for name in sysfs.list(&dir)?.iter().filter(|n| n.starts_with("dm-")) {
        let link = dir.join(name);
        if sysfs.read_text(&link.join("dm/name")).is_ok_and(|n| n.trim() == mapped) {
            return Ok(Some(sysfs.resolve(&link)?));
        }
    }
    Ok(None)
}

/// The physical disks below the block device in `dir`, sorted by name.
fn physical_disks(sysfs: &Sysfs, dir: &Path, depth: usize) -> Result<Vec<PathBuf>, Why> {
    if depth > MAX_DEPTH {
        return Err(Why::StackedTooDeep { path: sysfs.show(dir), limit: MAX_DEPTH });
    }
    let disk = if sysfs.probe(&dir.join("partition"))? {
        dir.parent().map_or_else(|| dir.to_path_buf(), Path::to_path_buf)
    } else {
        dir.to_path_buf()
    };
    // Disks that sit on hardware never stack on other block devices; only
    // the others (dm-N, mdN, bcacheN, …) need their `slaves/` listed.
    let name = name_of(&disk);
    if PHYSICAL_DISKS.iter().any(|prefix| name.starts_with(prefix)) {
        return Ok(vec![disk]);
    }
    let slaves_dir = disk.join("slaves");
    let slaves = match sysfs.list(&slaves_dir) {
        Ok(slaves) => slaves,
        Err(error) if error.is_missing() => Vec::new(),
        Err(error) => return Err(error),
    };
    if slaves.is_empty() {
        return Ok(vec![disk]);
    }
    let mut disks = Vec::new();
    for slave in &slaves {
        let real = sysfs.resolve(&slaves_dir.join(slave))?;
        disks.extend(physical_disks(sysfs, &real, depth + 1)?);
    }
    disks.sort_by_key(|d| (name_of(d), d.clone()));
    disks.dedup();
    Ok(disks)
}

/// Reads an optional text source: `Ok(None)` when it does not exist.
fn optional_text(sysfs: &Sysfs, path: &Path) -> Result<Option<String>, Why> {
    match sysfs.read_text(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.is_missing() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The disk's serial number from the first source that has one.
fn serial(sysfs: &Sysfs, disk: &Path) -> Result<Option<String>, Why> {
    // The kernel gives a virtio-blk disk a `serial` of its own and its
    // `device` (the virtio device) none, so asking there first changes no
    // value and saves the lookup of `device/serial` that fails on every
    // virtio machine.
    let files = if is_virtio_path(disk) { ["serial", "device/serial"] } else { ["device/serial", "serial"] };
    for file in files {
        if let Some(serial) = optional_text(sysfs, &disk.join(file))?.as_deref().and_then(serial_value) {
            return Ok(Some(serial));
        }
    }
    let vpd_path = disk.join("device/vpd_pg80");
    match sysfs.read_bytes(&vpd_path, VPD_LIMIT) {
        Ok(page) => {
            let serial = vpd_serial(&page).map_err(|problem| sysfs.invalid(&vpd_path, problem))?;
            if serial.is_some() {
                return Ok(serial);
            }
        }
        Err(error) if error.is_missing() => {}
        Err(error) => return Err(error),
    }
    if let Some(dev) = optional_text(sysfs, &disk.join("dev"))? {
        let udev_path = sysfs.path(&format!("run/udev/data/b{}", dev.trim()));
        match sysfs.read_table(&udev_path, UDEV_LIMIT) {
            Ok(text) => {
                let short = text.lines().find_map(|line| line.strip_prefix("E:ID_SERIAL_SHORT="));
                if let Some(serial) = short.and_then(serial_value) {
                    return Ok(Some(serial));
                }
            }
            Err(error) if error.is_missing() => {}
            Err(error) => return Err(error),
        }
    }
    Ok(optional_text(sysfs, &disk.join("device/wwid"))?.as_deref().and_then(serial_value))
}

/// The serial number in a SCSI Unit Serial Number VPD page (0x80): byte 1 is
/// the page code, bytes 2–3 the big-endian length of the ASCII serial that
/// follows.
fn vpd_serial(page: &[u8]) -> Result<Option<String>, Content> {
    let [_, code, high, low, rest @ ..] = page else {
        return Err(Content::VpdTooShort(page.len()));
    };
    if *code != 0x80 {
        return Err(Content::VpdWrongPage(*code));
    }
    let length = usize::from(u16::from_be_bytes([*high, *low]));
    let body = rest.get(..length).ok_or(Content::VpdTruncated { announced: length, held: rest.len() })?;
    let text = std::str::from_utf8(body).ok().filter(|t| t.is_ascii()).ok_or(Content::VpdNotAscii)?;
    Ok(serial_value(text))
}

/// The flags of the system disk in `disk`.
fn flags(sysfs: &Sysfs, disk: &Path) -> ComponentFlags {
    let usb = is_usb_path(disk);
    let removable_media = sysfs.read_text(&disk.join("removable")).is_ok_and(|t| t.trim() == "1");
    let virtual_device = is_paravirtual_path(disk)
        || sysfs
            .read_text(&disk.join("device/vendor"))
            .is_ok_and(|v| VIRTUAL_T10_VENDORS.contains(&v.trim()));
    ComponentFlags { removable: usb || removable_media, usb, virtual_device, locally_administered: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(serial: &[u8]) -> Vec<u8> {
        let mut page = vec![0x00, 0x80, 0x00, u8::try_from(serial.len()).expect("short")];
        page.extend_from_slice(serial);
        page
    }

    #[test]
    fn vpd_page_80_gives_the_trimmed_serial() {
        assert_eq!(vpd_serial(&page(b"S626NF0R402871K     ")), Ok(Some("S626NF0R402871K".into())));
        assert_eq!(vpd_serial(&page(b"     WD-WCC6Y7HJ2K3L")), Ok(Some("WD-WCC6Y7HJ2K3L".into())));
        assert_eq!(vpd_serial(&page(b"                    ")), Ok(None), "blank serial");
        assert_eq!(vpd_serial(&page(b"")), Ok(None));
    }

    #[test]
    fn malformed_vpd_pages_are_errors() {
        let text = |page: &[u8]| vpd_serial(page).map_err(|e| e.to_string());
        assert_eq!(vpd_serial(&[0, 0x80, 0]), Err(Content::VpdTooShort(3)));
        assert_eq!(text(&[0, 0x80, 0]), Err("is 3 bytes long, too short for a VPD page".into()));
        assert_eq!(
            text(&[0, 0x83, 0, 0]),
            Err("is VPD page 0x83, not the unit serial number page 0x80".into())
        );
        assert_eq!(
            text(&[0, 0x80, 0, 20, b'A', b'B']),
            Err("is truncated: the page announces 20 bytes of serial number but holds 2".into())
        );
        assert_eq!(text(&page(b"S62\xff")), Err("holds a serial number that is not ASCII".into()));
    }

    #[test]
    fn roots_without_a_device_say_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        let mount = |fstype: &str, source: &str| RootMount {
            major: 0,
            minor: 40,
            fstype: fstype.into(),
            source: source.into(),
            options: String::new(),
        };
        for (fstype, source, reason) in [
            ("overlay", "overlay", "no block device under the root filesystem (overlay)"),
            ("tmpfs", "none", "no block device under the root filesystem (tmpfs)"),
            ("zfs", "rpool/ROOT/ubuntu", "no block device under the root filesystem (zfs rpool/ROOT/ubuntu)"),
            (
                "btrfs",
                "/dev/disk/by-uuid/1234",
                "no block device under the root filesystem (btrfs /dev/disk/by-uuid/1234)",
            ),
            ("btrfs", "/dev/nvme0n1p2", "cannot resolve /sys/class/block/nvme0n1p2: it does not exist"),
        ] {
            let got = collect(&sysfs, &Ok(mount(fstype, source)));
            assert_eq!(got.map_err(|e| e.to_string()), Err(reason.to_owned()), "{fstype}");
        }
        assert_eq!(
            collect(&sysfs, &Ok(mount("overlay", "overlay"))),
            Err(Why::NoBlockDevice { fstype: "overlay".into(), source: None })
        );
        assert_eq!(
            collect(&sysfs, &Err(Why::NoBlockDevices)),
            Err(Why::NoBlockDevices),
            "the mount's reason"
        );
    }
}
