//! Activation on the end user's machine, end to end: request → certificate →
//! validation, and every reason a validation can fail.
#![cfg(feature = "client")]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use nodelock::Change;
use nodelock::activation::store::decode_state_bytes;
use nodelock::activation::{
    ActivationCertificate, ActivationError, ActivationId, ActivationKind, ActivationRequest,
    DeactivationReceipt, LeaseState, READ_LAST, Reason, Validator, Verdict,
};
use nodelock::hardware::{Collector, Component, ComponentKind, Environment, Inventory, KindSet};
use nodelock::license::{License, LicenseId, Origin, Version};
use nodelock::policy::Policy;
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
    // Before the certificate was even issued is not either.
    let before = now.minus_secs(3 * 86_400);
    assert_eq!(reason(v.check_at(before)), Reason::ClockSetBack { now: before, last_seen: later });
}

#[test]
fn a_deleted_or_forged_clock_mark_is_reported_not_trusted() {
    // Attack 7: removing `clock` used to reset the floor to the certificate's
    // issue time, so any roll-back after that went unnoticed.
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    assert!(dir.path().join("clock").exists(), "installing the certificate writes the mark");
    let later = now.plus_days(30);
    assert!(v.check_at(later).is_licensed());
    std::fs::remove_file(dir.path().join("clock")).unwrap();
    let back = later.minus_secs(7 * 86_400);
    assert_eq!(reason(v.check_at(back)), Reason::ClockMarkMissing);
    assert_eq!(reason(v.check_at(later)), Reason::ClockMarkMissing, "the right time does not excuse it");
    // A forged mark (wrong MAC) is not trusted either.
    std::fs::write(dir.path().join("clock"), b"garbage").unwrap();
    assert_eq!(reason(v.check_at(later)), Reason::ClockMarkMissing);
    let message = Reason::ClockMarkMissing.to_string();
    assert!(message.contains("clock file) is missing") && message.contains("Activate again"), "{message}");
    // Activating again repairs it, with the new certificate's issue time as
    // the floor.
    activate(&v, later);
    assert!(v.check_at(later).is_licensed());
    assert_eq!(reason(v.check_at(back)), Reason::ClockSetBack { now: back, last_seen: later });
}

#[test]
fn a_new_certificate_carries_the_clock_mark_forward() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let later = now.plus_days(30);
    assert!(v.check_at(later).is_licensed(), "records the high-water mark");
    // A certificate issued before the mark (the vendor's clock is behind
    // this machine's) replaces the activation: the mark survives the install.
    activate(&v, now.plus_days(1));
    let back = later.minus_secs(7 * 86_400);
    assert_eq!(reason(v.check_at(back)), Reason::ClockSetBack { now: back, last_seen: later });
    assert!(v.check_at(later).is_licensed());
}

#[test]
fn a_clock_mark_with_bytes_after_it_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let later = now.plus_days(30);
    assert!(v.check_at(later).is_licensed(), "records the high-water mark");
    let back = later.minus_secs(7 * 86_400);
    assert!(matches!(reason(v.check_at(back)), Reason::ClockSetBack { .. }), "the mark is honoured");
    // The same mark with one byte more inside its frame (length + 1, a 0
    // appended): no longer exactly a clock mark, so it is not read as one
    // (that would report the clock set back) and, like a deleted mark, it
    // is reported rather than trusted.
    let path = dir.path().join("clock");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = 1 + usize::from(bytes[0]);
    let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) + 1;
    bytes[at..at + 4].copy_from_slice(&len.to_le_bytes());
    bytes.push(0);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(reason(v.check_at(back)), Reason::ClockMarkMissing, "a mark with trailing bytes was read");
}

