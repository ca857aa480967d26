//! The [`Environment`]: container, virtual machine or bare metal.
//!
//! A container (which wins over a virtual machine: a container on a cloud VM
//! is a container) shows itself by a marker file under the root
//! (`/.dockerenv`, `/run/.containerenv` of Podman, `/run/systemd/container`),
//! by PID 1's cgroup naming a container manager, by an overlay root whose
//! layers live in a container engine's store, or by `container=` in PID 1's
//! environment (readable only to the same user; skipped otherwise).
//!
//! A virtual machine shows itself by DMI naming a hypervisor
//! ([`dmi_names_hypervisor`](crate::hardware::vm_ids::dmi_names_hypervisor)), by `/sys/hypervisor/type` (Xen), or by the
//! CPUID hypervisor bit — read from CPUID on the live system and from the
//! `hypervisor` flag of `/proc/cpuinfo` under a fixture root.

use super::mounts::RootMount;
use super::sysfs::Sysfs;
use crate::hardware::Environment;
use crate::hardware::cpuid;
use crate::hardware::vm_ids::dmi_names_hypervisor;

/// Words in cgroup paths and overlay layer paths that name a container engine.
const CONTAINER_MARKERS: [&str; 6] =
    ["docker", "containerd", "kubepods", "lxc", "libpod", "containers/storage"];
/// Files that container engines create in the container's root.
const CONTAINER_FILES: [&str; 3] = [".dockerenv", "run/.containerenv", "run/systemd/container"];
/// Upper bound for `/proc/1/cgroup` and `/proc/1/environ`.
const PROC_LIMIT: usize = 256 << 10;

/// Detects the environment of the machine below `sysfs`. `cpuinfo` is the
/// fixture's `/proc/cpuinfo` (unused on the live system, which asks CPUID).
pub(super) fn detect(
    sysfs: &Sysfs,
    root: Option<&RootMount>,
    cpuinfo: Option<&str>,
    live: bool,
) -> Environment {
    if in_container(sysfs, root) {
        Environment::Container
    } else if in_virtual_machine(sysfs, cpuinfo, live) {
        Environment::VirtualMachine
    } else {
        Environment::BareMetal
    }
}

fn names_container(text: &str) -> bool {
    CONTAINER_MARKERS.iter().any(|marker| text.contains(marker))
}

fn in_container(sysfs: &Sysfs, root: Option<&RootMount>) -> bool {
    if CONTAINER_FILES.iter().any(|file| sysfs.exists(&sysfs.path(file))) {
        return true;
    }
    if root.is_some_and(|m| {
        matches!(m.fstype.as_str(), "overlay" | "fuse-overlayfs") && names_container(&m.options)
    }) {
        return true;
    }
    let cgroup = sysfs.read_table(&sysfs.path("proc/1/cgroup"), PROC_LIMIT);
    if cgroup.is_ok_and(|text| text.lines().filter_map(|l| l.splitn(3, ':').nth(2)).any(names_container)) {
        return true;
    }
    let environ = sysfs.read_bytes(&sysfs.path("proc/1/environ"), PROC_LIMIT);
    environ.is_ok_and(|bytes| bytes.split(|b| *b == 0).any(|entry| entry.starts_with(b"container=")))
}

fn in_virtual_machine(sysfs: &Sysfs, cpuinfo: Option<&str>, live: bool) -> bool {
    let hypervisor_bit =
        if live { cpuid::hypervisor_present() } else { cpuinfo.is_some_and(has_hypervisor_flag) };
    if hypervisor_bit {
        return true;
    }
    let dmi =
        |file: &str| sysfs.read_text(&sysfs.path(&format!("sys/class/dmi/id/{file}"))).unwrap_or_default();
    dmi_names_hypervisor(&dmi("sys_vendor"), &dmi("product_name"), &dmi("board_vendor"))
        || sysfs.exists(&sysfs.path("sys/hypervisor/type"))
}

