//! Why a component kind could not be read: the typed reason every collector
//! reports in [`Inventory::unreadable`](super::Inventory::unreadable).
//!
//! A reason is a value, not a sentence: it names the file, the system call or
//! the rule that failed, with the operating system's error code where there
//! is one, so a program can tell "no PCI bus" from "permission denied"
//! without reading English. [`Display`](fmt::Display) words it for people,
//! and that wording is what captures (`docs/FORMAT.md` §12) and
//! `profile show --json` write as the `"reason"` string; a reason read back
//! from such a file is [`Why::Recorded`].

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why one kind of component could not be read.
///
/// Paths are shown as the machine sees them (`/sys/class/net/eth0`), never
/// with a fixture directory in front.
///
/// Two reasons are equal when they read the same: a reason read back from a
/// capture ([`Why::Recorded`]) equals the one that was written, so an
/// inventory or capture survives a round trip through its file unchanged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Why {
    /// A file or directory could not be read, listed, resolved or examined.
    File {
        /// What was being done.
        action: FileAction,
        /// The file or directory.
        path: PathBuf,
        /// What the operating system answered.
        error: OsError,
    },
    /// A chain of symbolic links is longer than `limit` (a loop).
    LinkLoop {
        /// Where the chain starts.
        path: PathBuf,
        /// How many links are followed.
        limit: usize,
    },
    /// A file was read but does not hold what the kernel writes there.
    Content {
        /// The file (or directory, or link).
        path: PathBuf,
        /// What is wrong with it.
        problem: Content,
    },
    /// The root filesystem does not sit on a block device (an overlay, a
    /// tmpfs, a network filesystem).
    NoBlockDevice {
        /// Its filesystem type (`overlay`).
        fstype: String,
        /// Its source when that says more than the type (`/dev/root`).
        source: Option<String>,
    },
    /// Block devices are stacked (device mapper, md) deeper than `limit`.
    StackedTooDeep {
        /// The directory where the walk stopped.
        path: PathBuf,
        /// How deep the walk goes.
        limit: usize,
    },
    /// None of the disks below the root filesystem has a serial number.
    NoSerialNumber {
        /// Their names (`sda`, `nvme0n1`).
        drives: Vec<String>,
    },
    /// Neither `/sys/class/block` nor `/sys/block` exists.
    NoBlockDevices,
    /// `/sys/bus/pci/devices` does not exist.
    NoPciBus,
    /// No physical network adapter is visible.
    NoPhysicalAdapter {
        /// Whether the program runs in a container (which hides adapters).
        container: bool,
    },
    /// Physical adapters exist, but none has a permanent address.
    NoPermanentAddress {
        /// Each adapter and why its address does not count.
        adapters: Vec<(String, AddressProblem)>,
    },
    /// A system call or library function failed.
    Call {
        /// The function (`GetIfTable2`, `statfs`).
        call: &'static str,
        /// Its argument or the device it was called on, when that helps.
        on: Option<CallTarget>,
        /// The operating system's error, when it gave one.
        error: Option<OsError>,
    },
    /// An IOKit function returned a `kern_return_t` other than success.
    Status {
        /// The function.
        call: &'static str,
        /// Its argument (an IOKit class name).
        argument: String,
        /// The status code.
        status: i32,
    },
    /// A name handed to the OS holds a NUL byte.
    BadName {
        /// What the name is ("class name", "BSD name").
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A `sysctl` value the collector needs does not exist.
    NoSysctl(&'static str),
    /// The processor has no CPUID instruction.
    NoCpuid,
    /// ARM64 Windows lists no `CP 4000` (MIDR_EL1) value in the registry.
    NoMidrInRegistry,
    /// Windows names the system volume in a way the collector does not know.
    UnexpectedVolumeName(String),
    /// The system volume spans no physical disk.
    NoPhysicalDisk,
    /// An answer Windows returned is shorter than its layout.
    Truncated {
        /// The answer ("storage device descriptor").
        what: &'static str,
        /// How many bytes it has, when that helps.
        length: Option<usize>,
    },
    /// The system drive (Windows) or boot disk (macOS) reports no serial number.
    DriveReportsNoSerial {
        /// How the platform calls it: "system drive", "boot disk".
        drive: &'static str,
    },
    /// The boot disk has no `Device Characteristics` in the I/O Registry.
    NoDeviceCharacteristics,
    /// macOS has no I/O Registry entry for a BSD device.
    NoRegistryEntry {
        /// The BSD name (`disk0`).
        bsd_name: String,
    },
    /// The root filesystem is mounted from something that is not a disk.
    RootNotADisk {
        /// Where it is mounted from.
        source: String,
    },
    /// A library the fallback collector uses failed.
    Library {
        /// The library (`sysinfo`, `mac_address`).
        library: &'static str,
        /// What failed, worded for people ("cannot list network interfaces").
        task: &'static str,
        /// Its error.
        error: ForeignError,
    },
    /// `sysinfo` answered but reports nothing for this kind.
    NothingReported(&'static str),
    /// This platform's collector does not read this kind.
    Unsupported,
    /// Several attempts failed, each for its own reason.
    All(Vec<Why>),
    /// A reason known only as the text a capture file recorded.
    Recorded(String),
}

/// What was being done to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileAction {
    /// Reading its contents.
    Read,
    /// Listing a directory.
    List,
    /// Following a symbolic link.
    Resolve,
    /// Asking whether it exists (`lstat`, `stat`).
    LookAt,
}

impl FileAction {
    /// The verb, as in "cannot read /proc/meminfo".
    pub const fn verb(self) -> &'static str {
        match self {
            FileAction::Read => "read",
            FileAction::List => "list",
            FileAction::Resolve => "resolve",
            FileAction::LookAt => "look at",
        }
    }
}

