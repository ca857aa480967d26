//! A machine with more network adapters than a profile keeps (issue 14): a
//! 64-adapter fixture root is collected, its profile built, activated
//! through the authority (which refuses implausible profiles) and checked,
//! and the profile keeps the same 16 adapters whatever order they are listed
//! in.
#![cfg(all(feature = "client", target_os = "linux"))]

mod common;
#[path = "../benches/common/machines.rs"]
mod machines;

use common::*;
use nodelock::activation::{ActivationRequest, Validator};
use nodelock::authority::{Authority, MemoryLedger};
use nodelock::hardware::linux::LinuxCollector;
use nodelock::policy::plausible_instances;
use nodelock::profile::{ProductKey, Profile, kept_instances};
use nodelock::{Collector, ComponentKind};

/// The crate's root, for the fixture machines.
fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_64_adapter_machine_collects_activates_and_checks() {
    let machine = machines::nic_machine(64);
    let collector = LinuxCollector::with_root(machine.path());
    let inventory = collector.collect();
    assert_eq!(inventory.of_kind(ComponentKind::Mac).count(), 64, "all 64 adapters are collected");

    let key = ProductKey::for_product(PRODUCT);
    let profile = Profile::build(&inventory, &key, false);
    assert_eq!(profile.digests(ComponentKind::Mac).len(), 16);
    assert_eq!(kept_instances(ComponentKind::Mac), plausible_instances(ComponentKind::Mac));
    // The 16 kept are the lowest addresses (all 64 are plain physical ones).
    let mut lowest: Vec<_> =
        (0..16).map(|i| key.digest(ComponentKind::Mac, &format!("00:1b:21:4e:00:{i:02x}"))).collect();
    lowest.sort_unstable();
    assert_eq!(profile.digests(ComponentKind::Mac), lowest.as_slice());

    let authority = Authority::new(vendor(), MemoryLedger::new());
    let now = ts("2026-06-01");
    authority.issue(&license(), "vendor", now).unwrap();
    let store = tempfile::tempdir().unwrap();
    let validator = Validator::new(app(), trusted(), store.path()).with_collector(collector.clone());
    validator.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    let request = validator.request_activation_at(Some("router"), now).unwrap();
    let cut = profile.shortened(nodelock::profile::short::REQUEST_WIDTH);
    assert_eq!(request.profile, cut, "the request carries the bounded profile, its digests cut to 4 bytes");
    let request = ActivationRequest::from_code(&request.to_code()).unwrap();
    let grant = authority.activate(&request, None, "activation desk", now).expect("the authority grants it");
    validator.install(grant.code().as_bytes()).unwrap();
    let verdict = validator.check_at(now);
    assert!(verdict.is_licensed(), "{verdict}");

    // An adapter outside the kept 16 is replaced: nothing changes. One of
    // the kept 16 is replaced: the 17th lowest takes its place, a partial
    // change of one kind, within the default tolerance.
    for (gone, fresh) in
        [("00:1b:21:4e:00:3f", "00:1b:21:4e:01:3f"), ("00:1b:21:4e:00:00", "00:1b:21:4e:01:00")]
    {
        let file = std::fs::read_dir(machine.path().join("sys/devices/pci0000:00"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter_map(|pci| std::fs::read_dir(pci.join("net")).ok())
            .flatten()
            .map(|e| e.unwrap().path().join("address"))
            .find(|a| std::fs::read_to_string(a).is_ok_and(|t| t.trim() == gone))
            .expect("the adapter's address file");
        std::fs::write(&file, format!("{fresh}\n")).unwrap();
        let verdict = validator.check_at(now);
        assert!(verdict.is_licensed(), "after replacing {gone}: {verdict}");
    }
}

#[test]
fn veths_by_the_hundred_change_nothing() {
    // A container host's shape: the workstation with 200 veths besides
    // (settled by one listing of sys/devices/virtual/net) reads exactly as
    // the workstation.
    let machine = machines::veth_machine(200);
    let workstation = LinuxCollector::with_root(root().join("tests/fixtures/workstation")).collect();
    assert_eq!(LinuxCollector::with_root(machine.path()).collect(), workstation);
    // Without the listing each link decides, with the same answer.
    let listing = machine.path().join("sys/devices/virtual/net");
    std::fs::rename(&listing, machine.path().join("sys/devices/virtual/net-hidden")).unwrap();
    assert!(
        LinuxCollector::with_root(machine.path())
            .collect()
            .of_kind(ComponentKind::Mac)
            .eq(workstation.of_kind(ComponentKind::Mac))
    );
}

/// The inventory of `root` as text, one line per component (kind, value,
/// flags) and per unreadable kind, in collection order.
fn inventory_text(root: &std::path::Path) -> String {
    let inventory = LinuxCollector::with_root(root).collect();
    let mut text = format!("environment {:?}\n", inventory.environment);
    for c in &inventory.components {
        let f = c.flags;
        text += &format!(
            "{} {} removable={} usb={} virtual={} local={}\n",
            c.kind, c.value, f.removable, f.usb, f.virtual_device, f.locally_administered
        );
    }
    for u in &inventory.unreadable {
        text += &format!("{} unreadable: {}\n", u.kind, u.reason);
    }
    text
}

/// SHA-256 of `bytes` in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The 1-, 16- and 64-adapter fixture machines give exactly the inventory
/// and profile bytes they gave before the collector's per-adapter reads were
/// cut (issue 14, session 6): the values below were recorded with the
/// collector of `b568244`. The same holds when the PCI functions carry no
/// `uevent` file (the fallback reads).
#[test]
fn the_many_adapter_machines_keep_their_profile_bytes() {
    let key = ProductKey::for_product(PRODUCT);
    for (n, want_inventory, want_profile) in [
        (
            1,
            "3692201efef6384b74004ba2908cf73a1ff7d15d52f6d264949042aeb858a43a",
            "f5a2e913c6ad9f393ceabef9d2107a489e424bd4e61c40cdab712a55b1ee7b3b",
        ),
        (
            16,
            "9e0e229a099e2adf22e9f9f73873a5ace18befeb6d7a6bf037a4fb3e8087ce9e",
            "99566369a39d4efd96405b6a0b8c3f508b7c67c894953e0e9d29e287099e09ab",
        ),
        // The same profile as 16: it keeps the 16 lowest addresses, the same 16.
        (
            64,
            "39bd26e59cf82f87014113a37ef4884bac88153fb302a6e5e80c1983e292abf3",
            "99566369a39d4efd96405b6a0b8c3f508b7c67c894953e0e9d29e287099e09ab",
        ),
    ] {
        let machine = machines::nic_machine(n);
        for variant in ["with uevent", "without uevent"] {
            if variant == "without uevent" {
                machines::remove_uevent_files(machine.path());
            }
            let text = inventory_text(machine.path());
            let profile = Profile::build(&LinuxCollector::with_root(machine.path()).collect(), &key, true);
            let bytes = profile.to_bytes();
            eprintln!(
                "{n} {variant}: inventory {} profile {}",
                sha256_hex(text.as_bytes()),
                sha256_hex(&bytes)
            );
            assert_eq!(
                sha256_hex(text.as_bytes()),
                want_inventory,
                "{n} adapters, {variant}: inventory\n{text}"
            );
            assert_eq!(sha256_hex(&bytes), want_profile, "{n} adapters, {variant}: profile bytes");
        }
    }
}
