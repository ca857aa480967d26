//! The Linux collector against fixture trees of real machines
//! (`tests/fixtures/<machine>/`), against damaged copies of them, and against
//! the host it runs on.
#![cfg(all(feature = "client", target_os = "linux"))]

use nodelock::hardware::linux::LinuxCollector;
use nodelock::hardware::{Collector, ComponentKind, Inventory, cpuid};

mod host {
    use super::*;

    fn values(inventory: &Inventory, kind: ComponentKind) -> Vec<&str> {
        inventory.of_kind(kind).map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn live_collection_is_stable_and_finds_cpu_and_memory() {
        let first = LinuxCollector::live().collect();
        let second = LinuxCollector::live().collect();
        eprintln!("live inventory of this host:\n{first:#?}");
        assert_eq!(first, second, "two collections in a row must agree");
        assert_eq!(values(&first, ComponentKind::Cpu).len(), 1, "one CPU value");
        assert_eq!(values(&first, ComponentKind::Memory).len(), 1, "one memory value");
        assert_eq!(first.unreadable_reason(ComponentKind::Cpu), None);
        assert_eq!(first.unreadable_reason(ComponentKind::Memory), None);
        for kind in ComponentKind::ALL {
            let found = first.of_kind(kind).next().is_some();
            let unreadable = first.unreadable_reason(kind).is_some();
            assert!(!(found && unreadable), "{kind} is both found and unreadable");
        }
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[test]
    fn cpuinfo_gives_the_cpuid_value() {
        // `with_root("/")` reads the host's real /proc/cpuinfo instead of CPUID.
        let from_files = LinuxCollector::with_root("/").collect();
        let cpuid = cpuid::cpu_value().expect("x86 has CPUID");
        eprintln!("CPUID: {cpuid}; /proc/cpuinfo: {:?}", values(&from_files, ComponentKind::Cpu));
        assert_eq!(values(&from_files, ComponentKind::Cpu), vec![cpuid.as_str()]);
        assert_eq!(values(&LinuxCollector::live().collect(), ComponentKind::Cpu), vec![cpuid.as_str()]);
    }

    #[test]
    fn files_alone_see_what_the_live_path_sees() {
        // Only Mac may differ: the live path asks the kernel for permanent
        // addresses that sysfs does not show.
        let live = LinuxCollector::live().collect();
        let files = LinuxCollector::with_root("/").collect();
        assert_eq!(live.environment, files.environment);
        for kind in ComponentKind::ALL.into_iter().filter(|k| *k != ComponentKind::Mac) {
            assert_eq!(
                live.of_kind(kind).collect::<Vec<_>>(),
                files.of_kind(kind).collect::<Vec<_>>(),
                "{kind}"
            );
            assert_eq!(live.unreadable_reason(kind), files.unreadable_reason(kind), "{kind}");
        }
    }
}
