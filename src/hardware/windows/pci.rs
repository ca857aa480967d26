//! `Video`, `Ide`, `Scsi`: PCI controllers from SetupAPI's
//! `SPDRP_HARDWAREID`/`SPDRP_COMPATIBLEIDS` (`VEN_`, `DEV_`, `CC_`),
//! classified by PCI class code exactly as on Linux. Flag:
//! `virtual_device` for a hypervisor's PCI vendor.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::hardware::normalise::{HexSyntax, hex_number, pci_kind, pci_value};
use crate::hardware::vm_ids::pci_vendor_is_virtual;
use crate::hardware::{Component, ComponentFlags};

/// Vendor, device and class of a PCI device, from its hardware ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PciIds {
    /// `VEN_xxxx`.
    pub vendor: u16,
    /// `DEV_xxxx`.
    pub device: u16,
    /// `CC_ccsspp` (24-bit), or `CC_ccss` shifted left by 8.
    pub class: Option<u32>,
}

/// The number after `prefix` (case-insensitive) in `token`, written with
/// exactly `digits` hexadecimal digits of either case.
fn hex_field(token: &str, prefix: &str, digits: usize) -> Option<u32> {
    let head = token.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let hex = &token[prefix.len()..];
    // The collectors' one hex reader caps the digits; this field fixes their number.
    if hex.len() != digits {
        return None;
    }
    u32::try_from(hex_number(hex, HexSyntax::digits(digits))?).ok()
}

/// Parses PCI ids such as `PCI\VEN_10DE&DEV_1C82&SUBSYS_37131458&REV_A1`
/// and `PCI\CC_030000` (case-insensitive). Vendor and device come from the
/// first id that has both; the class from the most specific `CC_` token.
pub(crate) fn parse_pci_ids<S: AsRef<str>>(hardware_ids: &[S], compatible_ids: &[S]) -> Option<PciIds> {
    let mut vendor_device = None;
    let mut class6 = None;
    let mut class4 = None;
    for id in hardware_ids.iter().chain(compatible_ids).map(AsRef::as_ref) {
        let Some(prefix) = id.get(..4) else { continue };
        if !prefix.eq_ignore_ascii_case("PCI\\") {
            continue;
        }
        let (mut ven, mut dev) = (None, None);
        for token in id[4..].split('&') {
            ven = ven.or_else(|| hex_field(token, "VEN_", 4));
            dev = dev.or_else(|| hex_field(token, "DEV_", 4));
            class6 = class6.or_else(|| hex_field(token, "CC_", 6));
            class4 = class4.or_else(|| hex_field(token, "CC_", 4));
        }
        if let (None, Some(v), Some(d)) = (vendor_device, ven, dev) {
            vendor_device = Some((v as u16, d as u16));
        }
    }
    let (vendor, device) = vendor_device?;
    Some(PciIds { vendor, device, class: class6.or(class4.map(|c| c << 8)) })
}

/// The `Video`/`Ide`/`Scsi` component of a PCI device, classified by its PCI
/// class code exactly like the Linux collector (so an AHCI controller is
/// `Ide` and an NVMe controller `Scsi` whatever Windows' setup class is).
pub(crate) fn pci_component<S: AsRef<str>>(hardware_ids: &[S], compatible_ids: &[S]) -> Option<Component> {
    let ids = parse_pci_ids(hardware_ids, compatible_ids)?;
    let kind = pci_kind(ids.class?)?;
    let flags =
        ComponentFlags { virtual_device: pci_vendor_is_virtual(ids.vendor), ..ComponentFlags::default() };
    Some(Component::new(kind, pci_value(ids.vendor, ids.device)).with_flags(flags))
}

/// The `Video`, `Ide` and `Scsi` components of every present device of the
/// `PCI` enumerator.
#[cfg(windows)]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    let nodes = super::sys::devices(None, Some("PCI"))?;
    Ok(nodes.iter().filter_map(|d| pci_component(&d.hardware_ids, &d.compatible_ids)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::ComponentKind;

    const PCI_FIXTURE: &str = include_str!("../../../tests/fixtures/windows/pci_devices.txt");

    fn kind_from_name(name: &str) -> ComponentKind {
        ComponentKind::ALL.into_iter().find(|k| k.name() == name).expect("known kind")
    }

    #[test]
    fn recorded_pci_devices_classify_like_linux() {
        let mut checked = 0;
        for line in PCI_FIXTURE.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let mut fields = line.split('|');
            let expected = fields.next().expect("expectation").trim();
            let hardware: Vec<&str> = fields.next().expect("hardware ids").split_whitespace().collect();
            let compatible: Vec<&str> = fields.next().unwrap_or_default().split_whitespace().collect();
            let got = pci_component(&hardware, &compatible);
            if expected == "-" {
                assert_eq!(got, None, "{line}");
            } else {
                let mut parts = expected.split_whitespace();
                let kind = kind_from_name(parts.next().expect("kind"));
                let value = parts.next().expect("value");
                let virtual_device = parts.next() == Some("virtual");
                let got = got.unwrap_or_else(|| panic!("no component for {line}"));
                assert_eq!((got.kind, got.value.as_str()), (kind, value), "{line}");
                assert_eq!(got.flags.virtual_device, virtual_device, "{line}");
            }
            checked += 1;
        }
        assert!(checked >= 20, "fixture has {checked} devices");
    }

    #[test]
    fn fields_have_exactly_their_digits() {
        assert_eq!(hex_field("VEN_10DE", "VEN_", 4), Some(0x10de));
        assert_eq!(hex_field("ven_10de", "VEN_", 4), Some(0x10de), "either case, prefix included");
        assert_eq!(hex_field("CC_030000", "CC_", 6), Some(0x030000));
        for token in ["VEN_10D", "VEN_10DE0", "VEN_+0DE", "VEN_-0DE", "VEN_ 0DE", "VEN_10DÉ", "VEN_", "VE"] {
            assert_eq!(hex_field(token, "VEN_", 4), None, "{token:?}");
        }
    }

    #[test]
    fn pci_ids_prefer_the_six_digit_class() {
        let ids = parse_pci_ids(&["PCI\\VEN_8086&DEV_A352&CC_0106"], &["PCI\\CC_010601"]).expect("ids");
        assert_eq!(ids, PciIds { vendor: 0x8086, device: 0xa352, class: Some(0x010601) });
        let short = parse_pci_ids(&["PCI\\VEN_8086&DEV_A352&CC_0106"], &[]).expect("ids");
        assert_eq!(short.class, Some(0x010600));
        assert_eq!(parse_pci_ids::<&str>(&[], &[]), None);
        assert_eq!(parse_pci_ids(&["PCI\\"], &["PCI"]), None);
        assert_eq!(parse_pci_ids(&["USB\\VID_046D&PID_C52B"], &[]), None);
        // Multi-byte text never panics the slicing.
        assert_eq!(parse_pci_ids(&["PCI\\VEN_é&DEV_ü"], &["PC"]), None);
    }
}
