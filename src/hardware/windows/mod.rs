//! The Windows collector: Win32 APIs only (no WMI, no COM), no elevation.
//!
//! | kind | source |
//! |---|---|
//! | `Mac` | `GetIfTable2`: `MIB_IF_ROW2::PermanentPhysicalAddress` of rows of type `IF_TYPE_ETHERNET_CSMACD`/`IF_TYPE_IEEE80211` with the `HardwareInterface` flag and neither `FilterInterface` nor `EndPointInterface`; the table lists disabled and disconnected adapters too. Software adapters that claim to be hardware (Hyper-V vEthernet, VPN/TAP, Wi-Fi Direct, Bluetooth PAN) are dropped by description; USB adapters are flagged from SetupAPI's `SPDRP_ENUMERATOR_NAME` of the `Net` class device with the same description. |
//! | `Cpu` | x86/x64: CPUID (`cpuid::cpu_value`). ARM64, and x86/x64 code emulated on ARM64 (`IsWow64Process2` native machine): MIDR_EL1 from `HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N` value `CP 4000`, one value per distinct MIDR. |
//! | `SystemDrive` | `GetSystemWindowsDirectoryW` → `GetVolumePathNameW` → `IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS` → `\\.\PhysicalDriveN` → `IOCTL_STORAGE_QUERY_PROPERTY`/`StorageDeviceProperty` serial; for NVMe drives the `SN` of the Identify Controller data (`StorageAdapterProtocolSpecificProperty`, `ProtocolTypeNvme`) first, as Linux and macOS report it. Devices are opened with zero access rights. |
//! | `Memory` | `GlobalMemoryStatusEx::ullTotalPhys` (usable memory, like Linux `MemTotal`) → [`memory_value`](crate::hardware::memory_value). |
//! | `CdRom` | SetupAPI, `GUID_DEVCLASS_CDROM`: vendor and product from the `SCSI\CdRom<vendor 8><product 16>…` hardware id (or the friendly name). |
//! | `Video`, `Ide`, `Scsi` | SetupAPI, every present device of the `PCI` enumerator: `VEN_`/`DEV_` and the `CC_` class code of its hardware/compatible ids, classified by class code exactly as on Linux. |
//!
//! Environment: a container when `HKLM\SYSTEM\CurrentControlSet\Control`
//! has a `ContainerType` value or the `CExecSvc` service is installed; a
//! virtual machine when CPUID reports a hypervisor that is not Hyper-V seen
//! from its root partition (a bare-metal host with virtualisation-based
//! security); bare metal otherwise. On ARM64 no CPUID exists and only the
//! container check runs.
//!
//! Each kind lives in its own file, the way `linux/` is laid out: `net.rs`
//! (Mac), `cpu.rs`, `storage.rs` (SystemDrive), `cdrom.rs`, `pci.rs` (Video,
//! Ide, Scsi) and `env.rs` (the environment), with `buffer.rs` for reading
//! OS buffers. Their parsing is pure (compiled and tested on recorded data on
//! every platform); their `collect` functions and the FFI in `sys/` are
//! Windows only.

mod buffer;
mod cdrom;
mod cpu;
mod env;
mod net;
mod pci;
mod storage;
#[cfg(windows)]
mod sys;

#[cfg(windows)]
pub use collector::WindowsCollector;

#[cfg(windows)]
mod collector {
    use super::{cdrom, cpu, env, net, pci, sys};
    use crate::hardware::{Component, ComponentKind, Inventory, KindSet, memory_value};

    /// Reads this Windows machine's hardware through Win32 APIs (see the
    /// [module docs](super) for the API of each kind).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct WindowsCollector {
        _private: (),
    }

    impl WindowsCollector {
        /// The collector for the running system.
        pub fn new() -> Self {
            WindowsCollector { _private: () }
        }
    }

    collector_by_kinds!(WindowsCollector);

    impl WindowsCollector {
        /// The inventory of `kinds`, every component of each (whatever the
        /// extent asked): without `Video`, `Ide` and `Scsi` the PCI devices
        /// are not enumerated.
        fn collect_kinds(&self, kinds: KindSet, _extent: crate::hardware::Extent) -> Inventory {
            let mut inventory = Inventory::new(env::detect());
            if kinds.contains(ComponentKind::Mac) {
                inventory.record(ComponentKind::Mac, net::collect());
            }
            if kinds.contains(ComponentKind::Cpu) {
                inventory.record(ComponentKind::Cpu, cpu::collect());
            }
            if kinds.contains(ComponentKind::SystemDrive) {
                inventory.record(ComponentKind::SystemDrive, sys::system_drive().map(|c| vec![c]));
            }
            if kinds.contains(ComponentKind::Memory) {
                let memory =
                    sys::total_memory().map(|b| vec![Component::new(ComponentKind::Memory, memory_value(b))]);
                inventory.record(ComponentKind::Memory, memory);
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

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::hardware::Collector;

        #[test]
        fn kinds_read_separately_are_what_one_collection_reads() {
            let collector = WindowsCollector::new();
            let first = KindSet::ALL.without(KindSet::PCI);
            let (a, b) =
                (collector.collect_only(first).unwrap(), collector.collect_only(KindSet::PCI).unwrap());
            assert_eq!(a, collector.collect().only(first));
            assert_eq!(a.merged(b), collector.collect());
        }

        #[test]
        fn live_collection_does_not_panic_and_reads_memory_and_cpu() {
            let inventory = WindowsCollector::new().collect();
            assert_eq!(inventory.of_kind(ComponentKind::Memory).count(), 1);
            assert!(inventory.of_kind(ComponentKind::Cpu).count() >= 1);
        }

        #[test]
        fn live_collection_explains_every_missing_single_kind() {
            let inventory = WindowsCollector::new().collect();
            // Visible with --nocapture, for checking a real machine by eye.
            println!("{inventory:#?}");
            for kind in [ComponentKind::Cpu, ComponentKind::SystemDrive, ComponentKind::Memory] {
                let present = inventory.of_kind(kind).count() > 0;
                let reason = inventory.unreadable_reason(kind);
                assert!(present != reason.is_some(), "{kind}: present={present}, reason={reason:?}");
            }
        }
    }
}
