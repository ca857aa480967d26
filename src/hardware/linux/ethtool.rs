//! What the kernel says of a network interface through a socket: its
//! permanent hardware address and its link type.
//!
//! This module owns the Linux collector's two `ioctl`s. `SIOCETHTOOL` with
//! `ETHTOOL_GPERMADDR` (`include/uapi/linux/ethtool.h`) returns
//! the address the adapter was born with even when its current address was
//! randomized (Wi-Fi privacy), set by a user or taken over by a bond. It is a
//! "get" command that the kernel allows without `CAP_NET_ADMIN`. Adapters
//! whose driver never recorded a permanent address report all zeros, which
//! the caller rejects, falling back to the sysfs rule. `SIOCGIFHWADDR`
//! returns the interface's `dev->type` (`ARPHRD_*`) in the address family
//! of its answer: the value the sysfs `type` attribute shows, in one system
//! call instead of the three of a sysfs read (the costliest part of a
//! physical adapter's collection on the live system). Neither needs a
//! capability.
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

/// A datagram socket to send interface requests through.
#[derive(Debug)]
pub(super) struct InterfaceSocket {
    socket: OwnedFd,
}

impl InterfaceSocket {
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
        Some(InterfaceSocket { socket })
    }

    /// The permanent Ethernet address of `interface`, when the kernel knows
    /// one (it may be all zeros: the caller validates it).
    pub(super) fn permanent(&self, interface: &str) -> Option<[u8; 6]> {
        let ifr_name = ifr_name(interface)?;
        let mut request =
            PermAddrRequest { cmd: ETHTOOL_GPERMADDR, size: MAX_ADDR_LEN as u32, data: [0; MAX_ADDR_LEN] };
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

    /// The link type (`ARPHRD_*`, what sysfs shows as `type`) of `interface`,
    /// when the kernel answers `SIOCGIFHWADDR` for it (it does not for an
    /// interface of another network namespace than this process's).
    pub(super) fn link_type(&self, interface: &str) -> Option<u16> {
        let ifr_name = ifr_name(interface)?;
        // An all-zero `struct sockaddr` is a valid value for the kernel to overwrite.
        let empty = libc::sockaddr { sa_family: 0, sa_data: [0; 14] };
        let mut ifr = libc::ifreq { ifr_name, ifr_ifru: libc::__c_anonymous_ifr_ifru { ifru_hwaddr: empty } };
        // SAFETY: `ifr` is a valid `struct ifreq` with a NUL-terminated name;
        // SIOCGIFHWADDR writes only its `ifr_hwaddr` member, a `struct
        // sockaddr` inside it (at most 14 address bytes, the rest truncated by
        // the kernel). `ifr` outlives the call and the fd is owned by `self`.
        let rc = unsafe { libc::ioctl(self.socket.as_raw_fd(), libc::SIOCGIFHWADDR as _, &raw mut ifr) };
        if rc < 0 {
            return None;
        }
        // SAFETY: the kernel filled `ifru_hwaddr` (the member the request
        // names); every bit pattern is a valid `sockaddr`.
        Some(unsafe { ifr.ifr_ifru.ifru_hwaddr }.sa_family)
    }
}

/// `interface` as the NUL-terminated `ifr_name` of a `struct ifreq`; `None`
/// for a name the kernel could not hold (empty, `IFNAMSIZ` or longer, or
/// with a NUL).
fn ifr_name(interface: &str) -> Option<[libc::c_char; libc::IFNAMSIZ]> {
    let name = interface.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return None;
    }
    let mut ifr_name = [0 as libc::c_char; libc::IFNAMSIZ];
    for (slot, byte) in ifr_name.iter_mut().zip(name) {
        *slot = *byte as libc::c_char;
    }
    Some(ifr_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_unknown_interfaces_have_no_permanent_address() {
        let Some(probe) = InterfaceSocket::open() else {
            return; // sockets are not allowed here; nothing to check
        };
        // Loopback never had a permanent address: the kernel answers zeros.
        assert!(probe.permanent("lo").is_none_or(|mac| mac == [0; 6]));
        assert_eq!(probe.permanent("nodelock-none0"), None);
        assert_eq!(probe.permanent(""), None);
        assert_eq!(probe.permanent("a-name-longer-than-ifnamsiz"), None);
        assert_eq!(probe.permanent("bad\0name"), None);
    }

    #[test]
    fn link_types_agree_with_sysfs() {
        let Some(probe) = InterfaceSocket::open() else {
            return; // sockets are not allowed here; nothing to check
        };
        assert_eq!(probe.link_type("nodelock-none0"), None);
        assert_eq!(probe.link_type(""), None);
        assert_eq!(probe.link_type("a-name-longer-than-ifnamsiz"), None);
        // Every interface this process sees: the ioctl's type is the sysfs `type`.
        let mut compared = 0;
        for entry in std::fs::read_dir("/sys/class/net").into_iter().flatten().flatten() {
            let name = entry.file_name().into_string().expect("interface names are UTF-8");
            let Ok(text) = std::fs::read_to_string(entry.path().join("type")) else { continue };
            let Some(kernel) = probe.link_type(&name) else { continue }; // another namespace's
            assert_eq!(u64::from(kernel), text.trim().parse::<u64>().expect("a number"), "{name}");
            compared += 1;
        }
        // Loopback is in every network namespace this test can run in.
        assert!(compared > 0 || !std::path::Path::new("/sys/class/net/lo").exists());
    }

    #[test]
    fn request_layout_matches_the_kernel() {
        assert_eq!(std::mem::size_of::<PermAddrRequest>(), 8 + MAX_ADDR_LEN);
        assert_eq!(std::mem::offset_of!(PermAddrRequest, data), 8);
    }
}
