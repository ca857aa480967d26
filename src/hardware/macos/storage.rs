//! `SystemDrive`: the boot disk's serial, from `statfs("/")`'s device to the
//! nearest `Device Characteristics` → `Serial Number` in the I/O Registry
//! (never `IOPlatformSerialNumber`, which identifies the machine, not the
//! drive). This module also owns reading a storage device's `Protocol
//! Characteristics` ([`Attachment`]), which optical drives share. Flags:
//! `usb`, `removable` (external or hot-plug interconnects) and
//! `virtual_device` from the attachment and the model.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use super::prop::Prop;
use crate::hardware::normalise::serial_value;
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Why};

/// Where a storage device is attached, from its `Protocol Characteristics`
/// dictionary (`Physical Interconnect`, `Physical Interconnect Location`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Attachment {
    /// The interconnect is USB.
    pub usb: bool,
    /// The device is external (or on a hot-plug interconnect).
    pub removable: bool,
    /// The interconnect is a hypervisor's (`Virtual Interface`).
    pub virtual_device: bool,
}

/// Reads a `Protocol Characteristics` dictionary.
pub(crate) fn attachment(protocol: Option<&Prop>) -> Attachment {
    let Some(dict) = protocol.and_then(Prop::as_dict) else { return Attachment::default() };
    let interconnect = dict.get("Physical Interconnect").and_then(Prop::as_str).unwrap_or_default();
    let location = dict.get("Physical Interconnect Location").and_then(Prop::as_str).unwrap_or_default();
    let usb = interconnect.eq_ignore_ascii_case("USB");
    Attachment {
        usb,
        removable: usb
            || location.eq_ignore_ascii_case("External")
            || ["FireWire", "Thunderbolt", "Secure Digital"]
                .iter()
                .any(|i| interconnect.eq_ignore_ascii_case(i)),
        virtual_device: interconnect.eq_ignore_ascii_case("Virtual Interface")
            || location.eq_ignore_ascii_case("Virtual"),
    }
}

/// The `SystemDrive` component from the boot disk's `Device
/// Characteristics` dictionary (`Serial Number`, as the NVMe `SN` or ATA
/// serial; `IOPlatformSerialNumber` is the *machine's* serial and is never
/// used).
pub(crate) fn system_drive_component(
    characteristics: Option<&Prop>,
    protocol: Option<&Prop>,
) -> Result<Component, Why> {
    let dict = characteristics.and_then(Prop::as_dict).ok_or(Why::NoDeviceCharacteristics)?;
    let serial = dict
        .get("Serial Number")
        .and_then(Prop::as_str)
        .and_then(serial_value)
        .ok_or(Why::DriveReportsNoSerial { drive: "boot disk" })?;
    let model = format!(
        "{} {}",
        dict.get("Vendor Name").and_then(Prop::as_str).unwrap_or_default(),
        dict.get("Product Name").and_then(Prop::as_str).unwrap_or_default()
    );
    let at = attachment(protocol);
    let flags = ComponentFlags {
        removable: at.removable,
        usb: at.usb,
        virtual_device: at.virtual_device || name_is_virtual(&model),
        locally_administered: false,
    };
    Ok(Component::new(ComponentKind::SystemDrive, serial).with_flags(flags))
}

/// The BSD name of the device a file system is mounted from
/// (`statfs::f_mntfromname` `/dev/disk3s1s1` → `disk3s1s1`), or `None` for
/// non-device mounts.
pub(crate) fn bsd_name_of_mount(mnt_from_name: &str) -> Option<&str> {
    let name = mnt_from_name.strip_prefix("/dev/")?;
    let valid = name.starts_with("disk") && name.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then_some(name)
}

