//! The portable fallback collector, for platforms without a dedicated one
//! (FreeBSD, NetBSD, OpenBSD, illumos, …).
//!
//! | kind | source |
//! |---|---|
//! | `Mac` | `mac_address::MacAddressIterator` (getifaddrs `AF_LINK`), each address kept when `mac_address::name_by_mac_address` names a physical port (see [`interface_is_candidate`]); USB Ethernet drivers (`ue`, `ure`, `axe`, `cdce`, …) are flagged. |
//! | `Cpu` | x86/x86-64: CPUID (`cpuid::cpu_value`), the same value as on every other OS. Elsewhere: `sysinfo` CPU vendor and brand (`RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing())`), one value per distinct vendor/brand; only comparable on the same platform. |
//! | `Memory` | `sysinfo` total memory (`MemoryRefreshKind::nothing().with_ram()`) → [`memory_value`](crate::hardware::memory_value). |
//! | `SystemDrive`, `CdRom`, `Video`, `Ide`, `Scsi` | unreadable: "not supported on this platform". |
//!
//! Environment: a virtual machine when CPUID reports a hypervisor; on
//! FreeBSD a container when `security.jail.jailed` is 1; bare metal
//! otherwise. Never calls `System::new_all()`: only memory and the CPU list
//! are refreshed.

#![cfg_attr(any(target_os = "linux", target_os = "android", windows, target_os = "macos"), allow(dead_code))]

use crate::hardware::normalise::text_value;

/// Interface name prefixes of virtual, tunnel, bridge and aggregate
/// interfaces on the BSDs and illumos (aggregates and VLANs repeat their
/// parent's address).
const VIRTUAL_PREFIXES: [&str; 30] = [
    "lo", "bridge", "tap", "tun", "gif", "gre", "stf", "pflog", "pfsync", "enc", "epair", "vlan", "lagg",
    "trunk", "aggr", "wg", "ovpn", "ipsec", "carp", "vxlan", "ng", "usbus", "faith", "me", "vmnet", "veth",
    "vnic", "etherip", "pppoe", "ppp",
];

/// Driver names of USB Ethernet adapters on the BSDs.
const USB_PREFIXES: [&str; 15] = [
    "ue", "ure", "axe", "axen", "axge", "cdce", "cue", "kue", "mos", "udav", "upl", "url", "urndis", "smsc",
    "mue",
];

/// Splits `em0` into `("em", "0")`.
fn driver_and_unit(name: &str) -> (&str, &str) {
    let split = name.find(|c: char| c.is_ascii_digit()).unwrap_or(name.len());
    name.split_at(split)
}

/// Whether an interface name is a physical Ethernet/Wi-Fi port: a driver
/// name followed by a unit number (`em0`, `igb1`, `re0`, `vtnet0`, `wlan0`),
/// not a virtual/tunnel/bridge/aggregate driver, not a VLAN (`em0.100`).
pub fn interface_is_candidate(name: &str) -> bool {
    let (driver, unit) = driver_and_unit(name);
    !driver.is_empty()
        && !unit.is_empty()
        && unit.bytes().all(|b| b.is_ascii_digit())
        && !VIRTUAL_PREFIXES.contains(&driver)
}

/// Whether an interface name belongs to a USB Ethernet driver.
pub fn interface_is_usb(name: &str) -> bool {
    USB_PREFIXES.contains(&driver_and_unit(name).0)
}

/// The fallback `Cpu` value off x86: vendor and brand as `sysinfo` reports
/// them, trimmed and single-spaced.
pub fn cpu_text_value(vendor: &str, brand: &str) -> Option<String> {
    text_value(&format!("{vendor} {brand}"))
}

#[cfg(not(any(target_os = "linux", target_os = "android", windows, target_os = "macos")))]
pub use collector::FallbackCollector;

#[cfg(not(any(target_os = "linux", target_os = "android", windows, target_os = "macos")))]
mod collector {
    use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

    use super::{cpu_text_value, interface_is_candidate, interface_is_usb};
    use crate::hardware::normalise::{mac_from_octets, mac_is_locally_administered};
    use crate::hardware::{
        Collector, Component, ComponentFlags, ComponentKind, Environment, ForeignError, Inventory, Why,
        cpuid, memory_value,
    };