#[test]
fn an_hourly_check_overwrites_the_older_slot_and_a_lost_write_costs_only_that_write() {
    // Issue 14: the check that advances the mark writes one slot in place,
    // without fsync. Whatever a crash does to that slot, the other one
    // (here the install's mark) is still read: the mark falls back, never
    // goes missing.
    use nodelock::activation::clock::CLOCK_SLOT_LEN;
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let v = validator(dir.path(), &license());
    activate(&v, now);
    let path = dir.path().join("clock");
    let installed = std::fs::read(&path).unwrap();
    assert!(installed.len() <= CLOCK_SLOT_LEN, "an install writes one frame");
    let later = now.plus_days(30);
    assert!(v.check_at(later).is_licensed());
    let advanced = std::fs::read(&path).unwrap();
    assert_eq!(advanced.len(), 2 * CLOCK_SLOT_LEN, "the check wrote slot 1");
    assert_eq!(&advanced[..installed.len()], &installed[..], "and left slot 0 alone");
    let back = later.minus_secs(7 * 86_400);
    assert_eq!(reason(v.check_at(back)), Reason::ClockSetBack { now: back, last_seen: later });
    // The next advance replaces the older slot (0), keeping `later` in slot 1.
    let latest = later.plus_days(10);
    assert!(v.check_at(latest).is_licensed());
    let twice = std::fs::read(&path).unwrap();
    assert_eq!(&twice[CLOCK_SLOT_LEN..], &advanced[CLOCK_SLOT_LEN..], "slot 1 untouched");
    assert_ne!(&twice[..CLOCK_SLOT_LEN], &advanced[..CLOCK_SLOT_LEN]);
    // A crash that lost the newest write (slot 0 zeroed, or torn): the mark
    // is the previous one, `later`.
    let mut torn = twice.clone();
    torn[10..40].fill(0);
    assert_eq!(reason(v.check_at(later)), Reason::ClockSetBack { now: later, last_seen: latest });
    std::fs::write(&path, &torn).unwrap();
    assert!(v.check_at(later).is_licensed(), "what the crash cost: the mark is back at `later`");
    assert_eq!(reason(v.check_at(back)), Reason::ClockSetBack { now: back, last_seen: later });
    // Both slots gone is a missing mark, as a deleted file is.
    std::fs::write(&path, vec![0u8; 2 * CLOCK_SLOT_LEN]).unwrap();
    assert_eq!(reason(v.check_at(latest)), Reason::ClockMarkMissing);
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
    assert!(matches!(
        vb.install(&forged),
        Err(ActivationError::Signature(nodelock::signed::SignatureError::UnknownKey { .. }))
    ));
    // A truncated response code is refused with a code error.
    let code = ActivationCertificate::code_of(&grant(&request_b, now));
    assert!(matches!(vb.install(&code.as_bytes()[..code.len() - 6]), Err(ActivationError::Code(_))));
    // Installing the same answer twice: the second finds no pending request.
    vb.install(&grant(&request_b, now)).unwrap();
    assert!(matches!(vb.install(&grant(&request_b, now)), Err(ActivationError::NoPendingRequest)));
    assert!(vb.check_at(now).is_licensed());
}

/// Another workstation: every component differs from `machine()`.
fn other_machine() -> Inventory {
    let mut inv = Inventory::new(Environment::BareMetal);
    for (kind, value) in [
        (ComponentKind::Mac, "a0:36:9f:10:20:30"),
        (ComponentKind::Mac, "a0:36:9f:10:20:31"),
        (ComponentKind::Cpu, "AuthenticAMD 00a20f10"),
        (ComponentKind::SystemDrive, "WD-WCC4N0000001"),
        (ComponentKind::Memory, "64 GiB"),
        (ComponentKind::CdRom, "ASUS DRW-24D5MT"),
        (ComponentKind::Video, "1002:73bf"),
        (ComponentKind::Ide, "1022:7901"),
    ] {
        inv.push(Component::new(kind, value));
    }
    inv.finish()
}

#[test]
fn another_machines_certificate_does_not_validate_here() {
    let now = ts("2026-07-01T10:00:00Z");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    activate(&validator(a.path(), &license()), now);
    // Machine B (other hardware) has its own store with the license; A's
    // activation file and clock mark are copied over: A's secret, certificate
    // and mark come along.
    let vb = Validator::new(app(), trusted(), b.path()).with_collector(collector(other_machine()));
    vb.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    std::fs::copy(a.path().join("activation"), b.path().join("activation")).unwrap();
    std::fs::copy(a.path().join("clock"), b.path().join("clock")).unwrap();
    match reason(vb.check_at(now)) {
        Reason::HardwareChanged { comparison } => {
            assert!(comparison.reactivate);
            assert!(comparison.score > comparison.tolerance, "{comparison}");
        }
        other => panic!("A's certificate validated on B's hardware: {other:?}"),
    }
    // Under invalidate_on_move the location alone refuses it, before any hardware is compared.
    let mut strict = license();
    strict.policy.invalidate_on_move = true;
    vb.install_license(&strict.sign(&vendor()).unwrap().to_armoured()).unwrap();
    assert_eq!(reason(vb.check_at(now)), Reason::StoreMoved);
}

