//! `Mac`: the burnt-in addresses of `en<N>` interfaces. `getifaddrs` lists
//! the interfaces (`AF_LINK` entries, `sockaddr_dl`); each is looked up in
//! the I/O Registry by BSD name for the controller's `IOMACAddress`
//! (preferred over the current, possibly private, address), `IOBuiltin` and
//! a USB ancestor. Flags: `usb`, `removable` (USB or not built in),
//! `virtual_device` from the controller class, `locally_administered` from
//! the address.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use crate::hardware::normalise::{mac_from_octets, mac_is_locally_administered};
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind};

/// Whether a BSD interface name is a physical Ethernet/Wi-Fi port: `en`
/// followed by digits. Everything else is virtual or a duplicate: `lo`,
/// `bridge`, `utun`, `awdl`, `llw`, `anpi`, `ap`, `gif`, `stf`, `vmenet`,
/// `feth`, `ipsec`, `pktap`.
pub(crate) fn interface_is_candidate(name: &str) -> bool {
    name.strip_prefix("en").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One `IOEthernetInterface` as the collector sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EthernetInterface {
    /// `BSD Name` (`en0`).
    pub bsd_name: String,
    /// `IOMACAddress` of the parent controller (the burnt-in address).
    pub mac: Vec<u8>,
    /// `IOBuiltin`.
    pub builtin: bool,
    /// A USB device (`idProduct`) is among the controller's ancestors.
    pub usb: bool,
    /// The controller's IOKit class (`AppleBCM5701Ethernet`, `AppleVirtIONetwork`…).
    pub controller_class: String,
}

/// The `Mac` component of an Ethernet interface, or `None` when it is not a
/// physical port or has no usable address.
pub(crate) fn ethernet_component(interface: &EthernetInterface) -> Option<Component> {
    if !interface_is_candidate(&interface.bsd_name) {
        return None;
    }
    let octets = <[u8; 6]>::try_from(interface.mac.as_slice()).ok()?;
    let mac = mac_from_octets(octets)?;
    let flags = ComponentFlags {
        removable: interface.usb || !interface.builtin,
        usb: interface.usb,
        virtual_device: name_is_virtual(&interface.controller_class),
        locally_administered: mac_is_locally_administered(&mac),
    };
    Some(Component::new(ComponentKind::Mac, mac).with_flags(flags))
}

/// `IFT_ETHER` (net/if_types.h).
pub(crate) const IFT_ETHER: u8 = 0x06;

/// The link-layer address of a Darwin `sockaddr_dl` given as the raw bytes
/// the kernel wrote (`sdl_len` of them): `sdl_len`@0, `sdl_family`@1,
/// `sdl_index`@2, `sdl_type`@4, `sdl_nlen`@5, `sdl_alen`@6, `sdl_slen`@7,
/// `sdl_data`@8 (the name, then the address). Only 6-byte Ethernet addresses
/// are returned; every offset is bounds-checked.
pub(crate) fn link_layer_address(sockaddr: &[u8]) -> Option<[u8; 6]> {
    let declared = usize::from(*sockaddr.first()?);
    let bytes = sockaddr.get(..declared.min(sockaddr.len()))?;
    let (kind, name_len, addr_len) =
        (*bytes.get(4)?, usize::from(*bytes.get(5)?), usize::from(*bytes.get(6)?));
    if kind != IFT_ETHER || addr_len != 6 {
        return None;
    }
    let start = 8 + name_len;
    <[u8; 6]>::try_from(bytes.get(start..start + 6)?).ok()
}

/// The `Mac` components of every candidate interface.
#[cfg(target_os = "macos")]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    let links = super::sys::link_addresses()?;
    let mut seen = std::collections::BTreeMap::new();
    for (name, sockaddr) in links {
        if interface_is_candidate(&name) {
            seen.entry(name).or_insert_with(|| link_layer_address(&sockaddr));
        }
    }
    Ok(seen.into_iter().filter_map(|(name, current)| ethernet(name, current)).collect())
}

