//! `Mac`: permanent addresses of physical network adapters, from
//! `GetIfTable2`'s `MIB_IF_ROW2` records.
//!
//! Rows of type `IF_TYPE_ETHERNET_CSMACD`/`IF_TYPE_IEEE80211` with the
//! `HardwareInterface` flag and neither `FilterInterface` nor
//! `EndPointInterface` are adapters; software adapters that claim to be
//! hardware are dropped by description. Flags: `usb` and `removable` for a
//! USB adapter, `virtual_device` for a hypervisor's NIC,
//! `locally_administered` from the address.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::hardware::normalise::{mac_from_octets, mac_is_locally_administered};
use crate::hardware::vm_ids::name_is_virtual;
use crate::hardware::{Component, ComponentFlags, ComponentKind};

/// `IF_TYPE_ETHERNET_CSMACD` (ipifcons.h).
pub(crate) const IF_TYPE_ETHERNET_CSMACD: u32 = 6;
/// `IF_TYPE_IEEE80211` (ipifcons.h).
pub(crate) const IF_TYPE_IEEE80211: u32 = 71;

/// Bits of `MIB_IF_ROW2::InterfaceAndOperStatusFlags` (netioapi.h).
pub(crate) mod if_flags {
    /// `HardwareInterface`: the interface is for a hardware device.
    pub(crate) const HARDWARE_INTERFACE: u8 = 1 << 0;
    /// `FilterInterface`: an NDIS filter module's interface (duplicates its miniport).
    pub(crate) const FILTER_INTERFACE: u8 = 1 << 1;
    /// `EndPointInterface`: a tethered endpoint (a phone), not a host NIC.
    pub(crate) const END_POINT_INTERFACE: u8 = 1 << 7;
}

/// The fields of one `MIB_IF_ROW2` that decide whether it is a physical
/// adapter, copied out of the OS table (or filled from recorded values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AdapterRecord {
    /// `Description` (the device's description, e.g. "Intel(R) Ethernet Connection I219-V").
    pub description: String,
    /// `Type` (`IF_TYPE_*`).
    pub if_type: u32,
    /// `PhysicalAddress[..PhysicalAddressLength]`: the current address.
    pub current_address: Vec<u8>,
    /// `PermanentPhysicalAddress[..PhysicalAddressLength]`: the burnt-in address.
    pub permanent_address: Vec<u8>,
    /// `InterfaceAndOperStatusFlags` (see [`if_flags`]).
    pub flags: u8,
    /// The adapter's device node hangs off USB (from SetupAPI's enumerator name).
    pub usb: bool,
}

/// Substrings of adapter descriptions that mark software adapters even when
/// their driver claims to be hardware (host-side virtual switches, VPNs,
/// tunnels, teaming, Wi-Fi Direct, Bluetooth PAN, debuggers).
const SOFTWARE_ADAPTERS: [&str; 22] = [
    "virtual ethernet adapter",
    "hyper-v virtual",
    "virtualbox host-only",
    "host-only",
    "tap-windows",
    "tap-win32",
    "wintun",
    "wireguard",
    "vpn",
    "wi-fi direct virtual",
    "hosted network virtual",
    "wan miniport",
    "teredo",
    "isatap",
    "6to4",
    "loopback",
    "kernel debug",
    "bluetooth",
    "npcap",
    "multiplexor",
    "zerotier",
    "tailscale",
];

fn six_octets(bytes: &[u8]) -> Option<[u8; 6]> {
    <[u8; 6]>::try_from(bytes).ok()
}

/// The `Mac` component of one adapter row, or `None` when the row is not a
/// physical Ethernet/Wi-Fi adapter (tunnel, loopback, filter, software or
/// virtual-switch adapter) or has no usable address.
///
/// The *permanent* address is used; the current one only when the driver
/// reports no permanent address (all zeros), so Windows' per-network random
/// Wi-Fi addresses and user-set "Network Address" overrides do not leak in.
pub(crate) fn adapter_component(record: &AdapterRecord) -> Option<Component> {
    if record.if_type != IF_TYPE_ETHERNET_CSMACD && record.if_type != IF_TYPE_IEEE80211 {
        return None;
    }
    if record.flags & if_flags::HARDWARE_INTERFACE == 0
        || record.flags & (if_flags::FILTER_INTERFACE | if_flags::END_POINT_INTERFACE) != 0
    {
        return None;
    }
    let description = record.description.to_ascii_lowercase();
    if SOFTWARE_ADAPTERS.iter().any(|m| description.contains(m)) {
        return None;
    }
    let permanent = six_octets(&record.permanent_address);
    let octets = match permanent {
        Some(p) if p != [0; 6] => p,
        _ => six_octets(&record.current_address)?,
    };
    let mac = mac_from_octets(octets)?;
    let usb = record.usb || description.contains("usb");
    let flags = ComponentFlags {
        removable: usb,
        usb,
        virtual_device: name_is_virtual(&record.description),
        locally_administered: mac_is_locally_administered(&mac),
    };
    Some(Component::new(ComponentKind::Mac, mac).with_flags(flags))
}

