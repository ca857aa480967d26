//! The Linux collector: sysfs and procfs below a configurable root.
//! (Placeholder while the collector is written; see issue 3.)

use std::path::PathBuf;

use super::{Collector, Environment, Inventory};

/// Reads hardware from sysfs/procfs below a root directory.
#[derive(Debug, Clone)]
pub struct LinuxCollector {
    root: PathBuf,
    live: bool,
}

impl LinuxCollector {
    /// The live system (`/`), with ioctls where they help.
    pub fn live() -> Self {
        LinuxCollector { root: PathBuf::from("/"), live: true }
    }

    /// The machine described by `root` (holding `sys/` and `proc/`).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        LinuxCollector { root: root.into(), live: false }
    }
}

impl Collector for LinuxCollector {
    fn collect(&self) -> Inventory {
        let _ = (&self.root, self.live);
        Inventory::new(Environment::BareMetal)
    }
}
