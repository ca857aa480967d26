//! The Win32 calls of the Windows collector, each wrapped in a safe function
//! that copies what it needs out of OS memory and hands it to `parse.rs`.
//!
//! APIs (all documented, all usable without elevation):
//! `GetIfTable2`/`FreeMibTable` (iphlpapi), `SetupDiGetClassDevsW`,
//! `SetupDiEnumDeviceInfo`, `SetupDiGetDeviceRegistryPropertyW`,
//! `SetupDiDestroyDeviceInfoList` (setupapi), `GetSystemWindowsDirectoryW`,
//! `GetVolumePathNameW`, `GetVolumeNameForVolumeMountPointW`, `CreateFileW`
//! (with **zero** access rights, which query-only ioctls accept),
//! `DeviceIoControl` with `IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS` and
//! `IOCTL_STORAGE_QUERY_PROPERTY` (both `FILE_ANY_ACCESS`),
//! `GlobalMemoryStatusEx`, `IsWow64Process2`, `RegGetValueW`.
//!
//! Handles and OS allocations are owned by RAII guards (`OwnedHandle`,
//! [`DevInfoList`], [`MibTable`]) so they are released on every path.
#![allow(unsafe_code)]

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::{null, null_mut};

use windows_sys::Win32::Devices::DeviceAndDriverInstallation::{
    DIGCF_ALLCLASSES, DIGCF_PRESENT, HDEVINFO, SETUP_DI_REGISTRY_PROPERTY, SP_DEVINFO_DATA,
    SPDRP_COMPATIBLEIDS, SPDRP_DEVICEDESC, SPDRP_ENUMERATOR_NAME, SPDRP_FRIENDLYNAME, SPDRP_HARDWAREID,
    SetupDiDestroyDeviceInfoList, SetupDiEnumDeviceInfo, SetupDiGetClassDevsW,
    SetupDiGetDeviceRegistryPropertyW,
};
use windows_sys::Win32::Foundation::{
    ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, ERROR_SUCCESS, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{FreeMibTable, GetIfTable2, MIB_IF_TABLE2};
use windows_sys::Win32::Storage::FileSystem::IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, GetVolumeNameForVolumeMountPointW, GetVolumePathNameW,
    OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::DeviceIoControl;
use windows_sys::Win32::System::Ioctl::IOCTL_STORAGE_QUERY_PROPERTY;
use windows_sys::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_ANY, RRF_RT_QWORD, RegGetValueW};
use windows_sys::Win32::System::SystemInformation::{
    GetSystemWindowsDirectoryW, GlobalMemoryStatusEx, IMAGE_FILE_MACHINE_ARM64, MEMORYSTATUSEX,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, IsWow64Process2};
use windows_sys::core::GUID;

use super::parse::{self, AdapterRecord, to_wide, wide_to_string};

/// Upper bound on any buffer the OS asks us to grow to.
const MAX_BUFFER: usize = 1 << 20;
/// Upper bound on enumerations (device nodes, registry keys).
const MAX_ITEMS: u32 = 1 << 16;

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// Devices and ioctls
// ---------------------------------------------------------------------------