/// The `SystemDrive` component of the disk `/` is mounted from.
#[cfg(target_os = "macos")]
pub(super) fn collect() -> Result<Component, Why> {
    let source = super::sys::root_mount_source()?;
    let Some(bsd_name) = bsd_name_of_mount(&source) else {
        return Err(Why::RootNotADisk { source });
    };
    let media = super::iokit::service_of_bsd_name(bsd_name)?;
    let characteristics = media.search_parents("Device Characteristics");
    let protocol = media.search_parents("Protocol Characteristics");
    system_drive_component(characteristics.as_ref(), protocol.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::macos::prop::dict;

    #[test]
    fn boot_disk_serials() {
        // Apple silicon internal SSD (IONVMeController / AppleANS3NVMeController).
        let characteristics = dict(&[
            ("Product Name", "APPLE SSD AP0512Z"),
            ("Product Revision Level", "532.100."),
            ("Serial Number", "0ba01f2a3b4c5d6e"),
        ]);
        let protocol = dict(&[
            ("Physical Interconnect", "Apple Fabric"),
            ("Physical Interconnect Location", "Internal"),
        ]);
        let c = system_drive_component(Some(&characteristics), Some(&protocol)).expect("serial");
        assert_eq!(c.value, "0ba01f2a3b4c5d6e");
        assert_eq!(c.flags, ComponentFlags::default());

        // IOAHCIBlockStorageDevice: the ATA serial, space padded as on Linux.
        let characteristics =
            dict(&[("Product Name", "Samsung SSD 850 EVO 500GB"), ("Serial Number", "      S2RBNX0H123456")]);
        let protocol =
            dict(&[("Physical Interconnect", "SATA"), ("Physical Interconnect Location", "Internal")]);
        let c = system_drive_component(Some(&characteristics), Some(&protocol)).expect("serial");
        assert_eq!(c.value, serial_value("S2RBNX0H123456   ").expect("linux value"));

        // Booted from a USB disk.
        let characteristics =
            dict(&[("Product Name", "Extreme SSD"), ("Serial Number", "32343133464E343033353531")]);
        let protocol =
            dict(&[("Physical Interconnect", "USB"), ("Physical Interconnect Location", "External")]);
        let c = system_drive_component(Some(&characteristics), Some(&protocol)).expect("serial");
        assert!(c.flags.usb && c.flags.removable);

        // A VM's virtual disk.
        let characteristics = dict(&[
            ("Product Name", "VMware Virtual SATA Hard Drive"),
            ("Serial Number", "00000000000000000001"),
        ]);
        let c = system_drive_component(Some(&characteristics), None).expect("serial");
        assert!(c.flags.virtual_device);
    }

    #[test]
    fn boot_disk_without_serial_is_an_error() {
        assert!(system_drive_component(None, None).is_err());
        assert!(system_drive_component(Some(&Prop::Other), None).is_err());
        let blank = dict(&[("Serial Number", "                    ")]);
        assert!(system_drive_component(Some(&blank), None).is_err());
        let data =
            Prop::Dict([("Serial Number".to_owned(), Prop::Data(b"S2RB".to_vec()))].into_iter().collect());
        assert!(system_drive_component(Some(&data), None).is_err());
    }

    #[test]
    fn boot_device_names() {
        assert_eq!(bsd_name_of_mount("/dev/disk3s1s1"), Some("disk3s1s1"));
        assert_eq!(bsd_name_of_mount("/dev/disk1s5"), Some("disk1s5"));
        assert_eq!(bsd_name_of_mount("map auto_home"), None);
        assert_eq!(bsd_name_of_mount("/dev/disk1s1/../../x"), None);
        assert_eq!(bsd_name_of_mount("/dev/"), None);
    }

    #[test]
    fn protocol_characteristics() {
        assert_eq!(attachment(None), Attachment::default());
        let tb =
            dict(&[("Physical Interconnect", "Thunderbolt"), ("Physical Interconnect Location", "External")]);
        assert_eq!(attachment(Some(&tb)), Attachment { usb: false, removable: true, virtual_device: false });
        let vm = dict(&[
            ("Physical Interconnect", "Virtual Interface"),
            ("Physical Interconnect Location", "Virtual"),
        ]);
        assert!(attachment(Some(&vm)).virtual_device);
    }
}
