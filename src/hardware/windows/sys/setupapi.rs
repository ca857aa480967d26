//! Device nodes from SetupAPI (`SetupDiGetClassDevsW`,
//! `SetupDiEnumDeviceInfo`, `SetupDiGetDeviceRegistryPropertyW`,
//! `SetupDiDestroyDeviceInfoList`): the present devices of a setup class or
//! an enumerator, with the registry properties the parsers read.
#![allow(unsafe_code)]

use std::ptr::{null, null_mut};

use windows_sys::Win32::Devices::DeviceAndDriverInstallation::{
    DIGCF_ALLCLASSES, DIGCF_PRESENT, HDEVINFO, SETUP_DI_REGISTRY_PROPERTY, SP_DEVINFO_DATA,
    SPDRP_COMPATIBLEIDS, SPDRP_DEVICEDESC, SPDRP_ENUMERATOR_NAME, SPDRP_FRIENDLYNAME, SPDRP_HARDWAREID,
    SetupDiDestroyDeviceInfoList, SetupDiEnumDeviceInfo, SetupDiGetClassDevsW,
    SetupDiGetDeviceRegistryPropertyW,
};
use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, INVALID_HANDLE_VALUE};
use windows_sys::core::GUID;

use super::{MAX_BUFFER, MAX_ITEMS, last_error, len_u32};
use crate::hardware::windows::buffer::{multi_sz, to_wide, wide_to_string};
use crate::hardware::{OsError, Why};

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
pub(crate) fn devices(class: Option<&GUID>, enumerator: Option<&str>) -> Result<Vec<DeviceNode>, Why> {
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
        return Err(Why::Call { call: "SetupDiGetClassDevsW", on: None, error: Some(OsError::last()) });
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
                .map(|w| multi_sz(&w))
                .unwrap_or_default(),
            compatible_ids: device_property(&set, &data, SPDRP_COMPATIBLEIDS)
                .map(|w| multi_sz(&w))
                .unwrap_or_default(),
            friendly_name: text(SPDRP_FRIENDLYNAME),
            description: text(SPDRP_DEVICEDESC),
            enumerator: text(SPDRP_ENUMERATOR_NAME),
        });
    }
    Ok(nodes)
}
