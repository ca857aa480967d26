//! Hardware collection: what this machine is made of.
//!
//! This module owns the *raw* side of node locking: the eight
//! [`ComponentKind`]s, the normalised [`Component`] values a collector reads,
//! and the [`Inventory`] that also says which [`Environment`] the program runs
//! in and which kinds could not be read (and why). It knows nothing of keys,
//! licenses or policy; [`crate::profile`] turns an inventory into keyed digests.
//!
//! Collectors never panic and never abort: a kind that cannot be read is
//! reported in [`Inventory::unreadable`] and every other kind is still
//! collected.
//!
//! Normalised value formats (identical on every platform, so one machine
//! profiles alike whatever the operating system):
//!
//! | kind | value | example |
//! |---|---|---|
//! | `Mac` | lower-case colon-separated hex | `3c:52:82:1a:2b:3c` |
//! | `Cpu` | x86: CPUID vendor, space, leaf-1 EAX masked with `0x0fff0fff` as 8 hex digits; aarch64: `arm`, space, MIDR_EL1 as 8 hex digits | `GenuineIntel 000906ea` |
//! | `SystemDrive` | the drive's serial number, trimmed | `S4EWNX0N123456` |
//! | `Memory` | total physical memory rounded **up** to the granule ([`memory_value`]) | `16 GiB` |
//! | `CdRom` | vendor and model, trimmed, single-spaced | `HL-DT-ST DVD+-RW GU90N` |
//! | `Video`, `Ide`, `Scsi` | PCI `vendor:device`, 4 lower-case hex digits each | `10de:1c82` |

use std::fmt;

use serde::{Deserialize, Serialize};

/// Implements [`Collector`] for a platform collector that reads each kind
/// on its own, through its inherent `fn collect_kinds(&self, KindSet,
/// Extent) -> Inventory`: `collect` reads every component of every kind,
/// `collect_only` the kinds asked, and of those at least what a profile
/// keeps.
#[cfg(feature = "client")]
macro_rules! collector_by_kinds {
    ($collector:ty) => {
        impl $crate::hardware::Collector for $collector {
            fn collect(&self) -> $crate::hardware::Inventory {
                self.collect_kinds($crate::hardware::KindSet::ALL, $crate::hardware::Extent::Every)
            }

            fn collect_only(&self, kinds: $crate::hardware::KindSet) -> Option<$crate::hardware::Inventory> {
                Some(self.collect_kinds(kinds, $crate::hardware::Extent::Kept))
            }
        }
    };
}

#[cfg(feature = "client")]
pub mod cpuid;
#[cfg(all(
    feature = "client",
    any(test, not(any(target_os = "linux", target_os = "android", windows, target_os = "macos")))
))]
pub mod fallback;
#[cfg(feature = "client")]
pub mod linux;
#[cfg(all(feature = "client", any(target_os = "macos", test)))]
pub mod macos;
#[cfg(all(feature = "client", any(windows, test)))]
pub mod windows;

mod flags;
pub use flags::{ComponentFlags, Exclusion};

mod keep;
#[cfg(feature = "client")]
pub(crate) use keep::Extent;
pub use keep::{keep_rank, kept_instances};

mod kind_set;
pub use kind_set::KindSet;

mod unreadable;
pub use unreadable::{AddressProblem, CallTarget, Content, FileAction, ForeignError, OsError, Why};

/// Parsing and normalisation shared by every collector (pure functions,
/// tested on recorded data from each platform).
pub mod normalise;

// Shared by every collector; the device-name markers are only needed where
// the OS reports devices by name (Windows, macOS).
#[cfg_attr(not(all(feature = "client", any(windows, target_os = "macos"))), allow(dead_code))]
mod vm_ids;

/// The eight kinds of hardware component a profile is made of (SPEC §1.1).
///
/// The order of the variants is the order of the profile, of the comparison
/// table and of the wire encoding; new kinds are only ever appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComponentKind {
    /// Permanent hardware addresses of physical network adapters.
    Mac,
    /// CPU identity from CPUID (vendor + leaf-1 signature), or MIDR on aarch64.
    Cpu,
    /// Serial number of the physical drive holding the operating system.
    SystemDrive,
    /// Total physical memory, rounded to a stable granule.
    Memory,
    /// Vendor and model of optical drives.
    CdRom,
    /// PCI ids of display controllers (class 0x03xx).
    Video,
    /// PCI ids of IDE/ATA/SATA controllers (class 0x0101, 0x0105, 0x0106).
    Ide,
    /// PCI ids of every other mass-storage controller (class 0x01xx).
    Scsi,
}

impl ComponentKind {
    /// Number of kinds.
    pub const COUNT: usize = 8;

    /// Every kind, in profile order.
    pub const ALL: [ComponentKind; Self::COUNT] = [
        ComponentKind::Mac,
        ComponentKind::Cpu,
        ComponentKind::SystemDrive,
        ComponentKind::Memory,
        ComponentKind::CdRom,
        ComponentKind::Video,
        ComponentKind::Ide,
        ComponentKind::Scsi,
    ];

