//! Machine-wide facts: usable memory (`GlobalMemoryStatusEx`), the native
//! processor architecture (`IsWow64Process2`) and `HKEY_LOCAL_MACHINE`
//! registry values (`RegGetValueW`), among them the ARM64 MIDR_EL1 values.
#![allow(unsafe_code)]

use std::ptr::null_mut;

use windows_sys::Win32::Foundation::ERROR_SUCCESS;
use windows_sys::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_ANY, RRF_RT_QWORD, RegGetValueW};
use windows_sys::Win32::System::SystemInformation::{
    GlobalMemoryStatusEx, IMAGE_FILE_MACHINE_ARM64, MEMORYSTATUSEX,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, IsWow64Process2};

use super::{MAX_ITEMS, len_u32};
use crate::hardware::windows::buffer::to_wide;
use crate::hardware::windows::cpu::midr_from_registry;
use crate::hardware::{OsError, Why};

/// Usable physical memory in bytes (`GlobalMemoryStatusEx::ullTotalPhys`).
pub(crate) fn total_memory() -> Result<u64, Why> {
    let mut status = MEMORYSTATUSEX { dwLength: len_u32(size_of::<MEMORYSTATUSEX>()), ..Default::default() };
    // SAFETY: `status` is a valid MEMORYSTATUSEX with dwLength set as required.
    if unsafe { GlobalMemoryStatusEx(&mut status) } == 0 {
        return Err(Why::Call { call: "GlobalMemoryStatusEx", on: None, error: Some(OsError::last()) });
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
        .filter_map(|bytes| midr_from_registry(&bytes))
        .collect()
}
