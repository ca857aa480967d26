//! The network adapter table: `GetIfTable2`/`FreeMibTable` (iphlpapi), every
//! interface row including disabled and disconnected adapters.
#![allow(unsafe_code)]

use std::ptr::null_mut;

use windows_sys::Win32::Foundation::ERROR_SUCCESS;
use windows_sys::Win32::NetworkManagement::IpHelper::{FreeMibTable, GetIfTable2, MIB_IF_TABLE2};

use crate::hardware::windows::buffer::wide_to_string;
use crate::hardware::windows::net::AdapterRecord;
use crate::hardware::{OsError, Why};

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
pub(crate) fn adapters() -> Result<Vec<AdapterRecord>, Why> {
    let mut table: *mut MIB_IF_TABLE2 = null_mut();
    // SAFETY: `table` is a valid out pointer; on success it owns an OS table.
    let status = unsafe { GetIfTable2(&mut table) };
    if status != ERROR_SUCCESS || table.is_null() {
        let error = Some(OsError::from_code(status as i32));
        return Err(Why::Call { call: "GetIfTable2", on: None, error });
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
