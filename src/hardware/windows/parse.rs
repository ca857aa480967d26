//! Pure parsing of what the Windows APIs return: `MIB_IF_ROW2` records,
//! SetupAPI hardware ids, `STORAGE_DEVICE_DESCRIPTOR` and
//! `STORAGE_PROTOCOL_DATA_DESCRIPTOR` byte buffers, `VOLUME_DISK_EXTENTS`,
//! registry values. Nothing here calls the OS, so it compiles (and is tested
//! on recorded data) on every platform; `sys.rs` does the calls.
//!
//! Every length and offset comes from the OS and is treated as untrusted:
//! buffers are read with bounds-checked accessors only.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::hardware::normalise::{
    cdrom_value, mac_from_octets, mac_is_locally_administered, pci_kind, pci_value, serial_value, text_value,
};
use crate::hardware::vm_ids::{name_is_virtual, pci_vendor_is_virtual};
use crate::hardware::{Component, ComponentFlags, ComponentKind, Environment};

// ---------------------------------------------------------------------------
// Wide strings and REG_MULTI_SZ
// ---------------------------------------------------------------------------

/// The text of a UTF-16 buffer up to its first NUL (or its end).
pub(crate) fn wide_to_string(buf: &[u16]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16_lossy(&buf[..end])
}

/// The strings of a `REG_MULTI_SZ` buffer (NUL-separated, ended by an empty
/// string); a missing final terminator is tolerated.
pub(crate) fn multi_sz(buf: &[u16]) -> Vec<String> {
    buf.split(|&c| c == 0).take_while(|s| !s.is_empty()).map(String::from_utf16_lossy).collect()
}

/// A NUL-terminated UTF-16 copy of `text` for the `W` APIs.
pub(crate) fn to_wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

// ---------------------------------------------------------------------------
// Little-endian readers over untrusted buffers
// ---------------------------------------------------------------------------

