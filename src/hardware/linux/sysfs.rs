//! Reading sysfs and procfs files below the collector's root.
//!
//! This module owns every file-system access of the Linux collector: small
//! bounded reads, directory listings in a stable order, symlink resolution
//! that refuses to leave the root, and turning file errors into
//! [`Why`] reasons. Paths in reasons are shown as the machine sees them
//! (`/sys/class/net/eth0`), never with the fixture directory in front, so
//! reasons read the same for a fixture tree and for the live system.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::hardware::normalise::parse_hex;
use crate::hardware::{Content, FileAction, OsError, Why};

/// How many symlinks in a chain [`Sysfs::resolve`] follows (a loop guard).
const MAX_LINKS: usize = 8;
/// Buffer for one sysfs attribute: the kernel hands out at most one page
/// (4 KiB); anything that fills this buffer is not an attribute.
const ATTRIBUTE_LIMIT: usize = 8 << 10;
/// The first read of an attribute: larger than nearly every attribute
/// (addresses, ids, serials, `uevent`), small enough to zero for free.
const SMALL_READ: usize = 256;

/// The root of a (live or fixture) Linux file system.
#[derive(Debug, Clone)]
pub(super) struct Sysfs {
    /// The root directory, canonical when it could be resolved.
    base: PathBuf,
    /// Whether `base` is in normal form (canonical, or `/`): then so is every
    /// path built from it here, and "is below" is a byte-prefix test instead
    /// of a walk over both paths' components.
    normal: bool,
    /// `sys/devices/virtual` below the root, where virtual interfaces live.
    virtual_devices: PathBuf,
}

impl Sysfs {
    /// A view of the tree below `root`.
    pub(super) fn new(root: &Path) -> Self {
        let (base, normal) = if root == Path::new("/") {
            (root.to_path_buf(), true)
        } else {
            match fs::canonicalize(root) {
                Ok(base) => (base, true),
                Err(_) => (root.to_path_buf(), false),
            }
        };
        let virtual_devices = base.join("sys/devices/virtual");
        Sysfs { base, normal, virtual_devices }
    }

    /// Whether `path` (built from the root by this module's joins) lies in
    /// `dir`, by whole components.
    fn below(&self, path: &Path, dir: &Path) -> bool {
        if !self.normal {
            return path.starts_with(dir);
        }
        let (path, dir) = (path.as_os_str().as_encoded_bytes(), dir.as_os_str().as_encoded_bytes());
        path.starts_with(dir) && (path.len() == dir.len() || dir.ends_with(b"/") || path[dir.len()] == b'/')
    }

    /// Whether `path` lies under `sys/devices/virtual` below the root.
    pub(super) fn is_virtual_device(&self, path: &Path) -> bool {
        self.below(path, &self.virtual_devices)
    }

    /// The path of `relative` (written without a leading `/`) below the root.
    pub(super) fn path(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    /// `path` as the machine sees it: relative to the root, with a leading `/`.
    pub(super) fn show(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.base) {
            Ok(rest) => Path::new("/").join(rest),
            Err(_) => path.to_path_buf(),
        }
    }

    fn error(&self, action: FileAction, path: &Path, error: &io::Error) -> Why {
        Why::File { action, path: self.show(path), error: OsError::from(error) }
    }

    /// `path` (shown as the machine sees it) holds something unexpected.
    pub(super) fn invalid(&self, path: &Path, problem: Content) -> Why {
        Why::Content { path: self.show(path), problem }
    }

