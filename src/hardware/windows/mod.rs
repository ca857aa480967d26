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
//! The parsing lives in `parse` (compiled and tested on every platform); the
//! FFI in `sys` (Windows only).

pub(crate) mod parse;
#[cfg(windows)]
mod sys;

#[cfg(windows)]
pub use collector::WindowsCollector;

#[cfg(windows)]
mod collector {
    use windows_sys::Win32::Devices::DeviceAndDriverInstallation::{GUID_DEVCLASS_CDROM, GUID_DEVCLASS_NET};

    use super::{parse, sys};
    use crate::hardware::normalise::arm_cpu_value;
    use crate::hardware::{Collector, Component, ComponentKind, Environment, Inventory, cpuid, memory_value};

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

    impl Collector for WindowsCollector {
        fn collect(&self) -> Inventory {
            let mut inventory = Inventory::new(environment());
            inventory.record(ComponentKind::Mac, macs());
            inventory.record(ComponentKind::Cpu, cpus());
            inventory.record(ComponentKind::SystemDrive, sys::system_drive().map(|c| vec![c]));
            inventory.record(
                ComponentKind::Memory,
                sys::total_memory().map(|b| vec![Component::new(ComponentKind::Memory, memory_value(b))]),
            );
            inventory.record(ComponentKind::CdRom, cdroms());
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

    fn environment() -> Environment {
        let container = sys::registry_value_exists("SYSTEM\\CurrentControlSet\\Control", "ContainerType")
            || sys::registry_value_exists("SYSTEM\\CurrentControlSet\\Services\\CExecSvc", "ImagePath");
        let vendor = cpuid::hypervisor_vendor();
        parse::environment(container, cpuid::hypervisor_present(), vendor.as_deref(), hyperv_root_partition())
    }

    /// Whether this OS is the root partition of Hyper-V: CPUID leaf
    /// 0x4000_0003 EBX bit 0 (`CreatePartitions` privilege, Hyper-V TLFS).
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    fn hyperv_root_partition() -> bool {
        #[cfg(target_arch = "x86")]
        use core::arch::x86::__cpuid;
        #[cfg(target_arch = "x86_64")]
        use core::arch::x86_64::__cpuid;
        cpuid::hypervisor_present()
            && __cpuid(0x4000_0000).eax >= 0x4000_0003
            && __cpuid(0x4000_0003).ebx & 1 != 0
    }

    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    fn hyperv_root_partition() -> bool {
        false
    }

    fn macs() -> Result<Vec<Component>, String> {
        let mut rows = sys::adapters()?;
        // USB adapters: the Net-class device with the same description hangs
        // off the USB enumerator. Failing to tell is not fatal.
        let net = sys::devices(Some(&GUID_DEVCLASS_NET), None).unwrap_or_default();
        for row in &mut rows {
            row.usb = net.iter().any(|d| {
                let same = |name: &Option<String>| {
                    name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&row.description))
                };
                (same(&d.friendly_name) || same(&d.description))
                    && d.enumerator.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("USB"))
            });
        }
        Ok(rows.iter().filter_map(parse::adapter_component).collect())
    }

    fn cpus() -> Result<Vec<Component>, String> {
        if cfg!(target_arch = "aarch64") || sys::native_arm64() {
            let midrs = sys::arm64_midrs();
            if midrs.is_empty() {
                return Err(
                    "no CP 4000 (MIDR_EL1) value under HKLM\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor"
                        .to_owned(),
                );
            }
            return Ok(midrs
                .into_iter()
                .map(|m| Component::new(ComponentKind::Cpu, arm_cpu_value(m)))
                .collect());
        }
        cpuid::cpu_value()
            .map(|v| vec![Component::new(ComponentKind::Cpu, v)])
            .ok_or_else(|| "CPUID is not available on this processor".to_owned())
    }

    fn cdroms() -> Result<Vec<Component>, String> {
        let nodes = sys::devices(Some(&GUID_DEVCLASS_CDROM), None)?;
        Ok(nodes
            .iter()
            .filter_map(|d| {
                parse::cdrom_component(&d.hardware_ids, d.friendly_name.as_deref(), d.enumerator.as_deref())
            })
            .collect())
    }

    fn pci_devices() -> Result<Vec<Component>, String> {
        let nodes = sys::devices(None, Some("PCI"))?;
        Ok(nodes.iter().filter_map(|d| parse::pci_component(&d.hardware_ids, &d.compatible_ids)).collect())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

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