fn read_u32(buf: &[u8], offset: usize) -> Option<u32> {
    let bytes = buf.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn put_u32(buf: &mut [u8], offset: usize, value: u32) {
    if let Some(slot) = buf.get_mut(offset..offset + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// The ASCII string starting at `offset`, up to a NUL or the end of `buf`.
fn c_string_at(buf: &[u8], offset: usize) -> Option<String> {
    let tail = buf.get(offset..)?;
    let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}

// ---------------------------------------------------------------------------
// Network adapters: GetIfTable2 -> MIB_IF_ROW2
// ---------------------------------------------------------------------------

/// `IF_TYPE_ETHERNET_CSMACD` (ipifcons.h).
pub(crate) const IF_TYPE_ETHERNET_CSMACD: u32 = 6;
/// `IF_TYPE_IEEE80211` (ipifcons.h).
pub(crate) const IF_TYPE_IEEE80211: u32 = 71;

/// Bits of `MIB_IF_ROW2::InterfaceAndOperStatusFlags` (netioapi.h).
pub(crate) mod if_flags {
    /// `HardwareInterface`: the interface is for a hardware device.
    pub(crate) const HARDWARE_INTERFACE: u8 = 1 << 0;
    /// `FilterInterface`: an NDIS filter module's interface (duplicates its miniport).
    pub(crate) const FILTER_INTERFACE: u8 = 1 << 1;
    /// `EndPointInterface`: a tethered endpoint (a phone), not a host NIC.
    pub(crate) const END_POINT_INTERFACE: u8 = 1 << 7;
}

/// The fields of one `MIB_IF_ROW2` that decide whether it is a physical
/// adapter, copied out of the OS table (or filled from recorded values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AdapterRecord {
    /// `Description` (the device's description, e.g. "Intel(R) Ethernet Connection I219-V").
    pub description: String,
    /// `Type` (`IF_TYPE_*`).
    pub if_type: u32,
    /// `PhysicalAddress[..PhysicalAddressLength]`: the current address.
    pub current_address: Vec<u8>,
    /// `PermanentPhysicalAddress[..PhysicalAddressLength]`: the burnt-in address.
    pub permanent_address: Vec<u8>,
    /// `InterfaceAndOperStatusFlags` (see [`if_flags`]).
    pub flags: u8,
    /// The adapter's device node hangs off USB (from SetupAPI's enumerator name).
    pub usb: bool,
}

/// Substrings of adapter descriptions that mark software adapters even when
/// their driver claims to be hardware (host-side virtual switches, VPNs,
/// tunnels, teaming, Wi-Fi Direct, Bluetooth PAN, debuggers).
const SOFTWARE_ADAPTERS: [&str; 22] = [
    "virtual ethernet adapter",
    "hyper-v virtual",
    "virtualbox host-only",
    "host-only",
    "tap-windows",
    "tap-win32",
    "wintun",
    "wireguard",
    "vpn",
    "wi-fi direct virtual",
    "hosted network virtual",
    "wan miniport",
    "teredo",
    "isatap",
    "6to4",
    "loopback",
    "kernel debug",
    "bluetooth",
    "npcap",
    "multiplexor",
    "zerotier",
    "tailscale",
];

fn six_octets(bytes: &[u8]) -> Option<[u8; 6]> {
    <[u8; 6]>::try_from(bytes).ok()
}

/// The `Mac` component of one adapter row, or `None` when the row is not a
/// physical Ethernet/Wi-Fi adapter (tunnel, loopback, filter, software or
/// virtual-switch adapter) or has no usable address.
///
/// The *permanent* address is used; the current one only when the driver
/// reports no permanent address (all zeros), so Windows' per-network random
/// Wi-Fi addresses and user-set "Network Address" overrides do not leak in.
pub(crate) fn adapter_component(record: &AdapterRecord) -> Option<Component> {
    if record.if_type != IF_TYPE_ETHERNET_CSMACD && record.if_type != IF_TYPE_IEEE80211 {
        return None;
    }
    if record.flags & if_flags::HARDWARE_INTERFACE == 0
        || record.flags & (if_flags::FILTER_INTERFACE | if_flags::END_POINT_INTERFACE) != 0
    {
        return None;
    }
    let description = record.description.to_ascii_lowercase();
    if SOFTWARE_ADAPTERS.iter().any(|m| description.contains(m)) {
        return None;
    }
    let permanent = six_octets(&record.permanent_address);
    let octets = match permanent {
        Some(p) if p != [0; 6] => p,
        _ => six_octets(&record.current_address)?,
    };
    let mac = mac_from_octets(octets)?;
    let usb = record.usb || description.contains("usb");
    let flags = ComponentFlags {
        removable: usb,
        usb,
        virtual_device: name_is_virtual(&record.description),
        locally_administered: mac_is_locally_administered(&mac),
    };
    Some(Component::new(ComponentKind::Mac, mac).with_flags(flags))
}

// ---------------------------------------------------------------------------
// PCI devices: SetupAPI SPDRP_HARDWAREID / SPDRP_COMPATIBLEIDS
// ---------------------------------------------------------------------------

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

fn hex_field(token: &str, prefix: &str, digits: usize) -> Option<u32> {
    let head = token.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let hex = &token[prefix.len()..];
    if hex.len() != digits || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
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

// ---------------------------------------------------------------------------
// Optical drives: SetupAPI CDROM class
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// System drive: VOLUME_DISK_EXTENTS, STORAGE_DEVICE_DESCRIPTOR, NVMe identify
// ---------------------------------------------------------------------------

/// `STORAGE_PROPERTY_ID::StorageDeviceProperty`.
pub(crate) const STORAGE_DEVICE_PROPERTY: u32 = 0;
/// `STORAGE_PROPERTY_ID::StorageAdapterProtocolSpecificProperty`.
pub(crate) const STORAGE_ADAPTER_PROTOCOL_SPECIFIC_PROPERTY: u32 = 49;
/// `STORAGE_BUS_TYPE` values that matter here.
pub(crate) mod bus {
    /// `BusType1394`.
    pub(crate) const IEEE1394: u32 = 4;
    /// `BusTypeUsb`.
    pub(crate) const USB: u32 = 7;
    /// `BusTypeSd`.
    pub(crate) const SD: u32 = 12;
    /// `BusTypeMmc`.
    pub(crate) const MMC: u32 = 13;
    /// `BusTypeVirtual`.
    pub(crate) const VIRTUAL: u32 = 14;
    /// `BusTypeFileBackedVirtual` (booting from a VHD).
    pub(crate) const FILE_BACKED_VIRTUAL: u32 = 15;
    /// `BusTypeNvme`.
    pub(crate) const NVME: u32 = 17;
}

/// Size of `STORAGE_PROPERTY_QUERY` (PropertyId, QueryType, AdditionalParameters[1], padding).
pub(crate) const PROPERTY_QUERY_SIZE: usize = 12;
/// Offset of `STORAGE_PROPERTY_QUERY::AdditionalParameters`.
const QUERY_PARAMETERS_OFFSET: usize = 8;
/// Size of `STORAGE_PROTOCOL_SPECIFIC_DATA` (ten 32-bit fields).
const PROTOCOL_SPECIFIC_DATA_SIZE: usize = 40;
/// Size of `STORAGE_PROTOCOL_DATA_DESCRIPTOR` (Version, Size, ProtocolSpecificData).
const PROTOCOL_DATA_DESCRIPTOR_SIZE: usize = 8 + PROTOCOL_SPECIFIC_DATA_SIZE;
/// `NVME_MAX_LOG_SIZE`, the size of the Identify Controller data structure.
const NVME_IDENTIFY_SIZE: usize = 4096;

/// A `STORAGE_PROPERTY_QUERY` for `property_id` with `PropertyStandardQuery`.
pub(crate) fn property_query(property_id: u32) -> [u8; PROPERTY_QUERY_SIZE] {
    let mut query = [0u8; PROPERTY_QUERY_SIZE];
    put_u32(&mut query, 0, property_id);
    put_u32(&mut query, 4, 0); // PropertyStandardQuery
    query
}

/// The in/out buffer of the documented NVMe "Identify Controller" query
/// (`IOCTL_STORAGE_QUERY_PROPERTY` with `StorageAdapterProtocolSpecificProperty`,
/// `ProtocolTypeNvme`, `NVMeDataTypeIdentify`, `NVME_IDENTIFY_CNS_CONTROLLER`).
pub(crate) fn nvme_identify_query() -> Vec<u8> {
    let mut buf = vec![0u8; QUERY_PARAMETERS_OFFSET + PROTOCOL_SPECIFIC_DATA_SIZE + NVME_IDENTIFY_SIZE];
    put_u32(&mut buf, 0, STORAGE_ADAPTER_PROTOCOL_SPECIFIC_PROPERTY);
    put_u32(&mut buf, 4, 0); // PropertyStandardQuery
    let p = QUERY_PARAMETERS_OFFSET;
    put_u32(&mut buf, p, 3); // ProtocolType = ProtocolTypeNvme
    put_u32(&mut buf, p + 4, 1); // DataType = NVMeDataTypeIdentify
    put_u32(&mut buf, p + 8, 1); // ProtocolDataRequestValue = NVME_IDENTIFY_CNS_CONTROLLER
    put_u32(&mut buf, p + 12, 0); // ProtocolDataRequestSubValue (NSID)
    put_u32(&mut buf, p + 16, PROTOCOL_SPECIFIC_DATA_SIZE as u32); // ProtocolDataOffset
    put_u32(&mut buf, p + 20, NVME_IDENTIFY_SIZE as u32); // ProtocolDataLength
    buf
}

/// The serial number (`SN`, bytes 4..24) from the answer to
/// [`nvme_identify_query`]: a `STORAGE_PROTOCOL_DATA_DESCRIPTOR` whose
/// `ProtocolDataOffset` is relative to its `ProtocolSpecificData`.
pub(crate) fn nvme_identify_serial(buf: &[u8], returned: usize) -> Result<String, String> {
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    let version = read_u32(buf, 0).ok_or("the NVMe identify answer is truncated")?;
    let size = read_u32(buf, 4).ok_or("the NVMe identify answer is truncated")?;
    if version as usize != PROTOCOL_DATA_DESCRIPTOR_SIZE || size as usize != PROTOCOL_DATA_DESCRIPTOR_SIZE {
        return Err(format!("unexpected NVMe identify descriptor version {version} / size {size}"));
    }
    let data_offset = read_u32(buf, 8 + 16).ok_or("the NVMe identify answer is truncated")? as usize;
    let data_length = read_u32(buf, 8 + 20).ok_or("the NVMe identify answer is truncated")? as usize;
    if data_offset < PROTOCOL_SPECIFIC_DATA_SIZE || data_length < 64 {
        return Err("the NVMe identify answer has no controller data".to_owned());
    }
    let start = 8usize.checked_add(data_offset).ok_or("bad NVMe data offset")?;
    let sn = buf.get(start + 4..start + 24).ok_or("the NVMe identify data is truncated")?;
    let text = String::from_utf8_lossy(sn);
    serial_value(&text).ok_or_else(|| "the NVMe drive reports no serial number".to_owned())
}

/// The fields of a `STORAGE_DEVICE_DESCRIPTOR` this collector uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeviceDescriptor {
    /// `BusType` (`STORAGE_BUS_TYPE`, see [`bus`]).
    pub bus_type: u32,
    /// `RemovableMedia`.
    pub removable_media: bool,
    /// The string at `VendorIdOffset`, if any.
    pub vendor: Option<String>,
    /// The string at `ProductIdOffset`, if any.
    pub product: Option<String>,
    /// The raw string at `SerialNumberOffset`, if any.
    pub serial: Option<String>,
}

/// Offset of `STORAGE_DEVICE_DESCRIPTOR::RawDeviceProperties`; strings start
/// at or after it.
const DESCRIPTOR_HEADER: usize = 36;

/// Parses a `STORAGE_DEVICE_DESCRIPTOR` of which the OS wrote `returned`
/// bytes into `buf`. String offsets of 0 (absent), inside the fixed header
/// or outside the returned data are treated as absent.
pub(crate) fn parse_device_descriptor(buf: &[u8], returned: usize) -> Result<DeviceDescriptor, String> {
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    if buf.len() < DESCRIPTOR_HEADER {
        return Err(format!("the storage device descriptor is truncated ({} bytes)", buf.len()));
    }
    let declared = read_u32(buf, 4).unwrap_or(0) as usize;
    let valid = buf.get(..declared.clamp(DESCRIPTOR_HEADER, buf.len())).unwrap_or(buf);
    let string_at = |field: usize| -> Option<String> {
        let offset = read_u32(valid, field)? as usize;
        if offset < DESCRIPTOR_HEADER {
            return None;
        }
        c_string_at(valid, offset)
    };
    Ok(DeviceDescriptor {
        bus_type: read_u32(valid, 28).unwrap_or(0),
        removable_media: valid.get(10).is_some_and(|&b| b != 0),
        vendor: string_at(12),
        product: string_at(16),
        serial: string_at(24),
    })
}

/// Decodes the 40-hex-digit serial some storage drivers return (the 20 raw
/// bytes of the ATA IDENTIFY serial field, hex-encoded, each 16-bit word
/// little-endian): hex-decode, swap each byte pair back into ATA string
/// order. `None` when `text` is not such an encoding.
fn decode_hex_ata_serial(text: &str) -> Option<String> {
    let t = text.trim();
    if t.len() != 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes: Vec<u8> =
        (0..20).map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16)).collect::<Result<_, _>>().ok()?;
    if !bytes.iter().all(|&b| b == 0 || (0x20..0x7f).contains(&b)) {
        return None;
    }
    for pair in bytes.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The normalised drive serial from the descriptor's serial string.
///
/// Windows 10 and later return the serial in ATA/SCSI string order (the same
/// bytes Linux reads); some drivers still return the raw IDENTIFY field
/// hex-encoded (40 hex digits whose decoding is printable ASCII), which is
/// decoded and byte-swapped first. Anything else is only trimmed.
pub(crate) fn drive_serial(raw: &str) -> Option<String> {
    match decode_hex_ata_serial(raw) {
        Some(decoded) => serial_value(&decoded),
        None => serial_value(raw),
    }
}

/// The `SystemDrive` component from a parsed descriptor and, for NVMe
/// drives, the serial from the Identify Controller data (preferred: it is the
/// `SN` field Linux and macOS report, whereas the descriptor may carry the
/// EUI-64/NGUID-derived SCSI serial).
pub(crate) fn system_drive_component(
    descriptor: &DeviceDescriptor,
    nvme_serial: Option<String>,
) -> Result<Component, String> {
    let serial = nvme_serial
        .or_else(|| descriptor.serial.as_deref().and_then(drive_serial))
        .ok_or_else(|| "the system drive reports no serial number".to_owned())?;
    let usb = descriptor.bus_type == bus::USB;
    let model = format!(
        "{} {}",
        descriptor.vendor.as_deref().unwrap_or_default(),
        descriptor.product.as_deref().unwrap_or_default()
    );
    let flags = ComponentFlags {
        removable: usb
            || descriptor.removable_media
            || matches!(descriptor.bus_type, bus::IEEE1394 | bus::SD | bus::MMC),
        usb,
        virtual_device: matches!(descriptor.bus_type, bus::VIRTUAL | bus::FILE_BACKED_VIRTUAL)
            || name_is_virtual(&model),
        locally_administered: false,
    };
    Ok(Component::new(ComponentKind::SystemDrive, serial).with_flags(flags))
}

/// The disk numbers of a `VOLUME_DISK_EXTENTS` answer, in extent order.
pub(crate) fn parse_disk_extents(buf: &[u8], returned: usize) -> Result<Vec<u32>, String> {
    const EXTENT_SIZE: usize = 24; // DiskNumber, padding, StartingOffset, ExtentLength
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    let count = read_u32(buf, 0).ok_or("the volume disk extents answer is truncated")? as usize;
    let disks: Vec<u32> = (0..count).map_while(|i| read_u32(buf, 8 + i * EXTENT_SIZE)).collect();
    if disks.is_empty() {
        return Err("the system volume lies on no physical disk".to_owned());
    }
    Ok(disks)
}

/// `\\.\C:` for a volume path such as `C:\` (the device path of a drive
/// letter), or the volume GUID path without its trailing backslash for
/// `\\?\Volume{…}\`.
pub(crate) fn volume_device_path(volume: &str) -> Option<String> {
    let v = volume.trim_end_matches('\\');
    let bytes = v.as_bytes();
    if bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some(format!("\\\\.\\{v}"));
    }
    (v.starts_with("\\\\?\\Volume{") && v.ends_with('}')).then(|| v.to_owned())
}