    /// Reads what `sysinfo` and `mac_address` can tell on any platform (see
    /// the [module docs](super)).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct FallbackCollector {
        _private: (),
    }

    impl FallbackCollector {
        /// The collector for the running system.
        pub fn new() -> Self {
            FallbackCollector { _private: () }
        }
    }

    impl Collector for FallbackCollector {
        fn collect(&self) -> Inventory {
            let mut inventory = Inventory::new(environment());
            inventory.record(ComponentKind::Mac, macs());
            let x86_cpu = cpuid::cpu_value();
            let refresh = if x86_cpu.is_some() {
                RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram())
            } else {
                RefreshKind::nothing()
                    .with_memory(MemoryRefreshKind::nothing().with_ram())
                    .with_cpu(CpuRefreshKind::nothing())
            };
            match System::new_with_specifics(refresh) {
                Ok(system) => {
                    inventory.record(ComponentKind::Cpu, cpus(x86_cpu, &system));
                    inventory.record(ComponentKind::Memory, memory(&system));
                }
                Err(e) => {
                    let error = ForeignError::new(e);
                    let reason =
                        Why::Library { library: "sysinfo", task: "sysinfo cannot read this system", error };
                    match x86_cpu {
                        Some(v) => inventory.push(Component::new(ComponentKind::Cpu, v)),
                        None => inventory.unreadable(ComponentKind::Cpu, reason.clone()),
                    }
                    inventory.unreadable(ComponentKind::Memory, reason);
                }
            }
            for kind in [
                ComponentKind::SystemDrive,
                ComponentKind::CdRom,
                ComponentKind::Video,
                ComponentKind::Ide,
                ComponentKind::Scsi,
            ] {
                inventory.unreadable(kind, Why::Unsupported);
            }
            inventory.finish()
        }
    }

    fn environment() -> Environment {
        if jailed() {
            Environment::Container
        } else if cpuid::hypervisor_present() {
            Environment::VirtualMachine
        } else {
            Environment::BareMetal
        }
    }

    /// FreeBSD: `security.jail.jailed` is 1 inside a jail.
    #[cfg(target_os = "freebsd")]
    #[allow(unsafe_code)]
    fn jailed() -> bool {
        let mut value: libc::c_int = 0;
        let mut len: libc::size_t = size_of::<libc::c_int>();
        // SAFETY: the name is a NUL-terminated constant; `value` is a valid
        // c_int buffer of `len` bytes and `len` a valid in/out pointer; no
        // new value is written (null, 0).
        let rc = unsafe {
            libc::sysctlbyname(
                c"security.jail.jailed".as_ptr(),
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
                std::ptr::null(),
                0,
            )
        };
        rc == 0 && value == 1
    }

    #[cfg(not(target_os = "freebsd"))]
    fn jailed() -> bool {
        false
    }

    fn macs() -> Result<Vec<Component>, Why> {
        let addresses = mac_address::MacAddressIterator::new().map_err(|e| Why::Library {
            library: "mac_address",
            task: "cannot list network interfaces",
            error: ForeignError::new(e),
        })?;
        Ok(addresses
            .filter_map(|address| {
                let name = mac_address::name_by_mac_address(&address).ok().flatten()?;
                if !interface_is_candidate(&name) {
                    return None;
                }
                let mac = mac_from_octets(address.bytes())?;
                let usb = interface_is_usb(&name);
                let flags = ComponentFlags {
                    removable: usb,
                    usb,
                    virtual_device: name.starts_with("vtnet")
                        || name.starts_with("xn")
                        || name.starts_with("hn"),
                    locally_administered: mac_is_locally_administered(&mac),
                };
                Some(Component::new(ComponentKind::Mac, mac).with_flags(flags))
            })
            .collect())
    }

    fn cpus(x86: Option<String>, system: &System) -> Result<Vec<Component>, Why> {
        if let Some(value) = x86 {
            return Ok(vec![Component::new(ComponentKind::Cpu, value)]);
        }
        let values: Vec<Component> = system
            .cpus()
            .iter()
            .filter_map(|c| cpu_text_value(c.vendor_id(), c.brand()))
            .map(|v| Component::new(ComponentKind::Cpu, v))
            .collect();
        if values.is_empty() { Err(Why::NothingReported("CPU vendor or brand")) } else { Ok(values) }
    }

    fn memory(system: &System) -> Result<Vec<Component>, Why> {
        match system.total_memory() {
            0 => Err(Why::NothingReported("physical memory")),
            bytes => Ok(vec![Component::new(ComponentKind::Memory, memory_value(bytes))]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsd_interface_names() {
        for good in ["em0", "igb1", "re0", "ix0", "vtnet0", "wlan0", "bge0", "ue0", "ure1", "net0"] {
            assert!(interface_is_candidate(good), "{good}");
        }
        for bad in [
            "lo0", "bridge0", "tap1", "tun0", "gif0", "stf0", "pflog0", "pfsync0", "enc0", "epair0a",
            "vlan100", "lagg0", "wg0", "em0.100", "em", "0", "", "usbus0", "vnic1",
        ] {
            assert!(!interface_is_candidate(bad), "{bad}");
        }
        assert!(interface_is_usb("ue0") && interface_is_usb("ure1") && interface_is_usb("axge0"));
        assert!(!interface_is_usb("em0") && !interface_is_usb("uether"));
    }

    #[test]
    fn cpu_text() {
        assert_eq!(cpu_text_value(" ARM ", "Cortex-A72  r0p3").as_deref(), Some("ARM Cortex-A72 r0p3"));
        assert_eq!(cpu_text_value("", "  "), None);
    }
}
