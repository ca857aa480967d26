//! The BSD-layer calls of the macOS collector: `sysctlbyname` (`hw.memsize`,
//! `hw.cpufamily`, `hw.cpusubfamily`, `kern.hv_vmm_present`,
//! `sysctl.proc_translated`), `statfs("/")` (the boot device) and
//! `getifaddrs`/`freeifaddrs` (`AF_LINK` addresses, the fallback when IOKit
//! cannot list Ethernet interfaces). Results are copied out and parsed in
//! the parser of its kind; the `getifaddrs` list is freed by an RAII guard.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};

use crate::hardware::{CallTarget, OsError, Why};

/// The raw value of a sysctl (at most 8 bytes: every one read here is an
/// integer), or `None` when it does not exist on this macOS.
pub(crate) fn sysctl_bytes(name: &str) -> Option<Vec<u8>> {
    let c = CString::new(name).ok()?;
    let mut buf = [0u8; 8];
    let mut len: libc::size_t = buf.len();
    // SAFETY: `c` is NUL-terminated; `buf` holds `len` bytes and `len` is a
    // valid in/out pointer; no new value is written (null, 0).
    let rc =
        unsafe { libc::sysctlbyname(c.as_ptr(), buf.as_mut_ptr().cast(), &mut len, std::ptr::null_mut(), 0) };
    (rc == 0).then(|| buf[..len.min(buf.len())].to_vec())
}

/// An unsigned integer sysctl, or `None` when it does not exist (or is not
/// a 4- or 8-byte integer).
pub(crate) fn sysctl_u64(name: &str) -> Option<u64> {
    sysctl_bytes(name).and_then(|b| super::prop::sysctl_uint(&b))
}

/// `f_mntfromname` of the file system mounted at `/` (`/dev/disk3s1s1`).
pub(crate) fn root_mount_source() -> Result<String, Why> {
    // SAFETY: `statfs` is plain old data; all-zero is a valid value.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: the path is a NUL-terminated constant and `fs` a valid out pointer.
    let rc = unsafe { libc::statfs(c"/".as_ptr(), &mut fs) };
    if rc != 0 {
        let on = Some(CallTarget::Argument("/".to_owned()));
        return Err(Why::Call { call: "statfs", on, error: Some(OsError::last()) });
    }
    let bytes: Vec<u8> = fs.f_mntfromname.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A `getifaddrs` list, freed on drop.
struct IfAddrs(*mut libc::ifaddrs);

impl Drop for IfAddrs {
    fn drop(&mut self) {
        // SAFETY: the list came from a successful getifaddrs and is freed
        // exactly once, here.
        unsafe { libc::freeifaddrs(self.0) }
    }
}

/// `(interface name, raw sockaddr_dl bytes)` of every `AF_LINK` address.
pub(crate) fn link_addresses() -> Result<Vec<(String, Vec<u8>)>, Why> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `head` is a valid out pointer; on success it owns a list.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(Why::Call { call: "getifaddrs", on: None, error: Some(OsError::last()) });
    }
    let list = IfAddrs(head);
    let mut out = Vec::new();
    let mut node = list.0;
    for _ in 0..4096 {
        if node.is_null() {
            break;
        }
        // SAFETY: `node` is a live element of the list owned by `list`; its
        // name is a NUL-terminated string and its address, when non-null,
        // a sockaddr whose first byte (`sa_len`) is the number of valid bytes.
        unsafe {
            let entry = &*node;
            let addr = entry.ifa_addr;
            if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_LINK && !entry.ifa_name.is_null() {
                let name = CStr::from_ptr(entry.ifa_name).to_string_lossy().into_owned();
                let len = usize::from((*addr).sa_len);
                let bytes = std::slice::from_raw_parts(addr.cast::<u8>(), len).to_vec();
                out.push((name, bytes));
            }
            node = entry.ifa_next;
        }
    }
    Ok(out)
}
