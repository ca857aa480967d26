//! `Cpu`: the processor's identity.
//!
//! On the live x86 system the value comes from the CPUID instruction
//! ([`cpuid::cpu_value`]). Everywhere else it is rebuilt from files, and the
//! two agree for the same processor:
//!
//! - x86 `/proc/cpuinfo`: `vendor_id`, `cpu family`, `model` and `stepping`
//!   of every processor, turned back into the leaf-1 signature
//!   ([`x86_signature`]); distinct values are kept (mixed steppings of a
//!   multi-socket machine), identical ones merge.
//! - aarch64: MIDR_EL1 of `cpu0` from
//!   `/sys/devices/system/cpu/cpu0/regs/identification/midr_el1`, or rebuilt
//!   from the first processor's `CPU implementer`, `CPU variant`, `CPU part`
//!   and `CPU revision` lines. The architecture field is always `0xf` on
//!   ARMv7 and later (`/proc/cpuinfo` prints a made-up "8" there).
//!   Only `cpu0` is used, so a big.LITTLE system gives one stable value.

use super::sysfs::Sysfs;
use crate::hardware::cpuid;
use crate::hardware::normalise::{arm_cpu_value, parse_hex, x86_cpu_value, x86_signature};
use crate::hardware::{Component, ComponentKind, Content, Why};

/// Upper bound for `/proc/cpuinfo` (a few KiB per logical processor).
pub(super) const CPUINFO_LIMIT: usize = 16 << 20;

/// Collects the `Cpu` component. `cpuinfo` is the already-read
/// `/proc/cpuinfo` when the caller has it; it is read here when needed.
pub(super) fn collect(
    sysfs: &Sysfs,
    live: bool,
    cpuinfo: Option<&Result<String, Why>>,
) -> Result<Vec<Component>, Why> {
    if live && let Some(value) = cpuid::cpu_value() {
        return Ok(vec![Component::new(ComponentKind::Cpu, value)]);
    }
    let midr_path = sysfs.path("sys/devices/system/cpu/cpu0/regs/identification/midr_el1");
    if sysfs.exists(&midr_path) {
        let midr = sysfs.read_hex(&midr_path)?;
        return Ok(vec![Component::new(ComponentKind::Cpu, arm_cpu_value(midr))]);
    }
    let path = sysfs.path("proc/cpuinfo");
    let read;
    let text = match cpuinfo {
        Some(text) => text,
        None => {
            read = sysfs.read_table(&path, CPUINFO_LIMIT);
            &read
        }
    };
    let values =
        parse(text.as_ref().map_err(Clone::clone)?).map_err(|problem| sysfs.invalid(&path, problem))?;
    Ok(values.into_iter().map(|value| Component::new(ComponentKind::Cpu, value)).collect())
}

/// The normalised values found in a `/proc/cpuinfo` text, or what is wrong
/// with it (worded to follow the file's name).
pub(super) fn parse(text: &str) -> Result<Vec<String>, Content> {
    let blocks: Vec<Block<'_>> =
        text.split("\n\n").map(Block).filter(|b| b.field("processor").is_some()).collect();
    if blocks.iter().any(|b| b.field("vendor_id").is_some()) {
        return parse_x86(&blocks);
    }
    match blocks.iter().find(|b| b.field("CPU implementer").is_some()) {
        Some(block) => block.midr().map(|midr| vec![arm_cpu_value(midr)]),
        None => Err(Content::UnknownProcessor),
    }
}

/// The x86 values of every processor block, de-duplicated; a malformed block
/// is skipped unless no block is usable.
fn parse_x86(blocks: &[Block<'_>]) -> Result<Vec<String>, Content> {
    let mut values: Vec<String> = Vec::new();
    let mut problem = None;
    for block in blocks {
        match block.x86_value() {
            Ok(value) if !values.contains(&value) => values.push(value),
            Ok(_) => {}
            Err(error) => {
                problem.get_or_insert(error);
            }
        }
    }
    match (values.is_empty(), problem) {
        (true, Some(problem)) => Err(problem),
        _ => Ok(values),
    }
}

/// One processor's `key<TAB>: value` lines.
struct Block<'a>(&'a str);

