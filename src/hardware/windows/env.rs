//! The [`Environment`] of a Windows machine: container, virtual machine or
//! bare metal, from the registry and CPUID.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::hardware::Environment;

/// The environment from what Windows tells:
/// - a container when `HKLM\SYSTEM\CurrentControlSet\Control\ContainerType`
///   exists or the Container Execution Agent service (`CExecSvc`) is installed;
/// - a virtual machine when CPUID reports a hypervisor, unless it is Hyper-V
///   and this OS is its *root partition* (a bare-metal host running with
///   virtualisation-based security or the Hyper-V role has the hypervisor bit
///   set too; the root partition holds the `CreatePartitions` privilege);
/// - bare metal otherwise.
pub(crate) fn environment(
    container: bool,
    hypervisor_present: bool,
    hypervisor_vendor: Option<&str>,
    root_partition: bool,
) -> Environment {
    let hyperv_root = hypervisor_vendor.is_some_and(|v| v.trim() == "Microsoft Hv") && root_partition;
    if container {
        Environment::Container
    } else if hypervisor_present && !hyperv_root {
        Environment::VirtualMachine
    } else {
        Environment::BareMetal
    }
}

/// Detects the environment of the running system.
#[cfg(windows)]
pub(super) fn detect() -> Environment {
    use crate::hardware::cpuid;

    let container = super::sys::registry_value_exists("SYSTEM\\CurrentControlSet\\Control", "ContainerType")
        || super::sys::registry_value_exists("SYSTEM\\CurrentControlSet\\Services\\CExecSvc", "ImagePath");
    let vendor = cpuid::hypervisor_vendor();
    environment(container, cpuid::hypervisor_present(), vendor.as_deref(), hyperv_root_partition())
}

/// Whether this OS is the root partition of Hyper-V: CPUID leaf
/// 0x4000_0003 EBX bit 0 (`CreatePartitions` privilege, Hyper-V TLFS).
#[cfg(all(windows, any(target_arch = "x86", target_arch = "x86_64")))]
fn hyperv_root_partition() -> bool {
    #[cfg(target_arch = "x86")]
    use core::arch::x86::__cpuid;
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::__cpuid;

    use crate::hardware::cpuid;
    cpuid::hypervisor_present()
        && __cpuid(0x4000_0000).eax >= 0x4000_0003
        && __cpuid(0x4000_0003).ebx & 1 != 0
}

#[cfg(all(windows, not(any(target_arch = "x86", target_arch = "x86_64"))))]
fn hyperv_root_partition() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_rules() {
        assert_eq!(environment(true, true, Some("Microsoft Hv"), false), Environment::Container);
        assert_eq!(environment(false, false, None, false), Environment::BareMetal);
        assert_eq!(environment(false, true, Some("KVMKVMKVM"), false), Environment::VirtualMachine);
        assert_eq!(environment(false, true, Some("Microsoft Hv"), false), Environment::VirtualMachine);
        // Windows 11 with VBS on bare metal: the root partition.
        assert_eq!(environment(false, true, Some("Microsoft Hv"), true), Environment::BareMetal);
        assert_eq!(environment(false, true, None, false), Environment::VirtualMachine);
    }
}
