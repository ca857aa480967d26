//! A device's `uevent` attribute: the kernel's one-read summary of a device,
//! here its bound driver and, for a PCI function, its class, ids and slot.
//!
//! One read of it replaces the `driver` link plus the `vendor`, `device` and
//! `class` attributes (each its own open, read and close). The kernel writes
//! it as `KEY=value` lines (`drivers/base/core.c`, `uevent_show`; the PCI
//! keys from `drivers/pci/pci-driver.c`, `pci_uevent`):
//!
//! ```text
//! DRIVER=igb
//! PCI_CLASS=20000
//! PCI_ID=8086:1521
//! PCI_SUBSYS_ID=8086:0001
//! PCI_SLOT_NAME=0000:40:00.0
//! MODALIAS=pci:v00008086d00001521sv00008086sd00000001bc02sc00i00
//! ```
//!
//! `DRIVER` is absent when no driver is bound (and then so is the `driver`
//! link); the `PCI_*` keys only exist for PCI functions. A key that is
//! missing or malformed is `None`, and the caller reads that attribute on
//! its own instead, so a tree without `uevent` files (a copy that left them
//! out) gives the same answers as one with them.

use crate::hardware::normalise::{HexSyntax, hex_number};

/// What a `uevent` attribute says, borrowed from its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Uevent<'a> {
    /// `DRIVER`: the name of the bound driver.
    pub(super) driver: Option<&'a str>,
    /// `PCI_CLASS`: the 24-bit class code (the `class` attribute's value).
    pub(super) pci_class: Option<u32>,
    /// `PCI_ID`: vendor and device ids (the `vendor` and `device` attributes).
    pub(super) pci_id: Option<(u16, u16)>,
    /// `PCI_SLOT_NAME`: the function's name in `/sys/bus/pci/devices`.
    pub(super) pci_slot: Option<&'a str>,
}

