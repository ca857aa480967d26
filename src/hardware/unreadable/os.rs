//! The operating-system side of an unreadable reason: what was done to a
//! file, the OS error code that came back, what a failed call was called
//! on, and a library error kept whole.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;

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
    pub(super) fn brief(&self) -> String {
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
