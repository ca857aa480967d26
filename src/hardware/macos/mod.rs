//! The macOS collector: IOKit, sysctl and getifaddrs, no elevation.
//!
//! | kind | source |
//! |---|---|
//! | `Mac` | `getifaddrs` `AF_LINK` entries of `en<N>` interfaces (never `lo`, `bridge`, `utun`, `awdl`, `llw`, `anpi`, `ap`, `gif`, `stf`), each looked up in the I/O Registry by BSD name (`IOBSDNameMatching`) for the controller's burnt-in `IOMACAddress` (preferred over the current, possibly private, address), `IOBuiltin` and a USB ancestor (`idProduct`). |
//! | `Cpu` | x86_64: CPUID (`cpuid::cpu_value`). Apple silicon, and x86_64 code under Rosetta 2 (`sysctl.proc_translated`): `hw.cpufamily` and `hw.cpusubfamily` (Apple does not expose MIDR_EL1 to user space) as `apple <cpufamily, 8 hex digits> <cpusubfamily, hex>`, e.g. `apple 1b588bb3 2`: stable per machine, not comparable with the `arm <MIDR>` another OS reports on the same chip. |
//! | `SystemDrive` | `statfs("/")` → `f_mntfromname` (`/dev/disk3s1s1`) → `IOBSDNameMatching` → nearest ancestor's `Device Characteristics` → `Serial Number` (the `IONVMeController`/`IOAHCIBlockStorageDevice` serial, as Linux reads it; never `IOPlatformSerialNumber`, which identifies the machine, not the drive). `Protocol Characteristics` tells USB/external/virtual. |
//! | `Memory` | `hw.memsize` → [`memory_value`](crate::hardware::memory_value). |
//! | `CdRom` | `IODVDServices`, `IOCompactDiscServices`, `IOBDServices`: `Device Characteristics` → `Vendor Name` + `Product Name`. |
//! | `Video`, `Ide`, `Scsi` | `IOPCIDevice`: `vendor-id`, `device-id`, `class-code` (little-endian `CFData`), classified by class code as on Linux. Apple silicon has no PCI display or storage controller, so these kinds are simply empty there. |
//!
//! Environment: a virtual machine when `kern.hv_vmm_present` is 1 (CPUID's
//! hypervisor bit where that sysctl does not exist); macOS has no containers.
//!
//! The parsing lives in `parse` (compiled and tested on every platform); the
//! FFI in `iokit` and `sys` (macOS only).

pub(crate) mod parse;

#[cfg(target_os = "macos")]
mod iokit;
#[cfg(target_os = "macos")]
mod sys;

#[cfg(target_os = "macos")]
pub use collector::MacosCollector;

#[cfg(target_os = "macos")]
mod collector {
    use std::collections::BTreeMap;

    use super::parse::{self, EthernetInterface, Prop};
    use super::{iokit, sys};
    use crate::hardware::{Collector, Component, ComponentKind, Environment, Inventory, cpuid, memory_value};

