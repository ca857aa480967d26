//! The location stamp: where a license store physically lives.
//!
//! When a store is created it gets an **anchor** file of 32 random bytes. The
//! stamp is
//! `SHA-256("nodelock/location-stamp/v1" ‖ identity)` truncated to 16 bytes,
//! where the identity is the anchor's
//!
//! - device (volume) id and file id (inode / NTFS file index),
//! - birth (creation) time, where the platform records one,
//! - canonical path, and
//! - content.
//!
//! Copying the store (even with `cp -a`), restoring it from a backup or a tar
//! archive, or moving it to another directory or machine creates a new file
//! or changes its path, so the stamp changes; the store's own atomic rewrites
//! of its other files never touch the anchor, so they do not. A block-level
//! disk image restored onto the *same* disk keeps every identity field, as it
//! keeps the file at the same physical place; the hardware comparison is what
//! catches such an image on another machine.
//!
//! ## Renewal: a store cannot be restored to life
//!
//! The anchor is renewed whenever the activation it locates changes, so an
//! old certificate's stamp can never match again:
//!
//! - **A request** is made for the *next* anchor, `anchor.next` (created once
//!   and shared by every pending request); its stamp is computed as if it
//!   were already named `anchor`.
//! - **Installing** the answer renames `anchor.next` over `anchor` (a rename
//!   keeps the file's identity, so the new certificate matches and every
//!   earlier one, bound to the replaced file, reads as moved).
//! - **Deactivating** writes a fresh anchor (new file, new content) before the
//!   activation is removed.
//!
//! So a backup copied back over the store (`cp -a backup/. store/` rewrites
//! the anchor's *content* in place, in a file that is not the one certified),
//! or an old `activation` file copied back, reads as moved: refused when the
//! policy invalidates on move, compared with moved weights otherwise.
//!
//! Crash safety: an install renames the anchor first and writes the new
//! activation second. A crash between the two leaves the request pending and
//! the certificate's anchor in place, so applying the same answer again
//! completes the install (a certificate whose stamp matches the current
//! anchor is installed without a rename). A deactivation renews the anchor
//! first: a crash before the activation is removed leaves it reading as
//! moved, and deactivating again completes it; never the reverse (a
//! deactivated store whose anchor still matches a backup).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::LocationStamp;
use crate::fsio;

/// Name of the anchor file in a store directory.
pub const ANCHOR: &str = "anchor";
/// Name of the anchor the pending requests were made for, which installing
/// their answer renames to [`ANCHOR`].
pub const NEXT_ANCHOR: &str = "anchor.next";
/// Where the next anchor is written before it is linked into place.
pub const NEXT_ANCHOR_ASIDE: &str = ".anchor.next.new";
/// Domain tag of location stamps.
pub const STAMP_DOMAIN: &[u8] = b"nodelock/location-stamp/v1";
const ANCHOR_LEN: usize = 32;

/// Creates the anchor of `dir` if it has none (never rewrites an existing one).
pub fn ensure_anchor(dir: &Path) -> io::Result<()> {
    create_once(&dir.join(ANCHOR))
}

/// Creates the next anchor of `dir` if it has none (pending requests share
/// it). It appears whole or not at all (written aside, then linked into
/// place without replacing one another process linked first); a torn one
/// left by an earlier build's crash was never requested for and is replaced.
pub fn ensure_next_anchor(dir: &Path) -> io::Result<()> {
    let path = dir.join(NEXT_ANCHOR);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.len() == ANCHOR_LEN as u64 => return Ok(()),
        Ok(_) => std::fs::remove_file(&path)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let aside = dir.join(NEXT_ANCHOR_ASIDE);
    fsio::write_atomic(&aside, &random_content()?, false)?;
    let linked = match std::fs::hard_link(&aside, &path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        // A file system without hard links: a rename (whole, but it could
        // replace a next anchor linked at the same instant).
        Err(_) if !path.exists() => std::fs::rename(&aside, &path),
        other => other,
    };
    let _ = std::fs::remove_file(&aside);
    linked?;
    fsio::sync_dir(dir)
}

fn random_content() -> io::Result<[u8; ANCHOR_LEN]> {
    let mut content = [0u8; ANCHOR_LEN];
    getrandom::fill(&mut content).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(content)
}

fn create_once(path: &Path) -> io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    match fsio::write_new(path, &random_content()?, false) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Makes the next anchor the anchor (an atomic, durable rename): the stamp of
/// the requests made for it now matches, every earlier one does not.
pub fn promote_next_anchor(dir: &Path) -> io::Result<()> {
    std::fs::rename(dir.join(NEXT_ANCHOR), dir.join(ANCHOR))?;
    fsio::sync_dir(dir)
}

/// Replaces the anchor with a new file of new content (atomically): no
/// certificate made so far matches the store any more.
pub fn renew_anchor(dir: &Path) -> io::Result<()> {
    fsio::write_atomic(&dir.join(ANCHOR), &random_content()?, false)
}

/// The location stamp of the store in `dir`; fails when it has no anchor.
pub fn stamp(dir: &Path) -> io::Result<LocationStamp> {
    let path = dir.join(ANCHOR);
    stamp_of(&path, &std::fs::canonicalize(&path)?)
}