/// Opens a device (`\\.\C:`, `\\.\PhysicalDrive0`) with no access rights:
/// enough for `FILE_ANY_ACCESS` query ioctls, and needs no elevation.
fn open_device(path: &str) -> Result<OwnedHandle, String> {
    let wide = to_wide(path);
    // SAFETY: `wide` is NUL-terminated and outlives the call; a null security
    // attributes pointer and a null template handle are documented as valid.
    let handle = unsafe {
        CreateFileW(
            wide.as_ptr(),
            0,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            null(),
            OPEN_EXISTING,
            0,
            null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE || handle.is_null() {
        return Err(format!("cannot open {path}: {}", last_error()));
    }
    // SAFETY: `handle` was just returned by CreateFileW, is valid and owned by
    // nothing else; `OwnedHandle` closes it exactly once.
    Ok(unsafe { OwnedHandle::from_raw_handle(handle) })
}

/// `DeviceIoControl` where the input and output are the same buffer
/// (`METHOD_BUFFERED` copies the input in before writing the output).
/// Returns the number of bytes written, or the Win32 error code and whatever
/// was written (some ioctls fill part of the buffer with `ERROR_MORE_DATA`).
fn ioctl(handle: &OwnedHandle, code: u32, input_len: usize, buf: &mut [u8]) -> Result<usize, (i32, usize)> {
    let input_len = input_len.min(buf.len());
    let mut returned = 0u32;
    let ptr = buf.as_mut_ptr().cast();
    // SAFETY: `buf` is a live, exclusively borrowed buffer of `buf.len()`
    // bytes used as both input (first `input_len` bytes) and output; the
    // handle is open and synchronous (no OVERLAPPED, so the call completes
    // before returning and nothing writes into `buf` afterwards).
    let ok = unsafe {
        DeviceIoControl(
            handle.as_raw_handle() as HANDLE,
            code,
            if input_len == 0 { null() } else { ptr },
            len_u32(input_len),
            ptr,
            len_u32(buf.len()),
            &mut returned,
            null_mut(),
        )
    };
    let returned = (returned as usize).min(buf.len());
    if ok == 0 { Err((last_error().raw_os_error().unwrap_or(0), returned)) } else { Ok(returned) }
}

fn wide_call(what: &str, call: impl Fn(*mut u16, u32) -> u32) -> Result<String, String> {
    let mut buf = vec![0u16; 512];
    let written = call(buf.as_mut_ptr(), len_u32(buf.len())) as usize;
    if written == 0 {
        return Err(format!("{what} failed: {}", last_error()));
    }
    if written >= buf.len() {
        buf = vec![0u16; written.saturating_add(1).min(MAX_BUFFER)];
        let again = call(buf.as_mut_ptr(), len_u32(buf.len())) as usize;
        if again == 0 || again >= buf.len() {
            return Err(format!("{what} failed: {}", last_error()));
        }
    }
    Ok(wide_to_string(&buf))
}

/// The device path of the volume holding `%SystemRoot%` (`\\.\C:`).
fn system_volume() -> Result<String, String> {
    // SAFETY: the buffer pointer and its length in u16 come from one live Vec.
    let windir = wide_call("GetSystemWindowsDirectoryW", |p, n| unsafe { GetSystemWindowsDirectoryW(p, n) })?;
    let windir_w = to_wide(&windir);
    let mut mount = vec![0u16; 1024];
    // SAFETY: `windir_w` is NUL-terminated; `mount` holds `mount.len()` u16.
    let ok = unsafe { GetVolumePathNameW(windir_w.as_ptr(), mount.as_mut_ptr(), len_u32(mount.len())) };
    if ok == 0 {
        return Err(format!("GetVolumePathNameW({windir}) failed: {}", last_error()));
    }
    let mount = wide_to_string(&mount);
    if let Some(path) = parse::volume_device_path(&mount) {
        return Ok(path);
    }
    let mount_w = to_wide(&mount);
    let mut name = vec![0u16; 64];
    // SAFETY: `mount_w` is NUL-terminated; `name` holds `name.len()` u16
    // (a volume GUID path is 49 characters plus the terminator).
    let ok = unsafe {
        GetVolumeNameForVolumeMountPointW(mount_w.as_ptr(), name.as_mut_ptr(), len_u32(name.len()))
    };
    if ok == 0 {
        return Err(format!("GetVolumeNameForVolumeMountPointW({mount}) failed: {}", last_error()));
    }
    let name = wide_to_string(&name);
    parse::volume_device_path(&name).ok_or_else(|| format!("unexpected volume name {name}"))
}

/// The `SystemDrive` component: the serial of the physical drive holding the
/// Windows directory.
pub(crate) fn system_drive() -> Result<crate::hardware::Component, String> {
    let volume_path = system_volume()?;
    let volume = open_device(&volume_path)?;
    let mut extents = vec![0u8; 8 + 16 * 24];
    let returned = match ioctl(&volume, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, 0, &mut extents) {
        Ok(n) => n,
        Err((code, n)) if code == ERROR_MORE_DATA as i32 => n,
        Err((code, _)) => {
            return Err(format!(
                "IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS on {volume_path} failed: {}",
                io::Error::from_raw_os_error(code)
            ));
        }
    };
    drop(volume);
    let disks = parse::parse_disk_extents(&extents, returned)?;
    let disk = disks.first().copied().ok_or("the system volume lies on no physical disk")?;
    let drive_path = format!("\\\\.\\PhysicalDrive{disk}");
    let drive = open_device(&drive_path)?;

    let mut buf = vec![0u8; 4096];
    let query = parse::property_query(parse::STORAGE_DEVICE_PROPERTY);
    buf[..query.len()].copy_from_slice(&query);
    let returned =
        ioctl(&drive, IOCTL_STORAGE_QUERY_PROPERTY, query.len(), &mut buf).map_err(|(code, _)| {
            format!(
                "IOCTL_STORAGE_QUERY_PROPERTY on {drive_path} failed: {}",
                io::Error::from_raw_os_error(code)
            )
        })?;
    let descriptor = parse::parse_device_descriptor(&buf, returned)?;

    let nvme_serial = if descriptor.bus_type == parse::bus::NVME {
        let mut identify = parse::nvme_identify_query();
        let input_len = identify.len();
        ioctl(&drive, IOCTL_STORAGE_QUERY_PROPERTY, input_len, &mut identify)
            .ok()
            .and_then(|n| parse::nvme_identify_serial(&identify, n).ok())
    } else {
        None
    };
    parse::system_drive_component(&descriptor, nvme_serial)
}

// ---------------------------------------------------------------------------
// SetupAPI
// ---------------------------------------------------------------------------

/// A device information set, destroyed on drop.
struct DevInfoList(HDEVINFO);

impl Drop for DevInfoList {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a valid set returned by SetupDiGetClassDevsW
        // and destroyed only here, once.
        unsafe {
            SetupDiDestroyDeviceInfoList(self.0);
        }
    }
}

/// The properties of one device node the collector reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeviceNode {
    /// `SPDRP_HARDWAREID`.
    pub hardware_ids: Vec<String>,
    /// `SPDRP_COMPATIBLEIDS`.
    pub compatible_ids: Vec<String>,
    /// `SPDRP_FRIENDLYNAME`.
    pub friendly_name: Option<String>,
    /// `SPDRP_DEVICEDESC`.
    pub description: Option<String>,
    /// `SPDRP_ENUMERATOR_NAME` (`PCI`, `USB`, `SCSI`, …).
    pub enumerator: Option<String>,
}

