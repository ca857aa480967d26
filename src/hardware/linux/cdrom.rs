//! `CdRom`: vendor and model of optical drives (`/sys/class/block/sr*`).
//!
//! Every optical drive on Linux — SATA, USB or emulated — is a SCSI CD-ROM
//! `srN` whose `device/vendor` (8 characters, space-padded) and
//! `device/model` (16 characters) give the value. A drive that cannot be
//! read is skipped; the kind is unreadable only when nothing usable is left
//! or block devices cannot be listed at all. No drive is an empty kind.
//!
//! Flags: `usb` and `removable` for a drive on a USB bus (a SATA drive's
//! `removable` file speaks of its media, not of the drive), `virtual_device`
//! when the vendor is a hypervisor's (`QEMU`, `VBOX`, `VMware`, `Msft`).

use std::path::Path;

use super::storage::VIRTUAL_T10_VENDORS;
use super::sysfs::{Sysfs, is_usb_path};
use crate::hardware::normalise::cdrom_value;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Content, Why};

/// Collects the `CdRom` components.
pub(super) fn collect(sysfs: &Sysfs) -> Result<Vec<Component>, Why> {
    let mut dir = sysfs.path("sys/class/block");
    let names = match sysfs.list(&dir) {
        Ok(names) => names,
        Err(error) if error.is_missing() => {
            dir = sysfs.path("sys/block");
            match sysfs.list(&dir) {
                Ok(names) => names,
                Err(error) if error.is_missing() => return Err(Why::NoBlockDevices),
                Err(error) => return Err(error),
            }
        }
        Err(error) => return Err(error),
    };
    let mut found = Vec::new();
    let mut problem = None;
    for name in names.iter().filter(|n| is_optical(n)) {
        match drive(sysfs, &dir.join(name)) {
            Ok(component) => found.push(component),
            Err(error) => {
                problem.get_or_insert(error);
            }
        }
    }
    match (found.is_empty(), problem) {
        (true, Some(problem)) => Err(problem),
        _ => Ok(found),
    }
}

/// Whether a block device name is a SCSI CD-ROM (`sr0`).
fn is_optical(name: &str) -> bool {
    name.strip_prefix("sr").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads one drive.
fn drive(sysfs: &Sysfs, link: &Path) -> Result<Component, Why> {
    let real = sysfs.resolve(link)?;
    let vendor = sysfs.read_text(&real.join("device/vendor"))?;
    let model = sysfs.read_text(&real.join("device/model"))?;
    let value = cdrom_value(&vendor, &model)
        .ok_or_else(|| sysfs.invalid(&real.join("device"), Content::EmptyVendorAndModel))?;
    let usb = is_usb_path(&real);
    let flags = ComponentFlags {
        removable: usb,
        usb,
        virtual_device: VIRTUAL_T10_VENDORS.contains(&vendor.trim()),
        locally_administered: false,
    };
    Ok(Component::new(ComponentKind::CdRom, value).with_flags(flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::collect`] with the reason as the text people read.
    fn collect(sysfs: &Sysfs) -> Result<Vec<Component>, String> {
        super::collect(sysfs).map_err(|why| why.to_string())
    }

    #[test]
    fn only_sr_devices_are_optical() {
        assert!(is_optical("sr0"));
        assert!(is_optical("sr12"));
        assert!(!is_optical("sr"));
        assert!(!is_optical("sda"));
        assert!(!is_optical("srx"));
    }

    #[test]
    fn falls_back_to_sys_block_and_reports_a_missing_tree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        assert_eq!(collect(&sysfs), Err("no block devices are visible".into()));
        let device = dir.path().join("sys/block/sr0/device");
        std::fs::create_dir_all(&device).expect("mkdir");
        std::fs::write(device.join("vendor"), "VBOX    \n").expect("write");
        std::fs::write(device.join("model"), "CD-ROM          \n").expect("write");
        let flags = ComponentFlags { virtual_device: true, ..ComponentFlags::default() };
        assert_eq!(
            collect(&sysfs),
            Ok(vec![Component::new(ComponentKind::CdRom, "VBOX CD-ROM").with_flags(flags)])
        );
        std::fs::write(device.join("vendor"), "        \n").expect("write");
        std::fs::write(device.join("model"), "\n").expect("write");
        assert_eq!(collect(&sysfs), Err("/sys/block/sr0/device has an empty vendor and model".into()));
    }
}