#[test]
fn an_activation_file_copied_to_another_store_on_the_same_hardware_counts_as_moved() {
    let now = ts("2026-07-01T10:00:00Z");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    activate(&validator(a.path(), &license()), now);
    let vb = validator(b.path(), &license());
    activate(&vb, now);
    // Copy A's activation file (and its clock mark) over B's: B's anchor
    // stays, so A's certificate names another location; identical hardware
    // passes with the moved weights.
    std::fs::copy(a.path().join("activation"), b.path().join("activation")).unwrap();
    std::fs::copy(a.path().join("clock"), b.path().join("clock")).unwrap();
    let verdict = vb.check_at(now);
    let licensed = verdict.licensed().expect("same hardware: within tolerance even with moved weights");
    assert!(licensed.moved, "A's certificate names A's location");
}

/// A collector that counts how often it is asked.
struct Counting(Inventory, Arc<AtomicUsize>);

impl Collector for Counting {
    fn collect(&self) -> Inventory {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.clone()
    }
}

#[test]
fn a_request_after_a_failed_check_collects_the_hardware_once() {
    let now = ts("2026-07-01T10:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = |inv: Inventory| {
        let v = Validator::new(app(), trusted(), dir.path()).with_collector(Counting(inv, calls.clone()));
        calls.store(0, Ordering::SeqCst);
        v
    };
    // Not activated: the check stops before the hardware, the request collects once.
    let v = counted(machine());
    v.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    assert_eq!(reason(v.check_at(now)), Reason::NotActivated);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let request = v.request_activation_at(None, now).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    v.install(&grant(&request, now)).unwrap();
    // Hardware changed: the check collected, so the request reuses that profile.
    let v = counted(other_machine());
    assert!(matches!(reason(v.check_at(now)), Reason::HardwareChanged { .. }));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let request = v.request_activation_at(Some("new machine"), now).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the request collected the hardware again");
    let fresh = Validator::new(app(), trusted(), dir.path()).with_collector(collector(other_machine()));
    let expected = fresh.current_profile(&license()).shortened(nodelock::profile::short::REQUEST_WIDTH);
    assert_eq!(request.profile, expected, "the reused profile is this machine's, as a request cuts it");
    // An install forgets what the check established: the next request collects again.
    v.install(&grant(&request, now)).unwrap();
    let verdict = v.check_at(now);
    assert!(verdict.licensed().expect("licensed").not_read.is_empty(), "a collector of every kind at once");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "every check collects afresh");
    v.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    v.request_activation_at(None, now).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// A collector that reads kinds separately, like the Linux one, and
/// records which kinds it was asked for.
struct Asked(Inventory, Arc<std::sync::Mutex<Vec<KindSet>>>);

impl Collector for Asked {
    fn collect(&self) -> Inventory {
        self.collect_only(KindSet::ALL).unwrap()
    }

    fn collect_only(&self, kinds: KindSet) -> Option<Inventory> {
        self.1.lock().unwrap().push(kinds);
        Some(self.0.clone().only(kinds))
    }
}

