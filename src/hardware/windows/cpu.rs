//! `Cpu`: CPUID on x86/x64; on ARM64 MIDR_EL1 from the registry value
//! `CP 4000` of `HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N`,
//! one value per distinct MIDR.
#![cfg_attr(not(windows), allow(dead_code))]

#[cfg(windows)]
use crate::hardware::{Component, ComponentKind};

/// MIDR_EL1 from the registry value `CP 4000` of
/// `HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N` (a `REG_QWORD`,
/// little-endian; a 4-byte value is accepted too).
pub(crate) fn midr_from_registry(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        8 => Some(u64::from_le_bytes(bytes.try_into().ok()?)),
        4 => Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?))),
        _ => None,
    }
}

/// The `Cpu` components: CPUID on x86/x64, MIDR_EL1 from the registry on
/// ARM64 (also for x86/x64 code emulated there, where CPUID is emulated too).
#[cfg(windows)]
pub(super) fn collect() -> Result<Vec<Component>, crate::hardware::Why> {
    use crate::hardware::cpuid;
    use crate::hardware::normalise::arm_cpu_value;

    if cfg!(target_arch = "aarch64") || super::sys::native_arm64() {
        let midrs = super::sys::arm64_midrs();
        if midrs.is_empty() {
            return Err(crate::hardware::Why::NoMidrInRegistry);
        }
        return Ok(midrs.into_iter().map(|m| Component::new(ComponentKind::Cpu, arm_cpu_value(m))).collect());
    }
    cpuid::cpu_value()
        .map(|v| vec![Component::new(ComponentKind::Cpu, v)])
        .ok_or(crate::hardware::Why::NoCpuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm64_midr_from_registry() {
        // Snapdragon X Elite (Oryon): MIDR_EL1 0x511f0011 as REG_QWORD.
        let midr = midr_from_registry(&0x511f_0011u64.to_le_bytes()).expect("midr");
        assert_eq!(crate::hardware::normalise::arm_cpu_value(midr), "arm 511f0011");
        assert_eq!(midr_from_registry(&0x410f_d4c0u32.to_le_bytes()), Some(0x410f_d4c0));
        assert_eq!(midr_from_registry(&[1, 2, 3]), None);
    }
}