// ---------------------------------------------------------------------------
// CPU on ARM64: registry "CP 4000" (MIDR_EL1)
// ---------------------------------------------------------------------------

/// MIDR_EL1 from the registry value `CP 4000` of
/// `HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N` (a `REG_QWORD`,
/// little-endian; a 4-byte value is accepted too).
pub(crate) fn midr_from_registry(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        8 => Some(u64::from_le_bytes(bytes.try_into().ok()?)),
        4 => Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

/// The environment from what Windows tells:
/// - a container when `HKLM\SYSTEM\CurrentControlSet\Control\ContainerType`
///   exists or the Container Execution Agent service (`CExecSvc`) is installed;
/// - a virtual machine when CPUID reports a hypervisor, unless it is Hyper-V
///   and this OS is its *root partition* (a bare-metal host running with
///   virtualisation-based security or the Hyper-V role has the hypervisor bit
///   set too; the root partition holds the `CreatePartitions` privilege);
/// - bare metal otherwise.
pub(crate) fn environment(
    container: bool,
    hypervisor_present: bool,
    hypervisor_vendor: Option<&str>,
    root_partition: bool,
) -> Environment {
    let hyperv_root = hypervisor_vendor.is_some_and(|v| v.trim() == "Microsoft Hv") && root_partition;
    if container {
        Environment::Container
    } else if hypervisor_present && !hyperv_root {
        Environment::VirtualMachine
    } else {
        Environment::BareMetal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn multi_sz_and_wide_strings() {
        let mut buf: Vec<u16> = Vec::new();
        for s in ["PCI\\VEN_10DE&DEV_1C82", "PCI\\CC_0300"] {
            buf.extend(s.encode_utf16());
            buf.push(0);
        }
        buf.push(0);
        buf.extend("garbage".encode_utf16());
        assert_eq!(multi_sz(&buf), vec!["PCI\\VEN_10DE&DEV_1C82", "PCI\\CC_0300"]);
        // A missing final terminator is tolerated.
        let unterminated: Vec<u16> = "PCI\\CC_0300".encode_utf16().collect();
        assert_eq!(multi_sz(&unterminated), vec!["PCI\\CC_0300"]);
        assert!(multi_sz(&[]).is_empty());
        assert_eq!(wide_to_string(&to_wide("C:\\Windows")), "C:\\Windows");
        assert_eq!(wide_to_string(&[0x43, 0x3a]), "C:");
    }

    fn adapter(
        description: &str,
        if_type: u32,
        permanent: [u8; 6],
        current: [u8; 6],
        flags: u8,
    ) -> AdapterRecord {
        AdapterRecord {
            description: description.to_owned(),
            if_type,
            current_address: current.to_vec(),
            permanent_address: permanent.to_vec(),
            flags,
            usb: false,
        }
    }

    const HW: u8 = if_flags::HARDWARE_INTERFACE;
    const ETH: u32 = IF_TYPE_ETHERNET_CSMACD;
    const WIFI: u32 = IF_TYPE_IEEE80211;

    /// `GetIfTable2` rows recorded on a Windows 11 laptop with a Hyper-V
    /// virtual switch, a VPN, a USB Ethernet dongle and Wi-Fi with random
    /// hardware addresses turned on.
    fn laptop_rows() -> Vec<AdapterRecord> {
        let intel = [0x3c, 0x52, 0x82, 0x1a, 0x2b, 0x3c];
        let wifi = [0x70, 0x9c, 0xd1, 0x44, 0x55, 0x66];
        let dongle = [0x00, 0xe0, 0x4c, 0x68, 0x01, 0x02];
        let mut usb = adapter("Realtek USB GbE Family Controller", ETH, dongle, dongle, HW);
        usb.usb = true;
        vec![
            adapter("Intel(R) Ethernet Connection (7) I219-V", ETH, intel, intel, HW),
            // Disconnected and disabled adapters are still rows; the permanent
            // address wins over the per-network random address.
            adapter("Intel(R) Wi-Fi 6 AX201 160MHz", WIFI, wifi, [0x5a, 0x11, 0x22, 0x33, 0x44, 0x55], HW),
            usb,
            // The filter modules bound to the Wi-Fi adapter repeat its address.
            adapter(
                "Intel(R) Wi-Fi 6 AX201 160MHz-WFP Native MAC Layer LightWeight Filter-0000",
                WIFI,
                wifi,
                wifi,
                HW | if_flags::FILTER_INTERFACE,
            ),
            adapter(
                "Microsoft Wi-Fi Direct Virtual Adapter #2",
                WIFI,
                [0x72, 0x9c, 0xd1, 0x44, 0x55, 0x66],
                [0; 6],
                HW,
            ),
            adapter(
                "Hyper-V Virtual Ethernet Adapter",
                ETH,
                [0x00, 0x15, 0x5d, 0x01, 0x02, 0x03],
                [0; 6],
                HW,
            ),
            adapter("TAP-Windows Adapter V9", ETH, [0x00, 0xff, 0x12, 0x34, 0x56, 0x78], [0; 6], 0),
            adapter("WireGuard Tunnel", 53, [0; 6], [0; 6], 0),
            adapter("Software Loopback Interface 1", 24, [0; 6], [0; 6], 0),
            adapter("Microsoft Teredo Tunneling Adapter", 131, [0; 6], [0; 6], 0),
            adapter(
                "Bluetooth Device (Personal Area Network)",
                ETH,
                [0x70, 0x9c, 0xd1, 0x44, 0x55, 0x6a],
                [0; 6],
                HW,
            ),
            adapter(
                "Remote NDIS based Internet Sharing Device",
                ETH,
                [0x02, 0x11, 0x22, 0x33, 0x44, 0x55],
                [0; 6],
                HW | if_flags::END_POINT_INTERFACE,
            ),
        ]
    }

    #[test]
    fn only_physical_adapters_yield_macs() {
        let macs: Vec<Component> = laptop_rows().iter().filter_map(adapter_component).collect();
        let values: Vec<&str> = macs.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["3c:52:82:1a:2b:3c", "70:9c:d1:44:55:66", "00:e0:4c:68:01:02"]);
        assert!(macs[2].flags.usb && macs[2].flags.removable);
        assert!(!macs[0].flags.usb && !macs[0].flags.virtual_device);
    }

    #[test]
    fn vm_guest_nics_are_kept_and_flagged() {
        let hv = adapter(
            "Microsoft Hyper-V Network Adapter",
            ETH,
            [0x00, 0x15, 0x5d, 0x0a, 0x0b, 0x0c],
            [0; 6],
            HW,
        );
        let got = adapter_component(&hv).expect("guest NIC");
        assert_eq!(got.value, "00:15:5d:0a:0b:0c");
        assert!(got.flags.virtual_device);
        let virtio =
            adapter("Red Hat VirtIO Ethernet Adapter", ETH, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], [0; 6], HW);
        let got = adapter_component(&virtio).expect("virtio NIC");
        // QEMU's 52:54:00 prefix is locally administered.
        assert!(got.flags.virtual_device && got.flags.locally_administered);
        // A cloud NIC whose permanent address is locally administered.
        let gce =
            adapter("Google VirtIO Ethernet Adapter", ETH, [0x42, 0x01, 0x0a, 0x80, 0x00, 0x02], [0; 6], HW);
        assert!(adapter_component(&gce).expect("cloud NIC").flags.locally_administered);
    }

    #[test]
    fn missing_permanent_address_falls_back_to_current() {
        let row = adapter("Some NIC", ETH, [0; 6], [0x3c, 0x52, 0x82, 0x1a, 0x2b, 0x3d], HW);
        assert_eq!(adapter_component(&row).map(|c| c.value).as_deref(), Some("3c:52:82:1a:2b:3d"));
        let mut odd = adapter("Odd NIC", ETH, [0; 6], [0; 6], HW);
        odd.permanent_address = vec![0x3c, 0x52, 0x82];
        odd.current_address = vec![1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(adapter_component(&odd), None);
    }

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

    /// Builds a `STORAGE_DEVICE_DESCRIPTOR` the way the disk driver lays it out.
    fn descriptor(bus_type: u32, removable: bool, vendor: &str, product: &str, serial: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 40];
        buf[10] = u8::from(removable);
        let strings = |buf: &mut Vec<u8>, field: usize, text: &[u8]| {
            if text.is_empty() {
                return;
            }
            let offset = buf.len() as u32;
            put_u32(buf, field, offset);
            buf.extend_from_slice(text);
            buf.push(0);
        };
        strings(&mut buf, 12, vendor.as_bytes());
        strings(&mut buf, 16, product.as_bytes());
        strings(&mut buf, 20, b"FW01");
        strings(&mut buf, 24, serial);
        put_u32(&mut buf, 0, 40);
        let size = buf.len() as u32;
        put_u32(&mut buf, 4, size);
        put_u32(&mut buf, 28, bus_type);
        buf
    }

    #[test]
    fn sata_descriptor_serial_is_trimmed() {
        // storahci on Windows 11: ATA string order, padded with spaces.
        let buf = descriptor(11, false, "", "Samsung SSD 860 EVO 500GB", b"     S3Z1NB0K123456A");
        let d = parse_device_descriptor(&buf, buf.len()).expect("descriptor");
        assert_eq!(d.vendor, None);
        assert_eq!(d.product.as_deref(), Some("Samsung SSD 860 EVO 500GB"));
        let c = system_drive_component(&d, None).expect("serial");
        assert_eq!(c.value, "S3Z1NB0K123456A");
        assert_eq!(c.flags, ComponentFlags::default());
    }

    #[test]
    fn hex_encoded_byte_swapped_ata_serial_is_decoded() {
        // Some drivers return the raw IDENTIFY words hex-encoded: "     WD-WCAV12345678"
        // as little-endian words is "    W -DCWVA21436587".
        let swapped = "    W -DCWVA21436587";
        let hex: String = swapped.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex.len(), 40);
        assert_eq!(drive_serial(&hex).as_deref(), Some("WD-WCAV12345678"));
        assert_eq!(drive_serial(&hex.to_uppercase()).as_deref(), Some("WD-WCAV12345678"));
        // Same drive read on Linux (ATA order) normalises identically.
        assert_eq!(serial_value("     WD-WCAV12345678").as_deref(), Some("WD-WCAV12345678"));
        // A genuine 40-digit hex serial whose decoding is not text stays as it is.
        let genuine = "5002538e40a1b2c35002538e40a1b2c35002538e";
        assert_eq!(drive_serial(genuine).as_deref(), Some(genuine));
        // Short hex-looking serials are never decoded.
        assert_eq!(drive_serial("4C530001").as_deref(), Some("4C530001"));
        assert_eq!(drive_serial("0000000000000000000000000000000000000000"), None);
    }

    #[test]
    fn nvme_descriptor_and_identify() {
        // stornvme's descriptor carries the EUI-64 derived SCSI serial ...
        let buf =
            descriptor(bus::NVME, false, "NVMe", "Samsung SSD 970 EVO Plus 1TB", b"0025_3852_91B0_1234.");
        let d = parse_device_descriptor(&buf, buf.len()).expect("descriptor");
        assert_eq!(d.bus_type, bus::NVME);
        // ... so the Identify Controller SN wins when the query answers.
        let mut answer = nvme_identify_query();
        put_u32(&mut answer, 0, 48);
        put_u32(&mut answer, 4, 48);
        let data = 8 + 40;
        answer[data..data + 4].copy_from_slice(&[0x4d, 0x14, 0x4d, 0x14]);
        answer[data + 4..data + 24].copy_from_slice(b"S4EWNX0N123456      ");
        answer[data + 24..data + 64].copy_from_slice(b"Samsung SSD 970 EVO Plus 1TB            ");
        let len = answer.len();
        let sn = nvme_identify_serial(&answer, len).expect("serial");
        assert_eq!(sn, "S4EWNX0N123456");
        assert_eq!(system_drive_component(&d, Some(sn)).expect("component").value, "S4EWNX0N123456");
        // Without the identify answer the descriptor serial is used as it is.
        assert_eq!(system_drive_component(&d, None).expect("component").value, "0025_3852_91B0_1234.");
    }

    #[test]
    fn nvme_identify_query_layout() {
        let q = nvme_identify_query();
        assert_eq!(q.len(), 8 + 40 + 4096);
        let words: Vec<u32> = (0..8).map(|i| read_u32(&q, i * 4).expect("word")).collect();
        assert_eq!(words, [49, 0, 3, 1, 1, 0, 40, 4096]);
        assert_eq!(property_query(STORAGE_DEVICE_PROPERTY), [0; 12]);
    }

    #[test]
    fn hostile_nvme_answers_are_rejected() {
        let mut answer = nvme_identify_query();
        assert!(nvme_identify_serial(&answer, answer.len()).is_err(), "version 0");
        put_u32(&mut answer, 0, 48);
        put_u32(&mut answer, 4, 48);
        put_u32(&mut answer, 24, u32::MAX);
        assert!(nvme_identify_serial(&answer, answer.len()).is_err(), "offset past the end");
        put_u32(&mut answer, 24, 40);
        assert!(nvme_identify_serial(&answer, 60).is_err(), "truncated");
        assert!(nvme_identify_serial(&answer, answer.len()).is_err(), "all-zero serial");
        assert!(nvme_identify_serial(&[], 0).is_err());
        assert!(nvme_identify_serial(&answer, usize::MAX).is_err());
    }

    #[test]
    fn usb_and_virtual_system_drives_are_flagged() {
        let buf = descriptor(bus::USB, true, "SanDisk", "Extreme", b"4C530001231219115233");
        let d = parse_device_descriptor(&buf, buf.len()).expect("descriptor");
        let c = system_drive_component(&d, None).expect("component");
        assert!(c.flags.usb && c.flags.removable);
        let buf = descriptor(1, false, "Msft", "Virtual Disk", b"6002248012345678");
        let d = parse_device_descriptor(&buf, buf.len()).expect("descriptor");
        assert!(system_drive_component(&d, None).expect("component").flags.virtual_device);
        let buf = descriptor(10, false, "QEMU", "QEMU HARDDISK", b"");
        let d = parse_device_descriptor(&buf, buf.len()).expect("descriptor");
        assert_eq!(d.serial, None);
        assert!(system_drive_component(&d, None).is_err());
    }

    #[test]
    fn hostile_descriptors_never_panic() {
        assert!(parse_device_descriptor(&[], 0).is_err());
        assert!(parse_device_descriptor(&[0; 20], 20).is_err());
        let mut buf = descriptor(11, false, "ATA", "Disk", b"SERIAL123");
        // Offsets that point outside the data, inside the header or at the end.
        for bad in [u32::MAX, 1_000_000, 3, buf.len() as u32] {
            put_u32(&mut buf, 24, bad);
            let len = buf.len();
            let d = parse_device_descriptor(&buf, len).expect("header is fine");
            assert!(d.serial.is_none_or(|s| s.is_empty()));
        }
        // A declared size smaller than the strings hides them; larger is clamped.
        let mut buf = descriptor(11, false, "ATA", "Disk", b"SERIAL123");
        put_u32(&mut buf, 4, 40);
        let len = buf.len();
        assert_eq!(parse_device_descriptor(&buf, len).expect("descriptor").serial, None);
        put_u32(&mut buf, 4, u32::MAX);
        assert_eq!(
            parse_device_descriptor(&buf, len).expect("descriptor").serial.as_deref(),
            Some("SERIAL123")
        );
        // `returned` larger than the buffer is clamped.
        assert!(parse_device_descriptor(&buf, usize::MAX).is_ok());
        // Every truncation of a valid descriptor parses or fails cleanly.
        for cut in 0..buf.len() {
            let _ = parse_device_descriptor(&buf[..cut], cut);
        }
    }

    #[test]
    fn disk_extents() {
        let mut buf = vec![0u8; 8 + 2 * 24];
        put_u32(&mut buf, 0, 2);
        put_u32(&mut buf, 8, 3);
        put_u32(&mut buf, 32, 1);
        assert_eq!(parse_disk_extents(&buf, buf.len()).expect("extents"), vec![3, 1]);
        // A count larger than the buffer is cut to what is there.
        put_u32(&mut buf, 0, 1_000_000);
        assert_eq!(parse_disk_extents(&buf, buf.len()).expect("extents"), vec![3, 1]);
        put_u32(&mut buf, 0, 0);
        assert!(parse_disk_extents(&buf, buf.len()).is_err());
        assert!(parse_disk_extents(&buf, 3).is_err());
    }

    #[test]
    fn volume_paths() {
        assert_eq!(volume_device_path("C:\\").as_deref(), Some("\\\\.\\C:"));
        assert_eq!(
            volume_device_path("\\\\?\\Volume{4c1b02c1-d990-11dc-99ae-806e6f6e6963}\\").as_deref(),
            Some("\\\\?\\Volume{4c1b02c1-d990-11dc-99ae-806e6f6e6963}")
        );
        assert_eq!(volume_device_path("C:\\Mount\\Windows\\"), None);
        assert_eq!(volume_device_path(""), None);
    }

    #[test]
    fn arm64_midr_from_registry() {
        // Snapdragon X Elite (Oryon): MIDR_EL1 0x511f0011 as REG_QWORD.
        let midr = midr_from_registry(&0x511f_0011u64.to_le_bytes()).expect("midr");
        assert_eq!(crate::hardware::normalise::arm_cpu_value(midr), "arm 511f0011");
        assert_eq!(midr_from_registry(&0x410f_d4c0u32.to_le_bytes()), Some(0x410f_d4c0));
        assert_eq!(midr_from_registry(&[1, 2, 3]), None);
    }

    #[test]
    fn environment_rules() {
        assert_eq!(environment(true, true, Some("Microsoft Hv"), false), Environment::Container);
        assert_eq!(environment(false, false, None, false), Environment::BareMetal);
        assert_eq!(environment(false, true, Some("KVMKVMKVM"), false), Environment::VirtualMachine);
        assert_eq!(environment(false, true, Some("Microsoft Hv"), false), Environment::VirtualMachine);
        // Windows 11 with VBS on bare metal: the root partition.
        assert_eq!(environment(false, true, Some("Microsoft Hv"), true), Environment::BareMetal);
        assert_eq!(environment(false, true, None, false), Environment::VirtualMachine);
    }
}
