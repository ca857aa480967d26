//! Activation on the end user's machine, end to end: request → certificate →
//! validation, and every reason a validation can fail.
#![cfg(feature = "client")]

mod common;

use std::path::Path;

use common::*;
use nodelock::activation::{
    ActivationCertificate, ActivationError, ActivationKind, ActivationRequest, DeactivationReceipt, Reason,
    Validator, Verdict,
};
use nodelock::hardware::ComponentKind;
use nodelock::license::License;
use nodelock::{SecretKey, Timestamp, TrustedKeys};

fn validator(dir: &Path, license: &License) -> Validator {
    let v = Validator::new(app(), trusted(), dir).with_collector(collector(machine()));
    v.install_license(&license.sign(&vendor()).unwrap().to_armoured()).unwrap();
    v
}

fn activate(v: &Validator, now: Timestamp) -> ActivationCertificate {
    let request = v.request_activation_at(Some("Alice's workstation"), now).unwrap();
    // Offline: the request travels as a code, the response comes back as one.
    let at_vendor = ActivationRequest::from_code(&request.to_code()).unwrap();
    assert_eq!(at_vendor, request);
    let response = ActivationCertificate::code_of(&grant(&at_vendor, now));
    v.install(response.as_bytes()).unwrap()
}

fn reason(verdict: Verdict) -> Reason {
    match verdict {
        Verdict::ActivationRequired { reason } => reason,
        Verdict::Licensed(l) => panic!("unexpectedly licensed: {l}"),
    }
}

#[test]
fn activation_round_trip_offline() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    assert_eq!(reason(v.check_at(now)), Reason::NotActivated);
    let cert = activate(&v, now);
    assert_eq!(cert.kind, ActivationKind::Permanent);
    let verdict = v.check_at(now.plus_secs(60));
    let licensed = verdict.licensed().expect("licensed after activation");
    assert_eq!(licensed.license, license());
    assert!(licensed.comparison.is_none(), "identical hardware has no drift to report");
    assert!(!licensed.moved);
    assert_eq!(licensed.activation_id, cert.activation_id);
}