/// An operating-system error: its kind and, when the OS gave one, its code
/// (`errno`, a Win32 error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OsError {
    /// The portable kind.
    pub kind: io::ErrorKind,
    /// The raw code.
    pub code: Option<i32>,
}

impl OsError {
    /// The OS error with raw code `code`.
    pub fn from_code(code: i32) -> Self {
        OsError { kind: io::Error::from_raw_os_error(code).kind(), code: Some(code) }
    }

    /// The error the last failed system call left behind.
    pub fn last() -> Self {
        Self::from(&io::Error::last_os_error())
    }

    /// The short, lower-case wording used after a path ("it does not exist",
    /// "permission denied", "is a directory"), without "(os error N)".
    fn brief(&self) -> String {
        match self.kind {
            io::ErrorKind::NotFound => "it does not exist".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => {
                let text = self.to_string();
                let text = match text.find(" (os error") {
                    Some(end) => text[..end].to_owned(),
                    None => text,
                };
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => "unknown error".to_owned(),
                }
            }
        }
    }
}

impl From<&io::Error> for OsError {
    fn from(error: &io::Error) -> Self {
        OsError { kind: error.kind(), code: error.raw_os_error() }
    }
}

impl fmt::Display for OsError {
    /// The operating system's own message, as [`io::Error`] shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => io::Error::from_raw_os_error(code).fmt(f),
            None => io::Error::from(self.kind).fmt(f),
        }
    }
}

/// What a failed call was called on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallTarget {
    /// An argument: `GetVolumePathNameW(C:\Windows)`.
    Argument(String),
    /// A device an ioctl was sent to: `IOCTL_… on \\.\C:`.
    Device(String),
    /// A device that could not be opened: `cannot open \\.\PhysicalDrive0`.
    Open(String),
}

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
    fn is_predicate(&self) -> bool {
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

/// An error from a library whose error type cannot be cloned, kept whole
/// (shared) so its [`source`](StdError::source) chain survives.
#[derive(Debug, Clone)]
pub struct ForeignError(pub Arc<dyn StdError + Send + Sync>);

impl ForeignError {
    /// Wraps `error`.
    pub fn new(error: impl StdError + Send + Sync + 'static) -> Self {
        ForeignError(Arc::new(error))
    }
}

impl fmt::Display for ForeignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Why {
    /// Whether this is a file or directory that does not exist (as opposed
    /// to one that exists but cannot be read).
    pub fn is_missing(&self) -> bool {
        matches!(self, Why::File { error, .. } if error.kind == io::ErrorKind::NotFound)
    }
}

impl PartialEq for Why {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Why {}

impl std::hash::Hash for Why {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_string().hash(state);
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::File { action, path, error } => {
                write!(f, "cannot {} {}: {}", action.verb(), path.display(), error.brief())
            }
            Why::LinkLoop { path, .. } => {
                write!(f, "cannot resolve {}: too many levels of symbolic links", path.display())
            }
            Why::Content { path, problem } if problem.is_predicate() => {
                write!(f, "{} {problem}", path.display())
            }
            Why::Content { path, problem } => write!(f, "{}: {problem}", path.display()),
            Why::NoBlockDevice { fstype, source: None } => {
                write!(f, "no block device under the root filesystem ({fstype})")
            }
            Why::NoBlockDevice { fstype, source: Some(source) } => {
                write!(f, "no block device under the root filesystem ({fstype} {source})")
            }
            Why::StackedTooDeep { path, limit } => {
                write!(f, "the devices under {} are stacked more than {limit} deep", path.display())
            }
            Why::NoSerialNumber { drives } => {
                write!(f, "the system drive {} has no serial number", drives.join(" and "))
            }
            Why::NoBlockDevices => f.write_str("no block devices are visible"),
            Why::NoPciBus => f.write_str("no PCI bus is visible"),
            Why::NoPhysicalAdapter { container: true } => {
                f.write_str("no physical network adapter is visible (container)")
            }
            Why::NoPhysicalAdapter { container: false } => {
                f.write_str("no physical network adapter is visible")
            }
            Why::NoPermanentAddress { adapters } => {
                f.write_str("no network adapter has a permanent address: ")?;
                for (i, (name, problem)) in adapters.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    match problem {
                        AddressProblem::Random => write!(f, "{name} has a randomly generated address")?,
                        AddressProblem::SetBySoftware => write!(f, "{name} has an address set by software")?,
                        AddressProblem::Invalid(text) => write!(f, "{name} has no valid address ({text:?})")?,
                    }
                }
                Ok(())
            }
            Why::Call { call, on, error } => {
                match on {
                    None => write!(f, "{call} failed")?,
                    Some(CallTarget::Argument(argument)) => write!(f, "{call}({argument}) failed")?,
                    Some(CallTarget::Device(device)) => write!(f, "{call} on {device} failed")?,
                    Some(CallTarget::Open(device)) => write!(f, "cannot open {device}")?,
                }
                match error {
                    Some(error) => write!(f, ": {error}"),
                    None => Ok(()),
                }
            }
            Why::Status { call, argument, status } => write!(f, "{call}({argument}) failed with {status:#x}"),
            Why::BadName { what, name } => write!(f, "bad {what} {name}"),
            Why::NoSysctl(name) => write!(f, "sysctl {name} is not available"),
            Why::NoCpuid => f.write_str("CPUID is not available on this processor"),
            Why::NoMidrInRegistry => f.write_str(
                "no CP 4000 (MIDR_EL1) value under HKLM\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor",
            ),
            Why::UnexpectedVolumeName(name) => write!(f, "unexpected volume name {name}"),
            Why::NoPhysicalDisk => f.write_str("the system volume lies on no physical disk"),
            Why::Truncated { what, length: None } => write!(f, "the {what} is truncated"),
            Why::Truncated { what, length: Some(length) } => {
                write!(f, "the {what} is truncated ({length} bytes)")
            }
            Why::DriveReportsNoSerial { drive } => write!(f, "the {drive} reports no serial number"),
            Why::NoDeviceCharacteristics => {
                f.write_str("the boot disk has no Device Characteristics in the I/O Registry")
            }
            Why::NoRegistryEntry { bsd_name } => write!(f, "no I/O Registry entry for /dev/{bsd_name}"),
            Why::RootNotADisk { source } => write!(f, "/ is mounted from {source}, not a disk"),
            Why::Library { task, error, .. } => write!(f, "{task}: {error}"),
            Why::NothingReported(what) => write!(f, "sysinfo reports no {what}"),
            Why::Unsupported => f.write_str("not supported on this platform"),
            Why::All(reasons) => {
                for (i, reason) in reasons.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    reason.fmt(f)?;
                }
                Ok(())
            }
            Why::Recorded(text) => f.write_str(text),
        }
    }
}

