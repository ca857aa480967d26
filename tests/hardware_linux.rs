//! The Linux collector against fixture trees of real machines
//! (`tests/fixtures/<machine>/`), against damaged copies of them, and against
//! the host it runs on.
#![cfg(all(feature = "client", target_os = "linux"))]

use nodelock::hardware::linux::LinuxCollector;
use nodelock::hardware::{Collector, ComponentKind, Inventory, cpuid};

#[path = "hardware_linux/damaged.rs"]
mod damaged;

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
    fn the_live_kinds_read_separately_are_what_one_collection_reads() {
        let last = nodelock::activation::READ_LAST;
        let first = nodelock::hardware::KindSet::ALL.without(last);
        let live = LinuxCollector::live();
        let (a, b) = (live.collect_only(first).unwrap(), live.collect_only(last).unwrap());
        assert_eq!(a.merged(b), live.collect());
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

/// Builds components and inventories literally.
mod expect {
    use nodelock::hardware::{
        Component, ComponentFlags, ComponentKind, Environment, Inventory, Unreadable, Why,
    };

    pub const NONE: ComponentFlags =
        ComponentFlags { removable: false, usb: false, virtual_device: false, locally_administered: false };
    pub const VIRTUAL: ComponentFlags = ComponentFlags { virtual_device: true, ..NONE };

    pub fn c(kind: ComponentKind, value: &str, flags: ComponentFlags) -> Component {
        Component { kind, value: value.to_owned(), flags }
    }

    /// `kind` unreadable for the reason that reads `reason`, word for word
    /// (a [`Why`] equals another when their texts are equal).
    pub fn u(kind: ComponentKind, reason: &str) -> Unreadable {
        Unreadable { kind, reason: Why::Recorded(reason.to_owned()) }
    }

    pub fn inventory(
        environment: Environment,
        components: Vec<Component>,
        unreadable: Vec<Unreadable>,
    ) -> Inventory {
        Inventory { environment, components, unreadable }
    }
}

mod fixtures {
    use std::path::PathBuf;

    use super::expect::{NONE, VIRTUAL, c, inventory, u};
    use nodelock::hardware::ComponentKind::{CdRom, Cpu, Ide, Mac, Memory, Scsi, SystemDrive, Video};
    use nodelock::hardware::linux::LinuxCollector;
    use nodelock::hardware::{Collector, ComponentFlags, Environment, Inventory};

    pub fn path(machine: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(machine)
    }

    pub fn collect(machine: &str) -> Inventory {
        LinuxCollector::with_root(path(machine)).collect()
    }

    pub fn laptop() -> Inventory {
        let usb = ComponentFlags { removable: true, usb: true, ..NONE };
        inventory(
            Environment::BareMetal,
            vec![
                // The Wi-Fi card's randomized address is left out; the USB dongle counts, flagged.
                c(Mac, "00:e0:4c:68:0a:1b", usb),
                c(Cpu, "GenuineIntel 000806c1", NONE),
                c(SystemDrive, "S4EWNX0N123456", NONE),
                c(Memory, "16 GiB", NONE),
                c(Video, "8086:9a49", NONE),
                c(Scsi, "144d:a808", NONE),
            ],
            vec![],
        )
    }

    pub fn workstation() -> Inventory {
        inventory(
            Environment::BareMetal,
            vec![
                c(Mac, "50:3e:aa:0c:7d:92", NONE),
                c(Mac, "d8:9e:f3:3a:51:7c", NONE),
                c(Cpu, "GenuineIntel 00050657", NONE),
                c(SystemDrive, "S626NF0R402871K", NONE),
                c(Memory, "64 GiB", NONE),
                c(CdRom, "HL-DT-ST DVD+-RW GHB0N", NONE),
                c(Video, "1002:6981", NONE),
                c(Video, "10de:1eb1", NONE),
                c(Ide, "8086:a182", NONE),
                c(Scsi, "1000:005d", NONE),
            ],
            vec![],
        )
    }

    pub fn cloud_vm() -> Inventory {
        let vm_nic = ComponentFlags { virtual_device: true, locally_administered: true, ..NONE };
        inventory(
            Environment::VirtualMachine,
            vec![
                c(Mac, "fa:16:3e:5c:21:8d", vm_nic),
                c(Cpu, "GenuineIntel 00050656", NONE),
                c(SystemDrive, "6f1d3a2e-4b7c-4e9a-8", VIRTUAL),
                c(Memory, "8 GiB", NONE),
                c(CdRom, "QEMU QEMU DVD-ROM", VIRTUAL),
                c(Video, "1234:1111", VIRTUAL),
                c(Ide, "8086:7010", NONE),
                c(Scsi, "1af4:1001", VIRTUAL),
            ],
            vec![],
        )
    }

    pub fn container() -> Inventory {
        inventory(
            Environment::Container,
            vec![c(Cpu, "AuthenticAMD 00a00f11", NONE), c(Memory, "32 GiB", NONE)],
            vec![
                u(Mac, "no physical network adapter is visible (container)"),
                u(SystemDrive, "no block device under the root filesystem (overlay)"),
                u(CdRom, "no block devices are visible"),
                u(Video, "no PCI bus is visible"),
                u(Ide, "no PCI bus is visible"),
                u(Scsi, "no PCI bus is visible"),
            ],
        )
    }

    #[test]
    fn laptop_inventory() {
        assert_eq!(collect("laptop"), laptop());
    }

    #[test]
    fn workstation_inventory() {
        assert_eq!(collect("workstation"), workstation());
    }

    #[test]
    fn cloud_vm_inventory() {
        assert_eq!(collect("cloud-vm"), cloud_vm());
    }

    #[test]
    fn container_inventory() {
        assert_eq!(collect("container"), container());
    }

    #[test]
    fn kinds_read_separately_are_what_one_collection_reads() {
        // The start-up check reads the PCI kinds last, and only when they
        // could change its verdict: each part is that part of the whole,
        // and the two parts are the whole.
        let last = nodelock::activation::READ_LAST;
        let first = nodelock::hardware::KindSet::ALL.without(last);
        for machine in ["laptop", "workstation", "cloud-vm", "container"] {
            let collector = LinuxCollector::with_root(path(machine));
            let whole = collector.collect();
            let (a, b) = (collector.collect_only(first).unwrap(), collector.collect_only(last).unwrap());
            assert_eq!(a, whole.clone().only(first), "{machine}");
            assert_eq!(b, whole.clone().only(last), "{machine}");
            assert_eq!(a.merged(b), whole, "{machine}");
        }
    }

    #[test]
    fn expected_inventories_are_canonical() {
        // The literal expectations above must already be in `finish()` order,
        // or the equality tests would compare against an impossible value.
        for expected in [laptop(), workstation(), cloud_vm(), container()] {
            assert_eq!(expected.clone().finish(), expected);
        }
    }
}
