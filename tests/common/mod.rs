//! Shared helpers of the integration tests: a vendor, a product, machines
//! with known hardware, and a test issuer of activation certificates built
//! from the signing code (the authority issues the same type).
#![allow(dead_code)]

use std::path::Path;

use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind, ActivationRequest};
use nodelock::hardware::{Component, ComponentKind, Environment, FixedCollector, Inventory};
use nodelock::license::{AppInfo, License, LicenseId, Version};
use nodelock::{SecretKey, Timestamp, TrustedKeys};

pub const PRODUCT: &str = "com.example.app";

pub fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub fn vendor() -> SecretKey {
    SecretKey::from_seed(&[0x11; 32])
}

pub fn trusted() -> TrustedKeys {
    TrustedKeys::single(vendor().public_key().clone())
}

pub fn app() -> AppInfo {
    AppInfo::new(PRODUCT, Version::new(2, 1, 0), ts("2026-06-01"))
}

pub fn license() -> License {
    License::new(LicenseId([0x5a; 16]), PRODUCT, "ACME Corp", 3, ts("2026-01-01"))
}

/// A workstation: two NICs, CPU, system drive, memory, optical drive, GPU, AHCI.
pub fn machine() -> Inventory {
    let mut inv = Inventory::new(Environment::BareMetal);
    for (kind, value) in [
        (ComponentKind::Mac, "3c:52:82:1a:2b:3c"),
        (ComponentKind::Mac, "3c:52:82:1a:2b:3d"),
        (ComponentKind::Cpu, "GenuineIntel 000906ea"),
        (ComponentKind::SystemDrive, "S4EWNX0N123456"),
        (ComponentKind::Memory, "32 GiB"),
        (ComponentKind::CdRom, "HL-DT-ST DVD+-RW GU90N"),
        (ComponentKind::Video, "10de:1c82"),
        (ComponentKind::Ide, "8086:a352"),
    ] {
        inv.push(Component::new(kind, value));
    }
    inv.finish()
}

/// The moment the tests run at: after the licenses' start (2026-01-01) and
/// the application's build date (2026-06-01).
pub fn now() -> Timestamp {
    ts("2026-07-01T10:00:00Z")
}

/// Machine `n` with exactly ten components in seven kinds (the profile the
/// short codes' length targets are set for), every value its own.
pub fn ten_components(n: u32) -> Inventory {
    let mut inv = Inventory::new(Environment::BareMetal);
    for (kind, value) in [
        (ComponentKind::Mac, "3c:52:82:1a:2b:3c"),
        (ComponentKind::Mac, "3c:52:82:1a:2b:3d"),
        (ComponentKind::Mac, "3c:52:82:1a:2b:3e"),
        (ComponentKind::Cpu, "GenuineIntel 000906ea"),
        (ComponentKind::SystemDrive, "S4EWNX0N123456"),
        (ComponentKind::Memory, "32 GiB"),
        (ComponentKind::CdRom, "HL-DT-ST DVD+-RW GU90N"),
        (ComponentKind::Video, "10de:1c82"),
        (ComponentKind::Video, "8086:3e92"),
        (ComponentKind::Ide, "8086:a352"),
    ] {
        inv.push(Component::new(kind, format!("{value} #{n}")));
    }
    inv.finish()
}

/// Workstation `n`: `machine()` with every component value made its own.
pub fn workstation(n: u32) -> Inventory {
    let mut inv = machine();
    for c in &mut inv.components {
        c.value = format!("{} #{n}", c.value);
    }
    inv.finish()
}

/// A machine running the application: a validator on `hardware` with its
/// own store, `terms` installed.
pub fn installed_with(
    terms: &License,
    hardware: Inventory,
) -> (nodelock::activation::Validator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let validator = nodelock::activation::Validator::new(app(), trusted(), dir.path())
        .with_collector(collector(hardware));
    validator.install_license(&terms.sign(&vendor()).unwrap().to_armoured()).unwrap();
    (validator, dir)
}

/// `machine()` with the value of one instance of `kind` replaced.
pub fn changed(mut inv: Inventory, kind: ComponentKind, old: &str, new: &str) -> Inventory {
    for c in &mut inv.components {
        if c.kind == kind && c.value == old {
            c.value = new.to_owned();
        }
    }
    inv.finish()
}

pub fn collector(inv: Inventory) -> FixedCollector {
    FixedCollector(inv)
}

/// What the authority does for a grant: a permanent seat certificate.
pub fn grant(request: &ActivationRequest, now: Timestamp) -> Vec<u8> {
    grant_kind(request, ActivationKind::Permanent, Some(1), now)
}

pub fn grant_kind(
    request: &ActivationRequest,
    kind: ActivationKind,
    seat: Option<u32>,
    now: Timestamp,
) -> Vec<u8> {
    ActivationCertificate::answering(request, ActivationId([0x77; 16]), kind, seat, now)
        .sign(&vendor())
        .unwrap()
}

/// Copies a directory tree (files only), as a user copying a store would.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