#[test]
fn hardware_drift_within_and_beyond_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    activate(&validator(dir.path(), &license()), now);
    // One of two NICs replaced: partial weight 1, within tolerance 3.
    let one_nic = changed(machine(), ComponentKind::Mac, "3c:52:82:1a:2b:3d", "a0:36:9f:00:00:01");
    let v = Validator::new(app(), trusted(), dir.path()).with_collector(collector(one_nic.clone()));
    let verdict = v.check_at(now);
    let c = verdict.licensed().unwrap().comparison.as_ref().expect("drift is reported");
    assert_eq!(c.score, 1);
    // ... plus the system drive: 1 + 3 = 4 > 3.
    let drive = changed(one_nic, ComponentKind::SystemDrive, "S4EWNX0N123456", "WD-WCC4N0000001");
    let v = Validator::new(app(), trusted(), dir.path()).with_collector(collector(drive));
    match reason(v.check_at(now)) {
        Reason::HardwareChanged { comparison } => {
            assert_eq!((comparison.score, comparison.tolerance), (4, 3));
            assert!(comparison.to_string().contains("reactivation required"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn copied_store_is_moved_and_its_own_rewrites_are_not() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(&dir, &license());
    activate(&v, now);
    let stamp = v.store().stamp().unwrap();
    // Ten rewrites by the store itself: requests, a license reinstall, clock marks.
    for i in 0..10u64 {
        v.request_activation_at(None, now.plus_secs(i)).unwrap();
        v.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
        assert!(v.check_at(now.plus_days(i)).is_licensed());
    }
    assert_eq!(v.store().stamp(), Some(stamp));
    let verdict = v.check_at(now.plus_days(11));
    assert!(!verdict.licensed().unwrap().moved);

    // A copy elsewhere is moved: exact hardware still passes with moved weights...
    let copy = root.path().join("copy");
    copy_dir(&dir, &copy);
    let moved = Validator::new(app(), trusted(), &copy).with_collector(collector(machine()));
    assert_ne!(moved.store().stamp(), Some(stamp));
    let verdict = moved.check_at(now.plus_days(11));
    assert!(verdict.licensed().unwrap().moved);
    // ... but a change costs the moved weight: a new CPU costs 2 instead of 1.
    let cpu = changed(machine(), ComponentKind::Cpu, "GenuineIntel 000906ea", "AuthenticAMD 00a20f10");
    let moved = Validator::new(app(), trusted(), &copy).with_collector(collector(cpu));
    match moved.check_at(now.plus_days(11)) {
        Verdict::Licensed(l) => assert_eq!(l.comparison.unwrap().score, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalidate_on_move_refuses_even_an_exact_match() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    let mut strict = license();
    strict.policy.invalidate_on_move = true;
    let now = ts("2026-07-01T10:00:00Z");
    activate(&validator(&dir, &strict), now);
    let copy = root.path().join("copy");
    copy_dir(&dir, &copy);
    let v = Validator::new(app(), trusted(), &copy).with_collector(collector(machine()));
    assert_eq!(reason(v.check_at(now)), Reason::StoreMoved);
    assert!(
        Validator::new(app(), trusted(), &dir)
            .with_collector(collector(machine()))
            .check_at(now)
            .is_licensed()
    );
}

#[cfg(unix)]
#[test]
fn store_restored_from_a_tar_archive_is_moved() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    let mut strict = license();
    strict.policy.invalidate_on_move = true;
    let now = ts("2026-07-01T10:00:00Z");
    activate(&validator(&dir, &strict), now);
    let archive = root.path().join("backup.tar");
    let tar = |args: &[&str]| {
        let status = std::process::Command::new("tar").args(args).current_dir(root.path()).status().unwrap();
        assert!(status.success(), "tar {args:?}");
    };
    tar(&["-cpf", archive.to_str().unwrap(), "store"]);
    std::fs::remove_dir_all(&dir).unwrap();
    tar(&["-xpf", archive.to_str().unwrap()]);
    let v = Validator::new(app(), trusted(), &dir).with_collector(collector(machine()));
    assert_eq!(reason(v.check_at(now)), Reason::StoreMoved, "restored at the same path, but a new file");
}

#[test]
fn newer_embedded_release_supersedes_the_activated_disk_license() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v1 = license();
    activate(&validator(dir.path(), &v1), now);
    let v2 = v1.reissue(now).unwrap();
    let embedded = v2.sign(&vendor()).unwrap().to_armoured();
    let v = Validator::new(app(), trusted(), dir.path())
        .with_collector(collector(machine()))
        .with_embedded_license(embedded.clone());
    assert_eq!(
        reason(v.check_at(now)),
        Reason::ReleaseSuperseded { activated_release: 1, current_release: 2 }
    );
    // Activating again installs release 2 with its activation.
    activate(&v, now);
    let verdict = v.check_at(now);
    assert_eq!(verdict.licensed().unwrap().license.release_version, 2);
    // The same release embedded again (a reinstall of the same build) keeps the disk copy.
    let same = Validator::new(app(), trusted(), dir.path())
        .with_collector(collector(machine()))
        .with_embedded_license(embedded);
    assert!(same.check_at(now).is_licensed());
}

#[test]
fn a_certificate_for_an_older_release_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    // The vendor re-issues release 2 and the user installs it over the activated release 1.
    v.install_license(&license().reissue(now).unwrap().sign(&vendor()).unwrap().to_armoured()).unwrap();
    assert_eq!(
        reason(v.check_at(now)),
        Reason::ReleaseSuperseded { activated_release: 1, current_release: 2 }
    );
}

#[test]
fn expiry_and_temporary_end() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let mut expiring = license();
    expiring.expires_at = Some(ts("2026-12-31"));
    let v = validator(dir.path(), &expiring);
    activate(&v, now);
    assert!(v.check_at(ts("2026-12-30")).is_licensed());
    assert_eq!(reason(v.check_at(ts("2027-01-02"))), Reason::LicenseExpired { at: ts("2026-12-31") });

    let dir = tempfile::tempdir().unwrap();
    let v = validator(dir.path(), &license());
    let request = v.request_activation_at(None, now).unwrap();
    let until = now.plus_days(90);
    v.install(&grant_kind(&request, ActivationKind::Temporary { until }, None, now)).unwrap();
    let verdict = v.check_at(now.plus_days(89));
    assert_eq!(verdict.licensed().unwrap().kind, ActivationKind::Temporary { until });
    assert_eq!(reason(v.check_at(until)), Reason::TemporaryEnded { at: until });
}

#[test]
fn clock_set_back_beyond_tolerance_is_reported_small_moves_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let later = now.plus_days(30);
    assert!(v.check_at(later).is_licensed(), "records the high-water mark");
    // DST or an NTP correction: an hour back is fine (tolerance is a day).
    assert!(v.check_at(later.minus_secs(3600)).is_licensed());
    // A week back is not.
    let back = later.minus_secs(7 * 86_400);
    assert_eq!(reason(v.check_at(back)), Reason::ClockSetBack { now: back, last_seen: later });
    // Before the certificate was even issued is not either, with no mark at all.
    std::fs::remove_file(dir.path().join("clock")).unwrap();
    let before = now.minus_secs(3 * 86_400);
    assert_eq!(reason(v.check_at(before)), Reason::ClockSetBack { now: before, last_seen: now });
    // A forged mark (wrong MAC) is ignored rather than trusted.
    std::fs::write(dir.path().join("clock"), b"garbage").unwrap();
    assert!(v.check_at(now.plus_days(1)).is_licensed());
}