/// One registry property of a device node as UTF-16, or `None` when the
/// device does not have it.
fn device_property(
    set: &DevInfoList,
    data: &SP_DEVINFO_DATA,
    property: SETUP_DI_REGISTRY_PROPERTY,
) -> Option<Vec<u16>> {
    let mut buf = vec![0u16; 256];
    for _ in 0..2 {
        let mut required = 0u32;
        // SAFETY: `set` and `data` describe a device of this set; `buf` is a
        // live buffer of `buf.len() * 2` bytes; `required` is a valid out pointer.
        let ok = unsafe {
            SetupDiGetDeviceRegistryPropertyW(
                set.0,
                data,
                property,
                null_mut(),
                buf.as_mut_ptr().cast(),
                len_u32(buf.len() * 2),
                &mut required,
            )
        };
        if ok != 0 {
            let used = (required as usize).div_ceil(2).min(buf.len());
            buf.truncate(used);
            return Some(buf);
        }
        if last_error().raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER as i32) {
            return None;
        }
        let needed = (required as usize).div_ceil(2);
        if needed <= buf.len() || needed * 2 > MAX_BUFFER {
            return None;
        }
        buf = vec![0u16; needed];
    }
    None
}

/// The present device nodes of a setup class (`class`), or of every class
/// under an enumerator (`enumerator`, e.g. `PCI`).
pub(crate) fn devices(class: Option<&GUID>, enumerator: Option<&str>) -> Result<Vec<DeviceNode>, String> {
    let enumerator_w = enumerator.map(to_wide);
    let flags = if class.is_some() { DIGCF_PRESENT } else { DIGCF_PRESENT | DIGCF_ALLCLASSES };
    // SAFETY: the GUID and the enumerator string are either null or point to
    // live values (the wide string is NUL-terminated); no parent window.
    let raw = unsafe {
        SetupDiGetClassDevsW(
            class.map_or(null(), |g| g as *const GUID),
            enumerator_w.as_ref().map_or(null(), |w| w.as_ptr()),
            null_mut(),
            flags,
        )
    };
    if raw == INVALID_HANDLE_VALUE as HDEVINFO || raw == 0 {
        return Err(format!("SetupDiGetClassDevsW failed: {}", last_error()));
    }
    let set = DevInfoList(raw);
    let mut nodes = Vec::new();
    for index in 0..MAX_ITEMS {
        let mut data =
            SP_DEVINFO_DATA { cbSize: len_u32(size_of::<SP_DEVINFO_DATA>()), ..Default::default() };
        // SAFETY: `set` is valid; `data` is initialised with its cbSize as
        // the API requires.
        if unsafe { SetupDiEnumDeviceInfo(set.0, index, &mut data) } == 0 {
            break; // ERROR_NO_MORE_ITEMS (or a vanished device list): done.
        }
        let text = |p| device_property(&set, &data, p).map(|w| wide_to_string(&w)).filter(|s| !s.is_empty());
        nodes.push(DeviceNode {
            hardware_ids: device_property(&set, &data, SPDRP_HARDWAREID)
                .map(|w| parse::multi_sz(&w))
                .unwrap_or_default(),
            compatible_ids: device_property(&set, &data, SPDRP_COMPATIBLEIDS)
                .map(|w| parse::multi_sz(&w))
                .unwrap_or_default(),
            friendly_name: text(SPDRP_FRIENDLYNAME),
            description: text(SPDRP_DEVICEDESC),
            enumerator: text(SPDRP_ENUMERATOR_NAME),
        });
    }
    Ok(nodes)
}

// ---------------------------------------------------------------------------
// Network adapters
// ---------------------------------------------------------------------------

/// A table allocated by `GetIfTable2`, freed on drop.
struct MibTable(*mut MIB_IF_TABLE2);

