//! The authority's input-handling harness, shared by the cargo-fuzz target
//! `fuzz/fuzz_targets/authority_input.rs` and the `authority_fuzz` test.
//!
//! Arbitrary bytes are fed to an in-memory authority holding two licenses,
//! two seated machines and a temporary one, as everything a customer or
//! administrator can hand it: an activation request (code or bytes) to
//! activate and to transfer to, a deactivation receipt, a license text, an
//! activation id. Nothing may panic, and every input that is refused must
//! leave status and history exactly as they were. Inputs that are accepted
//! (only possible for well-formed requests and genuine receipts) must leave
//! a consistent ledger.
#![allow(dead_code)]

use std::sync::OnceLock;

use nodelock::activation::{
    ActivationCertificate, ActivationId, ActivationRequest, DeactivationReceipt, LocationStamp, Nonce,
};
use nodelock::authority::{Authority, Deactivation, MemoryLedger, Status};
use nodelock::hardware::ComponentKind;
use nodelock::license::{License, LicenseId, SignedLicense};
use nodelock::profile::{Digest, Profile};
use nodelock::{SecretKey, Timestamp, TrustedKeys};

const SEATS: u32 = 2;

fn now() -> Timestamp {
    Timestamp(1_782_907_200) // 2026-07-01T12:00:00Z
}

fn vendor() -> SecretKey {
    SecretKey::from_seed(&[0x11; 32])
}

/// License A: two seats, 30-day temporaries. License B: one seat, revoked.
fn licenses() -> [License; 2] {
    let mut a =
        License::new(LicenseId([0xa1; 16]), "com.example.app", "Customer A", SEATS, Timestamp(1_767_225_600));
    a.temporary_days = 30;
    let b = License::new(LicenseId([0xb2; 16]), "com.example.app", "Customer B", 1, Timestamp(1_767_225_600));
    [a, b]
}

fn profile(machine: u8) -> Profile {
    let kinds = [ComponentKind::Mac, ComponentKind::Cpu, ComponentKind::SystemDrive, ComponentKind::Memory];
    Profile::from_digests(kinds.map(|k| (k, Digest([machine.wrapping_mul(16).wrapping_add(k as u8); 16]))))
        .unwrap()
}

/// The activation secret of machine `n` (fixed, so receipts are reproducible).
fn activation_secret(machine: u8) -> SecretKey {
    SecretKey::from_seed(&[machine; 32])
}

/// A well-formed request from machine `machine` for `license`.
pub fn request(machine: u8, license: LicenseId) -> ActivationRequest {
    ActivationRequest {
        license_id: license,
        release_version: 1,
        profile: profile(machine),
        stamp: LocationStamp([machine; 16]),
        nonce: Nonce([machine; 16]),
        activation_key: activation_secret(machine).public_key().to_bytes(),
        label: Some(format!("machine {machine}")),
        client_time: now(),
    }
}

struct Fixture {
    ledger: MemoryLedger,
    certificates: Vec<ActivationCertificate>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let authority = Authority::new(vendor(), MemoryLedger::new());
        let [a, b] = licenses();
        for l in [&a, &b] {
            authority.issue(l, "vendor", now()).unwrap();
        }
        authority.revoke(b.id, "vendor", now()).unwrap();
        let certificates = (1..=3)
            .map(|m| authority.activate(&request(m, a.id), None, "desk", now()).unwrap().certificate)
            .collect();
        Fixture { ledger: authority.ledger().clone(), certificates }
    })
}

/// Valid inputs, for seeding: requests (as codes and bytes) of a new and a
/// known machine, a genuine receipt, a newer release of license A, an id.
pub fn seeds() -> Vec<Vec<u8>> {
    let f = fixture();
    let a = licenses()[0].id;
    let receipt = DeactivationReceipt {
        activation_id: f.certificates[0].activation_id,
        license_id: a,
        nonce: f.certificates[0].nonce,
        deactivated_at: now(),
    }
    .sign(&activation_secret(1));
    let v2 = licenses()[0].reissue(now()).unwrap().sign(&vendor()).unwrap();
    vec![
        request(7, a).to_code().into_bytes(),
        request(7, a).to_bytes(),
        request(1, a).to_code().into_bytes(),
        DeactivationReceipt::code_of(&receipt).into_bytes(),
        receipt,
        v2.to_armoured().into_bytes(),
        f.certificates[1].activation_id.to_string().into_bytes(),
    ]
}

type Snapshot = (Status, Vec<nodelock::authority::HistoryEntry>);

fn snapshot(a: &Authority<MemoryLedger>) -> Snapshot {
    (a.status(None, now()).unwrap(), a.history(None).unwrap())
}

/// A fresh copy of the fixture's authority and its snapshot.
fn fork() -> (Authority<MemoryLedger>, Snapshot) {
    let a = Authority::new(vendor(), fixture().ledger.clone());
    let s = snapshot(&a);
    (a, s)
}

/// After an accepted input: counts add up and the history only grew.
fn consistent(a: &Authority<MemoryLedger>, before: &Snapshot) {
    let (status, history) = snapshot(a);
    assert_eq!(&history[..before.1.len()], &before.1[..], "the history was rewritten");
    for l in &status.licenses {
        assert!(l.in_use <= l.total && l.available == l.total - l.in_use, "{l:?}");
        let seats: Vec<u32> = l.activations.iter().filter_map(|h| h.seat).collect();
        assert_eq!(seats.len() as u32, l.in_use);
        assert!(seats.windows(2).all(|w| w[0] < w[1]) && seats.iter().all(|s| (1..=l.total).contains(s)));
    }
}

fn check_outcome<T>(a: &Authority<MemoryLedger>, before: &Snapshot, accepted: Option<T>) {
    match accepted {
        Some(_) => consistent(a, before),
        None => assert_eq!(&snapshot(a), before, "a refused input changed the ledger"),
    }
}

/// Feeds `data` to the authority every way it can take input.
pub fn check(data: &[u8]) {
    let f = fixture();
    let trusted = TrustedKeys::single(vendor().public_key().clone());
    if let Ok(request) = ActivationRequest::from_code_or_bytes(data) {
        let (a, before) = fork();
        let grant = a.activate(&request, None, "fuzz", now()).ok();
        if let Some(g) = &grant {
            let opened = ActivationCertificate::open(&g.bytes, &trusted).unwrap().message;
            assert_eq!((opened.license_id, opened.nonce), (request.license_id, request.nonce));
        }
        check_outcome(&a, &before, grant);
        let (a, before) = fork();
        let moved = a.transfer(f.certificates[0].activation_id, &request, None, "fuzz", now()).ok();
        check_outcome(&a, &before, moved);
    }
    let (a, before) = fork();
    let ended = match a.deactivate(data, "fuzz", now()) {
        Ok(Deactivation::Deactivated(freed)) => Some(freed),
        Ok(_) | Err(_) => None,
    };
    check_outcome(&a, &before, ended);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(signed) = SignedLicense::from_armoured(text, &trusted) {
            let (a, before) = fork();
            check_outcome(&a, &before, a.add_license(&signed, "fuzz", now()).ok());
        }
        if let Ok(id) = text.parse::<ActivationId>() {
            let (a, before) = fork();
            check_outcome(&a, &before, a.release(id, "fuzz", now()).ok());
            let (a, before) = fork();
            check_outcome(&a, &before, a.anonymise(id, "fuzz", now()).ok());
        }
        if let Ok(id) = text.parse::<LicenseId>() {
            let (a, before) = fork();
            check_outcome(&a, &before, a.status(Some(id), now()).ok());
        }
    }
}
