//! `CdRom`: `IODVDServices`, `IOCompactDiscServices` and `IOBDServices`
//! devices, vendor and product from their `Device Characteristics` (the SCSI
//! INQUIRY fields Linux reads from sysfs). Flags from the drive's
//! attachment, as for the system drive.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use super::prop::Prop;
use super::storage::attachment;
use crate::hardware::normalise::cdrom_value;
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind};

/// The `CdRom` component of an `IODVDServices`/`IOCompactDiscServices`/
/// `IOBDServices` device from its `Device Characteristics` (`Vendor Name`,
/// `Product Name`: the SCSI INQUIRY fields Linux reads from sysfs).
pub(crate) fn optical_component(
    characteristics: Option<&Prop>,
    protocol: Option<&Prop>,
) -> Option<Component> {
    let dict = characteristics?.as_dict()?;
    let vendor = dict.get("Vendor Name").and_then(Prop::as_str).unwrap_or_default();
    let product = dict.get("Product Name").and_then(Prop::as_str).unwrap_or_default();
    let value = cdrom_value(vendor, product)?;
    let at = attachment(protocol);
    let flags = ComponentFlags {
        removable: at.removable,
        usb: at.usb,
        virtual_device: at.virtual_device || name_is_virtual(&value),
        locally_administered: false,
    };
    Some(Component::new(ComponentKind::CdRom, value).with_flags(flags))
}

/// The `CdRom` components of every optical drive service.
#[cfg(target_os = "macos")]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    let mut components = Vec::new();
    let mut errors = Vec::new();
    for class in ["IODVDServices", "IOCompactDiscServices", "IOBDServices"] {
        match super::iokit::services_of_class(class) {
            Ok(services) => components.extend(services.iter().filter_map(|s| {
                let characteristics = s.search_parents("Device Characteristics");
                let protocol = s.search_parents("Protocol Characteristics");
                optical_component(characteristics.as_ref(), protocol.as_ref())
            })),
            Err(e) => errors.push(e),
        }
    }
    if errors.len() == 3 { Err(crate::hardware::Why::All(errors)) } else { Ok(components) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::macos::prop::dict;

    #[test]
    fn optical_drives() {
        // IODVDServices of a MacBook Pro 2011 SuperDrive (INQUIRY fields).
        let characteristics = dict(&[
            ("Vendor Name", "MATSHITA"),
            ("Product Name", "DVD-R   UJ-8A8"),
            ("Product Revision Level", "HA13"),
        ]);
        let protocol =
            dict(&[("Physical Interconnect", "SATA"), ("Physical Interconnect Location", "Internal")]);
        let c = optical_component(Some(&characteristics), Some(&protocol)).expect("drive");
        // Linux: vendor "MATSHITA", model "DVD-R   UJ-8A8  ".
        assert_eq!(c.value, cdrom_value("MATSHITA", "DVD-R   UJ-8A8  ").expect("linux value"));
        assert_eq!(c.value, "MATSHITA DVD-R UJ-8A8");
        // The external Apple USB SuperDrive.
        let characteristics = dict(&[("Vendor Name", "Apple"), ("Product Name", "SuperDrive")]);
        let protocol =
            dict(&[("Physical Interconnect", "USB"), ("Physical Interconnect Location", "External")]);
        let c = optical_component(Some(&characteristics), Some(&protocol)).expect("drive");
        assert_eq!(c.value, "Apple SuperDrive");
        assert!(c.flags.usb && c.flags.removable);
        assert_eq!(optical_component(Some(&dict(&[])), None), None);
        assert_eq!(optical_component(None, None), None);
    }
}