#[test]
fn wrong_product_tampering_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let path = v.store().license_path();
    let good = std::fs::read_to_string(&path).unwrap();

    let mut other = license();
    other.product = "com.example.other".into();
    std::fs::write(&path, other.sign(&vendor()).unwrap().to_armoured()).unwrap();
    assert!(matches!(reason(v.check_at(now)), Reason::WrongProduct { .. }));

    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let body = &mut lines[1];
    let flipped = if body.starts_with('A') { 'B' } else { 'A' };
    body.replace_range(0..1, &flipped.to_string());
    std::fs::write(&path, lines.join("\n")).unwrap();
    assert!(matches!(reason(v.check_at(now)), Reason::InvalidSignature { .. }));

    let stranger = SecretKey::from_seed(&[0x99; 32]);
    std::fs::write(&path, license().sign(&stranger).unwrap().to_armoured()).unwrap();
    assert!(matches!(reason(v.check_at(now)), Reason::UnknownKey { .. }));

    std::fs::write(&path, &good).unwrap();
    assert!(v.check_at(now).is_licensed());
}

#[test]
fn responses_that_answer_no_request_here_are_refused() {
    let now = ts("2026-07-01T10:00:00Z");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let va = validator(a.path(), &license());
    let vb = validator(b.path(), &license());
    let request_b = vb.request_activation_at(None, now).unwrap();
    // Machine A cannot install the certificate made for machine B's request.
    assert!(matches!(va.install(&grant(&request_b, now)), Err(ActivationError::NoPendingRequest)));
    // A certificate signed by someone else is refused before anything else.
    let forged = ActivationCertificate::answering(
        &request_b,
        nodelock::activation::ActivationId([1; 16]),
        ActivationKind::Permanent,
        Some(1),
        now,
    )
    .sign(&SecretKey::from_seed(&[0x99; 32]))
    .unwrap();
    assert!(matches!(vb.install(&forged), Err(ActivationError::Format(_))));
    // A truncated response code is refused with a code error.
    let code = ActivationCertificate::code_of(&grant(&request_b, now));
    assert!(matches!(vb.install(&code.as_bytes()[..code.len() - 6]), Err(ActivationError::Code(_))));
    // Installing the same answer twice: the second finds no pending request.
    vb.install(&grant(&request_b, now)).unwrap();
    assert!(matches!(vb.install(&grant(&request_b, now)), Err(ActivationError::NoPendingRequest)));
    assert!(vb.check_at(now).is_licensed());
}

#[test]
fn another_machines_certificate_does_not_validate_here() {
    let now = ts("2026-07-01T10:00:00Z");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    activate(&validator(a.path(), &license()), now);
    let vb = validator(b.path(), &license());
    activate(&vb, now);
    // Copy A's activation file over B's: B's anchor stays, A's secret and certificate come along.
    std::fs::copy(a.path().join("activation"), b.path().join("activation")).unwrap();
    let verdict = vb.check_at(now);
    assert!(verdict.licensed().unwrap().moved, "A's certificate names A's location");
    let mut strict = license();
    strict.policy.invalidate_on_move = true;
    vb.install_license(&strict.sign(&vendor()).unwrap().to_armoured()).unwrap();
    assert!(matches!(reason(vb.check_at(now)), Reason::StoreMoved | Reason::ActivationMismatch { .. }));
}

