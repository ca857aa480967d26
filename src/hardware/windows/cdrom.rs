//! `CdRom`: optical drives of SetupAPI's CD-ROM class, vendor and product
//! from the `SCSI\CdRom<vendor 8><product 16>…` hardware id (or the
//! friendly name). Flags: `usb` and `removable` for `USBSTOR`/`USB` drives,
//! `removable` for FireWire (`SBP2`), `virtual_device` for a hypervisor's.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::hardware::normalise::{cdrom_value, text_value};
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind};

/// Windows' own suffixes on optical drives' friendly names.
const FRIENDLY_SUFFIXES: [&str; 5] =
    [" scsi cdrom device", " ata device", " usb device", " scsi device", " ide device"];

fn underscores_to_spaces(text: &str) -> String {
    text.replace('_', " ")
}

/// Vendor and model from a `<ENUM>\CdRom<...>` hardware id: SCSI-style
/// enumerators (`SCSI`, `USBSTOR`, `SBP2`) pad an 8-character vendor and a
/// 16-character product with `_`; `IDE` carries the 40-character ATA model
/// (which for ATAPI drives is vendor, space, product).
fn cdrom_from_hardware_id(id: &str) -> Option<(String, String)> {
    let (enumerator, rest) = id.split_once('\\')?;
    let head = rest.get(..5)?;
    if !head.eq_ignore_ascii_case("cdrom") {
        return None;
    }
    let body = &rest[5..];
    if enumerator.eq_ignore_ascii_case("IDE") {
        let model = body.get(..40.min(body.len()))?;
        let value = text_value(&underscores_to_spaces(model))?;
        return Some((enumerator.to_owned(), value));
    }
    let vendor = body.get(..8.min(body.len()))?;
    let product = body.get(8.min(body.len())..24.min(body.len()))?;
    let value = cdrom_value(&underscores_to_spaces(vendor), &underscores_to_spaces(product))?;
    Some((enumerator.to_owned(), value))
}

/// The `CdRom` component of an optical drive from its hardware ids (or, when
/// none parses, its friendly name without Windows' "… ATA Device" suffix),
/// or `None` for the transient "Msft Virtual DVD-ROM" Windows creates while
/// an ISO image is mounted.
pub(crate) fn cdrom_component<S: AsRef<str>>(
    hardware_ids: &[S],
    friendly_name: Option<&str>,
    enumerator: Option<&str>,
) -> Option<Component> {
    let parsed = hardware_ids.iter().find_map(|id| cdrom_from_hardware_id(id.as_ref()));
    let (enumerator, value) = match parsed {
        Some((e, v)) => (e, v),
        None => {
            let name = text_value(friendly_name?)?;
            let lower = name.to_ascii_lowercase();
            let cut = FRIENDLY_SUFFIXES
                .iter()
                .find(|s| lower.ends_with(*s))
                .map_or(name.len(), |s| name.len() - s.len());
            (enumerator.unwrap_or_default().to_owned(), text_value(name.get(..cut)?)?)
        }
    };
    if value.eq_ignore_ascii_case("Msft Virtual DVD-ROM") {
        return None;
    }
    let usb = enumerator.eq_ignore_ascii_case("USBSTOR") || enumerator.eq_ignore_ascii_case("USB");
    let flags = ComponentFlags {
        removable: usb || enumerator.eq_ignore_ascii_case("SBP2"),
        usb,
        virtual_device: name_is_virtual(&value),
        locally_administered: false,
    };
    Some(Component::new(ComponentKind::CdRom, value).with_flags(flags))
}

/// The `CdRom` components of the present devices of the CD-ROM setup class.
#[cfg(windows)]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    use windows_sys::Win32::Devices::DeviceAndDriverInstallation::GUID_DEVCLASS_CDROM;

    let nodes = super::sys::devices(Some(&GUID_DEVCLASS_CDROM), None)?;
    Ok(nodes
        .iter()
        .filter_map(|d| cdrom_component(&d.hardware_ids, d.friendly_name.as_deref(), d.enumerator.as_deref()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optical_drives_from_hardware_ids() {
        let sata = [
            "SCSI\\CdRomHL-DT-STDVD+-RW_GU90N___A1C2",
            "SCSI\\CdRomHL-DT-STDVD+-RW_GU90N___",
            "SCSI\\CdRomHL-DT-ST",
            "SCSI\\HL-DT-STDVD+-RW_GU90N___A",
            "HL-DT-STDVD+-RW_GU90N___A",
            "GenCdRom",
        ];
        let got = cdrom_component(&sata, Some("HL-DT-ST DVD+-RW GU90N"), Some("SCSI")).expect("drive");
        // Linux: sysfs vendor "HL-DT-ST", model "DVD+-RW GU90N   ".
        assert_eq!(got.value, cdrom_value("HL-DT-ST", "DVD+-RW GU90N   ").expect("value"));
        assert!(!got.flags.usb && !got.flags.virtual_device);

        let tsst = ["SCSI\\CdRomTSSTcorpCDDVDW_SH-224DB_SB01"];
        assert_eq!(
            cdrom_component(&tsst, None, None).map(|c| c.value).as_deref(),
            Some("TSSTcorp CDDVDW SH-224DB")
        );

        let usb = [
            "USBSTOR\\CdRomHL-DT-STDVDRAM_GP65NB60_RF01",
            "USBSTOR\\CdRomHL-DT-STDVDRAM_GP65NB60_",
            "GenCdRom",
        ];
        let got = cdrom_component(&usb, Some("HL-DT-ST DVDRAM GP65NB60 USB Device"), Some("USBSTOR"))
            .expect("usb drive");
        assert_eq!(got.value, "HL-DT-ST DVDRAM GP65NB60");
        assert!(got.flags.usb && got.flags.removable);

        let ide = [
            "IDE\\CdRomHL-DT-ST_DVDRAM_GH24NSD1___________________LG00____",
            "IDE\\HL-DT-ST_DVDRAM_GH24NSD1___________________LG00____",
            "GenCdRom",
        ];
        assert_eq!(
            cdrom_component(&ide, None, Some("IDE")).map(|c| c.value).as_deref(),
            Some("HL-DT-ST DVDRAM GH24NSD1")
        );

        let vmware = ["SCSI\\CdRomNECVMWarVMware_SATA_CD001.00"];
        let got = cdrom_component(&vmware, None, Some("SCSI")).expect("VMware drive");
        assert_eq!(got.value, "NECVMWar VMware SATA CD00");
        assert!(got.flags.virtual_device);
    }

    #[test]
    fn mounted_iso_is_ignored_and_friendly_name_is_the_fallback() {
        let iso =
            ["SCSI\\CdRomMsft____Virtual_DVD-ROM_1.0_", "SCSI\\CdRomMsft____Virtual_DVD-ROM_", "GenCdRom"];
        assert_eq!(cdrom_component(&iso, Some("Microsoft Virtual DVD-ROM"), Some("SCSI")), None);
        let odd = ["GenCdRom"];
        let got =
            cdrom_component(&odd, Some("TSSTcorp CDDVDW SH-224DB ATA Device"), Some("SCSI")).expect("drive");
        assert_eq!(got.value, "TSSTcorp CDDVDW SH-224DB");
        assert_eq!(cdrom_component(&odd, None, None), None);
        assert_eq!(cdrom_component(&["SCSI\\CdRom"], Some("  "), None), None);
        assert_eq!(cdrom_component(&["SCSI\\CdRomé"], None, None).map(|c| c.value).as_deref(), Some("é"));
    }
}
