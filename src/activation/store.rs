//! The license store's files: one directory per license on the end user's
//! machine, its paths, and reading and writing each file (the activation
//! protocol that changes them is in [`client`](super::client)).
//!
//! ```text
//! <store>/anchor        the location stamp's anchor, renewed by every install and deactivation
//! <store>/anchor.next   the anchor the pending requests were made for (renamed to `anchor` by an install)
//! <store>/license.lic   the license the activation belongs to (armoured)
//! <store>/activation    pending requests, the active certificate, its secret and public key (0600)
//! <store>/lock          empty; its advisory lock is held by every change of the store (0600)
//! <store>/clock         the time high-water mark, MAC'd with the activation secret (0600);
//!                       written with every installed certificate, so a store holding an
//!                       activation without a valid mark has lost it (reported, not trusted);
//!                       its two slots and what a check writes are [`clock`](super::clock)
//! ```
//!
//! Every write is atomic and durable ([`crate::fsio::write_atomic`]) except a
//! check's advance of the clock mark, which overwrites one slot in place
//! without waiting for the disk ([`clock`](super::clock)); a crash
//! at any instant leaves each file in its old or its new state (the clock
//! file at worst with one of its two slots unreadable). Reading a
//! damaged file never destroys anything: a damaged activation file is moved
//! aside (to `activation.damaged`) only when a new request must be written.
//! What the activation file holds, and its encoding, is [`state`](super::state).
//!
//! Every change of the store — a request, an install, a deactivation — is
//! one read-modify-write under the store's advisory lock (`Store::lock`),
//! so concurrent processes never lose one another's pending requests; the
//! lock holder also removes temporary files a killed write left behind.
//! Store files are read without following a symbolic link and refused
//! unless they are regular files ([`fsio::read_store_file`]).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use super::clock::{CLOCK_FILE, CLOCK_GRANULE_SECS};
pub use super::state::{Active, MAX_PENDING, Pending, SecretSeed, State, decode_state_bytes};
use super::state::{MAX_STATE_LEN, decode_state, encode_state};
use super::{ActivationError, LocationStamp, stamp};
use crate::codec::CodecError;
use crate::fsio;
use crate::license::MAX_LICENSE_LEN;

/// File name of the installed license.
pub const LICENSE_FILE: &str = "license.lic";
/// File name of the activation state.
pub const STATE_FILE: &str = "activation";
/// Where a damaged activation file is moved before a new one is written.
pub const DAMAGED_FILE: &str = "activation.damaged";
/// The file whose advisory lock every change of the store holds.
pub const LOCK_FILE: &str = "lock";

/// The store's advisory lock, held until dropped (closing the file releases it).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: fs::File,
}

/// What is wrong with a store file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// It does not decode.
    Format(CodecError),
    /// It is larger than the store ever writes it.
    TooLarge {
        /// The largest size the store reads.
        max: u64,
    },
    /// The anchor cannot be read, so the store has no location.
    Anchor,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Format(e) => write!(f, "{e}"),
            Damage::TooLarge { max } => write!(f, "it is larger than {max} bytes"),
            Damage::Anchor => f.write_str("the anchor file cannot be read"),
        }
    }
}

/// A store file that is damaged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the activation store file {} is damaged ({damage}); nothing was changed — ask the vendor's support for help before deleting it",
    path.display()
)]
pub struct StoreCorrupt {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub damage: Damage,
}

/// A store file that could not be read (the comparable part of the I/O error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot access the activation store at {}: {}; check that the directory exists and is writable",
    path.display(), IoCause(*kind, *os_code)
)]
pub struct StoreUnreadable {
    /// The file.
    pub path: PathBuf,
    /// The kind of failure.
    pub kind: io::ErrorKind,
    /// The operating system's error code, if it gave one.
    pub os_code: Option<i32>,
}