impl Drop for MibTable {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful GetIfTable2 and is freed
        // only here, once, with the documented FreeMibTable.
        unsafe { FreeMibTable(self.0.cast()) }
    }
}

/// Every interface row of `GetIfTable2` (including disabled and
/// disconnected adapters), reduced to the fields the filter needs.
pub(crate) fn adapters() -> Result<Vec<AdapterRecord>, String> {
    let mut table: *mut MIB_IF_TABLE2 = null_mut();
    // SAFETY: `table` is a valid out pointer; on success it owns an OS table.
    let status = unsafe { GetIfTable2(&mut table) };
    if status != ERROR_SUCCESS || table.is_null() {
        return Err(format!("GetIfTable2 failed: {}", io::Error::from_raw_os_error(status as i32)));
    }
    let table = MibTable(table);
    // SAFETY: GetIfTable2 succeeded, so `table.0` points to a MIB_IF_TABLE2
    // whose `Table` holds `NumEntries` contiguous rows; the slice does not
    // outlive `table`, which frees the memory only when dropped below.
    let rows = unsafe {
        let header = &*table.0;
        std::slice::from_raw_parts(header.Table.as_ptr(), header.NumEntries as usize)
    };
    Ok(rows
        .iter()
        .map(|row| {
            let len = (row.PhysicalAddressLength as usize).min(row.PhysicalAddress.len());
            AdapterRecord {
                description: wide_to_string(&row.Description),
                if_type: row.Type,
                current_address: row.PhysicalAddress[..len].to_vec(),
                permanent_address: row.PermanentPhysicalAddress[..len].to_vec(),
                flags: row.InterfaceAndOperStatusFlags._bitfield,
                usb: false,
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Memory, CPU, registry
// ---------------------------------------------------------------------------

/// Usable physical memory in bytes (`GlobalMemoryStatusEx::ullTotalPhys`).
pub(crate) fn total_memory() -> Result<u64, String> {
    let mut status = MEMORYSTATUSEX { dwLength: len_u32(size_of::<MEMORYSTATUSEX>()), ..Default::default() };
    // SAFETY: `status` is a valid MEMORYSTATUSEX with dwLength set as required.
    if unsafe { GlobalMemoryStatusEx(&mut status) } == 0 {
        return Err(format!("GlobalMemoryStatusEx failed: {}", last_error()));
    }
    Ok(status.ullTotalPhys)
}

/// Whether the machine is ARM64 (also when this process is x64 or x86
/// code emulated on it, where CPUID is emulated too).
pub(crate) fn native_arm64() -> bool {
    let mut process = 0u16;
    let mut native = 0u16;
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no
    // closing; both out pointers are valid.
    let ok = unsafe { IsWow64Process2(GetCurrentProcess(), &mut process, &mut native) };
    ok != 0 && native == IMAGE_FILE_MACHINE_ARM64
}

/// A registry value under `HKEY_LOCAL_MACHINE` as raw bytes (`flags` are the
/// `RRF_RT_*` types accepted); `None` when it does not exist.
fn registry_value(subkey: &str, value: &str, flags: u32, capacity: usize) -> Option<Vec<u8>> {
    let subkey_w = to_wide(subkey);
    let value_w = to_wide(value);
    let mut buf = vec![0u8; capacity];
    let mut size = len_u32(buf.len());
    // SAFETY: both names are NUL-terminated; `buf` holds `size` bytes and
    // `size` is a valid in/out pointer; a null type pointer is allowed.
    let status = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            subkey_w.as_ptr(),
            value_w.as_ptr(),
            flags,
            null_mut(),
            buf.as_mut_ptr().cast(),
            &mut size,
        )
    };
    if status != ERROR_SUCCESS {
        return None;
    }
    buf.truncate((size as usize).min(capacity));
    Some(buf)
}

/// Whether a registry value exists under `HKEY_LOCAL_MACHINE`.
pub(crate) fn registry_value_exists(subkey: &str, value: &str) -> bool {
    let subkey_w = to_wide(subkey);
    let value_w = to_wide(value);
    // SAFETY: both names are NUL-terminated; null type, data and size
    // pointers ask only whether the value exists.
    let status = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            subkey_w.as_ptr(),
            value_w.as_ptr(),
            RRF_RT_ANY,
            null_mut(),
            null_mut(),
            null_mut(),
        )
    };
    status == ERROR_SUCCESS
}

/// MIDR_EL1 of every logical processor, from the `CP 4000` values under
/// `HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N`.
pub(crate) fn arm64_midrs() -> Vec<u64> {
    (0..MAX_ITEMS)
        .map_while(|n| {
            let key = format!("HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\{n}");
            registry_value(&key, "CP 4000", RRF_RT_QWORD, 8)
        })
        .filter_map(|bytes| parse::midr_from_registry(&bytes))
        .collect()
}
