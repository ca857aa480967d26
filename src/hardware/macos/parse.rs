//! Pure parsing of what macOS returns: IOKit registry properties (rendered
//! as [`Prop`] trees by `iokit.rs`), `sockaddr_dl` link addresses, sysctl
//! values and mount names. Nothing here calls the OS, so it compiles (and is
//! tested on recorded data) on every platform.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use std::collections::BTreeMap;

use crate::hardware::normalise::{
    cdrom_value, mac_from_octets, mac_is_locally_administered, pci_kind, pci_value, serial_value,
};
use crate::hardware::vm_ids::{name_is_virtual, pci_vendor_is_virtual};
use crate::hardware::{Component, ComponentFlags, ComponentKind, Environment};

/// An IOKit registry property converted from its CoreFoundation type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prop {
    /// `CFData`.
    Data(Vec<u8>),
    /// `CFString`.
    String(String),
    /// `CFNumber` (read as a signed 64-bit integer).
    Number(i64),
    /// `CFBoolean`.
    Bool(bool),
    /// `CFDictionary` with string keys (other keys are skipped).
    Dict(Props),
    /// Any other type (arrays, dates, …), which the collector never needs.
    Other,
}

/// A property dictionary (`IORegistryEntryCreateCFProperties`-like).
pub(crate) type Props = BTreeMap<String, Prop>;

impl Prop {
    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Prop::String(s) => Some(s),
            _ => None,
        }
    }

    /// The dictionary, if this is one.
    pub(crate) fn as_dict(&self) -> Option<&Props> {
        match self {
            Prop::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// A 32-bit value: IOKit PCI properties are `CFData` holding a
    /// little-endian `u32` (`vendor-id` = `<de100000>`); numbers are accepted.
    pub(crate) fn as_u32(&self) -> Option<u32> {
        match self {
            Prop::Data(bytes) => le_u32(bytes),
            Prop::Number(n) => u32::try_from(*n).ok(),
            _ => None,
        }
    }
}

/// A little-endian integer of 1 to 4 bytes (longer data: its first 4 bytes).
pub(crate) fn le_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() {
        return None;
    }
    let mut word = [0u8; 4];
    for (slot, byte) in word.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    Some(u32::from_le_bytes(word))
}