/// One interface, with the burnt-in address and flags from the I/O
/// Registry when it has an entry for the BSD name.
#[cfg(target_os = "macos")]
fn ethernet(bsd_name: String, current: Option<[u8; 6]>) -> Option<Component> {
    use super::prop::Prop;

    let mut interface = EthernetInterface {
        bsd_name,
        mac: Vec::new(),
        builtin: true,
        usb: false,
        controller_class: String::new(),
    };
    if let Ok(service) = super::iokit::service_of_bsd_name(&interface.bsd_name) {
        if let Some(Prop::Data(mac)) = service.search_parents("IOMACAddress") {
            interface.mac = mac;
        }
        if let Some(Prop::Bool(builtin)) = service.search_parents("IOBuiltin") {
            interface.builtin = builtin;
        }
        interface.usb = service.search_parents("idProduct").is_some();
        interface.controller_class = service.parent().map(|p| p.class_name()).unwrap_or_default();
    }
    if interface.mac.len() != 6 {
        interface.mac = current?.to_vec();
    }
    ethernet_component(&interface)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, mac: [u8; 6], builtin: bool, usb: bool, class: &str) -> EthernetInterface {
        EthernetInterface {
            bsd_name: name.to_owned(),
            mac: mac.to_vec(),
            builtin,
            usb,
            controller_class: class.to_owned(),
        }
    }

    #[test]
    fn ethernet_interfaces() {
        // IOEthernetInterface entries of a MacBook Pro with a USB Ethernet adapter.
        let interfaces = [
            iface("en0", [0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33], true, false, "AppleBCMWLANCore"),
            iface("en1", [0x82, 0x2a, 0xb1, 0x00, 0x10, 0x01], true, false, "IOThunderboltEthernetInterface"),
            iface("en7", [0x00, 0xe0, 0x4c, 0x68, 0x01, 0x02], false, true, "AppleUserECM"),
            iface("awdl0", [0xde, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e], true, false, "IO80211AWDLPeerManager"),
            iface("llw0", [0xde, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e], true, false, "IO80211LowLatency"),
            iface("anpi0", [0x6e, 0x7e, 0x67, 0x01, 0x02, 0x03], true, false, "AppleANPI"),
            iface("ap1", [0xa6, 0x83, 0xe7, 0x11, 0x22, 0x33], true, false, "AppleBCMWLANCore"),
            iface("bridge0", [0x36, 0x1c, 0x2d, 0x01, 0x02, 0x03], true, false, ""),
        ];
        let macs: Vec<Component> = interfaces.iter().filter_map(ethernet_component).collect();
        let values: Vec<&str> = macs.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["a4:83:e7:11:22:33", "82:2a:b1:00:10:01", "00:e0:4c:68:01:02"]);
        assert!(macs[1].flags.locally_administered);
        assert!(macs[2].flags.usb && macs[2].flags.removable);
        assert!(!macs[0].flags.removable);
        let vm = iface("en0", [0x00, 0x0c, 0x29, 0x01, 0x02, 0x03], true, false, "AppleVmxnet3Ethernet");
        assert!(ethernet_component(&vm).expect("vm NIC").flags.virtual_device);
        let short = EthernetInterface { mac: vec![1, 2, 3], ..iface("en0", [0; 6], true, false, "") };
        assert_eq!(ethernet_component(&short), None);
    }

    #[test]
    fn interface_names() {
        for good in ["en0", "en1", "en12"] {
            assert!(interface_is_candidate(good), "{good}");
        }
        for bad in [
            "en", "enx", "lo0", "bridge0", "utun3", "awdl0", "llw0", "anpi1", "ap1", "gif0", "stf0",
            "vmenet0",
        ] {
            assert!(!interface_is_candidate(bad), "{bad}");
        }
    }

    #[test]
    fn sockaddr_dl_link_addresses() {
        // getifaddrs AF_LINK entry for en0: sdl_len 20, AF_LINK 18, index 6,
        // IFT_ETHER, nlen 3 ("en0"), alen 6, slen 0.
        let mut sdl = vec![20u8, 18, 6, 0, IFT_ETHER, 3, 6, 0];
        sdl.extend_from_slice(b"en0");
        sdl.extend_from_slice(&[0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33]);
        sdl.extend_from_slice(&[0, 0, 0]);
        assert_eq!(link_layer_address(&sdl), Some([0xa4, 0x83, 0xe7, 0x11, 0x22, 0x33]));
        // utun: no link-layer address.
        let utun = [12u8, 18, 14, 0, 0xff, 5, 0, 0, b'u', b't', b'u', b'n'];
        assert_eq!(link_layer_address(&utun), None);
        // A declared length shorter than the address hides it.
        sdl[0] = 12;
        assert_eq!(link_layer_address(&sdl), None);
        // Hostile name length.
        let mut bad = vec![20u8, 18, 6, 0, IFT_ETHER, 250, 6, 0];
        bad.resize(20, 0);
        assert_eq!(link_layer_address(&bad), None);
        assert_eq!(link_layer_address(&[]), None);
        for cut in 0..sdl.len() {
            let _ = link_layer_address(&sdl[..cut]);
        }
    }
}
