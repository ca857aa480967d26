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
