//! Durable file writes.
//!
//! Every file nodelock writes goes through here: a new file is written to a
//! temporary name in the same directory, flushed with `fsync`, renamed over
//! the target, and the directory is `fsync`ed so the rename itself survives a
//! crash. A crash at any instant leaves the old or the new content, never a
//! torn file. fsync failures are errors, not warnings. Secret files are
//! created with mode 0600 on Unix from the start (never widened later), their
//! temporary files too; a temporary file left by a killed write is removed
//! by the next write of its directory ([`remove_stale_temporaries`]).
//!
//! Every read opens without blocking and refuses anything but a regular
//! file ([`NotAFile`]): a FIFO, a device or a socket given as an input or
//! planted in a store is refused at once instead of hanging the process;
//! store files are also opened without following a symbolic link
//! ([`read_store_file`]). A full disk is recognised ([`is_disk_full`]) so
//! callers can say so.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A path that names something other than a regular file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is {what}, not a regular file; give a file (nodelock never reads {what})", path.display())]
pub struct NotAFile {
    /// The path.
    pub path: PathBuf,
    /// What it is: "a FIFO (named pipe)", "a device", "a socket", "a directory", "a symbolic link".
    pub what: &'static str,
}

impl NotAFile {
    fn error(path: &Path, what: &'static str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, NotAFile { path: path.to_path_buf(), what })
    }
}

/// What a file type is, in words, unless it is a regular file.
fn not_regular(file_type: fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("a device");
        }
    }
    Some(if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    })
}

/// Opens `path` for reading without blocking (a FIFO without a writer would
/// block `open` forever) and, unless `follow`, without following a final
/// symbolic link; refuses anything but a regular file, judged by the open
/// handle's own metadata (no race with a swap after a check by name).
fn open_regular(path: &Path, follow: bool) -> io::Result<(File, fs::Metadata)> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | if follow { 0 } else { libc::O_NOFOLLOW });
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // O_NOFOLLOW on a symbolic link: ELOOP.
        Err(e) if !follow && fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            drop(e);
            return Err(NotAFile::error(path, "a symbolic link"));
        }
        Err(e) => return Err(e),
    };
    let metadata = file.metadata()?;
    match not_regular(metadata.file_type()) {
        Some(what) => Err(NotAFile::error(path, what)),
        None => Ok((file, metadata)),
    }
}

/// Opens an existing store file for writing in place, refusing (at once)
/// anything but a regular file and a symbolic link.
pub fn open_store_file_for_write(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    match not_regular(file.metadata()?.file_type()) {
        Some(what) => Err(NotAFile::error(path, what)),
        None => Ok(file),
    }
}

/// Opens (creating it, mode 0600) the lock file of a store, refusing
/// anything but a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    match not_regular(file.metadata()?.file_type()) {
        Some(what) => Err(NotAFile::error(path, what)),
        None => Ok(file),
    }
}

/// Whether `error` says the disk (or the user's quota) is full.
pub fn is_disk_full(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
}

/// The name prefix and suffix of `name`'s temporary files.
fn temporary_affixes(name: &std::ffi::OsStr) -> (String, &'static str) {
    (format!(".{}.", name.to_string_lossy()), ".tmp")
}

