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

use std::fmt;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod content;
mod os;

pub use content::{AddressProblem, Content};
pub use os::{CallTarget, FileAction, ForeignError, OsError};

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