    /// Reads this Mac's hardware through IOKit and sysctl (see the
    /// [module docs](super) for the API of each kind).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct MacosCollector {
        _private: (),
    }

    impl MacosCollector {
        /// The collector for the running system.
        pub fn new() -> Self {
            MacosCollector { _private: () }
        }
    }

    impl Collector for MacosCollector {
        fn collect(&self) -> Inventory {
            let mut inventory = Inventory::new(environment());
            inventory.record(ComponentKind::Mac, macs());
            inventory.record(ComponentKind::Cpu, cpu().map(|c| vec![c]));
            inventory.record(ComponentKind::SystemDrive, system_drive().map(|c| vec![c]));
            inventory.record(ComponentKind::Memory, memory().map(|c| vec![c]));
            inventory.record(ComponentKind::CdRom, optical_drives());
            match pci_devices() {
                Ok(components) => inventory.components.extend(components),
                Err(reason) => {
                    for kind in [ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi] {
                        inventory.unreadable(kind, reason.clone());
                    }
                }
            }
            inventory.finish()
        }
    }

    fn sysctl(name: &str) -> Option<u64> {
        sys::sysctl_bytes(name).and_then(|b| parse::sysctl_uint(&b))
    }

    fn environment() -> Environment {
        parse::environment(sysctl("kern.hv_vmm_present"), cpuid::hypervisor_present())
    }

    fn memory() -> Result<Component, String> {
        let bytes = sysctl("hw.memsize").ok_or("sysctl hw.memsize is not available")?;
        Ok(Component::new(ComponentKind::Memory, memory_value(bytes)))
    }

    fn cpu() -> Result<Component, String> {
        let translated = sysctl("sysctl.proc_translated") == Some(1);
        if cfg!(target_arch = "aarch64") || translated {
            let family = sysctl("hw.cpufamily").ok_or("sysctl hw.cpufamily is not available")?;
            let subfamily = sysctl("hw.cpusubfamily").unwrap_or(0);
            let value = parse::apple_cpu_value(family as u32, subfamily as u32);
            return Ok(Component::new(ComponentKind::Cpu, value));
        }
        cpuid::cpu_value()
            .map(|v| Component::new(ComponentKind::Cpu, v))
            .ok_or_else(|| "CPUID is not available on this processor".to_owned())
    }

    fn macs() -> Result<Vec<Component>, String> {
        let links = sys::link_addresses()?;
        let mut seen = BTreeMap::new();
        for (name, sockaddr) in links {
            if parse::interface_is_candidate(&name) {
                seen.entry(name).or_insert_with(|| parse::link_layer_address(&sockaddr));
            }
        }
        Ok(seen.into_iter().filter_map(|(name, current)| ethernet(name, current)).collect())
    }

    /// One interface, with the burnt-in address and flags from the I/O
    /// Registry when it has an entry for the BSD name.
    fn ethernet(bsd_name: String, current: Option<[u8; 6]>) -> Option<Component> {
        let mut interface = EthernetInterface {
            bsd_name,
            mac: Vec::new(),
            builtin: true,
            usb: false,
            controller_class: String::new(),
        };
        if let Ok(service) = iokit::service_of_bsd_name(&interface.bsd_name) {
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
        parse::ethernet_component(&interface)
    }

    fn system_drive() -> Result<Component, String> {
        let source = sys::root_mount_source()?;
        let bsd_name = parse::bsd_name_of_mount(&source)
            .ok_or_else(|| format!("/ is mounted from {source}, not a disk"))?;
        let media = iokit::service_of_bsd_name(bsd_name)?;
        let characteristics = media.search_parents("Device Characteristics");
        let protocol = media.search_parents("Protocol Characteristics");
        parse::system_drive_component(characteristics.as_ref(), protocol.as_ref())
    }

    fn optical_drives() -> Result<Vec<Component>, String> {
        let mut components = Vec::new();
        let mut errors = Vec::new();
        for class in ["IODVDServices", "IOCompactDiscServices", "IOBDServices"] {
            match iokit::services_of_class(class) {
                Ok(services) => components.extend(services.iter().filter_map(|s| {
                    let characteristics = s.search_parents("Device Characteristics");
                    let protocol = s.search_parents("Protocol Characteristics");
                    parse::optical_component(characteristics.as_ref(), protocol.as_ref())
                })),
                Err(e) => errors.push(e),
            }
        }
        if errors.len() == 3 { Err(errors.join("; ")) } else { Ok(components) }
    }

    fn pci_devices() -> Result<Vec<Component>, String> {
        let devices = iokit::services_of_class("IOPCIDevice")?;
        Ok(devices
            .iter()
            .filter_map(|d| {
                let props = ["vendor-id", "device-id", "class-code"]
                    .into_iter()
                    .filter_map(|k| d.property(k).map(|v| (k.to_owned(), v)))
                    .collect();
                parse::pci_component(&props)
            })
            .collect())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn live_collection_reads_memory_and_cpu() {
            let inventory = MacosCollector::new().collect();
            assert_eq!(inventory.of_kind(ComponentKind::Memory).count(), 1);
            assert_eq!(inventory.of_kind(ComponentKind::Cpu).count(), 1);
        }
    }
}
