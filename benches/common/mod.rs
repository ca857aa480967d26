//! Shared by the benches: the naive baseline every start-up check is
//! measured against, criterion's settings for this noisy machine, and the
//! ledger benches' seat fill (`seated`).
#![allow(dead_code)]

#[cfg(feature = "client")]
pub mod activated;
#[cfg(all(feature = "client", target_os = "linux"))]
pub mod floor;
#[cfg(target_os = "linux")]
pub mod machines;
pub mod seated;

use std::hash::{Hash, Hasher};
use std::time::Duration;

use criterion::Criterion;

/// The "collect everything" fingerprint a naive implementation computes:
/// `sysinfo::System::new_all()` (every CPU, process, memory figure), plus
/// the disk and network lists, hashed over the CPU brand, total memory, the
/// disks and the network adapters' MAC addresses.
pub fn sysinfo_fingerprint() -> u64 {
    let system = sysinfo::System::new_all().expect("sysinfo works on this host");
    let disks = sysinfo::Disks::new_with_refreshed_list().expect("sysinfo lists disks");
    let networks = sysinfo::Networks::new_with_refreshed_list().expect("sysinfo lists networks");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    system.cpus().first().map(|c| c.brand()).hash(&mut h);
    system.total_memory().hash(&mut h);
    for disk in disks.iter() {
        disk.name().hash(&mut h);
        disk.total_space().hash(&mut h);
    }
    let mut macs: Vec<[u8; 6]> = networks.values().map(|n| n.mac_address().0).collect();
    macs.sort_unstable();
    macs.hash(&mut h);
    h.finish()
}

/// Criterion as the benches run here: a 2-vCPU shared VM, so more
/// measurement time than the default and the 95 % interval reported, and no
/// plots (the figures go into BENCHMARKS.md).
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .noise_threshold(0.05)
        .without_plots()
}

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
