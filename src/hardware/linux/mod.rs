//! The Linux collector: sysfs and procfs below a configurable root.
//!
//! [`LinuxCollector::live`] reads the running system (`/`) and may use the
//! two things only the live kernel can answer: the CPUID instruction and the
//! `ETHTOOL_GPERMADDR` ioctl for permanent MAC addresses.
//! [`LinuxCollector::with_root`] reads a copy of a machine's `sys/`, `proc/`
//! (and optionally `run/udev/data`, `.dockerenv`, …) below any directory —
//! the fixture trees under `tests/fixtures/` — from files alone, so tests
//! model real machines. Both never need privileges, never start processes and
//! never panic: each kind is collected on its own, and a missing, malformed or
//! unreadable file makes that kind unreadable (with a typed reason) or
//! skips the one bad device, never the other kinds.
//!
//! Where each kind comes from, and its flags, is documented in the module
//! that reads it (`net.rs` for Mac, `cpu.rs`, `storage.rs` for SystemDrive,
//! `memory.rs`, `cdrom.rs`, `pci.rs` for Video, Ide and Scsi, `env.rs` for
//! the environment).
//!
//! # Empty versus unreadable
//!
//! A kind is *empty* when the machine visibly has no such component: no
//! optical drive in `/sys/class/block`, no display or storage controller on
//! the PCI bus. It is *unreadable* when the component must exist but cannot be
//! seen, or when the place to look is missing:
//!
//! - `Cpu`, `Memory` and `SystemDrive` always exist, so finding none is
//!   unreadable ("no block device under the root filesystem (overlay)").
//! - `Mac` with no qualifying adapter is unreadable too ("no physical network
//!   adapter is visible (container)", "no network adapter has a permanent
//!   address: wlp2s0 has a randomly generated address"): every machine that
//!   runs licensed software has a network adapter, so its absence means the
//!   adapters are hidden (a container's network namespace) and the profile
//!   is weaker than it looks.
//! - `Video`, `Ide` and `Scsi` are unreadable when there is no PCI bus at all
//!   ("no PCI bus is visible"), `CdRom` when block devices cannot be listed.
//! - In a multi-instance kind, a device that cannot be read is skipped; the
//!   kind is unreadable (with that device's problem) only when nothing else
//!   was found.
//!
//! # Cost
//!
//! `collect()` runs at every start-up of the licensed program, and on a VM
//! each system call costs microseconds, so the live path reads as little as
//! it can: CPUID instead of `/proc/cpuinfo`, `stat("/")` instead of
//! `mountinfo` when the root is on a block device, one `readlink` per sysfs
//! link instead of `realpath`, one listing of `/sys/devices/virtual/net`
//! instead of a `readlink` per virtual interface when there are many, one
//! `read` per attribute, a device's `uevent` (driver, PCI class and ids in
//! one read) instead of its `driver` link and `vendor`, `device` and
//! `class` attributes, a PCI device's ids only when its class matters, and
//! the ethtool socket only when a physical adapter is found. No kind
//! depends on another's files, except that the root mount serves both the
//! system drive and container detection, and that the PCI pass takes the
//! class of a network adapter's function from the network pass, which read
//! its `uevent` (the same answer the `class` file gives).
//!
//! [`collect_only`](super::Collector::collect_only) runs only the passes of
//! the kinds asked for: the start-up check asks for `Video`, `Ide` and
//! `Scsi` (the PCI pass, a `class` read per PCI function) only when they
//! could change its verdict.
//! Read on their own, the PCI pass reads the `class` of the network
//! adapters' functions too, which it otherwise takes from the network pass.
//! And on a machine with more network adapters than a profile keeps, it
//! reads each adapter's class link and address, then the rest of what
//! decides (its `device` link and `uevent`, `type`, `addr_assign_type`) only
//! for the adapters in the order a profile keeps them, until no adapter left
//! unread could be kept.

mod cdrom;
mod cpu;
mod env;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod ethtool;
mod memory;
mod mounts;
mod net;
mod pci;
mod storage;
mod sysfs;
mod uevent;

use std::cell::OnceCell;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::{ComponentKind, Environment, Extent, Inventory, KindSet, kept_instances};
use net::{KernelInterfaces, SysfsOnly};
use sysfs::Sysfs;

/// Reads hardware from sysfs/procfs below a root directory.
///
/// ```no_run
/// use nodelock::hardware::Collector;
/// use nodelock::hardware::linux::LinuxCollector;
///
/// let inventory = LinuxCollector::live().collect();
/// for component in &inventory.components {
///     println!("{}: {}", component.kind, component.value);
/// }
/// for unreadable in &inventory.unreadable {
///     println!("{}: unreadable, because {}", unreadable.kind, unreadable.reason);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct LinuxCollector {
    root: PathBuf,
    live: bool,
    /// The live system's environment, detected by the first collection.
    environment: OnceLock<Environment>,
}

impl LinuxCollector {
    /// The live system (`/`), with CPUID and the interface ioctls where they
    /// help.
    ///
    /// Its [`Environment`] is detected by the first collection and kept: a
    /// running process does not move between bare metal, a virtual machine
    /// and a container, and on bare metal the detection reads about twenty
    /// files (container markers, PID 1's cgroup and environment, DMI) that
    /// a start-up check would otherwise read every time.
    pub fn live() -> Self {
        LinuxCollector { root: PathBuf::from("/"), live: true, environment: OnceLock::new() }
    }