#[test]
fn a_check_reads_the_pci_kinds_only_when_they_could_change_the_verdict() {
    let now = ts("2026-07-01T10:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    activate(&validator(dir.path(), &license()), now);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let check = |inventory: Inventory| {
        asked.lock().unwrap().clear();
        let v = Validator::new(app(), trusted(), dir.path()).with_collector(Asked(inventory, asked.clone()));
        let verdict = v.check_at(now);
        (verdict, std::mem::take(&mut *asked.lock().unwrap()))
    };
    let first = KindSet::ALL.without(READ_LAST);
    let last = [ComponentKind::Video, ComponentKind::Ide, ComponentKind::Scsi];

    // The other kinds match: video, IDE and SCSI together weigh 3, the
    // tolerance, so they cannot change the verdict and are not read.
    let (verdict, kinds) = check(machine());
    assert_eq!(kinds, [first]);
    let licensed = verdict.licensed().expect("identical hardware");
    assert_eq!((licensed.not_read.as_slice(), licensed.comparison.as_ref()), (&last[..], None));
    // A new graphics card is not seen, and needs not be: licensed either way.
    let gpu = changed(machine(), ComponentKind::Video, "10de:1c82", "1002:73bf");
    let (verdict, kinds) = check(gpu.clone());
    assert_eq!(kinds, [first]);
    assert_eq!(verdict.licensed().expect("a new GPU alone is within tolerance").not_read, last);

    // A vendor who wants drift in every kind reported reads everything.
    asked.lock().unwrap().clear();
    let full = Validator::new(app(), trusted(), dir.path())
        .with_collector(Asked(gpu.clone(), asked.clone()))
        .with_full_comparison();
    let verdict = full.check_at(now);
    assert_eq!(*asked.lock().unwrap(), [KindSet::ALL]);
    let licensed = verdict.licensed().expect("within tolerance");
    assert!(licensed.not_read.is_empty());
    let comparison = licensed.comparison.as_ref().expect("the new GPU is reported");
    assert_eq!((comparison.score, comparison.kind(ComponentKind::Video).change), (1, Change::Changed));

    // One NIC of two replaced (partial weight 1): 1 + 3 could exceed 3, so
    // the rest is read, and the whole comparison is reported.
    let nic = changed(gpu, ComponentKind::Mac, "3c:52:82:1a:2b:3d", "a0:36:9f:00:00:01");
    let (verdict, kinds) = check(nic.clone());
    assert_eq!(kinds, [first, READ_LAST]);
    let licensed = verdict.licensed().expect("score 2 of 3");
    assert!(licensed.not_read.is_empty());
    let comparison = licensed.comparison.as_ref().expect("drift is reported");
    assert_eq!(comparison.score, 2);
    assert_eq!(comparison.kind(ComponentKind::Video).change, Change::Changed);
    assert_eq!(comparison.not_read().count(), 0);
    // ... and the IDE controller too: 3 of 3, still licensed; the drive: refused,
    // with every kind in the explanation.
    let ide = changed(nic, ComponentKind::Ide, "8086:a352", "1022:7901");
    assert_eq!(check(ide.clone()).0.licensed().expect("score 3 of 3").comparison.as_ref().unwrap().score, 3);
    let drive = changed(ide, ComponentKind::SystemDrive, "S4EWNX0N123456", "WD-WCC4N0000001");
    let (verdict, kinds) = check(drive);
    assert_eq!(kinds, [first, READ_LAST]);
    match reason(verdict) {
        Reason::HardwareChanged { comparison } => {
            assert_eq!(comparison.score, 6);
            assert!(comparison.kinds.iter().all(|k| k.change != Change::NotRead), "{comparison}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_license_policy_decides_what_a_check_may_leave_unread() {
    let now = ts("2026-07-01T10:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    activate(&validator(dir.path(), &license()), now);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let first = KindSet::ALL.without(READ_LAST);
    let nic = changed(machine(), ComponentKind::Mac, "3c:52:82:1a:2b:3d", "a0:36:9f:00:00:01");
    let check = |policy: Policy, inventory: Inventory| {
        let mut terms = license();
        terms.policy = policy;
        let v = Validator::new(app(), trusted(), dir.path()).with_collector(Asked(inventory, asked.clone()));
        v.install_license(&terms.sign(&vendor()).unwrap().to_armoured()).unwrap();
        asked.lock().unwrap().clear();
        let licensed = v.check_at(now).licensed().map(|l| l.not_read.len());
        (licensed, std::mem::take(&mut *asked.lock().unwrap()))
    };
    // A wider tolerance leaves room for the NIC and the three PCI kinds.
    assert_eq!(check(Policy::default().with_tolerance(4), nic.clone()), (Some(3), vec![first]));
    // A strict one reads everything, even for identical hardware.
    assert_eq!(check(Policy::default().with_tolerance(2), machine()), (Some(0), vec![first, READ_LAST]));
    // Weights of 0 make the PCI kinds worthless: never read.
    let mut free = Policy::default().with_tolerance(1);
    for kind in READ_LAST.iter() {
        free.set_weights(kind, nodelock::Weights::new(0, 0, 0));
    }
    assert_eq!(check(free, nic.clone()), (Some(3), vec![first]));
    // Five kinds without the PCI ones are too few for `min_kinds` 6: the
    // rest is read, and the seven kinds make the profile plausible.
    let mut demanding = Policy { min_kinds: 6, ..Policy::default() };
    assert_eq!(check(demanding.clone(), machine()), (Some(0), vec![first, READ_LAST]));
    demanding.min_kinds = 8;
    assert_eq!(check(demanding, machine()), (None, vec![first, READ_LAST]), "seven kinds are not eight");
}

#[test]
fn a_request_after_a_check_that_left_kinds_unread_carries_the_whole_profile() {
    let now = ts("2026-07-01T10:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    activate(&validator(dir.path(), &license()), now);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let v = Validator::new(app(), trusted(), dir.path()).with_collector(Asked(machine(), asked.clone()));
    assert_eq!(v.check_at(now).licensed().expect("licensed").not_read.len(), 3);
    let request = v.request_renewal_at(None, now).unwrap();
    assert_eq!(asked.lock().unwrap().last(), Some(&KindSet::ALL), "the request read every kind");
    let whole = v.current_profile(&license()).shortened(nodelock::profile::short::REQUEST_WIDTH);
    assert_eq!(request.profile, whole);
    assert!(!request.profile.digests(ComponentKind::Video).is_empty());
}

#[test]
fn an_embedded_license_identical_to_the_disk_copy_is_the_disk_copy() {
    let dir = tempfile::tempdir().unwrap();
    let now = ts("2026-07-01T10:00:00Z");
    let text = license().sign(&vendor()).unwrap().to_armoured();
    let v = Validator::new(app(), trusted(), dir.path())
        .with_collector(collector(machine()))
        .with_embedded_license(text.clone());
    activate(&v, now);
    assert_eq!(std::fs::read_to_string(v.store().license_path()).unwrap(), text);
    let verdict = v.check_at(now);
    assert_eq!(verdict.licensed().unwrap().origin, Origin::Disk);
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

/// A version-1 store state (`docs/FORMAT.md` §11.1) holding `certificate` with `secret`.
fn v1_state(certificate: &[u8], secret: [u8; 32]) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Active<'a> {
        certificate: &'a [u8],
        secret: [u8; 32],
    }
    #[derive(serde::Serialize)]
    struct State<'a> {
        pending: Vec<u8>,
        active: Option<Active<'a>>,
        last_receipt: Option<Vec<u8>>,
    }
    let state = State { pending: vec![], active: Some(Active { certificate, secret }), last_receipt: None };
    nodelock::codec::frame::encode(nodelock::codec::tag::STORE_STATE, &postcard::to_allocvec(&state).unwrap())
}

/// Every reason, each produced through the public API.
fn every_reason() -> Vec<Reason> {
    let now = ts("2026-07-01T10:00:00Z");
    let mut out = Vec::new();
    let fresh = || tempfile::tempdir().unwrap();
    let activated = |dir: &Path, license: &License| {
        let v = validator(dir, license);
        activate(&v, now);
        v
    };

    let d = fresh();
    let v = Validator::new(app(), trusted(), d.path()).with_collector(collector(machine()));
    out.push(reason(v.check_at(now))); // NoLicense
    out.push(reason(validator(d.path(), &license()).check_at(now))); // NotActivated

    let d = fresh();
    activated(d.path(), &license());
    let other = Validator::new(app(), trusted(), d.path()).with_collector(collector(other_machine()));
    out.push(reason(other.check_at(now))); // HardwareChanged

    let root = fresh();
    let mut strict = license();
    strict.policy.invalidate_on_move = true;
    activated(&root.path().join("store"), &strict);
    copy_dir(&root.path().join("store"), &root.path().join("copy"));
    let copy =
        Validator::new(app(), trusted(), root.path().join("copy")).with_collector(collector(machine()));
    out.push(reason(copy.check_at(now))); // StoreMoved

    let d = fresh();
    activated(d.path(), &license());
    let v2 = license().reissue(now).unwrap().sign(&vendor()).unwrap().to_armoured();
    let newer = Validator::new(app(), trusted(), d.path())
        .with_collector(collector(machine()))
        .with_embedded_license(v2);
    out.push(reason(newer.check_at(now))); // ReleaseSuperseded

    let d = fresh();
    let mut expiring = license();
    expiring.expires_at = Some(ts("2026-12-31"));
    out.push(reason(activated(d.path(), &expiring).check_at(ts("2027-01-02")))); // LicenseExpired

    let d = fresh();
    let v = validator(d.path(), &license());
    let request = v.request_activation_at(None, now).unwrap();
    let until = now.plus_days(90);
    v.install(&grant_kind(&request, ActivationKind::Temporary { until }, None, now)).unwrap();
    out.push(reason(v.check_at(until))); // TemporaryEnded

    let d = fresh();
    out.push(reason(activated(d.path(), &license()).check_at(now.minus_secs(3 * 86_400)))); // ClockSetBack
    std::fs::remove_file(d.path().join("clock")).unwrap();
    out.push(reason(validator(d.path(), &license()).check_at(now))); // ClockMarkMissing

    let d = fresh();
    let v = activated(d.path(), &license());
    let good = std::fs::read_to_string(v.store().license_path()).unwrap();
    let mut other_product = license();
    other_product.product = "com.example.other".into();
    std::fs::write(v.store().license_path(), other_product.sign(&vendor()).unwrap().to_armoured()).unwrap();
    out.push(reason(v.check_at(now))); // WrongProduct
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let flipped = if lines[1].starts_with('A') { "B" } else { "A" };
    lines[1].replace_range(0..1, flipped);
    std::fs::write(v.store().license_path(), lines.join("\n")).unwrap();
    out.push(reason(v.check_at(now))); // InvalidSignature
    let stranger = SecretKey::from_seed(&[0x99; 32]);
    std::fs::write(v.store().license_path(), license().sign(&stranger).unwrap().to_armoured()).unwrap();
    out.push(reason(v.check_at(now))); // UnknownKey

    let d = fresh();
    let mut old_versions = license();
    old_versions.max_product_version = Some(Version::parse_limit("1").unwrap());
    out.push(reason(validator(d.path(), &old_versions).check_at(now))); // VersionNotCovered
    let mut no_updates = license();
    no_updates.updates_until = Some(ts("2026-03-01"));
    out.push(reason(validator(d.path(), &no_updates).check_at(now))); // UpdatesEnded

    let d = fresh();
    let v = activated(d.path(), &license());
    let mut another = license();
    another.id = LicenseId([0x6b; 16]);
    v.install_license(&another.sign(&vendor()).unwrap().to_armoured()).unwrap();
    out.push(reason(v.check_at(now))); // ActivationMismatch (another license)

    let d = fresh();
    let v = activated(d.path(), &license());
    let state = std::fs::read(d.path().join("activation")).unwrap();
    let certificate = decode_state_bytes(&state).unwrap().active.unwrap().certificate;
    std::fs::write(d.path().join("activation"), v1_state(&certificate, [0x42; 32])).unwrap();
    out.push(reason(v.check_at(now))); // ActivationMismatch (another installation's secret)

    std::fs::write(d.path().join("activation"), b"garbage").unwrap();
    out.push(reason(v.check_at(now))); // StoreDamaged

    let d = fresh();
    activated(d.path(), &license());
    let two = Validator::new(app(), trusted(), d.path()).with_collector(collector(two_memories()));
    out.push(reason(two.check_at(now))); // ImplausibleProfile

    let d = fresh();
    let v = validator(d.path(), &leased());
    let request = v.request_activation_at(None, now).unwrap();
    v.install(&grant_leased(&request, now)).unwrap();
    out.push(reason(v.check_at(now.plus_days(37)))); // LeaseExpired
    out
}

/// A license whose certificates run 30 days, with 7 days of grace.
fn leased() -> License {
    let mut l = license();
    l.lease_days = 30;
    l.grace_days = 7;
    l
}

/// The authority's certificate under [`leased`]: its lease ends 30 days
/// after `now`.
fn grant_leased(request: &ActivationRequest, now: Timestamp) -> Vec<u8> {
    ActivationCertificate::answering(
        request,
        ActivationId([0x77; 16]),
        ActivationKind::Permanent,
        Some(1),
        now,
    )
    .with_lease_end(Some(now.plus_days(30)))
    .sign(&vendor())
    .unwrap()
}

#[test]
fn a_lease_is_current_then_due_then_overdue_then_expired() {
    let now = ts("2026-07-01T10:00:00Z");
    let d = tempfile::tempdir().unwrap();
    let v = validator(d.path(), &leased());
    let request = v.request_activation_at(None, now).unwrap();
    // Installed from its offline code: the v2 certificate's own type byte.
    v.install(ActivationCertificate::code_of(&grant_leased(&request, now)).as_bytes()).unwrap();
    let end = now.plus_days(30);
    let state = |at: Timestamp| {
        let verdict = v.check_at(at);
        let l = verdict.licensed().unwrap_or_else(|| panic!("licensed at {at}: {verdict}"));
        assert_eq!(l.lease_ends, Some(end));
        l.lease_state
    };
    assert_eq!(state(now), LeaseState::Current);
    assert_eq!(state(now.plus_days(20).minus_secs(1)), LeaseState::Current);
    assert_eq!(state(now.plus_days(20)), LeaseState::RenewalDue, "the last third of the lease");
    assert_eq!(state(end.minus_secs(1)), LeaseState::RenewalDue);
    assert_eq!(state(end), LeaseState::Overdue, "past the end, inside the grace");
    let overdue = v.check_at(end.plus_days(7).minus_secs(1));
    let l = overdue.licensed().unwrap();
    let warning = l.lease_state.warning(l.lease_ends).unwrap();
    assert!(warning.contains("nodelock activate renew") && warning.contains("2026-07-31"), "{warning}");
    let json = serde_json::to_value(&overdue).unwrap();
    assert_eq!(json["lease_state"], "overdue");
    assert_eq!(json["lease_ends"], serde_json::to_value(end).unwrap());
    // The same time format as the document's other times.
    assert_eq!(json["license"]["issued_at"], serde_json::to_value(l.license.issued_at).unwrap());
    let expired = v.check_at(end.plus_days(7));
    let reason = expired.reason().unwrap();
    assert_eq!(reason, &Reason::LeaseExpired { at: end });
    assert_eq!(serde_json::to_value(&expired).unwrap()["reason"]["reason"], "lease_expired");
    let text = reason.to_string();
    assert!(
        text.contains("Renew it online, or with a") && text.contains("nodelock activate renew"),
        "{text}"
    );

    // A perpetual certificate: no lease end, state `none`, no warning.
    let d = tempfile::tempdir().unwrap();
    let v = validator(d.path(), &license());
    activate(&v, now);
    let verdict = v.check_at(now.plus_days(3650));
    let l = verdict.licensed().unwrap();
    assert_eq!(
        (l.lease_ends, l.lease_state, l.lease_state.warning(l.lease_ends)),
        (None, LeaseState::None, None)
    );
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(
        (&json["lease_ends"], &json["lease_state"]),
        (&serde_json::Value::Null, &serde_json::json!("none"))
    );
}

#[test]
fn every_reason_tells_the_user_what_to_do() {
    let reasons = every_reason();
    // `Reason::VARIANTS` is generated from the enum's definition: a new
    // variant fails this test until a scenario above produces it.
    let produced: BTreeSet<&str> = reasons.iter().map(Reason::variant_name).collect();
    let all: BTreeSet<&str> = Reason::VARIANTS.iter().copied().collect();
    assert_eq!(produced, all, "every Reason variant is produced through the public API");
    let actions = [
        "install the",
        "use the license file",
        "activate again",
        "activate it",
        "ask the vendor",
        "ask your administrator",
        "set the correct date",
        "reinstall",
        "renew",
        "run a covered version",
        "run an earlier build",
        "contact the vendor",
        "update the application",
    ];
    for r in &reasons {
        let message = r.to_string();
        let lower = message.to_lowercase();
        assert!(actions.iter().any(|a| lower.contains(a)), "{}: no action in {message:?}", r.variant_name());
        assert!(message.ends_with('.'), "{}: {message:?}", r.variant_name());
        // The JSON code is the snake_case variant name, as `nodelock status --json` prints it.
        let verdict = Verdict::ActivationRequired { reason: r.clone() };
        let json = serde_json::to_value(&verdict).unwrap();
        assert_eq!(json["verdict"], "activation_required");
        assert_eq!(json["reason"]["reason"], r.code(), "{}", r.variant_name());
        let snake: String = r
            .variant_name()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                sep.into_iter().chain(std::iter::once(c.to_ascii_lowercase()))
            })
            .collect();
        assert_eq!(r.code(), snake);
    }
    // Typed details serialise as their message text, as before.
    let mismatches: Vec<_> =
        reasons.iter().filter(|r| matches!(r, Reason::ActivationMismatch { .. })).collect();
    let details: Vec<_> = mismatches
        .iter()
        .map(|r| serde_json::to_value(r).unwrap()["detail"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        details,
        ["the activation is for another license", "the certificate was made for another installation"]
    );
    let damaged = reasons.iter().find(|r| matches!(r, Reason::StoreDamaged { .. })).unwrap();
    let json = serde_json::to_value(damaged).unwrap();
    assert!(json["detail"].as_str().unwrap().contains("is damaged"), "{json}");
    let implausible = reasons.iter().find(|r| matches!(r, Reason::ImplausibleProfile { .. })).unwrap();
    let json = serde_json::to_value(implausible).unwrap();
    assert!(json["detail"].as_str().unwrap().contains("a machine has at most 1"), "{json}");
    let bad = reasons.iter().find(|r| matches!(r, Reason::InvalidSignature { .. })).unwrap();
    let json = serde_json::to_value(bad).unwrap();
    assert_eq!(json["what"], "license");
    assert!(json["detail"].as_str().unwrap().len() > 10, "{json}");
}

/// `machine()` seen with a second memory digest: no real machine.
fn two_memories() -> Inventory {
    let mut inv = machine();
    inv.push(Component::new(ComponentKind::Memory, "16 GiB"));
    inv.finish()
}

/// Attack 6: a 2-kind container activates with one made-up NIC added (three
/// kinds at the authority), then runs without it. The validator applies the
/// authority's plausibility rule to the **current** profile, so it is not
/// Licensed, whatever the certificate says; with the NIC present it would be.
#[test]
fn a_certificate_obtained_with_a_made_up_component_does_not_validate_without_it() {
    let now = ts("2026-07-01T10:00:00Z");
    let container = || {
        let mut inv = Inventory::new(Environment::Container);
        inv.push(Component::new(ComponentKind::Cpu, "GenuineIntel 000906ea"));
        inv.push(Component::new(ComponentKind::Memory, "32 GiB"));
        inv
    };
    let with_fake_nic = || {
        let mut inv = container();
        inv.push(Component::new(ComponentKind::Mac, "02:00:00:00:00:01"));
        inv.finish()
    };
    let d = tempfile::tempdir().unwrap();
    let dressed = Validator::new(app(), trusted(), d.path()).with_collector(collector(with_fake_nic()));
    dressed.install_license(&license().sign(&vendor()).unwrap().to_armoured()).unwrap();
    activate(&dressed, now);
    assert!(matches!(dressed.check_at(now), Verdict::Licensed(_)), "with the made-up NIC it validates");
    let bare = Validator::new(app(), trusted(), d.path()).with_collector(collector(container().finish()));
    match reason(bare.check_at(now)) {
        Reason::ImplausibleProfile { detail: nodelock::policy::Implausible::Weak(weak) } => {
            assert_eq!((weak.found, weak.required), (2, 3));
        }
        other => panic!("expected an implausible profile, got {other:?}"),
    }
    // A profile with two memories (the union of two machines) is refused too,
    // even on a store whose certificate matches one of them exactly.
    let d = tempfile::tempdir().unwrap();
    activate(&validator(d.path(), &license()), now);
    let union = Validator::new(app(), trusted(), d.path()).with_collector(collector(two_memories()));
    let r = reason(union.check_at(now));
    assert_eq!(r.code(), "implausible_profile");
    assert!(r.to_string().contains("2 Memory entries, and a machine has at most 1"), "{r}");
}

/// Installing a certificate renews the store's anchor: a backup of the store
/// holding the earlier certificate, copied back over the activation file,
/// reads as moved (moved weights; refused under `invalidate_on_move`), while
/// the newly installed certificate validates unmoved.
#[test]
fn installing_renews_the_anchor_so_an_earlier_certificate_reads_as_moved() {
    let now = ts("2026-07-01T10:00:00Z");
    for strict in [false, true] {
        let d = tempfile::tempdir().unwrap();
        let mut terms = license();
        terms.policy.invalidate_on_move = strict;
        let v = validator(d.path(), &terms);
        activate(&v, now);
        let earlier = std::fs::read(d.path().join("activation")).unwrap();
        let earlier_clock = std::fs::read(d.path().join("clock")).unwrap();
        activate(&v, now.plus_secs(60));
        match v.check_at(now.plus_secs(120)) {
            Verdict::Licensed(l) => assert!(!l.moved, "the installed certificate matches the renewed anchor"),
            other => panic!("{other:?}"),
        }
        // The earlier activation's files copied back (its clock mark with it).
        std::fs::write(d.path().join("activation"), earlier).unwrap();
        std::fs::write(d.path().join("clock"), earlier_clock).unwrap();
        match v.check_at(now.plus_secs(120)) {
            Verdict::Licensed(l) if !strict => assert!(l.moved, "the earlier certificate reads as moved"),
            Verdict::ActivationRequired { reason: Reason::StoreMoved } if strict => {}
            other => panic!("strict {strict}: {other:?}"),
        }
    }
}

/// A crash after an install renamed the next anchor into place but before it
/// wrote the activation leaves the request pending: applying the same answer
/// again completes the install, unmoved.
#[test]
fn an_install_interrupted_after_the_anchor_rename_completes_when_applied_again() {
    let now = ts("2026-07-01T10:00:00Z");
    let d = tempfile::tempdir().unwrap();
    let v = validator(d.path(), &license());
    let request = v.request_activation_at(None, now).unwrap();
    let answer = grant(&request, now);
    // What the interrupted install had done: only the rename.
    std::fs::rename(d.path().join("anchor.next"), d.path().join("anchor")).unwrap();
    assert_eq!(reason(v.check_at(now)), Reason::NotActivated);
    v.install(&answer).unwrap();
    match v.check_at(now) {
        Verdict::Licensed(l) => assert!(!l.moved),
        other => panic!("{other:?}"),
    }
}

/// A store directory others can write is tightened to 0700 when the
/// activation is requested.
#[cfg(unix)]
#[test]
fn a_store_others_can_write_is_restricted_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let now = ts("2026-07-01T10:00:00Z");
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o777)).unwrap();
    let v = validator(&store, &license());
    assert_eq!(std::fs::metadata(&store).unwrap().permissions().mode() & 0o777, 0o700);
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o775)).unwrap();
    v.request_activation_at(None, now).unwrap();
    assert_eq!(std::fs::metadata(&store).unwrap().permissions().mode() & 0o777, 0o700);
}