impl<'a> Uevent<'a> {
    /// Parses the text of a `uevent` attribute; the first well-formed
    /// occurrence of a key counts (the kernel writes each key once).
    pub(super) fn parse(text: &'a str) -> Self {
        let mut uevent = Uevent::default();
        for line in text.split('\n') {
            if uevent.driver.is_some()
                && uevent.pci_class.is_some()
                && uevent.pci_id.is_some()
                && uevent.pci_slot.is_some()
            {
                break; // all found: the rest (MODALIAS, …) is not needed
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            match key {
                "DRIVER" if uevent.driver.is_none() && !value.is_empty() => uevent.driver = Some(value),
                "PCI_CLASS" if uevent.pci_class.is_none() => {
                    uevent.pci_class =
                        hex_number(value, HexSyntax::digits(6)).and_then(|c| u32::try_from(c).ok());
                }
                "PCI_ID" if uevent.pci_id.is_none() => uevent.pci_id = pci_id(value),
                "PCI_SLOT_NAME" if uevent.pci_slot.is_none() && !value.is_empty() => {
                    uevent.pci_slot = Some(value);
                }
                _ => {}
            }
        }
        uevent
    }
}

/// `VVVV:DDDD`, each one to four hexadecimal digits (either case; no `0x`,
/// no sign).
fn pci_id(value: &str) -> Option<(u16, u16)> {
    let (vendor, device) = value.split_once(':')?;
    let vendor = u16::try_from(hex_number(vendor, HexSyntax::digits(4))?).ok()?;
    let device = u16::try_from(hex_number(device, HexSyntax::digits(4))?).ok()?;
    Some((vendor, device))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kernels_pci_uevent() {
        let text = "DRIVER=igb\nPCI_CLASS=20000\nPCI_ID=8086:1521\nPCI_SUBSYS_ID=8086:0001\n\
                    PCI_SLOT_NAME=0000:40:00.0\nMODALIAS=pci:v00008086d00001521sv00008086sd00000001bc02sc00i00\n";
        assert_eq!(
            Uevent::parse(text),
            Uevent {
                driver: Some("igb"),
                pci_class: Some(0x02_0000),
                pci_id: Some((0x8086, 0x1521)),
                pci_slot: Some("0000:40:00.0"),
            }
        );
        // Upper-case ids (as the kernel prints them), no driver bound.
        let text = "PCI_CLASS=FFFF00\nPCI_ID=1AF4:1045\nPCI_SLOT_NAME=0000:00:01.0\n";
        let uevent = Uevent::parse(text);
        assert_eq!(
            (uevent.driver, uevent.pci_class, uevent.pci_id),
            (None, Some(0xff_ff00), Some((0x1af4, 0x1045)))
        );
    }

    #[test]
    fn a_usb_interface_has_a_driver_and_no_pci_keys() {
        let text =
            "DEVTYPE=usb_interface\nDRIVER=r8152\nPRODUCT=bda/8153/3000\nTYPE=0/0/0\nINTERFACE=255/255/0\n";
        assert_eq!(Uevent::parse(text), Uevent { driver: Some("r8152"), ..Uevent::default() });
    }

    #[test]
    fn malformed_keys_are_unknown_not_guessed() {
        for text in [
            "PCI_CLASS=0x20000\nPCI_ID=8086\n",
            "PCI_CLASS=1000000\nPCI_ID=18086:1521\n",
            "PCI_CLASS=\nPCI_ID=:\n",
            "PCI_CLASS=+2000\nPCI_ID=+8086:1521\n",
            "PCI_CLASS 20000\nPCI_ID=8086:15 21\n",
            "DRIVER=\nPCI_SLOT_NAME=\n",
            "",
            "=\n==\n\n",
        ] {
            assert_eq!(Uevent::parse(text), Uevent::default(), "{text:?}");
        }
        // The first well-formed occurrence counts.
        let uevent = Uevent::parse("PCI_ID=zz:1\nPCI_ID=8086:1521\nPCI_ID=1:2\nDRIVER=a\nDRIVER=b\n");
        assert_eq!((uevent.pci_id, uevent.driver), (Some((0x8086, 0x1521)), Some("a")));
    }

    /// `PCI_CLASS` is one to six hexadecimal digits and each half of `PCI_ID`
    /// one to four, either case, and nothing else: no `0x`, no sign, no
    /// space (unlike the `class` attribute, which has a `0x`).
    #[test]
    fn class_and_ids_are_bare_hex_digits() {
        let class = |value: &str| Uevent::parse(&format!("PCI_CLASS={value}\n")).pci_class;
        let id = |value: &str| Uevent::parse(&format!("PCI_ID={value}\n")).pci_id;
        assert_eq!(class("ffffff"), Some(0xff_ffff));
        assert_eq!(class("AbCdEf"), Some(0xab_cdef));
        assert_eq!(class("1"), Some(1));
        assert_eq!(class("000000"), Some(0));
        for bad in ["", "1000000", "0000000", "+1", "+20000", "0x1", "0X1", "-1", " 1", "1 ", "g"] {
            assert_eq!(class(bad), None, "PCI_CLASS={bad:?}");
        }
        assert_eq!(id("FFFF:abcd"), Some((0xffff, 0xabcd)));
        assert_eq!(id("1:2"), Some((1, 2)));
        for bad in ["10000:1", "1:10000", "+1:2", "1:+2", "0x1:2", "1:0x2", ":2", "1:", "1:2:3", "1 :2"] {
            assert_eq!(id(bad), None, "PCI_ID={bad:?}");
        }
    }

    #[test]
    fn any_text_parses_without_panicking() {
        // Every prefix of a real uevent, and bytes around every key.
        let text = "DRIVER=igb\nPCI_CLASS=20000\nPCI_ID=8086:1521\nPCI_SLOT_NAME=0000:40:00.0\n";
        for end in 0..=text.len() {
            let _ = Uevent::parse(&text[..end]);
        }
        let mut next = crate::hardware::linux::test_rng();
        for _ in 0..2000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| b"=:\nDRIVERPCI_CLASSIDSLOTNAME0123456789abcdefABCDEF+- "[(next() % 52) as usize])
                .collect();
            let _ = Uevent::parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