    /// The machine described by `root`, read from files only: no ioctl,
    /// no CPUID.
    ///
    /// `root` holds what the collector reads of a machine: `sys/` (net,
    /// block, PCI, DMI), `proc/cpuinfo`, `proc/meminfo`,
    /// `proc/self/mountinfo`, optionally `proc/1/cgroup`, `proc/1/environ`,
    /// `run/udev/data/` and container marker files such as `.dockerenv`.
    /// `with_root("/")` reads the running system the same way, without the
    /// kernel-only sources `live()` adds.
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        LinuxCollector { root: root.into(), live: false, environment: OnceLock::new() }
    }
}

/// The kernel's answers about interfaces, through a socket opened on first
/// use (a container with only virtual interfaces never needs it).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Default)]
struct LiveInterfaces(std::cell::OnceCell<Option<ethtool::InterfaceSocket>>);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl LiveInterfaces {
    fn socket(&self) -> Option<&ethtool::InterfaceSocket> {
        self.0.get_or_init(ethtool::InterfaceSocket::open).as_ref()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl KernelInterfaces for LiveInterfaces {
    fn permanent(&self, interface: &str) -> Option<[u8; 6]> {
        self.socket()?.permanent(interface)
    }

    fn link_type(&self, interface: &str) -> Option<u16> {
        self.socket()?.link_type(interface)
    }
}

impl LinuxCollector {
    /// How interfaces are asked of the kernel, if they are.
    fn kernel_interfaces(&self) -> Box<dyn KernelInterfaces> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.live {
            return Box::<LiveInterfaces>::default();
        }
        Box::new(SysfsOnly)
    }
}

collector_by_kinds!(LinuxCollector);

impl LinuxCollector {
    /// The inventory of `kinds`. Passes that read none of them are not run:
    /// without `Video`, `Ide` and `Scsi`, no PCI function is listed or read.
    /// With [`Extent::Kept`], the network pass reads in full only the
    /// adapters a profile could keep (see `net.rs`).
    fn collect_kinds(&self, kinds: KindSet, extent: Extent) -> Inventory {
        let sysfs = Sysfs::new(&self.root);
        // The root mount serves the system drive and, on a fixture root,
        // container detection; read when one of them asks.
        let root_mount = OnceCell::new();
        let root_mount = || root_mount.get_or_init(|| mounts::root(&sysfs, self.live));
        // The live system asks CPUID instead; only a fixture needs cpuinfo
        // (for the CPU value and the hypervisor flag).
        let cpuinfo = (!self.live).then(|| sysfs.read_table(&sysfs.path("proc/cpuinfo"), cpu::CPUINFO_LIMIT));
        let cpuinfo_text = cpuinfo.as_ref().and_then(|c| c.as_deref().ok());
        let detect = || env::detect(&sysfs, root_mount().as_ref().ok(), cpuinfo_text, self.live);
        // A fixture root is read afresh every time (tests edit trees between
        // collections); the live system's environment does not change.
        let environment = if self.live { *self.environment.get_or_init(detect) } else { detect() };

        let mut inventory = Inventory::new(environment);
        let mut known_pci = pci::Known::default();
        if kinds.contains(ComponentKind::Mac) {
            let kernel = self.kernel_interfaces();
            let keep = (extent == Extent::Kept).then(|| kept_instances(ComponentKind::Mac));
            let macs = net::collect(&sysfs, kernel.as_ref(), environment, &mut known_pci, keep);
            inventory.record(ComponentKind::Mac, macs);
        }
        if kinds.contains(ComponentKind::Cpu) {
            inventory.record(ComponentKind::Cpu, cpu::collect(&sysfs, self.live, cpuinfo.as_ref()));
        }
        if kinds.contains(ComponentKind::SystemDrive) {
            inventory.record(ComponentKind::SystemDrive, storage::collect(&sysfs, root_mount()));
        }
        if kinds.contains(ComponentKind::Memory) {
            inventory.record(ComponentKind::Memory, memory::collect(&sysfs, self.live));
        }
        if kinds.contains(ComponentKind::CdRom) {
            inventory.record(ComponentKind::CdRom, cdrom::collect(&sysfs));
        }
        if !kinds.intersection(KindSet::PCI).is_empty() {
            for (kind, outcome) in pci::KINDS.into_iter().zip(pci::collect(&sysfs, known_pci)) {
                if kinds.contains(kind) {
                    inventory.record(kind, outcome);
                }
            }
        }
        inventory.finish()
    }
}

/// A seeded xorshift generator for this module's random tests: the seed is
/// `NODELOCK_TEST_SEED`, else the clock, and is printed so that a failure
/// can be run again.
#[cfg(test)]
fn test_rng() -> impl FnMut() -> u64 {
    let seed =
        std::env::var("NODELOCK_TEST_SEED").ok().and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or_else(
            || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs()),
        );
    eprintln!("seed {seed} (rerun with NODELOCK_TEST_SEED={seed})");
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::Collector;

    #[test]
    fn the_live_environment_is_detected_once_and_a_fixture_root_every_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let marker = dir.path().join(".dockerenv");
        std::fs::write(&marker, b"").expect("write");
        // `live` over a fixture root: the memo is what is under test, not
        // what the host's kernel answers.
        let live =
            LinuxCollector { root: dir.path().to_path_buf(), live: true, environment: OnceLock::new() };
        let fixture = LinuxCollector::with_root(dir.path());
        assert_eq!(live.collect().environment, Environment::Container);
        assert_eq!(fixture.collect().environment, Environment::Container);
        std::fs::remove_file(&marker).expect("unlink");
        assert_eq!(live.collect().environment, Environment::Container, "kept from the first collection");
        assert_ne!(fixture.collect().environment, Environment::Container, "read again");
    }
}