impl StoreUnreadable {
    /// The comparable part of `error` on `path`.
    pub fn new(path: impl Into<PathBuf>, error: &io::Error) -> Self {
        StoreUnreadable { path: path.into(), kind: error.kind(), os_code: error.raw_os_error() }
    }
}

/// Shows an I/O failure as `io::Error` shows it.
pub(crate) struct IoCause(pub(crate) io::ErrorKind, pub(crate) Option<i32>);

impl fmt::Display for IoCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(code) => write!(f, "{}", io::Error::from_raw_os_error(code)),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A license store directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ActivationError + '_ {
    move |source| {
        if fsio::is_disk_full(&source) {
            ActivationError::DiskFull { path: path.to_path_buf() }
        } else {
            ActivationError::Io { path: path.to_path_buf(), source }
        }
    }
}

impl Store {
    /// The store in `dir` (nothing is read or created yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    /// The per-user default directory of `product`'s store: under
    /// `$XDG_DATA_HOME` (or `~/.local/share`) on Linux and other Unix,
    /// `~/Library/Application Support` on macOS and `%LOCALAPPDATA%` on Windows
    /// (local, never roaming: a roaming profile would carry the activation to
    /// other machines), then `nodelock/<product>`.
    pub fn default_dir(product: &str) -> Result<PathBuf, ActivationError> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let base = if cfg!(windows) {
            env("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            env("HOME").map(|h| h.join("Library/Application Support"))
        } else {
            env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
        };
        let safe: String = product
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
            .collect();
        Ok(base.ok_or(ActivationError::NoDefaultStore)?.join("nodelock").join(safe))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the installed license.
    pub fn license_path(&self) -> PathBuf {
        self.dir.join(LICENSE_FILE)
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Creates the directory (mode 0700 on Unix) and its anchor if missing.
    /// An existing directory that others can write (group or world write
    /// bit) is tightened to 0700, or refused when that is not possible: whoever
    /// can write it could swap its files.
    pub fn create(&self) -> Result<(), ActivationError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&self.dir).map_err(io_err(&self.dir))?;
        self.restrict_to_owner()?;
        stamp::ensure_anchor(&self.dir).map_err(io_err(&self.dir))
    }

