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
//! Each kind lives in its own file, the way `linux/` is laid out: `net.rs`
//! (Mac), `cpu.rs`, `storage.rs` (SystemDrive), `cdrom.rs`, `pci.rs` (Video,
//! Ide, Scsi) and `env.rs` (the environment), with `prop.rs` for the values
//! IOKit and sysctl return. Their parsing is pure (compiled and tested on
//! recorded data on every platform); their `collect` functions and the FFI in
//! `iokit` and `sys` are macOS only.

mod cdrom;
mod cpu;
mod env;
mod net;
mod pci;
mod prop;
mod storage;

#[cfg(target_os = "macos")]
mod iokit;
#[cfg(target_os = "macos")]
mod sys;

#[cfg(target_os = "macos")]
pub use collector::MacosCollector;

#[cfg(target_os = "macos")]
mod collector {
    use super::{cdrom, cpu, env, net, pci, storage, sys};
    use crate::hardware::{Component, ComponentKind, Inventory, KindSet, Why, memory_value};

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

    collector_by_kinds!(MacosCollector);

    impl MacosCollector {
        /// The inventory of `kinds`, every component of each (whatever the
        /// extent asked): without `Video`, `Ide` and `Scsi` the PCI devices
        /// are not enumerated.
        fn collect_kinds(&self, kinds: KindSet, _extent: crate::hardware::Extent) -> Inventory {
            let mut inventory = Inventory::new(env::detect());
            if kinds.contains(ComponentKind::Mac) {
                inventory.record(ComponentKind::Mac, net::collect());
            }
            if kinds.contains(ComponentKind::Cpu) {
                inventory.record(ComponentKind::Cpu, cpu::collect().map(|c| vec![c]));
            }
            if kinds.contains(ComponentKind::SystemDrive) {
                inventory.record(ComponentKind::SystemDrive, storage::collect().map(|c| vec![c]));
            }
            if kinds.contains(ComponentKind::Memory) {
                inventory.record(ComponentKind::Memory, memory().map(|c| vec![c]));
            }
            if kinds.contains(ComponentKind::CdRom) {
                inventory.record(ComponentKind::CdRom, cdrom::collect());
            }
            let pci = kinds.intersection(KindSet::PCI);
            if !pci.is_empty() {
                inventory.record_asked(pci, pci::collect());
            }
            inventory.finish()
        }
    }

    fn memory() -> Result<Component, Why> {
        let bytes = sys::sysctl_u64("hw.memsize").ok_or(Why::NoSysctl("hw.memsize"))?;
        Ok(Component::new(ComponentKind::Memory, memory_value(bytes)))
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::hardware::Collector;

        #[test]
        fn kinds_read_separately_are_what_one_collection_reads() {
            let collector = MacosCollector::new();
            let first = KindSet::ALL.without(KindSet::PCI);
            let (a, b) =
                (collector.collect_only(first).unwrap(), collector.collect_only(KindSet::PCI).unwrap());
            assert_eq!(a, collector.collect().only(first));
            assert_eq!(a.merged(b), collector.collect());
        }

        #[test]
        fn live_collection_reads_memory_and_cpu() {
            let inventory = MacosCollector::new().collect();
            assert_eq!(inventory.of_kind(ComponentKind::Memory).count(), 1);
            assert_eq!(inventory.of_kind(ComponentKind::Cpu).count(), 1);
        }
    }
}
