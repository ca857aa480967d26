//! The values macOS hands back, as the parsers read them: IOKit registry
//! properties converted from CoreFoundation types into [`Prop`] trees (by
//! `iokit.rs`), and sysctl integers. Nothing here calls the OS, so it
//! compiles (and is tested) on every platform.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use std::collections::BTreeMap;

/// An IOKit registry property converted from its CoreFoundation type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prop {
    /// `CFData`.
    Data(Vec<u8>),
    /// `CFString`.
    String(String),
    /// `CFNumber` (read as a signed 64-bit integer).
    Number(i64),
    /// `CFBoolean`.
    Bool(bool),
    /// `CFDictionary` with string keys (other keys are skipped).
    Dict(Props),
    /// Any other type (arrays, dates, …), which the collector never needs.
    Other,
}

/// A property dictionary (`IORegistryEntryCreateCFProperties`-like).
pub(crate) type Props = BTreeMap<String, Prop>;

impl Prop {
    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Prop::String(s) => Some(s),
            _ => None,
        }
    }

    /// The dictionary, if this is one.
    pub(crate) fn as_dict(&self) -> Option<&Props> {
        match self {
            Prop::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// A 32-bit value: IOKit PCI properties are `CFData` holding a
    /// little-endian `u32` (`vendor-id` = `<de100000>`); numbers are accepted.
    pub(crate) fn as_u32(&self) -> Option<u32> {
        match self {
            Prop::Data(bytes) => le_u32(bytes),
            Prop::Number(n) => u32::try_from(*n).ok(),
            _ => None,
        }
    }
}

/// A little-endian integer of 1 to 4 bytes (longer data: its first 4 bytes).
pub(crate) fn le_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() {
        return None;
    }
    let mut word = [0u8; 4];
    for (slot, byte) in word.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    Some(u32::from_le_bytes(word))
}

/// An unsigned sysctl value of 4 or 8 bytes (native byte order, which is
/// little-endian on every Mac).
pub(crate) fn sysctl_uint(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        4 => Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?))),
        8 => Some(u64::from_le_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// A dictionary of string properties, as recorded from `ioreg -l`.
#[cfg(test)]
pub(super) fn dict(entries: &[(&str, &str)]) -> Prop {
    Prop::Dict(entries.iter().map(|(k, v)| ((*k).to_owned(), Prop::String((*v).to_owned()))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_u32_reads_short_and_long_data() {
        assert_eq!(le_u32(&[0xde, 0x10, 0, 0]), Some(0x10de));
        assert_eq!(le_u32(&[0xde, 0x10]), Some(0x10de));
        assert_eq!(le_u32(&[1, 2, 3, 4, 5, 6]), Some(0x0403_0201));
        assert_eq!(le_u32(&[]), None);
        assert_eq!(Prop::Number(0x10de).as_u32(), Some(0x10de));
        assert_eq!(Prop::Number(-1).as_u32(), None);
        assert_eq!(Prop::Bool(true).as_u32(), None);
    }

    #[test]
    fn sysctl_values() {
        // hw.memsize of a 16 GiB Mac (u64).
        let memsize = sysctl_uint(&17_179_869_184u64.to_le_bytes()).expect("memsize");
        assert_eq!(crate::hardware::memory_value(memsize), "16 GiB");
        assert_eq!(sysctl_uint(&[1, 2, 3]), None);
    }
}
