//! The Win32 calls of the Windows collector, each wrapped in a safe function
//! that copies what it needs out of OS memory and hands it to the parser of
//! its kind (`net.rs`, `pci.rs`, `cdrom.rs`, `storage.rs`, `cpu.rs`).
//!
//! This module owns what every call shares (the buffer and enumeration caps,
//! the error of the last call); the calls themselves live by API family:
//! `storage` (volumes, physical drives, `DeviceIoControl`), `setupapi`
//! (device nodes), `net` (`GetIfTable2`) and `system` (memory, processor
//! architecture, registry). Every API is documented and usable without
//! elevation; handles and OS allocations are owned by RAII guards
//! (`OwnedHandle`, `DevInfoList`, `MibTable`) so they are released on every
//! path.

use std::io;

mod net;
mod setupapi;
mod storage;
mod system;

pub(crate) use net::adapters;
pub(crate) use setupapi::devices;
pub(crate) use storage::system_drive;
pub(crate) use system::{arm64_midrs, native_arm64, registry_value_exists, total_memory};

/// Upper bound on any buffer the OS asks us to grow to.
pub(super) const MAX_BUFFER: usize = 1 << 20;
/// Upper bound on enumerations (device nodes, registry keys).
pub(super) const MAX_ITEMS: u32 = 1 << 16;

pub(super) fn last_error() -> io::Error {
    io::Error::last_os_error()
}

pub(super) fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
