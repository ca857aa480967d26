//! `Memory`: total physical memory from `/proc/meminfo`.
//!
//! `MemTotal` is the usable memory in KiB (installed memory less firmware and
//! kernel reservations); [`memory_value`] rounds it up to a stable granule.
//! A machine always has memory, so a missing or malformed line makes the kind
//! unreadable rather than empty.
//!
//! The live system asks `sysinfo(2)` instead: its `totalram × mem_unit` is
//! the same number (`MemTotal` is `totalram_pages` in KiB, `totalram` the same
//! pages in `mem_unit`s), in one system call where `meminfo` takes three and
//! makes the kernel render some fifty lines — about 20 µs of a start-up check
//! on a virtual machine, where each system call is expensive.
#![allow(unsafe_code)]

use super::sysfs::Sysfs;
use crate::hardware::normalise::memory_value;
use crate::hardware::{Component, ComponentKind, Content, Why};

/// Collects the `Memory` component (from the kernel directly when `live`).
pub(super) fn collect(sysfs: &Sysfs, live: bool) -> Result<Vec<Component>, Why> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if live && let Some(bytes) = total_from_sysinfo() {
        return Ok(vec![Component::new(ComponentKind::Memory, memory_value(bytes))]);
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = live;
    let path = sysfs.path("proc/meminfo");
    // `meminfo` is rendered in one piece (about 1.5 KiB), like an attribute.
    let text = sysfs.read_text(&path)?;
    let bytes = parse_total(&text).map_err(|problem| sysfs.invalid(&path, problem))?;
    Ok(vec![Component::new(ComponentKind::Memory, memory_value(bytes))])
}

/// Total usable memory in bytes from `sysinfo(2)`; `None` if the call fails
/// (then `meminfo` is read).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn total_from_sysinfo() -> Option<u64> {
    let mut info = std::mem::MaybeUninit::<libc::sysinfo>::zeroed();
    // SAFETY: `info` points at writable memory the size of `struct sysinfo`,
    // which the call fills on success; on failure it is not read.
    if unsafe { libc::sysinfo(info.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: the call succeeded and initialised the structure (which was
    // zeroed before, so every field is a valid integer either way).
    let info = unsafe { info.assume_init() };
    // `totalram` is a C `unsigned long`: 64 bits here, 32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let total = u64::from(info.totalram);
    total.checked_mul(u64::from(info.mem_unit.max(1))).filter(|b| *b > 0)
}

/// `MemTotal` in bytes, or what is wrong with the text.
fn parse_total(text: &str) -> Result<u64, Content> {
    let line = text.lines().find_map(|line| line.strip_prefix("MemTotal:")).ok_or(Content::NoMemTotal)?;
    let mut words = line.split_ascii_whitespace();
    let kib = words
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Content::InvalidMemTotal(line.trim().to_owned()))?;
    if words.next() != Some("kB") || words.next().is_some() {
        return Err(Content::MemTotalUnit(line.trim().to_owned()));
    }
    kib.checked_mul(1024).ok_or(Content::MemTotalOverflow(kib))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::parse_total`] with the problem as the text people read.
    fn parse_total(text: &str) -> Result<u64, String> {
        super::parse_total(text).map_err(|problem| problem.to_string())
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn sysinfo_agrees_with_meminfo_on_this_host() {
        let text = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
        assert_eq!(total_from_sysinfo(), Some(parse_total(&text).expect("MemTotal")));
    }

    #[test]
    fn reads_mem_total() {
        let text = "MemTotal:       16063700 kB\nMemFree:         9123456 kB\n";
        assert_eq!(parse_total(text), Ok(16_063_700 * 1024));
        assert_eq!(memory_value(16_063_700 * 1024), "16 GiB");
    }

    #[test]
    fn rejects_malformed_lines() {
        assert_eq!(parse_total("MemFree: 1 kB\n"), Err("has no MemTotal line".into()));
        assert_eq!(parse_total("MemTot"), Err("has no MemTotal line".into()));
        assert_eq!(parse_total("MemTotal:"), Err("has an invalid MemTotal line: \"\"".into()));
        assert_eq!(parse_total("MemTotal: 0 kB"), Err("has an invalid MemTotal line: \"0 kB\"".into()));
        assert_eq!(
            parse_total("MemTotal: 16063700"),
            Err("has a MemTotal line without its kB unit: \"16063700\"".into())
        );
        assert_eq!(
            parse_total("MemTotal: 12 MB"),
            Err("has a MemTotal line without its kB unit: \"12 MB\"".into())
        );
        assert!(parse_total(&format!("MemTotal: {} kB", u64::MAX)).is_err());
    }
}
