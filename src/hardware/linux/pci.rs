//! `Video`, `Ide` and `Scsi`: PCI display and mass-storage controllers
//! (`/sys/bus/pci/devices`).
//!
//! Each device's 24-bit `class` picks the kind ([`pci_kind`]); only then are
//! its `vendor` and `device` ids read, so the many bridges, USB and audio
//! functions of a machine cost one small read each. A device whose `class`
//! cannot be read or parsed is skipped (its kind is unknown). Devices of
//! vendors that only make emulated hardware are flagged `virtual_device`.
//!
//! When there is no PCI bus at all (some ARM boards, sandboxed containers)
//! the three kinds are unreadable; when the bus exists but holds no such
//! controller, the kind is simply empty.

use std::path::Path;

use super::sysfs::Sysfs;
use crate::hardware::normalise::{parse_hex, pci_kind, pci_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Content, Why};

/// The kinds this module fills, in profile order.
pub(super) const KINDS: [ComponentKind; 3] = [ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi];

/// Collects the three PCI kinds: one outcome per entry of [`KINDS`].
pub(super) fn collect(sysfs: &Sysfs) -> [Result<Vec<Component>, Why>; 3] {
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
    for name in &names {
        let device = dir.join(name);
        let Some(kind) = class_kind(sysfs, &device) else { continue };
        let Some(slot) = KINDS.iter().position(|k| *k == kind) else { continue };
        match component(sysfs, &device, kind) {
            Ok(component) => found[slot].push(component),
            Err(problem) => {
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

/// The kind of the device in `dir`, if it is a display or storage controller.
fn class_kind(sysfs: &Sysfs, dir: &Path) -> Option<ComponentKind> {
    let text = sysfs.read_text(&dir.join("class")).ok()?;
    let class = u32::try_from(parse_hex(&text)?).ok().filter(|c| *c <= 0x00ff_ffff)?;
    pci_kind(class)
}

/// Reads the vendor and device ids of the controller in `dir`.
fn component(sysfs: &Sysfs, dir: &Path, kind: ComponentKind) -> Result<Component, Why> {
    let id = |file: &str| -> Result<u16, Why> {
        let path = dir.join(file);
        let value = sysfs.read_hex(&path)?;
        u16::try_from(value).map_err(|_| sysfs.invalid(&path, Content::PciIdTooWide(value)))
    };
    let vendor = id("vendor")?;
    let device = id("device")?;
    let flags = ComponentFlags { virtual_device: pci_vendor_is_virtual(vendor), ..ComponentFlags::default() };
    Ok(Component::new(kind, pci_value(vendor, device)).with_flags(flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::collect`] with the reasons as the text people read.
    fn collect(sysfs: &Sysfs) -> [Result<Vec<Component>, String>; 3] {
        super::collect(sysfs).map(|outcome| outcome.map_err(|why| why.to_string()))
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

    #[test]
    fn no_bus_means_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outcomes = collect(&Sysfs::new(dir.path()));
        assert!(outcomes.iter().all(|o| o == &Err("no PCI bus is visible".to_owned())));
    }
}
