//! What can be wrong with what a collector read: the contents of a sysfs or
//! procfs file, and why a network adapter's address is not a permanent one.

use std::fmt;

/// What is wrong with the contents of a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Content {
    /// Longer than the collector reads.
    LargerThan(usize),
    /// As long as the attribute buffer: no kernel attribute is that long.
    NotAnAttribute(usize),
    /// Not UTF-8.
    NotUtf8,
    /// Not a hexadecimal number (the trimmed text).
    NotHex(String),
    /// Not a decimal number (the trimmed text).
    NotDecimal(String),
    /// A symbolic link that leads outside the collector's root.
    OutsideRoot,
    /// A VPD page shorter than its 4-byte header.
    VpdTooShort(usize),
    /// A VPD page other than the unit serial number page.
    VpdWrongPage(u8),
    /// A VPD page shorter than the serial number length it announces.
    VpdTruncated {
        /// The announced length.
        announced: usize,
        /// The bytes present.
        held: usize,
    },
    /// A VPD serial number that is not ASCII.
    VpdNotAscii,
    /// A PCI `vendor`/`device` value wider than 16 bits.
    PciIdTooWide(u64),
    /// An `addr_assign_type` the kernel does not define.
    UnknownAddressType(u64),
    /// `meminfo` without a `MemTotal` line.
    NoMemTotal,
    /// A `MemTotal` line without a positive number (the trimmed line).
    InvalidMemTotal(String),
    /// A `MemTotal` line whose unit is not `kB` (the trimmed line).
    MemTotalUnit(String),
    /// A `MemTotal` too large for a byte count (in kB).
    MemTotalOverflow(u64),
    /// `cpuinfo` with neither x86 nor ARM processor blocks.
    UnknownProcessor,
    /// A `cpuinfo` block without a field.
    MissingCpuField {
        /// The field (`cpu family`).
        field: &'static str,
        /// The block's `processor` number.
        processor: String,
    },
    /// A `cpuinfo` field that is not a number.
    InvalidCpuField {
        /// The field.
        field: &'static str,
        /// The block's `processor` number.
        processor: String,
        /// The field's text.
        text: String,
    },
    /// `mountinfo` with no line for `/`.
    NoRootMount,
    /// An optical drive with an empty vendor and model.
    EmptyVendorAndModel,
}

impl Content {
    /// Whether the wording follows the path as a predicate ("/proc/meminfo
    /// has no MemTotal line") rather than after a colon.
    pub(super) fn is_predicate(&self) -> bool {
        matches!(
            self,
            Content::NoMemTotal
                | Content::InvalidMemTotal(_)
                | Content::MemTotalUnit(_)
                | Content::MemTotalOverflow(_)
                | Content::UnknownProcessor
                | Content::MissingCpuField { .. }
                | Content::InvalidCpuField { .. }
                | Content::NoRootMount
                | Content::EmptyVendorAndModel
        )
    }
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::LargerThan(limit) => write!(f, "is larger than {limit} bytes"),
            Content::NotAnAttribute(limit) => {
                write!(f, "is {limit} bytes or more, more than a kernel attribute holds")
            }
            Content::NotUtf8 => f.write_str("is not UTF-8 text"),
            Content::NotHex(text) => write!(f, "does not hold a hexadecimal number ({text:?})"),
            Content::NotDecimal(text) => write!(f, "does not hold a decimal number ({text:?})"),
            Content::OutsideRoot => f.write_str("points outside the root directory"),
            Content::VpdTooShort(length) => write!(f, "is {length} bytes long, too short for a VPD page"),
            Content::VpdWrongPage(code) => {
                write!(f, "is VPD page {code:#04x}, not the unit serial number page 0x80")
            }
            Content::VpdTruncated { announced, held } => write!(
                f,
                "is truncated: the page announces {announced} bytes of serial number but holds {held}"
            ),
            Content::VpdNotAscii => f.write_str("holds a serial number that is not ASCII"),
            Content::PciIdTooWide(value) => write!(f, "{value:#x} is not a 16-bit PCI id"),
            Content::UnknownAddressType(value) => write!(f, "unknown address type {value}"),
            Content::NoMemTotal => f.write_str("has no MemTotal line"),
            Content::InvalidMemTotal(line) => write!(f, "has an invalid MemTotal line: {line:?}"),
            Content::MemTotalUnit(line) => write!(f, "has a MemTotal line without its kB unit: {line:?}"),
            Content::MemTotalOverflow(kib) => write!(f, "has an impossibly large MemTotal: {kib} kB"),
            Content::UnknownProcessor => {
                f.write_str("names no processor this collector knows (no vendor_id or CPU implementer)")
            }
            Content::MissingCpuField { field, processor } => {
                write!(f, "has no {field} for processor {processor}")
            }
            Content::InvalidCpuField { field, processor, text } => {
                write!(f, "has an invalid {field} for processor {processor}: {text:?}")
            }
            Content::NoRootMount => f.write_str("has no entry for the root filesystem"),
            Content::EmptyVendorAndModel => f.write_str("has an empty vendor and model"),
        }
    }
}

/// Why a physical network adapter's address is not a permanent one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressProblem {
    /// `addr_assign_type` 1: randomly generated.
    Random,
    /// `addr_assign_type` 3: set by software.
    SetBySoftware,
    /// The `address` file holds no valid MAC address (its trimmed text).
    Invalid(String),
}