    /// Position of this kind in [`ComponentKind::ALL`] (and in per-kind arrays).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The kind at `index` in [`ComponentKind::ALL`], if any.
    pub fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }

    /// The snake_case name used in JSON and on the command line (`system_drive`).
    pub const fn name(self) -> &'static str {
        match self {
            ComponentKind::Mac => "mac",
            ComponentKind::Cpu => "cpu",
            ComponentKind::SystemDrive => "system_drive",
            ComponentKind::Memory => "memory",
            ComponentKind::CdRom => "cd_rom",
            ComponentKind::Video => "video",
            ComponentKind::Ide => "ide",
            ComponentKind::Scsi => "scsi",
        }
    }

    /// A label for people ("MAC address", "System drive").
    pub const fn label(self) -> &'static str {
        match self {
            ComponentKind::Mac => "MAC address",
            ComponentKind::Cpu => "CPU",
            ComponentKind::SystemDrive => "System drive",
            ComponentKind::Memory => "Memory",
            ComponentKind::CdRom => "CD-ROM",
            ComponentKind::Video => "Video card",
            ComponentKind::Ide => "IDE controller",
            ComponentKind::Scsi => "SCSI controller",
        }
    }

    /// Whether a machine can have several instances of this kind, so that a
    /// comparison can find a *partial* match.
    pub const fn is_multi_instance(self) -> bool {
        !matches!(self, ComponentKind::SystemDrive | ComponentKind::Memory)
    }

    /// Parses the snake_case [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One normalised component instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Component {
    /// Which kind this is.
    pub kind: ComponentKind,
    /// The normalised value (see the table in the module docs).
    pub value: String,
    /// Flags such as removable / USB / virtual.
    #[serde(default)]
    pub flags: ComponentFlags,
}

impl Component {
    /// A component with no flags set.
    pub fn new(kind: ComponentKind, value: impl Into<String>) -> Self {
        Component { kind, value: value.into(), flags: ComponentFlags::default() }
    }

    /// The same component with `flags`.
    pub fn with_flags(mut self, flags: ComponentFlags) -> Self {
        self.flags = flags;
        self
    }
}

/// Where the program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Environment {
    /// Physical hardware.
    #[default]
    BareMetal,
    /// A virtual machine (the hypervisor controls every component value).
    VirtualMachine,
    /// A container (shares the host kernel; many components are hidden).
    Container,
}

impl Environment {
    /// The snake_case name used in JSON (`bare_metal`).
    pub const fn name(self) -> &'static str {
        match self {
            Environment::BareMetal => "bare_metal",
            Environment::VirtualMachine => "virtual_machine",
            Environment::Container => "container",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::BareMetal => "bare metal",
            Environment::VirtualMachine => "virtual machine",
            Environment::Container => "container",
        })
    }
}

/// A kind that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unreadable {
    /// The kind.
    pub kind: ComponentKind,
    /// Why it could not be read; its text is for people ("no block device
    /// under the root filesystem (overlay)") and is what captures record.
    pub reason: Why,
}

/// Everything a collector found on one machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The detected environment.
    pub environment: Environment,
    /// Normalised component instances, sorted by kind then value, without
    /// duplicates.
    pub components: Vec<Component>,
    /// Kinds that could not be read, sorted by kind, with the reason.
    pub unreadable: Vec<Unreadable>,
}

impl Inventory {
    /// An empty inventory for `environment`.
    pub fn new(environment: Environment) -> Self {
        Inventory { environment, components: Vec::new(), unreadable: Vec::new() }
    }

    /// Adds a component (duplicates are removed by [`finish`](Self::finish)).
    pub fn push(&mut self, component: Component) {
        self.components.push(component);
    }

    /// Records that `kind` could not be read.
    pub fn unreadable(&mut self, kind: ComponentKind, reason: Why) {
        self.unreadable.push(Unreadable { kind, reason });
    }

    /// Records the outcome of reading one kind: its components, or why it
    /// could not be read.
    pub fn record(&mut self, kind: ComponentKind, outcome: Result<Vec<Component>, Why>) {
        match outcome {
            Ok(components) => self.components.extend(components),
            Err(reason) => self.unreadable(kind, reason),
        }
    }

    /// Records the outcome of one pass that reads several kinds together
    /// (the PCI bus), for the kinds of `asked` among them: their
    /// components, or when the pass failed the reason for each.
    pub fn record_asked(&mut self, asked: KindSet, outcome: Result<Vec<Component>, Why>) {
        match outcome {
            Ok(components) => {
                self.components.extend(components.into_iter().filter(|c| asked.contains(c.kind)))
            }
            Err(reason) => {
                for kind in asked.iter() {
                    self.unreadable(kind, reason.clone());
                }
            }
        }
    }