/// The `Mac` components of every physical adapter of `GetIfTable2`, with
/// USB adapters flagged from the `Net` setup class.
#[cfg(windows)]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    use windows_sys::Win32::Devices::DeviceAndDriverInstallation::GUID_DEVCLASS_NET;

    let mut rows = super::sys::adapters()?;
    // USB adapters: the Net-class device with the same description hangs
    // off the USB enumerator. Failing to tell is not fatal.
    let net = super::sys::devices(Some(&GUID_DEVCLASS_NET), None).unwrap_or_default();
    for row in &mut rows {
        row.usb = net.iter().any(|d| {
            let same = |name: &Option<String>| {
                name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&row.description))
            };
            (same(&d.friendly_name) || same(&d.description))
                && d.enumerator.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("USB"))
        });
    }
    Ok(rows.iter().filter_map(adapter_component).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(
        description: &str,
        if_type: u32,
        permanent: [u8; 6],
        current: [u8; 6],
        flags: u8,
    ) -> AdapterRecord {
        AdapterRecord {
            description: description.to_owned(),
            if_type,
            current_address: current.to_vec(),
            permanent_address: permanent.to_vec(),
            flags,
            usb: false,
        }
    }

    const HW: u8 = if_flags::HARDWARE_INTERFACE;
    const ETH: u32 = IF_TYPE_ETHERNET_CSMACD;
    const WIFI: u32 = IF_TYPE_IEEE80211;

    /// `GetIfTable2` rows recorded on a Windows 11 laptop with a Hyper-V
    /// virtual switch, a VPN, a USB Ethernet dongle and Wi-Fi with random
    /// hardware addresses turned on.
    fn laptop_rows() -> Vec<AdapterRecord> {
        let intel = [0x3c, 0x52, 0x82, 0x1a, 0x2b, 0x3c];
        let wifi = [0x70, 0x9c, 0xd1, 0x44, 0x55, 0x66];
        let dongle = [0x00, 0xe0, 0x4c, 0x68, 0x01, 0x02];
        let mut usb = adapter("Realtek USB GbE Family Controller", ETH, dongle, dongle, HW);
        usb.usb = true;
        vec![
            adapter("Intel(R) Ethernet Connection (7) I219-V", ETH, intel, intel, HW),
            // Disconnected and disabled adapters are still rows; the permanent
            // address wins over the per-network random address.
            adapter("Intel(R) Wi-Fi 6 AX201 160MHz", WIFI, wifi, [0x5a, 0x11, 0x22, 0x33, 0x44, 0x55], HW),
            usb,
            // The filter modules bound to the Wi-Fi adapter repeat its address.
            adapter(
                "Intel(R) Wi-Fi 6 AX201 160MHz-WFP Native MAC Layer LightWeight Filter-0000",
                WIFI,
                wifi,
                wifi,
                HW | if_flags::FILTER_INTERFACE,
            ),
            adapter(
                "Microsoft Wi-Fi Direct Virtual Adapter #2",
                WIFI,
                [0x72, 0x9c, 0xd1, 0x44, 0x55, 0x66],
                [0; 6],
                HW,
            ),
            adapter(
                "Hyper-V Virtual Ethernet Adapter",
                ETH,
                [0x00, 0x15, 0x5d, 0x01, 0x02, 0x03],
                [0; 6],
                HW,
            ),
            adapter("TAP-Windows Adapter V9", ETH, [0x00, 0xff, 0x12, 0x34, 0x56, 0x78], [0; 6], 0),
            adapter("WireGuard Tunnel", 53, [0; 6], [0; 6], 0),
            adapter("Software Loopback Interface 1", 24, [0; 6], [0; 6], 0),
            adapter("Microsoft Teredo Tunneling Adapter", 131, [0; 6], [0; 6], 0),
            adapter(
                "Bluetooth Device (Personal Area Network)",
                ETH,
                [0x70, 0x9c, 0xd1, 0x44, 0x55, 0x6a],
                [0; 6],
                HW,
            ),
            adapter(
                "Remote NDIS based Internet Sharing Device",
                ETH,
                [0x02, 0x11, 0x22, 0x33, 0x44, 0x55],
                [0; 6],
                HW | if_flags::END_POINT_INTERFACE,
            ),
        ]
    }

    #[test]
    fn only_physical_adapters_yield_macs() {
        let macs: Vec<Component> = laptop_rows().iter().filter_map(adapter_component).collect();
        let values: Vec<&str> = macs.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["3c:52:82:1a:2b:3c", "70:9c:d1:44:55:66", "00:e0:4c:68:01:02"]);
        assert!(macs[2].flags.usb && macs[2].flags.removable);
        assert!(!macs[0].flags.usb && !macs[0].flags.virtual_device);
    }

    #[test]
    fn vm_guest_nics_are_kept_and_flagged() {
        let hv = adapter(
            "Microsoft Hyper-V Network Adapter",
            ETH,
            [0x00, 0x15, 0x5d, 0x0a, 0x0b, 0x0c],
            [0; 6],
            HW,
        );
        let got = adapter_component(&hv).expect("guest NIC");
        assert_eq!(got.value, "00:15:5d:0a:0b:0c");
        assert!(got.flags.virtual_device);
        let virtio =
            adapter("Red Hat VirtIO Ethernet Adapter", ETH, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], [0; 6], HW);
        let got = adapter_component(&virtio).expect("virtio NIC");
        // QEMU's 52:54:00 prefix is locally administered.
        assert!(got.flags.virtual_device && got.flags.locally_administered);
        // A cloud NIC whose permanent address is locally administered.
        let gce =
            adapter("Google VirtIO Ethernet Adapter", ETH, [0x42, 0x01, 0x0a, 0x80, 0x00, 0x02], [0; 6], HW);
        assert!(adapter_component(&gce).expect("cloud NIC").flags.locally_administered);
    }

    #[test]
    fn missing_permanent_address_falls_back_to_current() {
        let row = adapter("Some NIC", ETH, [0; 6], [0x3c, 0x52, 0x82, 0x1a, 0x2b, 0x3d], HW);
        assert_eq!(adapter_component(&row).map(|c| c.value).as_deref(), Some("3c:52:82:1a:2b:3d"));
        let mut odd = adapter("Odd NIC", ETH, [0; 6], [0; 6], HW);
        odd.permanent_address = vec![0x3c, 0x52, 0x82];
        odd.current_address = vec![1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(adapter_component(&odd), None);
    }
}