    /// Tightens a directory others can write to 0700 (Unix).
    #[cfg(unix)]
    fn restrict_to_owner(&self) -> Result<(), ActivationError> {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&self.dir).map_err(io_err(&self.dir))?.permissions().mode();
        if mode & 0o022 == 0 {
            return Ok(());
        }
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)).map_err(|source| {
            ActivationError::StoreWritableByOthers {
                path: self.dir.clone(),
                mode: mode & 0o7777,
                kind: source.kind(),
            }
        })
    }

    #[cfg(not(unix))]
    fn restrict_to_owner(&self) -> Result<(), ActivationError> {
        Ok(())
    }

    /// The store's location stamp; `None` when it has no (valid) anchor.
    pub fn stamp(&self) -> Option<LocationStamp> {
        stamp::stamp(&self.dir).ok()
    }

    /// The stamps a certificate for this very store may carry: its next
    /// anchor's (the one a request is made for) and its anchor's (an install
    /// completed again after a crash). A copy of the store has neither.
    pub(crate) fn own_stamps(&self) -> Vec<LocationStamp> {
        stamp::next_stamp(&self.dir).ok().into_iter().chain(self.stamp()).collect()
    }

    /// The stamp of the store's next anchor (created if missing), the one a
    /// request is made for: installing its answer makes it the anchor.
    pub(crate) fn next_stamp(&self) -> Result<LocationStamp, ActivationError> {
        stamp::ensure_next_anchor(&self.dir).map_err(io_err(&self.dir))?;
        stamp::next_stamp(&self.dir).map_err(io_err(&self.dir.join(stamp::NEXT_ANCHOR)))
    }

    /// Makes the store's location the one `certified` was made for, when that
    /// is its next anchor (see [`stamp`] for why, and why this comes before
    /// the activation is written). A certificate for the current anchor (an
    /// install completed again after a crash, or a request of an earlier
    /// build) changes nothing; one for neither will read as moved.
    pub(crate) fn adopt_anchor_of(&self, certified: LocationStamp) -> Result<(), ActivationError> {
        if self.stamp() == Some(certified) {
            return Ok(());
        }
        if stamp::next_stamp(&self.dir).ok() == Some(certified) {
            stamp::promote_next_anchor(&self.dir).map_err(io_err(&self.dir.join(stamp::ANCHOR)))?;
        }
        Ok(())
    }

    /// Replaces the anchor with a new one: no certificate made so far matches.
    pub(crate) fn renew_anchor(&self) -> Result<(), ActivationError> {
        stamp::renew_anchor(&self.dir).map_err(io_err(&self.dir.join(stamp::ANCHOR)))
    }

    /// Takes the store's advisory lock (waiting for another process that
    /// holds it) for one read-modify-write, then removes the temporary files
    /// of the store's files that a killed write left behind (`None` when the
    /// store directory does not exist: there is nothing to change).
    pub(crate) fn lock(&self) -> Result<Option<StoreLock>, ActivationError> {
        let path = self.dir.join(LOCK_FILE);
        let file = match fsio::open_lock_file(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        file.lock().map_err(io_err(&path))?;
        let names = [STATE_FILE, LICENSE_FILE, stamp::ANCHOR, stamp::NEXT_ANCHOR_ASIDE];
        fsio::remove_stale_temporaries(&self.dir, &names).map_err(io_err(&self.dir))?;
        Ok(Some(StoreLock { _file: file }))
    }

    /// Reads the activation state (empty when the file does not exist).
    pub fn load(&self) -> Result<State, ActivationError> {
        let path = self.state_path();
        let corrupt = |damage| ActivationError::StoreCorrupt(StoreCorrupt { path: path.clone(), damage });
        let bytes = match fsio::read_store_file(&path, MAX_STATE_LEN as u64) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(corrupt(Damage::TooLarge { max: MAX_STATE_LEN as u64 }));
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        decode_state(&bytes).map_err(|e| corrupt(Damage::Format(e)))
    }

    /// Writes the activation state (always in the current version).
    pub(crate) fn save(&self, state: &State) -> Result<(), ActivationError> {
        let path = self.state_path();
        fsio::write_atomic(&path, &encode_state(state), true).map_err(io_err(&path))
    }

    /// Loads the state for a change: a damaged file is moved aside (kept for
    /// support) and replaced by an empty state.
    pub(crate) fn load_for_update(&self) -> Result<State, ActivationError> {
        match self.load() {
            Err(ActivationError::StoreCorrupt(_)) => {
                let damaged = self.dir.join(DAMAGED_FILE);
                fs::rename(self.state_path(), &damaged).map_err(io_err(&damaged))?;
                Ok(State::default())
            }
            other => other,
        }
    }

    /// The receipt of the last deactivation, if one was made here.
    pub fn last_receipt(&self) -> Result<Option<Vec<u8>>, ActivationError> {
        Ok(self.load()?.last_receipt)
    }

    /// Installs `text` as the store's license file (atomically).
    pub fn install_license(&self, text: &str) -> Result<(), ActivationError> {
        self.create()?;
        self.write_license(text)
    }

    /// Writes `text` as the license file unless it already holds exactly that.
    pub(crate) fn write_license_if_changed(&self, text: &str) -> Result<(), ActivationError> {
        let installed = fsio::read_store_file(&self.license_path(), (MAX_LICENSE_LEN * 3) as u64).ok();
        if installed.as_deref() == Some(text.as_bytes()) {
            return Ok(());
        }
        self.write_license(text)
    }

    fn write_license(&self, text: &str) -> Result<(), ActivationError> {
        let path = self.license_path();
        fsio::write_atomic(&path, text.as_bytes(), false).map_err(io_err(&path))
    }
}
