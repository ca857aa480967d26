//! The CPU identity from the CPUID instruction (x86 and x86-64).
//!
//! Reads the vendor string (leaf 0) and the leaf-1 EAX signature (stepping,
//! model, family — never a "serial number"), plus the hypervisor bit and
//! vendor that tell a virtual machine. On other architectures every function
//! returns `None`/`false`; their collectors use the platform's equivalent
//! (MIDR on aarch64). `__cpuid` is a safe intrinsic on these targets.

#[cfg(target_arch = "x86")]
use core::arch::x86::__cpuid;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::__cpuid;

/// Concatenates three CPUID registers into their ASCII text.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn registers_text(regs: [u32; 3]) -> String {
    let bytes: Vec<u8> = regs.iter().flat_map(|r| r.to_le_bytes()).collect();
    String::from_utf8_lossy(&bytes).trim_matches(char::from(0)).trim().to_owned()
}

/// The normalised `Cpu` value of the processor running this code
/// (`GenuineIntel 000906ea`), or `None` off x86.
pub fn cpu_value() -> Option<String> {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let leaf0 = __cpuid(0);
        let vendor = registers_text([leaf0.ebx, leaf0.edx, leaf0.ecx]);
        let signature = if leaf0.eax >= 1 { __cpuid(1).eax } else { 0 };
        Some(super::normalise::x86_cpu_value(&vendor, signature))
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        None
    }
}

/// Whether CPUID reports that a hypervisor is present (leaf 1, ECX bit 31).
pub fn hypervisor_present() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        __cpuid(0).eax >= 1 && __cpuid(1).ecx & (1 << 31) != 0
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        false
    }
}

/// The hypervisor's vendor signature (leaf 0x4000_0000, e.g. `KVMKVMKVM`,
/// `Microsoft Hv`, `VMwareVMware`), when a hypervisor is present.
pub fn hypervisor_vendor() -> Option<String> {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if !hypervisor_present() {
            return None;
        }
        let leaf = __cpuid(0x4000_0000);
        let text = registers_text([leaf.ebx, leaf.ecx, leaf.edx]);
        (!text.is_empty()).then_some(text)
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        None
    }
}

#[cfg(all(test, any(target_arch = "x86", target_arch = "x86_64")))]
mod tests {
    #[test]
    fn reads_this_cpu_consistently() {
        let value = super::cpu_value().expect("x86 always has CPUID");
        let (vendor, signature) = value.rsplit_once(' ').expect("vendor and signature");
        assert!(!vendor.is_empty());
        assert_eq!(signature.len(), 8);
        assert_eq!(super::cpu_value(), Some(value.clone()), "CPUID is stable between calls");
    }
}