// ---------------------------------------------------------------------------
// PCI devices: IOPCIDevice
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Storage: "Device Characteristics" and "Protocol Characteristics"
// ---------------------------------------------------------------------------

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
) -> Result<Component, String> {
    let dict = characteristics
        .and_then(Prop::as_dict)
        .ok_or("the boot disk has no Device Characteristics in the I/O Registry")?;
    let serial = dict
        .get("Serial Number")
        .and_then(Prop::as_str)
        .and_then(serial_value)
        .ok_or("the boot disk reports no serial number")?;
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

/// The BSD name of the device a file system is mounted from
/// (`statfs::f_mntfromname` `/dev/disk3s1s1` → `disk3s1s1`), or `None` for
/// non-device mounts.
pub(crate) fn bsd_name_of_mount(mnt_from_name: &str) -> Option<&str> {
    let name = mnt_from_name.strip_prefix("/dev/")?;
    let valid = name.starts_with("disk") && name.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then_some(name)
}

// ---------------------------------------------------------------------------
// Network interfaces: IOEthernetInterface / getifaddrs
// ---------------------------------------------------------------------------

/// Whether a BSD interface name is a physical Ethernet/Wi-Fi port: `en`
/// followed by digits. Everything else is virtual or a duplicate: `lo`,
/// `bridge`, `utun`, `awdl`, `llw`, `anpi`, `ap`, `gif`, `stf`, `vmenet`,
/// `feth`, `ipsec`, `pktap`.
pub(crate) fn interface_is_candidate(name: &str) -> bool {
    name.strip_prefix("en").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One `IOEthernetInterface` as the collector sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EthernetInterface {
    /// `BSD Name` (`en0`).
    pub bsd_name: String,
    /// `IOMACAddress` of the parent controller (the burnt-in address).
    pub mac: Vec<u8>,
    /// `IOBuiltin`.
    pub builtin: bool,
    /// A USB device (`idProduct`) is among the controller's ancestors.
    pub usb: bool,
    /// The controller's IOKit class (`AppleBCM5701Ethernet`, `AppleVirtIONetwork`…).
    pub controller_class: String,
}

/// The `Mac` component of an Ethernet interface, or `None` when it is not a
/// physical port or has no usable address.
pub(crate) fn ethernet_component(interface: &EthernetInterface) -> Option<Component> {
    if !interface_is_candidate(&interface.bsd_name) {
        return None;
    }
    let octets = <[u8; 6]>::try_from(interface.mac.as_slice()).ok()?;
    let mac = mac_from_octets(octets)?;
    let flags = ComponentFlags {
        removable: interface.usb || !interface.builtin,
        usb: interface.usb,
        virtual_device: name_is_virtual(&interface.controller_class),
        locally_administered: mac_is_locally_administered(&mac),
    };
    Some(Component::new(ComponentKind::Mac, mac).with_flags(flags))
}

/// `IFT_ETHER` (net/if_types.h).
pub(crate) const IFT_ETHER: u8 = 0x06;

/// The link-layer address of a Darwin `sockaddr_dl` given as the raw bytes
/// the kernel wrote (`sdl_len` of them): `sdl_len`@0, `sdl_family`@1,
/// `sdl_index`@2, `sdl_type`@4, `sdl_nlen`@5, `sdl_alen`@6, `sdl_slen`@7,
/// `sdl_data`@8 (the name, then the address). Only 6-byte Ethernet addresses
/// are returned; every offset is bounds-checked.
pub(crate) fn link_layer_address(sockaddr: &[u8]) -> Option<[u8; 6]> {
    let declared = usize::from(*sockaddr.first()?);
    let bytes = sockaddr.get(..declared.min(sockaddr.len()))?;
    let (kind, name_len, addr_len) =
        (*bytes.get(4)?, usize::from(*bytes.get(5)?), usize::from(*bytes.get(6)?));
    if kind != IFT_ETHER || addr_len != 6 {
        return None;
    }
    let start = 8 + name_len;
    <[u8; 6]>::try_from(bytes.get(start..start + 6)?).ok()
}

// ---------------------------------------------------------------------------
// CPU, memory, environment: sysctl
// ---------------------------------------------------------------------------

/// An unsigned sysctl value of 4 or 8 bytes (native byte order, which is
/// little-endian on every Mac).
pub(crate) fn sysctl_uint(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        4 => Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?))),
        8 => Some(u64::from_le_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// The `Cpu` value on Apple silicon, which does not expose MIDR_EL1 to user
/// space: `apple`, the `hw.cpufamily` core family (e.g. `1b588bb3` for M1
/// Firestorm/Icestorm) and the `hw.cpusubfamily` (phone, base, Pro/Max
/// variants) in hex. Stable for a machine, but not comparable with the
/// `arm <MIDR>` another OS reports on the same chip.
pub(crate) fn apple_cpu_value(family: u32, subfamily: u32) -> String {
    format!("apple {family:08x} {subfamily:x}")
}

/// The environment: a virtual machine when `kern.hv_vmm_present` is 1 (or,
/// where that sysctl is missing, when CPUID reports a hypervisor). macOS has
/// no containers.
pub(crate) fn environment(hv_vmm_present: Option<u64>, cpuid_hypervisor: bool) -> Environment {
    let vm = match hv_vmm_present {
        Some(v) => v != 0,
        None => cpuid_hypervisor,
    };
    if vm { Environment::VirtualMachine } else { Environment::BareMetal }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn le_u32_reads_short_and_long_data() {
        assert_eq!(le_u32(&[0xde, 0x10, 0, 0]), Some(0x10de));
        assert_eq!(le_u32(&[0xde, 0x10]), Some(0x10de));
        assert_eq!(le_u32(&[1, 2, 3, 4, 5, 6]), Some(0x0403_0201));
        assert_eq!(le_u32(&[]), None);
        assert_eq!(Prop::Number(0x10de).as_u32(), Some(0x10de));
        assert_eq!(Prop::Number(-1).as_u32(), None);
        assert_eq!(Prop::Bool(true).as_u32(), None);
    }

    fn dict(entries: &[(&str, &str)]) -> Prop {
        Prop::Dict(entries.iter().map(|(k, v)| ((*k).to_owned(), Prop::String((*v).to_owned()))).collect())
    }

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

    #[test]
    fn boot_device_names() {
        assert_eq!(bsd_name_of_mount("/dev/disk3s1s1"), Some("disk3s1s1"));
        assert_eq!(bsd_name_of_mount("/dev/disk1s5"), Some("disk1s5"));
        assert_eq!(bsd_name_of_mount("map auto_home"), None);
        assert_eq!(bsd_name_of_mount("/dev/disk1s1/../../x"), None);
        assert_eq!(bsd_name_of_mount("/dev/"), None);
    }

    fn iface(name: &str, mac: [u8; 6], builtin: bool, usb: bool, class: &str) -> EthernetInterface {
        EthernetInterface {
            bsd_name: name.to_owned(),
            mac: mac.to_vec(),
            builtin,
            usb,
            controller_class: class.to_owned(),
        }
    }

    #[test]
    fn ethernet_interfaces() {
        // IOEthernetInterface entries of a MacBook Pro with a USB Ethernet adapter.
        let interfaces = [
            iface("en0", [0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33], true, false, "AppleBCMWLANCore"),
            iface("en1", [0x82, 0x2a, 0xb1, 0x00, 0x10, 0x01], true, false, "IOThunderboltEthernetInterface"),
            iface("en7", [0x00, 0xe0, 0x4c, 0x68, 0x01, 0x02], false, true, "AppleUserECM"),
            iface("awdl0", [0xde, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e], true, false, "IO80211AWDLPeerManager"),
            iface("llw0", [0xde, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e], true, false, "IO80211LowLatency"),
            iface("anpi0", [0x6e, 0x7e, 0x67, 0x01, 0x02, 0x03], true, false, "AppleANPI"),
            iface("ap1", [0xa6, 0x83, 0xe7, 0x11, 0x22, 0x33], true, false, "AppleBCMWLANCore"),
            iface("bridge0", [0x36, 0x1c, 0x2d, 0x01, 0x02, 0x03], true, false, ""),
        ];
        let macs: Vec<Component> = interfaces.iter().filter_map(ethernet_component).collect();
        let values: Vec<&str> = macs.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["a4:83:e7:11:22:33", "82:2a:b1:00:10:01", "00:e0:4c:68:01:02"]);
        assert!(macs[1].flags.locally_administered);
        assert!(macs[2].flags.usb && macs[2].flags.removable);
        assert!(!macs[0].flags.removable);
        let vm = iface("en0", [0x00, 0x0c, 0x29, 0x01, 0x02, 0x03], true, false, "AppleVmxnet3Ethernet");
        assert!(ethernet_component(&vm).expect("vm NIC").flags.virtual_device);
        let short = EthernetInterface { mac: vec![1, 2, 3], ..iface("en0", [0; 6], true, false, "") };
        assert_eq!(ethernet_component(&short), None);
    }

    #[test]
    fn interface_names() {
        for good in ["en0", "en1", "en12"] {
            assert!(interface_is_candidate(good), "{good}");
        }
        for bad in [
            "en", "enx", "lo0", "bridge0", "utun3", "awdl0", "llw0", "anpi1", "ap1", "gif0", "stf0",
            "vmenet0",
        ] {
            assert!(!interface_is_candidate(bad), "{bad}");
        }
    }

    #[test]
    fn sockaddr_dl_link_addresses() {
        // getifaddrs AF_LINK entry for en0: sdl_len 20, AF_LINK 18, index 6,
        // IFT_ETHER, nlen 3 ("en0"), alen 6, slen 0.
        let mut sdl = vec![20u8, 18, 6, 0, IFT_ETHER, 3, 6, 0];
        sdl.extend_from_slice(b"en0");
        sdl.extend_from_slice(&[0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33]);
        sdl.extend_from_slice(&[0, 0, 0]);
        assert_eq!(link_layer_address(&sdl), Some([0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33]));
        // utun: no link-layer address.
        let utun = [12u8, 18, 14, 0, 0xff, 5, 0, 0, b'u', b't', b'u', b'n'];
        assert_eq!(link_layer_address(&utun), None);
        // A declared length shorter than the address hides it.
        sdl[0] = 12;
        assert_eq!(link_layer_address(&sdl), None);
        // Hostile name length.
        let mut bad = vec![20u8, 18, 6, 0, IFT_ETHER, 250, 6, 0];
        bad.resize(20, 0);
        assert_eq!(link_layer_address(&bad), None);
        assert_eq!(link_layer_address(&[]), None);
        for cut in 0..sdl.len() {
            let _ = link_layer_address(&sdl[..cut]);
        }
    }

    #[test]
    fn sysctl_values_and_cpu() {
        // hw.memsize of a 16 GiB Mac (u64), hw.cpufamily of an M1 (u32).
        let memsize = sysctl_uint(&17_179_869_184u64.to_le_bytes()).expect("memsize");
        assert_eq!(crate::hardware::memory_value(memsize), "16 GiB");
        let family = sysctl_uint(&0x1b58_8bb3u32.to_le_bytes()).expect("family");
        assert_eq!(apple_cpu_value(family as u32, 2), "apple 1b588bb3 2");
        assert_eq!(sysctl_uint(&[1, 2, 3]), None);
        assert_eq!(environment(Some(1), false), Environment::VirtualMachine);
        assert_eq!(environment(Some(0), true), Environment::BareMetal);
        assert_eq!(environment(None, true), Environment::VirtualMachine);
        assert_eq!(environment(None, false), Environment::BareMetal);
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