/// Whether the first `flags` line of an x86 `/proc/cpuinfo` has `hypervisor`.
fn has_hypervisor_flag(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "flags")
        .is_some_and(|(_, flags)| flags.split_ascii_whitespace().any(|f| f == "hypervisor"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree() -> (tempfile::TempDir, Sysfs) {
        let dir = tempfile::tempdir().expect("temp dir");
        let sysfs = Sysfs::new(dir.path());
        (dir, sysfs)
    }

    fn write(dir: &tempfile::TempDir, path: &str, content: &[u8]) {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, content).expect("write");
    }

    const VM_CPUINFO: &str = "processor\t: 0\nflags\t\t: fpu vme de hypervisor lahf_lm\n";

    #[test]
    fn an_empty_tree_is_bare_metal() {
        let (_dir, sysfs) = tree();
        assert_eq!(detect(&sysfs, None, None, false), Environment::BareMetal);
        assert_eq!(
            detect(&sysfs, None, Some("processor\t: 0\nflags\t\t: fpu vme\n"), false),
            Environment::BareMetal
        );
    }

    #[test]
    fn container_markers_win_over_virtual_machine_signs() {
        for (path, content) in [
            (".dockerenv", &b""[..]),
            ("run/.containerenv", b"engine=\"podman-4.9\"\n"),
            ("run/systemd/container", b"systemd-nspawn\n"),
            ("proc/1/cgroup", b"12:pids:/docker/3f2a9c\n0::/docker/3f2a9c\n"),
            ("proc/1/cgroup", b"0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-1.scope\n"),
            ("proc/1/environ", b"PATH=/usr/bin\0container=lxc\0"),
        ] {
            let (dir, sysfs) = tree();
            write(&dir, path, content);
            assert_eq!(detect(&sysfs, None, Some(VM_CPUINFO), false), Environment::Container, "{path}");
        }
    }

    #[test]
    fn an_overlay_root_counts_only_with_a_container_store() {
        let (_dir, sysfs) = tree();
        let mut root = RootMount {
            major: 0,
            minor: 52,
            fstype: "overlay".into(),
            source: "overlay".into(),
            options: "rw,lowerdir=/var/lib/docker/overlay2/l/ABC,upperdir=/var/lib/docker/overlay2/9f/diff"
                .into(),
        };
        assert_eq!(detect(&sysfs, Some(&root), None, false), Environment::Container);
        root.options =
            "rw,lowerdir=/run/live/rootfs/filesystem.squashfs,upperdir=/run/live/overlay/rw".into();
        assert_eq!(detect(&sysfs, Some(&root), None, false), Environment::BareMetal, "a live ISO");
        let cgroup_root = "0::/init.scope\n";
        let (dir, sysfs) = tree();
        write(&dir, "proc/1/cgroup", cgroup_root.as_bytes());
        assert_eq!(detect(&sysfs, None, None, false), Environment::BareMetal);
    }

    #[test]
    fn virtual_machine_signs() {
        let (_dir, sysfs) = tree();
        assert_eq!(detect(&sysfs, None, Some(VM_CPUINFO), false), Environment::VirtualMachine);
        let (dir, sysfs) = tree();
        write(&dir, "sys/class/dmi/id/sys_vendor", b"QEMU\n");
        write(&dir, "sys/class/dmi/id/product_name", b"Standard PC (Q35 + ICH9, 2009)\n");
        assert_eq!(detect(&sysfs, None, None, false), Environment::VirtualMachine);
        let (dir, sysfs) = tree();
        write(&dir, "sys/hypervisor/type", b"xen\n");
        assert_eq!(detect(&sysfs, None, None, false), Environment::VirtualMachine);
        let (dir, sysfs) = tree();
        write(&dir, "sys/class/dmi/id/sys_vendor", b"Microsoft Corporation\n");
        write(&dir, "sys/class/dmi/id/product_name", b"Surface Laptop 4\n");
        assert_eq!(detect(&sysfs, None, None, false), Environment::BareMetal);
    }

    #[test]
    fn hypervisor_flag_is_a_whole_word() {
        assert!(has_hypervisor_flag(VM_CPUINFO));
        assert!(!has_hypervisor_flag("flags\t\t: fpu hypervisor_like\n"));
        assert!(!has_hypervisor_flag("vmx flags\t: hypervisor\n"));
        assert!(!has_hypervisor_flag(""));
    }
}