#[test]
fn damaged_store_gives_a_verdict_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let state = dir.path().join("activation");
    let original = std::fs::read(&state).unwrap();
    for damage in [&original[..original.len() / 2], &b"garbage"[..], &[][..]] {
        std::fs::write(&state, damage).unwrap();
        assert!(matches!(reason(v.check_at(now)), Reason::StoreDamaged { .. }), "{} bytes", damage.len());
        assert_eq!(std::fs::read(&state).unwrap(), damage, "checking never rewrites the activation");
    }
    std::fs::write(&state, &original).unwrap();
    assert!(v.check_at(now).is_licensed());
    // A new request keeps the damaged file aside for support.
    std::fs::write(&state, b"garbage").unwrap();
    v.request_activation_at(None, now).unwrap();
    assert_eq!(std::fs::read(dir.path().join("activation.damaged")).unwrap(), b"garbage");
}

#[test]
fn deactivation_receipt_is_verifiable_and_unforgeable() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    let cert = activate(&v, now);
    let receipt = v.store().deactivate(now.plus_days(1)).unwrap();
    assert_eq!(reason(v.check_at(now.plus_days(1))), Reason::NotActivated);
    // The authority verifies it with the certified activation key.
    let code = DeactivationReceipt::code_of(&receipt);
    let bytes = DeactivationReceipt::bytes_from(code.as_bytes()).unwrap();
    let r = DeactivationReceipt::open(&bytes, &cert.activation_key).unwrap();
    assert_eq!((r.activation_id, r.license_id, r.nonce), (cert.activation_id, cert.license_id, cert.nonce));
    // It is kept for showing again; a second deactivation has nothing to do.
    assert_eq!(v.store().last_receipt().unwrap(), Some(receipt.clone()));
    assert!(matches!(v.store().deactivate(now), Err(ActivationError::NotActivated)));
    // Someone who never held the activation signs with another key: refused.
    let forged = r.sign(&SecretKey::from_seed(&[0x33; 32]));
    assert!(DeactivationReceipt::open(&forged, &cert.activation_key).is_err());
    // A receipt is not a certificate and a certificate not a receipt.
    assert!(
        DeactivationReceipt::open(
            &grant(&v.request_activation_at(None, now).unwrap(), now),
            &cert.activation_key
        )
        .is_err()
    );
    assert!(
        ActivationCertificate::open(&receipt, &TrustedKeys::single(vendor().public_key().clone())).is_err()
    );
}

#[test]
fn every_single_bit_flip_of_a_certificate_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    let request = v.request_activation_at(None, now).unwrap();
    let cert = grant(&request, now);
    let trusted = trusted();
    ActivationCertificate::open(&cert, &trusted).unwrap();
    for i in 0..cert.len() * 8 {
        let mut flipped = cert.clone();
        flipped[i / 8] ^= 1 << (i % 8);
        assert!(ActivationCertificate::open(&flipped, &trusted).is_err(), "bit {i}");
    }
}

#[test]
fn too_weak_a_profile_cannot_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv = machine();
    inv.components.retain(|c| matches!(c.kind, ComponentKind::Cpu | ComponentKind::Memory));
    let v = Validator::new(app(), trusted(), dir.path()).with_collector(collector(inv));
    v.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    let err = v.request_activation_at(None, ts("2026-07-01")).unwrap_err();
    assert!(matches!(err, ActivationError::WeakProfile(_)), "{err}");
    assert!(err.to_string().contains("only 2 kinds"), "{err}");
}

#[test]
fn every_reason_tells_the_user_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::new(app(), trusted(), dir.path()).with_collector(collector(machine()));
    let r = reason(v.check_at(ts("2026-07-01")));
    assert_eq!(r, Reason::NoLicense);
    assert!(r.to_string().contains("Install the license file"));
    let json = serde_json::to_value(v.check_at(ts("2026-07-01"))).unwrap();
    assert_eq!(json["verdict"], "activation_required");
    assert_eq!(json["reason"]["reason"], "no_license");
}
