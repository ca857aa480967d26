//! `SystemDrive`: the serial of the drive holding Windows, parsed from
//! `VOLUME_DISK_EXTENTS`, `STORAGE_DEVICE_DESCRIPTOR` and the NVMe Identify
//! Controller answer (`STORAGE_PROTOCOL_DATA_DESCRIPTOR`); `sys::storage`
//! makes the calls. Flags: `usb` and `removable` from the bus type and
//! `RemovableMedia`, `virtual_device` for virtual buses and hypervisors'
//! disks.
#![cfg_attr(not(windows), allow(dead_code))]

use super::buffer::{c_string_at, put_u32, read_u32};
use crate::hardware::normalise::serial_value;
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind, Why};

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
/// `ProtocolDataOffset` is relative to its `ProtocolSpecificData`. `None`
/// when the answer is malformed or the serial blank (the caller then falls
/// back to the descriptor's serial, so the problem is never reported).
pub(crate) fn nvme_identify_serial(buf: &[u8], returned: usize) -> Option<String> {
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    let version = read_u32(buf, 0)?;
    let size = read_u32(buf, 4)?;
    if version as usize != PROTOCOL_DATA_DESCRIPTOR_SIZE || size as usize != PROTOCOL_DATA_DESCRIPTOR_SIZE {
        return None;
    }
    let data_offset = read_u32(buf, 8 + 16)? as usize;
    let data_length = read_u32(buf, 8 + 20)? as usize;
    if data_offset < PROTOCOL_SPECIFIC_DATA_SIZE || data_length < 64 {
        return None; // no controller data
    }
    let start = 8usize.checked_add(data_offset)?;
    let sn = buf.get(start + 4..start + 24)?;
    serial_value(&String::from_utf8_lossy(sn))
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
pub(crate) fn parse_device_descriptor(buf: &[u8], returned: usize) -> Result<DeviceDescriptor, Why> {
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    if buf.len() < DESCRIPTOR_HEADER {
        return Err(Why::Truncated { what: "storage device descriptor", length: Some(buf.len()) });
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
) -> Result<Component, Why> {
    let serial = nvme_serial
        .or_else(|| descriptor.serial.as_deref().and_then(drive_serial))
        .ok_or(Why::DriveReportsNoSerial { drive: "system drive" })?;
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
pub(crate) fn parse_disk_extents(buf: &[u8], returned: usize) -> Result<Vec<u32>, Why> {
    const EXTENT_SIZE: usize = 24; // DiskNumber, padding, StartingOffset, ExtentLength
    let buf = buf.get(..returned.min(buf.len())).unwrap_or_default();
    let truncated = Why::Truncated { what: "volume disk extents answer", length: None };
    let count = read_u32(buf, 0).ok_or(truncated)? as usize;
    let disks: Vec<u32> = (0..count).map_while(|i| read_u32(buf, 8 + i * EXTENT_SIZE)).collect();
    if disks.is_empty() {
        return Err(Why::NoPhysicalDisk);
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(nvme_identify_serial(&answer, answer.len()).is_none(), "version 0");
        put_u32(&mut answer, 0, 48);
        put_u32(&mut answer, 4, 48);
        put_u32(&mut answer, 24, u32::MAX);
        assert!(nvme_identify_serial(&answer, answer.len()).is_none(), "offset past the end");
        put_u32(&mut answer, 24, 40);
        assert!(nvme_identify_serial(&answer, 60).is_none(), "truncated");
        assert!(nvme_identify_serial(&answer, answer.len()).is_none(), "all-zero serial");
        assert!(nvme_identify_serial(&[], 0).is_none());
        assert!(nvme_identify_serial(&answer, usize::MAX).is_none());
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
}
