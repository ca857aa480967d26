//! `Video`, `Ide`, `Scsi`: `IOPCIDevice` entries (`vendor-id`,
//! `device-id`, `class-code`, little-endian `CFData`), classified by PCI
//! class code as on Linux. Apple silicon has no PCI display or storage
//! controller, so these kinds are simply empty there. Flag:
//! `virtual_device` for a hypervisor's PCI vendor.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use super::prop::Props;
use crate::hardware::normalise::{pci_kind, pci_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{Component, ComponentFlags};

/// The `Video`/`Ide`/`Scsi` component of an `IOPCIDevice` from its
/// `vendor-id`, `device-id` and `class-code` properties, classified by class
/// code exactly as on Linux and Windows.
pub(crate) fn pci_component(props: &Props) -> Option<Component> {
    let vendor = u16::try_from(props.get("vendor-id")?.as_u32()? & 0xffff).ok()?;
    let device = u16::try_from(props.get("device-id")?.as_u32()? & 0xffff).ok()?;
    let class = props.get("class-code")?.as_u32()? & 0x00ff_ffff;
    let kind = pci_kind(class)?;
    let flags = ComponentFlags { virtual_device: pci_vendor_is_virtual(vendor), ..ComponentFlags::default() };
    Some(Component::new(kind, pci_value(vendor, device)).with_flags(flags))
}

/// The `Video`, `Ide` and `Scsi` components of every `IOPCIDevice`.
#[cfg(target_os = "macos")]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    let devices = super::iokit::services_of_class("IOPCIDevice")?;
    Ok(devices
        .iter()
        .filter_map(|d| {
            let props = ["vendor-id", "device-id", "class-code"]
                .into_iter()
                .filter_map(|k| d.property(k).map(|v| (k.to_owned(), v)))
                .collect();
            pci_component(&props)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::macos::prop::Prop;

    const IOREG_PCI: &str = include_str!("../../../tests/fixtures/macos/ioreg_pci.txt");

    /// Parses the `"key" = <hex>` / `"key" = "text"` lines of an `ioreg -l` entry.
    fn ioreg_props(lines: &[&str]) -> Props {
        let mut props = Props::new();
        for line in lines {
            let Some((key, value)) = line.trim().split_once(" = ") else { continue };
            let key = key.trim_matches('"').to_owned();
            let prop = if let Some(hex) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
                if hex.starts_with('"') {
                    Prop::String(hex.trim_matches('"').to_owned())
                } else {
                    let bytes = (0..hex.len() / 2)
                        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
                        .collect();
                    Prop::Data(bytes)
                }
            } else {
                Prop::String(value.trim_matches('"').to_owned())
            };
            props.insert(key, prop);
        }
        props
    }

    #[test]
    fn recorded_ioreg_pci_devices_classify_like_linux() {
        let lines: Vec<&str> = IOREG_PCI.lines().filter(|l| !l.starts_with('#')).collect();
        let mut checked = 0;
        let mut i = 0;
        while i < lines.len() {
            let Some(expect) = lines[i].strip_prefix("expect ") else {
                i += 1;
                continue;
            };
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with("expect "))
                .map_or(lines.len(), |p| i + 1 + p);
            let props = ioreg_props(&lines[i + 1..end]);
            let got = pci_component(&props);
            if expect == "-" {
                assert_eq!(got, None, "{}", lines[i + 1]);
            } else {
                let mut parts = expect.split_whitespace();
                let kind = parts.next().expect("kind");
                let value = parts.next().expect("value");
                let got = got.unwrap_or_else(|| panic!("nothing for {}", lines[i + 1]));
                assert_eq!((got.kind.name(), got.value.as_str()), (kind, value), "{}", lines[i + 1]);
                assert_eq!(got.flags.virtual_device, parts.next() == Some("virtual"));
            }
            checked += 1;
            i = end;
        }
        assert!(checked >= 14, "fixture has {checked} entries");
    }
}