/// Written as its [`Display`](fmt::Display) text: the `"reason"` string of
/// captures and of `profile show --json`.
impl Serialize for Why {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Read back as [`Why::Recorded`]: the text is all a file keeps.
impl<'de> Deserialize<'de> for Why {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Why::Recorded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_as_their_text_and_read_back_as_recorded() {
        let why = Why::NoPhysicalAdapter { container: true };
        let json = serde_json::to_string(&why).expect("serialise");
        assert_eq!(json, "\"no physical network adapter is visible (container)\"");
        let back: Why = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, Why::Recorded("no physical network adapter is visible (container)".to_owned()));
        assert!(matches!(back, Why::Recorded(_)));
        assert_eq!(back, why, "a recorded reason equals the reason it records");
        assert_ne!(why, Why::NoPhysicalAdapter { container: false });
    }

    #[test]
    fn calls_read_like_the_platform_messages() {
        let denied = OsError { kind: io::ErrorKind::PermissionDenied, code: None };
        let call = |on| Why::Call { call: "GetVolumePathNameW", on, error: Some(denied) };
        assert_eq!(call(None).to_string(), "GetVolumePathNameW failed: permission denied");
        assert_eq!(
            call(Some(CallTarget::Argument("C:\\Windows".into()))).to_string(),
            "GetVolumePathNameW(C:\\Windows) failed: permission denied"
        );
        assert_eq!(
            Why::Call { call: "IOCTL_X", on: Some(CallTarget::Device("\\\\.\\C:".into())), error: None }
                .to_string(),
            "IOCTL_X on \\\\.\\C: failed"
        );
        assert_eq!(
            Why::Call {
                call: "CreateFileW",
                on: Some(CallTarget::Open("\\\\.\\C:".into())),
                error: Some(denied)
            }
            .to_string(),
            "cannot open \\\\.\\C:: permission denied"
        );
        let both = Why::All(vec![Why::NoCpuid, Why::Unsupported]);
        assert_eq!(
            both.to_string(),
            "CPUID is not available on this processor; not supported on this platform"
        );
    }

    #[test]
    fn file_errors_drop_the_os_error_suffix_and_know_a_missing_file() {
        let missing = Why::File {
            action: FileAction::Read,
            path: "/proc/meminfo".into(),
            error: OsError { kind: io::ErrorKind::NotFound, code: Some(2) },
        };
        assert!(missing.is_missing());
        assert_eq!(missing.to_string(), "cannot read /proc/meminfo: it does not exist");
        let loop_ = Why::LinkLoop { path: "/loop".into(), limit: 8 };
        assert!(!loop_.is_missing());
    }
}