impl<'a> Block<'a> {
    fn field(&self, key: &str) -> Option<&'a str> {
        self.0.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == key).then(|| value.trim())
        })
    }

    fn number(&self, key: &'static str, hex: bool) -> Result<u32, Content> {
        let processor = self.field("processor").unwrap_or("?");
        let text = self
            .field(key)
            .ok_or_else(|| Content::MissingCpuField { field: key, processor: processor.to_owned() })?;
        let value = if hex { parse_hex(text) } else { text.parse().ok() };
        value.and_then(|v| u32::try_from(v).ok()).ok_or_else(|| Content::InvalidCpuField {
            field: key,
            processor: processor.to_owned(),
            text: text.to_owned(),
        })
    }

    fn x86_value(&self) -> Result<String, Content> {
        let processor = self.field("processor").unwrap_or("?");
        let vendor = self.field("vendor_id").filter(|v| !v.is_empty()).ok_or_else(|| {
            Content::MissingCpuField { field: "vendor_id", processor: processor.to_owned() }
        })?;
        let signature = x86_signature(
            self.number("cpu family", false)?,
            self.number("model", false)?,
            self.number("stepping", false)?,
        );
        Ok(x86_cpu_value(vendor, signature))
    }

    fn midr(&self) -> Result<u64, Content> {
        let implementer = self.number("CPU implementer", true)? & 0xff;
        let variant = self.number("CPU variant", true)? & 0xf;
        let part = self.number("CPU part", true)? & 0xfff;
        let revision = self.number("CPU revision", false)? & 0xf;
        Ok(u64::from(implementer << 24 | variant << 20 | 0xf << 16 | part << 4 | revision))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::parse`] with the problem as the text people read.
    fn parse(text: &str) -> Result<Vec<String>, String> {
        super::parse(text).map_err(|problem| problem.to_string())
    }

    /// [`super::collect`] with the reason as the text people read.
    fn collect(
        sysfs: &Sysfs,
        live: bool,
        cpuinfo: Option<&Result<String, Why>>,
    ) -> Result<Vec<Component>, String> {
        super::collect(sysfs, live, cpuinfo).map_err(|why| why.to_string())
    }

    const TWO_X86: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 140\n\
        model name\t: 11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz\nstepping\t: 1\nflags\t\t: fpu vme\n\n\
        processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 140\nstepping\t: 1\n\n";

    #[test]
    fn x86_processors_merge_into_one_value() {
        assert_eq!(parse(TWO_X86), Ok(vec!["GenuineIntel 000806c1".to_owned()]));
        let amd =
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nstepping\t: 1\n";
        assert_eq!(parse(amd), Ok(vec!["AuthenticAMD 00a00f11".to_owned()]));
    }

    #[test]
    fn mixed_steppings_stay_distinct_and_bad_blocks_are_skipped() {
        let text = format!(
            "{TWO_X86}processor\t: 2\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 140\nstepping\t: 2\n\n\
             processor\t: 3\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 14"
        );
        assert_eq!(
            parse(&text),
            Ok(vec!["GenuineIntel 000806c1".to_owned(), "GenuineIntel 000806c2".to_owned()])
        );
        let broken = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 140\nstepping\t: unknown\n";
        assert_eq!(parse(broken), Err("has an invalid stepping for processor 0: \"unknown\"".to_owned()));
        let truncated = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu fam";
        assert_eq!(parse(truncated), Err("has no cpu family for processor 0".to_owned()));
    }

    #[test]
    fn aarch64_rebuilds_midr_from_processor_zero() {
        // Cortex-A72 r0p3: MIDR 0x410fd083; Cortex-A53 r0p4: 0x410fd034.
        let text = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n\
            CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\n\
            CPU revision\t: 3\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU architecture: 8\n\
            CPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n";
        assert_eq!(parse(text), Ok(vec!["arm 410fd083".to_owned()]));
        let bad = "processor\t: 0\nCPU implementer\t: 0x41\nCPU variant\t: 0x0\nCPU part\t: zz\nCPU revision\t: 3\n";
        assert_eq!(parse(bad), Err("has an invalid CPU part for processor 0: \"zz\"".to_owned()));
    }

    #[test]
    fn aarch64_prefers_the_midr_register_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        let cpuinfo = Ok("processor\t: 0\nCPU implementer\t: 0x41\nCPU variant\t: 0x0\nCPU part\t: 0xd03\n\
                          CPU revision\t: 4\n"
            .to_owned());
        let arm = |value: &str| Ok(vec![Component::new(ComponentKind::Cpu, value)]);
        assert_eq!(collect(&sysfs, false, Some(&cpuinfo)), arm("arm 410fd034"));
        let regs = dir.path().join("sys/devices/system/cpu/cpu0/regs/identification");
        std::fs::create_dir_all(&regs).expect("mkdir");
        std::fs::write(regs.join("midr_el1"), "0x00000000413fd0c1\n").expect("write");
        assert_eq!(collect(&sysfs, false, Some(&cpuinfo)), arm("arm 413fd0c1"), "Neoverse-N1 r3p1");
        std::fs::write(regs.join("midr_el1"), "MIDR\n").expect("write");
        assert_eq!(
            collect(&sysfs, false, Some(&cpuinfo)),
            Err("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1: does not hold a hexadecimal \
                 number (\"MIDR\")"
                .to_owned())
        );
    }

    #[test]
    fn cpuinfo_problems_name_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        assert_eq!(
            collect(&sysfs, false, None),
            Err("cannot read /proc/cpuinfo: it does not exist".to_owned())
        );
        let empty = Ok(String::new());
        assert_eq!(
            collect(&sysfs, false, Some(&empty)),
            Err("/proc/cpuinfo names no processor this collector knows (no vendor_id or CPU implementer)"
                .to_owned())
        );
    }

    #[test]
    fn nothing_recognisable_is_an_error() {
        assert!(parse("").is_err());
        assert!(parse("processor : 0\nisa : rv64imafdc\n").is_err());
    }

    #[cfg(all(target_os = "linux", any(target_arch = "x86", target_arch = "x86_64")))]
    #[test]
    fn host_cpuinfo_matches_cpuid() {
        let text = std::fs::read_to_string("/proc/cpuinfo").expect("this test runs on Linux");
        let values = parse(&text).expect("the host's cpuinfo parses");
        let cpuid = cpuid::cpu_value().expect("x86 has CPUID");
        assert!(values.contains(&cpuid), "cpuinfo {values:?} vs CPUID {cpuid}");
    }
}