    /// Reads at most `limit` bytes of `path`; a longer file is an error.
    pub(super) fn read_bytes(&self, path: &Path, limit: usize) -> Result<Vec<u8>, Why> {
        let file = File::open(path).map_err(|e| self.error(FileAction::Read, path, &e))?;
        let mut bytes = Vec::with_capacity(limit.min(4096));
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.error(FileAction::Read, path, &e))?;
        if bytes.len() > limit {
            return Err(self.invalid(path, Content::LargerThan(limit)));
        }
        Ok(bytes)
    }

    /// Reads a sysfs attribute (or a procfs file the kernel renders in one
    /// piece, like `meminfo`) as UTF-8 text, not trimmed.
    ///
    /// Such a file is rendered whole on the first `read`, so a read that
    /// leaves room in the buffer is the end of it; this saves the `read`
    /// that would only return 0 (a regular file in a fixture tree behaves
    /// the same). Multi-record procfs tables need [`read_table`](Self::read_table).
    pub(super) fn read_text(&self, path: &Path) -> Result<String, Why> {
        self.with_text(path, str::to_owned)
    }

    /// Reads a sysfs attribute like [`read_text`](Self::read_text) and hands
    /// its text to `f`, without copying it to the heap when it is small
    /// (nearly every attribute is): the per-attribute `String` was a
    /// measurable share of a start-up check's allocations.
    pub(super) fn with_text<T>(&self, path: &Path, f: impl FnOnce(&str) -> T) -> Result<T, Why> {
        let mut file = File::open(path).map_err(|e| self.error(FileAction::Read, path, &e))?;
        // Attributes are a few bytes: the first read goes to a small stack
        // buffer (zeroing 8 KiB for every read was ~5 % of a start-up check's
        // instructions); only a file that fills it continues on the heap, up
        // to the attribute limit.
        let mut small = [0u8; SMALL_READ];
        let first = loop {
            match file.read(&mut small) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(FileAction::Read, path, &e)),
            }
        };
        if first < SMALL_READ {
            return match std::str::from_utf8(&small[..first]) {
                Ok(text) => Ok(f(text)),
                Err(_) => Err(self.invalid(path, Content::NotUtf8)),
            };
        }
        let mut bytes = small.to_vec();
        (&mut file)
            .take((ATTRIBUTE_LIMIT - SMALL_READ) as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| self.error(FileAction::Read, path, &e))?;
        if bytes.len() >= ATTRIBUTE_LIMIT {
            return Err(self.invalid(path, Content::NotAnAttribute(ATTRIBUTE_LIMIT)));
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(f(text)),
            Err(_) => Err(self.invalid(path, Content::NotUtf8)),
        }
    }

    /// Reads a procfs table (`mountinfo`, `cpuinfo`, `meminfo`); bytes that
    /// are not UTF-8 (a mount point in another encoding) become U+FFFD
    /// instead of failing the whole table.
    pub(super) fn read_table(&self, path: &Path, limit: usize) -> Result<String, Why> {
        let bytes = self.read_bytes(path, limit)?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
        })
    }

    /// Reads an attribute holding a hexadecimal number (`0x10de`).
    pub(super) fn read_hex(&self, path: &Path) -> Result<u64, Why> {
        self.with_text(path, |text| parse_hex(text).ok_or_else(|| text.trim().to_owned()))?
            .map_err(|text| self.invalid(path, Content::NotHex(text)))
    }

    /// Reads an attribute holding a decimal number (`1`).
    pub(super) fn read_decimal(&self, path: &Path) -> Result<u64, Why> {
        self.with_text(path, |text| text.trim().parse().map_err(|_| text.trim().to_owned()))?
            .map_err(|text| self.invalid(path, Content::NotDecimal(text)))
    }

    /// Whether `path` exists, without following a final symlink.
    pub(super) fn exists(&self, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok()
    }

    /// Whether `path` exists as a symlink or anything else; `Err` when the
    /// answer is unknown (a symlink loop on the way, permission denied).
    pub(super) fn probe(&self, path: &Path) -> Result<bool, Why> {
        match fs::symlink_metadata(path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.error(FileAction::LookAt, path, &e)),
        }
    }

    /// The names in directory `dir`, sorted; names that are not UTF-8 (the
    /// kernel never makes them) are skipped.
    pub(super) fn list(&self, dir: &Path) -> Result<Vec<String>, Why> {
        let entries = fs::read_dir(dir).map_err(|e| self.error(FileAction::List, dir, &e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.error(FileAction::List, dir, &e))?;
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort_unstable();
        Ok(names)
    }

    /// Follows the symlink at the end of `path` (and any symlink it points
    /// to) and checks that the result exists and stays below the root, so a
    /// fixture's absolute link cannot reach the host.
    ///
    /// The directory holding the link must itself be a real directory (the
    /// root, a fixed sysfs directory, or a path this function returned): the
    /// kernel's links are relative (`../../devices/…`) and are joined to it
    /// lexically. That costs one `readlink` per link instead of one per path
    /// component, which matters on the live path.
    pub(super) fn resolve(&self, path: &Path) -> Result<PathBuf, Why> {
        self.follow(path, path.to_path_buf(), MAX_LINKS)
    }

    /// [`resolve`](Self::resolve) of the symlink `path` whose target the
    /// caller already read with [`link_target`](Self::link_target): the
    /// chain continues from `target` without reading the first link again.
    pub(super) fn resolve_after(&self, path: &Path, target: PathBuf) -> Result<PathBuf, Why> {
        self.follow(path, target, MAX_LINKS - 1)
    }

    /// Follows the chain from `current` for at most `links` more symlinks;
    /// reasons name `path`, where the chain started.
    fn follow(&self, path: &Path, mut current: PathBuf, links: usize) -> Result<PathBuf, Why> {
        let inside = |end: PathBuf| {
            if self.is_inside(&end) { Ok(end) } else { Err(self.invalid(path, Content::OutsideRoot)) }
        };
        for _ in 0..links {
            match fs::read_link(&current) {
                Ok(target) => {
                    current = self.join_link(current.parent().unwrap_or(Path::new("")), &target);
                }
                // EINVAL: it exists and is not a symlink, the end of the chain.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => return inside(current),
                // Platforms without EINVAL for "not a symlink" say so otherwise.
                Err(e)
                    if e.kind() != io::ErrorKind::NotFound
                        && fs::symlink_metadata(&current).is_ok_and(|m| !m.file_type().is_symlink()) =>
                {
                    return inside(current);
                }
                Err(e) => return Err(self.error(FileAction::Resolve, path, &e)),
            }
        }
        Err(Why::LinkLoop { path: self.show(path), limit: MAX_LINKS })
    }

    /// Whether `path` lies below the root.
    pub(super) fn is_inside(&self, path: &Path) -> bool {
        self.below(path, &self.base)
    }

    /// Where the symlink `path` points, joined like [`resolve`](Self::resolve)
    /// but with one `readlink` and no check that the target exists; `path`
    /// itself when it is not a symlink, `None` when it cannot be read.
    pub(super) fn link_target(&self, path: &Path) -> Option<PathBuf> {
        match fs::read_link(path) {
            Ok(target) => Some(self.join_link(path.parent().unwrap_or(path), &target)),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Some(path.to_path_buf()),
            Err(_) => None,
        }
    }

    /// `dir` (a directory built by this module) joined with the symlink
    /// target `target`: [`lexical_join`], by bytes when the root is in
    /// normal form (then so is `dir`), where it was ~5,000 instructions per
    /// link of a start-up check.
    fn join_link(&self, dir: &Path, target: &Path) -> PathBuf {
        #[cfg(unix)]
        if self.normal && dir.is_absolute() {
            return normal_join(dir, target);
        }
        lexical_join(dir, target)
    }

    /// The device numbers (`MAJ:MIN`) of the filesystem holding the root.
    #[cfg(unix)]
    pub(super) fn root_device(&self) -> Result<(u32, u32), Why> {
        use std::os::unix::fs::MetadataExt;
        let dev = fs::metadata(&self.base).map_err(|e| self.error(FileAction::LookAt, &self.base, &e))?.dev();
        Ok(split_dev(dev))
    }

    /// The last component of the target of symlink `path` (the driver name
    /// of a `driver` link), if it is a readable symlink.
    pub(super) fn link_name(&self, path: &Path) -> Option<String> {
        let target = fs::read_link(path).ok()?;
        target.file_name()?.to_str().map(str::to_owned)
    }
}

