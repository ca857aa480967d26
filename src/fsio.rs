//! Durable file writes.
//!
//! Every file nodelock writes goes through here: a new file is written to a
//! temporary name in the same directory, flushed with `fsync`, renamed over
//! the target, and the directory is `fsync`ed so the rename itself survives a
//! crash. A crash at any instant leaves the old or the new content, never a
//! torn file. fsync failures are errors, not warnings. Secret files are
//! created with mode 0600 on Unix from the start (never widened later).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{:016x}.tmp", u64::from_le_bytes(nonce)));
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

/// The buffer [`read_capped`] starts with.
const READ_CHUNK: u64 = 8 * 1024;

/// Reads a whole file, refusing files larger than `max` bytes before reading
/// them into memory.
pub fn read_capped(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let file = File::open(path)?;
    // Room for a typical store file up front: from an empty Vec, read_to_end
    // probes with 32 bytes and doubles, six reads for a 400-byte file where
    // two do (the data, then end of file). Start-up reads three such files.
    let mut out = Vec::with_capacity(usize::try_from(max.min(READ_CHUNK)).unwrap_or(0) + 1);
    file.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is larger than {max} bytes", path.display()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
