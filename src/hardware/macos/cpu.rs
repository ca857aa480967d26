//! `Cpu`: CPUID on Intel Macs; on Apple silicon, and for x86_64 code under
//! Rosetta 2 (`sysctl.proc_translated`), `hw.cpufamily` and
//! `hw.cpusubfamily`, because Apple does not expose MIDR_EL1 to user space.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

/// The `Cpu` value on Apple silicon, which does not expose MIDR_EL1 to user
/// space: `apple`, the `hw.cpufamily` core family (e.g. `1b588bb3` for M1
/// Firestorm/Icestorm) and the `hw.cpusubfamily` (phone, base, Pro/Max
/// variants) in hex. Stable for a machine, but not comparable with the
/// `arm <MIDR>` another OS reports on the same chip.
pub(crate) fn apple_cpu_value(family: u32, subfamily: u32) -> String {
    format!("apple {family:08x} {subfamily:x}")
}

/// The `Cpu` component of the running Mac.
#[cfg(target_os = "macos")]
pub(super) fn collect() -> Result<crate::hardware::Component, crate::hardware::Why> {
    use super::sys::sysctl_u64;
    use crate::hardware::{Component, ComponentKind, Why, cpuid};

    let translated = sysctl_u64("sysctl.proc_translated") == Some(1);
    if cfg!(target_arch = "aarch64") || translated {
        let family = sysctl_u64("hw.cpufamily").ok_or(Why::NoSysctl("hw.cpufamily"))?;
        let subfamily = sysctl_u64("hw.cpusubfamily").unwrap_or(0);
        let value = apple_cpu_value(family as u32, subfamily as u32);
        return Ok(Component::new(ComponentKind::Cpu, value));
    }
    cpuid::cpu_value().map(|v| Component::new(ComponentKind::Cpu, v)).ok_or(Why::NoCpuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_silicon_cpu_value() {
        // hw.cpufamily of an M1 (u32).
        let family =
            crate::hardware::macos::prop::sysctl_uint(&0x1b58_8bb3u32.to_le_bytes()).expect("family");
        assert_eq!(apple_cpu_value(family as u32, 2), "apple 1b588bb3 2");
    }
}