/// Splits a Linux `dev_t` into major and minor numbers (glibc's encoding:
/// 12 + 20 bits of major, 8 + 24 bits of minor).
#[cfg(unix)]
pub(super) fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xffff_f000);
    let minor = (dev & 0xff) | ((dev >> 12) & 0xffff_ff00);
    (major as u32, minor as u32)
}

/// `base` joined with a relative symlink `target`, `..` applied lexically;
/// an absolute target replaces `base`.
fn lexical_join(base: &Path, target: &Path) -> PathBuf {
    let mut joined = base.to_path_buf();
    for component in target.components() {
        match component {
            Component::RootDir | Component::Prefix(_) => joined = PathBuf::from(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                joined.pop();
            }
            Component::Normal(name) => joined.push(name),
        }
    }
    joined
}

/// [`lexical_join`] of an absolute `base` in normal form (no `.`, `..` or
/// empty names, no trailing `/` but the root's), by bytes: `..` truncates
/// at the last `/` (never past the root), as `PathBuf::pop` does there.
#[cfg(unix)]
fn normal_join(base: &Path, target: &Path) -> PathBuf {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let (base, target) = (base.as_os_str().as_bytes(), target.as_os_str().as_bytes());
    let mut joined = Vec::with_capacity(base.len() + target.len() + 1);
    joined.extend_from_slice(if target.starts_with(b"/") { b"/" } else { base });
    for name in target.split(|b| *b == b'/') {
        match name {
            b"" | b"." => {}
            b".." => {
                if let Some(slash) = joined.iter().rposition(|b| *b == b'/') {
                    joined.truncate(slash.max(1));
                }
            }
            name => {
                if joined.last() != Some(&b'/') {
                    joined.push(b'/');
                }
                joined.extend_from_slice(name);
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(joined))
}

/// The `/`-separated names of `path`, as bytes (empty ones included; they
/// match nothing below). A byte walk, not `Path::components`, which was a
/// visible share of a many-adapter check's instructions.
fn names(path: &Path) -> impl Iterator<Item = &[u8]> {
    path.as_os_str().as_encoded_bytes().split(|b| *b == b'/')
}

/// Whether `name` is `prefix` followed by at least one decimal digit and
/// nothing else (`usb3`, `virtio1`, `vbd-51712`).
fn numbered(name: &[u8], prefix: &[u8]) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
}

/// Whether a resolved device path runs through a USB bus (`…/usb3/3-1/…`).
pub(super) fn is_usb_path(path: &Path) -> bool {
    names(path).any(|name| numbered(name, b"usb"))
}

/// Whether a resolved device path runs through a virtio bus (`…/virtio1/…`).
pub(super) fn is_virtio_path(path: &Path) -> bool {
    names(path).any(|name| numbered(name, b"virtio"))
}

/// Whether a resolved device path belongs to a paravirtual bus: virtio
/// (`…/virtio1/…`), Xen (`/sys/devices/vbd-51712`, `vif-0`) or Hyper-V's VMBus.
pub(super) fn is_paravirtual_path(path: &Path) -> bool {
    names(path).any(|name| {
        numbered(name, b"virtio")
            || numbered(name, b"vbd-")
            || numbered(name, b"vif-")
            || (name.starts_with(b"VMBUS:") && std::str::from_utf8(name).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_of_every_size_up_to_the_limit_are_read_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        let path = dir.path().join("attribute");
        for len in [0, 1, SMALL_READ - 1, SMALL_READ, SMALL_READ + 1, 4096, ATTRIBUTE_LIMIT - 1] {
            let text: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            std::fs::write(&path, &text).expect("write");
            assert_eq!(sysfs.read_text(&path).expect("read"), text, "{len} bytes");
        }
        std::fs::write(&path, vec![b'x'; ATTRIBUTE_LIMIT]).expect("write");
        assert!(matches!(
            sysfs.read_text(&path),
            Err(Why::Content { problem: Content::NotAnAttribute(_), .. })
        ));
        std::fs::write(&path, [b'a', 0xff]).expect("write");
        assert!(matches!(sysfs.read_text(&path), Err(Why::Content { problem: Content::NotUtf8, .. })));
        let mut long = vec![b'a'; SMALL_READ + 10];
        long.push(0xff);
        std::fs::write(&path, long).expect("write");
        assert!(matches!(sysfs.read_text(&path), Err(Why::Content { problem: Content::NotUtf8, .. })));
    }

    #[cfg(unix)]
    #[test]
    fn links_join_by_bytes_as_by_components() {
        let mut rng = crate::hardware::linux::test_rng();
        let mut next = |n: u64| rng() % n;
        const NAMES: [&str; 7] = ["sys", "devices", "pci0000:00", "0000:00:1f.6", "..", ".", ""];
        for round in 0..5000 {
            // A normal absolute base (real names only) and any target.
            let base: String = (0..next(5)).map(|_| format!("/{}", NAMES[next(4) as usize])).collect();
            let base = if base.is_empty() { "/".to_owned() } else { base };
            let mut target: String =
                (0..next(7)).map(|_| NAMES[next(7) as usize]).collect::<Vec<_>>().join("/");
            if next(6) == 0 {
                target.insert(0, '/');
            }
            if next(6) == 0 {
                target.push('/');
            }
            let (base, target) = (Path::new(&base), Path::new(&target));
            assert_eq!(
                normal_join(base, target),
                lexical_join(base, target),
                "round {round}: {base:?} + {target:?}"
            );
        }
        let kernel = normal_join(
            Path::new("/sys/class/net"),
            Path::new("../../devices/pci0000:00/0000:00:1f.6/net/eno1"),
        );
        assert_eq!(kernel, Path::new("/sys/devices/pci0000:00/0000:00:1f.6/net/eno1"));
        assert_eq!(normal_join(Path::new("/sys"), Path::new("../../../..")), Path::new("/"));
    }

    #[test]
    fn recognises_usb_and_paravirtual_paths() {
        let usb = Path::new("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/net/enx00e04c680a1b");
        assert!(is_usb_path(usb));
        assert!(!is_paravirtual_path(usb));
        let nvme = Path::new("/sys/devices/pci0000:00/0000:00:06.0/0000:04:00.0/nvme/nvme0/nvme0n1");
        assert!(!is_usb_path(nvme));
        assert!(!is_usb_path(Path::new("/sys/bus/usb/drivers/usbhid")));
        assert!(is_paravirtual_path(Path::new("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda")));
        assert!(is_virtio_path(Path::new("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda")));
        assert!(!is_virtio_path(Path::new("/sys/devices/vbd-51712/block/xvda")));
        assert!(!is_virtio_path(Path::new("/sys/bus/virtio/drivers/virtio_blk")));
        assert!(is_paravirtual_path(Path::new("/sys/devices/vbd-51712/block/xvda")));
        assert!(is_paravirtual_path(Path::new(
            "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/000d3a6e-0000/net/eth0"
        )));
        assert!(!is_paravirtual_path(Path::new("/sys/bus/virtio/drivers/virtio_net")));
    }

    #[cfg(unix)]
    #[test]
    fn errors_read_like_sentences() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        let missing = sysfs.read_text(&sysfs.path("proc/meminfo")).expect_err("missing file");
        assert!(missing.is_missing());
        assert_eq!(missing.to_string(), "cannot read /proc/meminfo: it does not exist");

        fs::create_dir(dir.path().join("attr")).expect("mkdir");
        let directory = sysfs.read_text(&sysfs.path("attr")).expect_err("a directory");
        assert!(!directory.is_missing());
        assert_eq!(directory.to_string(), "cannot read /attr: is a directory");

        fs::write(dir.path().join("latin1"), b"caf\xe9\n").expect("write");
        let latin1 = sysfs.read_text(&sysfs.path("latin1")).expect_err("not UTF-8");
        assert_eq!(latin1.to_string(), "/latin1: is not UTF-8 text");
        assert_eq!(sysfs.read_table(&sysfs.path("latin1"), 100).as_deref(), Ok("caf\u{fffd}\n"));

        fs::write(dir.path().join("big"), vec![b'a'; 10]).expect("write");
        let big = sysfs.read_bytes(&sysfs.path("big"), 9).expect_err("too large");
        assert_eq!(big.to_string(), "/big: is larger than 9 bytes");
        assert_eq!(sysfs.read_bytes(&sysfs.path("big"), 10).map(|b| b.len()), Ok(10));
    }

    #[cfg(unix)]
    #[test]
    fn resolve_refuses_loops_and_escapes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).expect("symlink");
        let looped = sysfs.resolve(&sysfs.path("loop")).expect_err("a loop");
        assert_eq!(looped.to_string(), "cannot resolve /loop: too many levels of symbolic links");
        assert!(sysfs.probe(&sysfs.path("loop/device")).is_err());

        std::os::unix::fs::symlink("/", dir.path().join("escape")).expect("symlink");
        let escape = sysfs.resolve(&sysfs.path("escape")).expect_err("outside");
        assert_eq!(escape.to_string(), "/escape: points outside the root directory");

        std::os::unix::fs::symlink("nowhere", dir.path().join("dangling")).expect("symlink");
        assert!(sysfs.exists(&sysfs.path("dangling")));
        assert!(sysfs.resolve(&sysfs.path("dangling")).expect_err("dangling").is_missing());
        assert_eq!(sysfs.link_name(&sysfs.path("dangling")).as_deref(), Some("nowhere"));
    }
}
