//! The `SystemDrive` calls: from `%SystemRoot%` to its volume
//! (`GetSystemWindowsDirectoryW`, `GetVolumePathNameW`,
//! `GetVolumeNameForVolumeMountPointW`), to its physical drive
//! (`IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS`), to the drive's serial
//! (`IOCTL_STORAGE_QUERY_PROPERTY`, with the NVMe Identify Controller query
//! for NVMe drives). Devices are opened with `CreateFileW` and **zero**
//! access rights, which these `FILE_ANY_ACCESS` query ioctls accept.
#![allow(unsafe_code)]

use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, GetVolumeNameForVolumeMountPointW, GetVolumePathNameW,
    OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::DeviceIoControl;
use windows_sys::Win32::System::Ioctl::IOCTL_STORAGE_QUERY_PROPERTY;
use windows_sys::Win32::System::SystemInformation::GetSystemWindowsDirectoryW;

use super::{MAX_BUFFER, len_u32};
use crate::hardware::windows::buffer::{to_wide, wide_to_string};
use crate::hardware::windows::storage;
use crate::hardware::{CallTarget, OsError, Why};

/// Opens a device (`\\.\C:`, `\\.\PhysicalDrive0`) with no access rights:
/// enough for `FILE_ANY_ACCESS` query ioctls, and needs no elevation.
fn open_device(path: &str) -> Result<OwnedHandle, Why> {
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
        let on = Some(CallTarget::Open(path.to_owned()));
        return Err(Why::Call { call: "CreateFileW", on, error: Some(OsError::last()) });
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
    if ok == 0 { Err((OsError::last().code.unwrap_or(0), returned)) } else { Ok(returned) }
}

fn wide_call(what: &'static str, call: impl Fn(*mut u16, u32) -> u32) -> Result<String, Why> {
    let failed = || Why::Call { call: what, on: None, error: Some(OsError::last()) };
    let mut buf = vec![0u16; 512];
    let written = call(buf.as_mut_ptr(), len_u32(buf.len())) as usize;
    if written == 0 {
        return Err(failed());
    }
    if written >= buf.len() {
        buf = vec![0u16; written.saturating_add(1).min(MAX_BUFFER)];
        let again = call(buf.as_mut_ptr(), len_u32(buf.len())) as usize;
        if again == 0 || again >= buf.len() {
            return Err(failed());
        }
    }
    Ok(wide_to_string(&buf))
}

/// The device path of the volume holding `%SystemRoot%` (`\\.\C:`).
fn system_volume() -> Result<String, Why> {
    // SAFETY: the buffer pointer and its length in u16 come from one live Vec.
    let windir = wide_call("GetSystemWindowsDirectoryW", |p, n| unsafe { GetSystemWindowsDirectoryW(p, n) })?;
    let windir_w = to_wide(&windir);
    let mut mount = vec![0u16; 1024];
    // SAFETY: `windir_w` is NUL-terminated; `mount` holds `mount.len()` u16.
    let ok = unsafe { GetVolumePathNameW(windir_w.as_ptr(), mount.as_mut_ptr(), len_u32(mount.len())) };
    if ok == 0 {
        let on = Some(CallTarget::Argument(windir));
        return Err(Why::Call { call: "GetVolumePathNameW", on, error: Some(OsError::last()) });
    }
    let mount = wide_to_string(&mount);
    if let Some(path) = storage::volume_device_path(&mount) {
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
        let (call, on) = ("GetVolumeNameForVolumeMountPointW", Some(CallTarget::Argument(mount)));
        return Err(Why::Call { call, on, error: Some(OsError::last()) });
    }
    let name = wide_to_string(&name);
    storage::volume_device_path(&name).ok_or(Why::UnexpectedVolumeName(name))
}

/// The `SystemDrive` component: the serial of the physical drive holding the
/// Windows directory.
pub(crate) fn system_drive() -> Result<crate::hardware::Component, Why> {
    let volume_path = system_volume()?;
    let volume = open_device(&volume_path)?;
    let mut extents = vec![0u8; 8 + 16 * 24];
    let returned = match ioctl(&volume, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, 0, &mut extents) {
        Ok(n) => n,
        Err((code, n)) if code == ERROR_MORE_DATA as i32 => n,
        Err((code, _)) => {
            return Err(Why::Call {
                call: "IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS",
                on: Some(CallTarget::Device(volume_path)),
                error: Some(OsError::from_code(code)),
            });
        }
    };
    drop(volume);
    let disks = storage::parse_disk_extents(&extents, returned)?;
    let disk = disks.first().copied().ok_or(Why::NoPhysicalDisk)?;
    let drive_path = format!("\\\\.\\PhysicalDrive{disk}");
    let drive = open_device(&drive_path)?;

    let mut buf = vec![0u8; 4096];
    let query = storage::property_query(storage::STORAGE_DEVICE_PROPERTY);
    buf[..query.len()].copy_from_slice(&query);
    let returned =
        ioctl(&drive, IOCTL_STORAGE_QUERY_PROPERTY, query.len(), &mut buf).map_err(|(code, _)| {
            Why::Call {
                call: "IOCTL_STORAGE_QUERY_PROPERTY",
                on: Some(CallTarget::Device(drive_path.clone())),
                error: Some(OsError::from_code(code)),
            }
        })?;
    let descriptor = storage::parse_device_descriptor(&buf, returned)?;

    let nvme_serial = if descriptor.bus_type == storage::bus::NVME {
        let mut identify = storage::nvme_identify_query();
        let input_len = identify.len();
        ioctl(&drive, IOCTL_STORAGE_QUERY_PROPERTY, input_len, &mut identify)
            .ok()
            .and_then(|n| storage::nvme_identify_serial(&identify, n))
    } else {
        None
    };
    storage::system_drive_component(&descriptor, nvme_serial)
}
