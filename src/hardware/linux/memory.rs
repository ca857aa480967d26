//! `Memory`: total physical memory from `/proc/meminfo`.
//!
//! `MemTotal` is the usable memory in KiB (installed memory less firmware and
//! kernel reservations); [`memory_value`] rounds it up to a stable granule.
//! A machine always has memory, so a missing or malformed line makes the kind
//! unreadable rather than empty.

use super::sysfs::Sysfs;
use crate::hardware::normalise::memory_value;
use crate::hardware::{Component, ComponentKind};

/// Collects the `Memory` component.
pub(super) fn collect(sysfs: &Sysfs) -> Result<Vec<Component>, String> {
    let path = sysfs.path("proc/meminfo");
    // `meminfo` is rendered in one piece (about 1.5 KiB), like an attribute.
    let text = sysfs.read_text(&path)?;
    let bytes = parse_total(&text).map_err(|problem| format!("{} {problem}", sysfs.show(&path)))?;
    Ok(vec![Component::new(ComponentKind::Memory, memory_value(bytes))])
}

/// `MemTotal` in bytes, or what is wrong with the text.
fn parse_total(text: &str) -> Result<u64, String> {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .ok_or_else(|| "has no MemTotal line".to_owned())?;
    let mut words = line.split_ascii_whitespace();
    let kib = words
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("has an invalid MemTotal line: {:?}", line.trim()))?;
    if words.next() != Some("kB") || words.next().is_some() {
        return Err(format!("has a MemTotal line without its kB unit: {:?}", line.trim()));
    }
    kib.checked_mul(1024).ok_or_else(|| format!("has an impossibly large MemTotal: {kib} kB"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