    /// Sorts components and reasons into their canonical order and removes
    /// duplicate values (two identical GPUs are one "brand and model"). When
    /// duplicates disagree on flags, the instance that is *not* removable wins
    /// (then the one not virtual, then the one not locally administered),
    /// so a fixed device is never hidden behind an identical removable one.
    pub fn finish(mut self) -> Self {
        // A value listed twice keeps its plainest listing (not removable,
        // not virtual, not locally administered), whatever the order.
        let rank = |c: &Component| (c.flags.removable, c.flags.virtual_device, c.flags.locally_administered);
        self.components.sort_by(|a, b| (a.kind, &a.value, rank(a)).cmp(&(b.kind, &b.value, rank(b))));
        self.components.dedup_by(|later, first| later.kind == first.kind && later.value == first.value);
        // Within a kind, by wording: the order the reasons had as text.
        self.unreadable.sort_by_cached_key(|u| (u.kind, u.reason.to_string()));
        self.unreadable.dedup_by(|later, first| later.kind == first.kind);
        self
    }

    /// The components of one kind.
    pub fn of_kind(&self, kind: ComponentKind) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(move |c| c.kind == kind)
    }

    /// The reason `kind` could not be read, if it could not.
    pub fn unreadable_reason(&self, kind: ComponentKind) -> Option<&Why> {
        self.unreadable.iter().find(|u| u.kind == kind).map(|u| &u.reason)
    }

    /// This inventory with only the components and reasons of `kinds`.
    pub fn only(mut self, kinds: KindSet) -> Self {
        self.components.retain(|c| kinds.contains(c.kind));
        self.unreadable.retain(|u| kinds.contains(u.kind));
        self
    }

    /// This inventory and `other`'s components and reasons (of other kinds,
    /// taken by [`Collector::collect_only`]), in canonical order.
    pub fn merged(mut self, other: Inventory) -> Self {
        self.components.extend(other.components);
        self.unreadable.extend(other.unreadable);
        self.finish()
    }
}

/// Something that can take a hardware inventory of a machine.
///
/// Implementations must not panic, must not spawn processes and must not need
/// elevated privileges; a kind they cannot read goes to
/// [`Inventory::unreadable`].
pub trait Collector {
    /// Takes the inventory.
    fn collect(&self) -> Inventory;

    /// Takes the inventory of `kinds` alone, when this collector can read
    /// kinds separately: the start-up check then leaves unread the kinds
    /// that cannot change its verdict (see
    /// [`Validator::check`](crate::activation::Validator::check)). The
    /// inventory holds no component and no reason of any other kind, and
    /// what it holds of `kinds` is what [`collect`](Self::collect) would
    /// hold — except that of a kind with more components than a profile
    /// keeps ([`kept_instances`]) it may leave out components no profile
    /// keeps: a profile built from it is the one built from `collect`'s,
    /// with or without removable devices. (On Linux, a machine with more
    /// than 16 network adapters has only the kept ones read in full.)
    ///
    /// `None`, the default, says this collector reads every kind at once;
    /// its caller then uses `collect`.
    fn collect_only(&self, kinds: KindSet) -> Option<Inventory> {
        let _ = kinds;
        None
    }
}

impl<C: Collector + ?Sized> Collector for &C {
    fn collect(&self) -> Inventory {
        (**self).collect()
    }

    fn collect_only(&self, kinds: KindSet) -> Option<Inventory> {
        (**self).collect_only(kinds)
    }
}

impl<C: Collector + ?Sized> Collector for Box<C> {
    fn collect(&self) -> Inventory {
        (**self).collect()
    }

    fn collect_only(&self, kinds: KindSet) -> Option<Inventory> {
        (**self).collect_only(kinds)
    }
}

/// A collector that returns a fixed inventory: for tests, simulations and the
/// quickstart's "hardware changed" demonstration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixedCollector(pub Inventory);

impl Collector for FixedCollector {
    fn collect(&self) -> Inventory {
        self.0.clone()
    }

    fn collect_only(&self, kinds: KindSet) -> Option<Inventory> {
        Some(self.0.clone().only(kinds))
    }
}

/// The collector for the platform this program was built for.
#[cfg(feature = "client")]
pub fn platform_collector() -> Box<dyn Collector + Send + Sync> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        Box::new(linux::LinuxCollector::live())
    }
    #[cfg(windows)]
    {
        Box::new(windows::WindowsCollector::new())
    }
    #[cfg(target_os = "macos")]
    {
        Box::new(macos::MacosCollector::new())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", windows, target_os = "macos")))]
    {
        Box::new(fallback::FallbackCollector::new())
    }
}

/// Takes the inventory of this machine with the platform's collector.
#[cfg(feature = "client")]
pub fn collect() -> Inventory {
    platform_collector().collect()
}

pub use normalise::memory_value;