/// Removes the temporary files of `names` in `dir` that a killed write left
/// behind (`.activation.<16 hex>.tmp`). Call it only while no other write
/// of those files can be under way (the store holds its lock).
pub fn remove_stale_temporaries(dir: &Path, names: &[&str]) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let stale = names.iter().any(|name| {
            let (prefix, suffix) = temporary_affixes(std::ffi::OsStr::new(name));
            file_name
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(suffix))
                .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        });
        if stale {
            match fs::remove_file(entry.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Opens `path` for writing with `create_new`, mode 0600 when `secret`.
fn create_new(path: &Path, secret: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path)
}

/// Flushes a directory's entries to disk (a no-op where directories cannot be
/// opened, as on Windows, whose rename is already durable with write-through).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to a file that must not exist yet, durably. Fails with
/// [`io::ErrorKind::AlreadyExists`] rather than overwrite.
pub fn write_new(path: &Path, bytes: &[u8], secret: bool) -> io::Result<()> {
    let mut file = create_new(path, secret)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    sync_dir(parent_of(path))
}

/// Replaces the content of `path` atomically and durably: temp file → fsync →
/// rename → fsync directory.
pub fn write_atomic(path: &Path, bytes: &[u8], secret: bool) -> io::Result<()> {
    let dir = parent_of(path);
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
    let (prefix, suffix) = temporary_affixes(name);
    let tmp_name = format!("{prefix}{:016x}{suffix}", u64::from_le_bytes(nonce));
    let tmp: PathBuf = dir.join(tmp_name);
    let result = (|| {
        let mut file = create_new(&tmp, secret)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads a whole regular file (see [`NotAFile`]), refusing files larger
/// than `max` bytes before reading them into memory.
pub fn read_capped(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (file, metadata) = open_regular(path, true)?;
    read_from(file, metadata.len(), path, max)
}

/// [`read_capped`] for a file of a store: a symbolic link is refused too,
/// so no read follows a link out of the store.
pub fn read_store_file(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (file, metadata) = open_regular(path, false)?;
    read_from(file, metadata.len(), path, max)
}

/// Opens a store file for reading: a regular file, not a link.
pub fn open_store_file(path: &Path) -> io::Result<File> {
    open_regular(path, false).map(|(file, _)| file)
}

/// [`open_store_file`] with the open handle's metadata (read anyway to
/// refuse anything but a regular file), for a caller that needs its size or
/// identity without a second `fstat`.
pub fn open_store_file_with_metadata(path: &Path) -> io::Result<(File, fs::Metadata)> {
    open_regular(path, false)
}

/// Reads `file`, whose size was `len` when it was opened, to its end.
///
/// One `read` of `len + 1` bytes that returns `len` reaches the end of a
/// regular file: a read returns less than asked only at the end of the
/// file. That saves the second `read`, which would only return 0, on every
/// store file a start-up check reads. A file that changed size since it was
/// opened is still read to its end, within `max`. The size is only a hint:
/// a file is refused for what its reads return, never for its `st_size`
/// alone (which some file systems do not keep exact).
fn read_from(mut file: File, len: u64, path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let too_large = || {
        io::Error::new(io::ErrorKind::InvalidData, format!("{} is larger than {max} bytes", path.display()))
    };
    // Over the cap by its size: read as much as the cap allows and judge by that.
    let want = usize::try_from(len).ok().filter(|_| len <= max).unwrap_or(0);
    let mut out = vec![0u8; want + 1];
    let mut filled = 0;
    while filled < want {
        match file.read(&mut out[filled..]) {
            Ok(0) => break, // shorter than when it was opened
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled == want && want > 0 {
        // The last read stopped at the opened size, short of what was asked:
        // the end of the file.
        out.truncate(want);
        return Ok(out);
    }
    out.truncate(filled);
    // Longer than when it was opened (or empty then): read on, within `max`.
    file.take(max + 1 - filled as u64).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(too_large());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_whole_whatever_their_size_did_since_the_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("file");
        for content in [&b""[..], b"a", b"a store file of some length"] {
            fs::write(&path, content).expect("write");
            let len = content.len() as u64;
            // The size at the open; smaller (it grew since) and larger (it shrank).
            for opened in [len, len.saturating_sub(1), 0, len + 1, len + 10] {
                let file = File::open(&path).expect("open");
                let read = read_from(file, opened, &path, 64).expect("read");
                assert_eq!(read, content, "{len} bytes opened as {opened}");
            }
            assert_eq!(read_capped(&path, 64).expect("read"), content);
            assert_eq!(read_store_file(&path, len).expect("read at the cap"), content);
        }
        // Over the cap: refused for what a read found, whatever the size at the open said.
        let refused = |e: io::Error| e.kind() == io::ErrorKind::InvalidData;
        assert!(read_store_file(&path, 5).is_err_and(refused));
        let file = File::open(&path).expect("open");
        assert!(read_from(file, 3, &path, 5).is_err_and(refused), "grew past the cap since the open");
        // A size over the cap for a file that is not (a file system whose sizes lag):
        // read and judged by its content.
        fs::write(&path, b"abc").expect("write");
        let file = File::open(&path).expect("open");
        assert_eq!(read_from(file, 4096, &path, 5).expect("read"), b"abc");
    }

    #[test]
    fn atomic_and_new_writes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state");
        write_atomic(&p, b"one", false).unwrap();
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary files left behind");
        let k = dir.path().join("key");
        write_new(&k, b"secret", true).unwrap();
        assert_eq!(write_new(&k, b"other", true).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&k).unwrap(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&k).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(read_capped(&k, 5).is_err());
        assert_eq!(read_capped(&k, 6).unwrap(), b"secret");
    }

    fn not_a_file(e: io::Error) -> &'static str {
        e.get_ref().and_then(|e| e.downcast_ref::<NotAFile>()).map(|e| e.what).unwrap_or("other")
    }

    #[cfg(unix)]
    #[test]
    fn fifos_devices_sockets_and_store_links_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        assert_eq!(not_a_file(read_capped(&fifo, 10).unwrap_err()), "a FIFO (named pipe)");
        assert_eq!(not_a_file(read_store_file(&fifo, 10).unwrap_err()), "a FIFO (named pipe)");
        assert!(open_store_file_for_write(&fifo).is_err(), "refused, not waiting for a reader");
        assert_eq!(not_a_file(read_capped(Path::new("/dev/zero"), 10).unwrap_err()), "a device");
        let socket = dir.path().join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(read_capped(&socket, 10).is_err());
        assert_eq!(not_a_file(read_capped(dir.path(), 10).unwrap_err()), "a directory");
        let target = dir.path().join("target");
        fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_capped(&link, 10).unwrap(), b"x", "an input file may be a link");
        assert_eq!(not_a_file(read_store_file(&link, 10).unwrap_err()), "a symbolic link");
        assert_eq!(not_a_file(open_store_file(&link).unwrap_err()), "a symbolic link");
    }

    #[cfg(unix)]
    #[test]
    fn temporaries_are_private_and_stale_ones_are_removed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".activation.0123456789abcdef.tmp");
        let other = dir.path().join(".clock.0123456789abcdef.tmp");
        let unrelated = dir.path().join(".activation.notes.tmp");
        for p in [&stale, &other, &unrelated] {
            fs::write(p, b"secret").unwrap();
        }
        remove_stale_temporaries(dir.path(), &["activation"]).unwrap();
        assert!(!stale.exists() && other.exists() && unrelated.exists());
        // A temporary file of a secret is 0600 from its creation.
        let target = dir.path().join("activation");
        let (prefix, _) = temporary_affixes(std::ffi::OsStr::new("activation"));
        let tmp = dir.path().join(format!("{prefix}0000000000000000.tmp"));
        let f = create_new(&tmp, true).unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        drop(f);
        write_atomic(&target, b"s", true).unwrap();
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_full_disk_is_recognised() {
        assert!(is_disk_full(&io::Error::from(io::ErrorKind::StorageFull)));
        assert!(!is_disk_full(&io::Error::from(io::ErrorKind::PermissionDenied)));
        #[cfg(target_os = "linux")]
        {
            // /dev/full answers every write with ENOSPC, as a full disk does.
            let e =
                fs::OpenOptions::new().write(true).open("/dev/full").unwrap().write_all(b"x").unwrap_err();
            assert!(is_disk_full(&e), "{e:?}");
            assert!(is_disk_full(&io::Error::from_raw_os_error(libc::ENOSPC)));
        }
    }
}
