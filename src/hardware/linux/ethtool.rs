//! The permanent hardware address of a network interface, asked of the kernel.
//!
//! This module owns the one `ioctl` of the Linux collector: `SIOCETHTOOL`
//! with `ETHTOOL_GPERMADDR` (`include/uapi/linux/ethtool.h`), which returns
//! the address the adapter was born with even when its current address was
//! randomized (Wi-Fi privacy), set by a user or taken over by a bond. It is a
//! "get" command that the kernel allows without `CAP_NET_ADMIN`. Adapters
//! whose driver never recorded a permanent address report all zeros, which
//! the caller rejects, falling back to the sysfs rule.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `ETHTOOL_GPERMADDR`: get the permanent hardware address.
const ETHTOOL_GPERMADDR: u32 = 0x20;
/// `MAX_ADDR_LEN` of `include/linux/netdevice.h`: the longest hardware address.
const MAX_ADDR_LEN: usize = 32;
/// Length of an Ethernet address.
const ETH_ALEN: u32 = 6;

/// `struct ethtool_perm_addr` followed by room for the longest address: the
/// kernel writes back `size` (the address length) and then the address.
#[repr(C)]
struct PermAddrRequest {
    cmd: u32,
    size: u32,
    data: [u8; MAX_ADDR_LEN],
}

/// A datagram socket to send ethtool requests through.
#[derive(Debug)]
pub(super) struct PermanentAddresses {
    socket: OwnedFd,
}

impl PermanentAddresses {
    /// Opens the socket; `None` when sockets are not allowed (a sandbox).
    pub(super) fn open() -> Option<Self> {
        // SAFETY: socket(2) takes no pointers; the result is checked before use.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` was just returned by socket(2), is valid and is owned by
        // nothing else, so `OwnedFd` may take it over and close it on drop.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        Some(PermanentAddresses { socket })
    }

    /// The permanent Ethernet address of `interface`, when the kernel knows
    /// one (it may be all zeros: the caller validates it).
    pub(super) fn of(&self, interface: &str) -> Option<[u8; 6]> {
        let name = interface.as_bytes();
        if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
            return None;
        }
        let mut request =
            PermAddrRequest { cmd: ETHTOOL_GPERMADDR, size: MAX_ADDR_LEN as u32, data: [0; MAX_ADDR_LEN] };
        let mut ifr_name = [0 as libc::c_char; libc::IFNAMSIZ];
        for (slot, byte) in ifr_name.iter_mut().zip(name) {
            *slot = *byte as libc::c_char;
        }
        let mut ifr = libc::ifreq {
            ifr_name,
            ifr_ifru: libc::__c_anonymous_ifr_ifru { ifru_data: (&raw mut request).cast() },
        };
        // SAFETY: `ifr` is a valid `struct ifreq` with a NUL-terminated name
        // (at most IFNAMSIZ - 1 bytes were copied into a zeroed array) whose
        // `ifr_data` points at `request`, a live `struct ethtool_perm_addr`
        // with `size` = MAX_ADDR_LEN bytes of room after its header, so the
        // kernel writes only inside it. Both outlive the call, and the fd is
        // owned by `self`.
        let rc = unsafe { libc::ioctl(self.socket.as_raw_fd(), libc::SIOCETHTOOL as _, &raw mut ifr) };
        if rc < 0 || request.size != ETH_ALEN {
            return None;
        }
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&request.data[..6]);
        Some(mac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_unknown_interfaces_have_no_permanent_address() {
        let Some(probe) = PermanentAddresses::open() else {
            return; // sockets are not allowed here; nothing to check
        };
        // Loopback never had a permanent address: the kernel answers zeros.
        assert!(probe.of("lo").is_none_or(|mac| mac == [0; 6]));
        assert_eq!(probe.of("nodelock-none0"), None);
        assert_eq!(probe.of(""), None);
        assert_eq!(probe.of("a-name-longer-than-ifnamsiz"), None);
        assert_eq!(probe.of("bad\0name"), None);
    }

    #[test]
    fn request_layout_matches_the_kernel() {
        assert_eq!(std::mem::size_of::<PermAddrRequest>(), 8 + MAX_ADDR_LEN);
        assert_eq!(std::mem::offset_of!(PermAddrRequest, data), 8);
    }
}
