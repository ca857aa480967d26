//! The root filesystem's entry in `/proc/self/mountinfo`.
//!
//! This module owns parsing `mountinfo` (see `proc_pid_mountinfo(5)`): the
//! system drive starts from the root mount's device number or source, and
//! container detection looks at its filesystem type and options.

use super::sysfs::Sysfs;
use crate::hardware::{Content, Why};

/// Upper bound for `mountinfo` (hosts running many containers have thousands
/// of mounts of a few hundred bytes each).
const MOUNTINFO_LIMIT: usize = 16 << 20;

/// The mount whose mount point is `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RootMount {
    /// Major device number (0 for filesystems without a block device:
    /// overlay, tmpfs, btrfs subvolumes, NFS, ZFS …).
    pub(super) major: u32,
    /// Minor device number.
    pub(super) minor: u32,
    /// Filesystem type (`ext4`, `overlay`); empty when only the device
    /// number was needed (see [`root`]).
    pub(super) fstype: String,
    /// Mount source (`/dev/nvme0n1p2`, `overlay`), unescaped.
    pub(super) source: String,
    /// Per-superblock options (`rw,lowerdir=/var/lib/docker/…`).
    pub(super) options: String,
}

/// The root mount of the machine below `sysfs`.
///
/// On the live system the root's device number comes from `stat("/")`,
/// which is what `mountinfo` would say for `/` and costs one system call
/// instead of the kernel formatting every mount; `mountinfo` is read only
/// when the root has no block device (major 0), to learn its type and source.
/// The type, source and options are then empty: a root on a block device is
/// never an overlay. A fixture root always reads `proc/self/mountinfo`.
pub(super) fn root(sysfs: &Sysfs, live: bool) -> Result<RootMount, Why> {
    #[cfg(unix)]
    if live
        && let Ok((major, minor)) = sysfs.root_device()
        && major != 0
    {
        let (fstype, source, options) = (String::new(), String::new(), String::new());
        return Ok(RootMount { major, minor, fstype, source, options });
    }
    #[cfg(not(unix))]
    let _ = live;
    read_root(sysfs)
}

/// Reads the root mount from `proc/self/mountinfo` below `sysfs`.
fn read_root(sysfs: &Sysfs) -> Result<RootMount, Why> {
    let path = sysfs.path("proc/self/mountinfo");
    let text = sysfs.read_table(&path, MOUNTINFO_LIMIT)?;
    parse_root(&text).ok_or_else(|| sysfs.invalid(&path, Content::NoRootMount))
}

/// The last well-formed line whose mount point is `/` (a later mount on `/`
/// hides an earlier one).
pub(super) fn parse_root(text: &str) -> Option<RootMount> {
    text.lines().rev().find_map(parse_root_line)
}

/// One `mountinfo` line, `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3
/// /dev/root rw`, if it is well formed and mounts `/`.
fn parse_root_line(line: &str) -> Option<RootMount> {
    let mut fields = line.split_ascii_whitespace();
    let (major, minor) = fields.nth(2)?.split_once(':')?;
    if fields.nth(1)? != "/" {
        return None;
    }
    // Mount options, then optional fields up to the "-" separator.
    let mut fields = fields.skip(1).skip_while(|f| *f != "-").skip(1);
    let fstype = fields.next()?.to_owned();
    let source = unescape(fields.next()?);
    let options = fields.next().unwrap_or_default().to_owned();
    Some(RootMount { major: major.parse().ok()?, minor: minor.parse().ok()?, fstype, source, options })
}

/// Undoes the kernel's octal escapes (`\040` for a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match octal.and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
28 27 259:1 / /boot/efi rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0077
29 27 0:26 / /media/usb\\040stick rw - vfat /dev/sdb1 rw
";

    #[test]
    fn finds_the_root_mount() {
        let root = parse_root(HOST).expect("root");
        assert_eq!((root.major, root.minor), (259, 2));
        assert_eq!(root.fstype, "ext4");
        assert_eq!(root.source, "/dev/nvme0n1p2");
        assert_eq!(root.options, "rw,errors=remount-ro");
    }

    #[test]
    fn a_later_root_mount_hides_an_earlier_one() {
        let text = format!(
            "{HOST}900 27 0:90 / / rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A,upperdir=/u\n"
        );
        let root = parse_root(&text).expect("root");
        assert_eq!((root.major, root.fstype.as_str(), root.source.as_str()), (0, "overlay", "overlay"));
        assert!(root.options.contains("docker"));
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert_eq!(parse_root(""), None);
        assert_eq!(parse_root("27 1 259:2 / / rw"), None, "no separator");
        assert_eq!(parse_root("27 1 x:2 / / rw - ext4 /dev/sda1 rw"), None, "bad major");
        assert_eq!(parse_root("27 1 8:1 / / rw -"), None, "no fstype");
        let root = parse_root("27 1 8:1 / / rw - ext4 /dev/my\\040disk").expect("no options");
        assert_eq!(root.source, "/dev/my disk");
        assert_eq!(root.options, "");
    }

    #[test]
    fn unescapes_octal_sequences_only() {
        assert_eq!(unescape("a\\040b\\011c"), "a b\tc");
        assert_eq!(unescape("trailing\\04"), "trailing\\04");
        assert_eq!(unescape("\\999"), "\\999");
    }
}
