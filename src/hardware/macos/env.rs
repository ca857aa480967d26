//! The [`Environment`] of a Mac: a virtual machine or bare metal (macOS has
//! no containers).
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use crate::hardware::Environment;

/// The environment: a virtual machine when `kern.hv_vmm_present` is 1 (or,
/// where that sysctl is missing, when CPUID reports a hypervisor). macOS has
/// no containers.
pub(crate) fn environment(hv_vmm_present: Option<u64>, cpuid_hypervisor: bool) -> Environment {
    let vm = match hv_vmm_present {
        Some(v) => v != 0,
        None => cpuid_hypervisor,
    };
    if vm { Environment::VirtualMachine } else { Environment::BareMetal }
}

/// Detects the environment of the running Mac.
#[cfg(target_os = "macos")]
pub(super) fn detect() -> Environment {
    environment(super::sys::sysctl_u64("kern.hv_vmm_present"), crate::hardware::cpuid::hypervisor_present())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_machine_rules() {
        assert_eq!(environment(Some(1), false), Environment::VirtualMachine);
        assert_eq!(environment(Some(0), true), Environment::BareMetal);
        assert_eq!(environment(None, true), Environment::VirtualMachine);
        assert_eq!(environment(None, false), Environment::BareMetal);
    }
}