/// The stamp the store in `dir` will have once its next anchor is installed;
/// fails when it has no next anchor.
pub fn next_stamp(dir: &Path) -> io::Result<LocationStamp> {
    stamp_of(&dir.join(NEXT_ANCHOR), &std::fs::canonicalize(dir)?.join(ANCHOR))
}

/// The stamp of the anchor file at `path` once its canonical path is `canonical`.
fn stamp_of(path: &Path, canonical: &Path) -> io::Result<LocationStamp> {
    let (mut file, meta) = fsio::open_store_file_with_metadata(path)?;
    let altered = || io::Error::new(io::ErrorKind::InvalidData, "the store's anchor file was altered");
    // The size the open handle's metadata gives decides, then one read of
    // the anchor's length (no read to learn the end of the file).
    if meta.len() != ANCHOR_LEN as u64 {
        return Err(altered());
    }
    let mut content = [0u8; ANCHOR_LEN];
    file.read_exact(&mut content).map_err(|_| altered())?;
    let mut h = Sha256::new();
    h.update(STAMP_DOMAIN);
    for field in file_identity(&file, &meta)? {
        h.update(field.to_le_bytes());
    }
    let born = meta.created().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    h.update(born.map_or(0, |d| d.as_secs()).to_le_bytes());
    h.update(born.map_or(0, |d| d.subsec_nanos()).to_le_bytes());
    let path_bytes = canonical.to_string_lossy();
    h.update((path_bytes.len() as u64).to_le_bytes());
    h.update(path_bytes.as_bytes());
    h.update(content);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    Ok(LocationStamp(out))
}

/// Device and file id.
#[cfg(unix)]
fn file_identity(_file: &File, meta: &std::fs::Metadata) -> io::Result<[u64; 2]> {
    use std::os::unix::fs::MetadataExt;
    Ok([meta.dev(), meta.ino()])
}

/// Volume serial number and file index.
#[cfg(windows)]
fn file_identity(file: &File, _meta: &std::fs::Metadata) -> io::Result<[u64; 2]> {
    windows_identity::identity(file)
}

#[cfg(not(any(unix, windows)))]
fn file_identity(_file: &File, _meta: &std::fs::Metadata) -> io::Result<[u64; 2]> {
    Ok([0, 0])
}

#[cfg(windows)]
#[allow(unsafe_code)]
mod windows_identity {
    use std::fs::File;
    use std::io;
    use std::os::windows::io::AsRawHandle;

    use windows_sys::Win32::Storage::FileSystem::{BY_HANDLE_FILE_INFORMATION, GetFileInformationByHandle};

    /// `GetFileInformationByHandle`: volume serial number and 64-bit file index.
    pub fn identity(file: &File) -> io::Result<[u64; 2]> {
        let mut info = std::mem::MaybeUninit::<BY_HANDLE_FILE_INFORMATION>::zeroed();
        // SAFETY: the handle belongs to `file`, which outlives the call; `info`
        // points at writable memory of exactly the structure's size, which the
        // call fills on success; on failure we do not read it.
        let ok = unsafe { GetFileInformationByHandle(file.as_raw_handle() as _, info.as_mut_ptr()) };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the call succeeded, so it initialised the structure (and it
        // was zeroed before, so every field is a valid integer either way).
        let info = unsafe { info.assume_init() };
        let index = (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow);
        Ok([u64::from(info.dwVolumeSerialNumber), index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        ensure_anchor(dir.path()).unwrap();
        let first = std::fs::read(dir.path().join(ANCHOR)).unwrap();
        let s1 = stamp(dir.path()).unwrap();
        ensure_anchor(dir.path()).unwrap();
        assert_eq!(std::fs::read(dir.path().join(ANCHOR)).unwrap(), first);
        assert_eq!(stamp(dir.path()).unwrap(), s1);
    }

    #[test]
    fn the_next_anchor_has_the_stamp_it_will_have_once_installed() {
        let dir = tempfile::tempdir().unwrap();
        ensure_anchor(dir.path()).unwrap();
        let old = stamp(dir.path()).unwrap();
        assert!(next_stamp(dir.path()).is_err(), "no next anchor yet");
        ensure_next_anchor(dir.path()).unwrap();
        let next = next_stamp(dir.path()).unwrap();
        ensure_next_anchor(dir.path()).unwrap();
        assert_eq!(next_stamp(dir.path()).unwrap(), next, "pending requests share one next anchor");
        assert_ne!(next, old);
        promote_next_anchor(dir.path()).unwrap();
        assert_eq!(stamp(dir.path()).unwrap(), next);
        assert!(!dir.path().join(NEXT_ANCHOR).exists());
        renew_anchor(dir.path()).unwrap();
        let renewed = stamp(dir.path()).unwrap();
        assert!(renewed != next && renewed != old, "a renewed anchor matches no earlier stamp");
    }

    #[test]
    fn a_store_without_anchor_has_no_stamp() {
        let dir = tempfile::tempdir().unwrap();
        assert!(stamp(dir.path()).is_err());
        std::fs::write(dir.path().join(ANCHOR), b"short").unwrap();
        assert_eq!(stamp(dir.path()).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
