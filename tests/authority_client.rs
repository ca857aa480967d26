//! The authority with the real client, end to end: the `Validator` on a
//! machine makes the request, the authority answers, the machine installs the
//! answer and is licensed; hardware changes, receipts, releases, transfers,
//! temporary activations and re-issued licenses all go through both sides.
#![cfg(all(feature = "authority", feature = "client"))]

mod common;

use common::*;
use nodelock::Timestamp;
use nodelock::activation::{
    ActivationCertificate, ActivationKind, ActivationRequest, DeactivationReceipt, Reason, Validator, Verdict,
};
use nodelock::authority::{Authority, AuthorityError, Deactivation, GrantKind, SqliteLedger};
use nodelock::hardware::{ComponentKind, Inventory};
use nodelock::license::License;

/// A vendor desk: the authority on a SQLite ledger with `terms` issued.
struct Desk {
    authority: Authority<SqliteLedger>,
    _dir: tempfile::TempDir,
}

impl Desk {
    fn new(terms: &License) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let authority = Authority::new(vendor(), SqliteLedger::open(dir.path().join("ledger.db")).unwrap());
        authority.issue(terms, "vendor", ts("2026-01-01")).unwrap();
        Desk { authority, _dir: dir }
    }

    /// The offline exchange: request code in, response code out.
    fn answer(&self, request_code: &str, now: Timestamp) -> Result<String, AuthorityError> {
        let request = ActivationRequest::from_code(request_code).unwrap();
        self.authority.activate(&request, None, "activation desk", now).map(|g| g.code())
    }

    /// The same, answered with the full response code (every version installs it).
    fn answer_full(&self, request_code: &str, now: Timestamp) -> Result<String, AuthorityError> {
        let request = ActivationRequest::from_code(request_code).unwrap();
        self.authority.activate(&request, None, "activation desk", now).map(|g| g.full_code())
    }

    fn in_use(&self, now: Timestamp) -> (u32, u32, u32) {
        let s = &self.authority.status(None, now).unwrap().licenses[0];
        (s.in_use, s.temporary, s.available)
    }
}

/// A machine running the application with its own store.
struct Installed {
    validator: Validator,
    dir: tempfile::TempDir,
}

fn install(terms: &License, hardware: Inventory) -> Installed {
    let (validator, dir) = installed_with(terms, hardware);
    Installed { validator, dir }
}

impl Installed {
    fn request(&self, label: &str, now: Timestamp) -> String {
        self.validator.request_activation_at(Some(label), now).unwrap().to_code()
    }

    fn activate(
        &self,
        desk: &Desk,
        label: &str,
        now: Timestamp,
    ) -> Result<ActivationCertificate, AuthorityError> {
        let response = desk.answer(&self.request(label, now), now)?;
        Ok(self.validator.install(response.as_bytes()).unwrap())
    }

    fn rebuild(self, hardware: Inventory) -> Installed {
        let dir = self.dir;
        let validator = Validator::new(app(), trusted(), dir.path()).with_collector(collector(hardware));
        Installed { validator, dir }
    }

    fn verdict(&self, now: Timestamp) -> Verdict {
        self.validator.check_at(now)
    }
}

fn now() -> Timestamp {
    ts("2026-07-01T10:00:00Z")
}

#[test]
fn a_request_answered_by_the_authority_licenses_the_machine() {
    let desk = Desk::new(&license());
    let alice = install(&license(), workstation(1));
    assert!(!alice.verdict(now()).is_licensed());
    let cert = alice.activate(&desk, "Alice's workstation", now()).unwrap();
    let verdict = alice.verdict(now().plus_secs(60));
    let licensed = verdict.licensed().expect("licensed after the authority's answer");
    assert_eq!((licensed.activation_id, licensed.kind), (cert.activation_id, ActivationKind::Permanent));
    assert_eq!(desk.in_use(now()), (1, 0, 2));
    let s = &desk.authority.status(None, now()).unwrap().licenses[0];
    assert_eq!(s.activations[0].label.as_deref(), Some("Alice's workstation"));
}

#[test]
fn hardware_changes_reuse_the_seat_within_tolerance_and_take_another_beyond() {
    let desk = Desk::new(&license());
    let alice = install(&license(), workstation(1));
    let first = alice.activate(&desk, "Alice", now()).unwrap();
    // A NIC replaced: still licensed locally, and reactivating reuses the seat.
    let nic = changed(workstation(1), ComponentKind::Mac, "3c:52:82:1a:2b:3d #1", "a0:36:9f:00:00:01");
    let alice = alice.rebuild(nic.clone());
    assert!(alice.verdict(now()).is_licensed());
    let again = alice.activate(&desk, "Alice", now().plus_days(1)).unwrap();
    assert_eq!((again.activation_id, again.seat), (first.activation_id, first.seat));
    assert_eq!(desk.in_use(now()), (1, 0, 2));
    // Now the system drive and the CPU (3 + 1 against the renewed profile):
    // beyond tolerance, the machine must reactivate and the authority sees a
    // new machine.
    let drive = changed(nic, ComponentKind::SystemDrive, "S4EWNX0N123456 #1", "WD-WCC4N0000001");
    let drive = changed(drive, ComponentKind::Cpu, "GenuineIntel 000906ea #1", "AuthenticAMD 00a20f10");
    let alice = alice.rebuild(drive);
    assert!(matches!(
        alice.verdict(now()),
        Verdict::ActivationRequired { reason: Reason::HardwareChanged { .. } }
    ));
    let other = alice.activate(&desk, "Alice (new drive)", now().plus_days(2)).unwrap();
    assert_ne!(other.activation_id, first.activation_id);
    assert_eq!(other.seat, Some(2));
    assert!(alice.verdict(now().plus_days(2)).is_licensed());
    assert_eq!(desk.in_use(now()), (2, 0, 1));
}

#[test]
fn the_deactivation_receipt_frees_the_seat_and_deleting_files_frees_nothing() {
    let mut one = license();
    one.seats = 1;
    let desk = Desk::new(&one);
    let alice = install(&one, workstation(1));
    let first = alice.activate(&desk, "Alice", now()).unwrap();
    // Alice deletes her store and installs again: the authority recognises her
    // machine and renews the same seat — nothing was freed by the deletion.
    let alice = install(&one, workstation(1));
    let renewed = alice.activate(&desk, "Alice", now()).unwrap();
    assert_eq!(renewed.activation_id, first.activation_id);
    let bob = install(&one, workstation(2));
    let err = bob.activate(&desk, "Bob", now()).unwrap_err();
    assert!(err.to_string().contains("Alice"), "the refusal names the seat holder: {err}");
    // Alice deactivates her new store: the receipt retires its certificates,
    // but the deleted store's certificate was never given up (a backup of it
    // would still validate), so the seat stays held.
    let receipt = alice.validator.store().deactivate(now().plus_days(1)).unwrap();
    let code = DeactivationReceipt::code_of(&receipt);
    let done = desk.authority.deactivate(code.as_bytes(), "customer", now().plus_days(1)).unwrap();
    assert!(matches!(done, Deactivation::StillHeld { seat: Some(1), stores: 1, .. }), "{done:?}");
    assert!(
        bob.activate(&desk, "Bob", now().plus_days(1)).is_err(),
        "the deleted store still holds the seat"
    );
    // The vendor releases it (the deleted store is gone for good): free.
    desk.authority.release(first.activation_id, "vendor", now().plus_days(1)).unwrap();
    assert_eq!(desk.in_use(now()), (0, 0, 1));
    assert!(matches!(
        alice.verdict(now().plus_days(1)),
        Verdict::ActivationRequired { reason: Reason::NotActivated }
    ));
    bob.activate(&desk, "Bob", now().plus_days(1)).unwrap();
    assert!(bob.verdict(now().plus_days(1)).is_licensed());
}

#[test]
fn an_administrator_releases_a_dead_machine() {
    let mut one = license();
    one.seats = 1;
    let desk = Desk::new(&one);
    let dead = install(&one, workstation(1));
    let cert = dead.activate(&desk, "Stolen laptop", now()).unwrap();
    let replacement = install(&one, workstation(2));
    assert!(matches!(
        replacement.activate(&desk, "New laptop", now()),
        Err(AuthorityError::NoFreeSeat { .. })
    ));
    desk.authority.release(cert.activation_id, "admin", now()).unwrap();
    assert_eq!(desk.in_use(now()), (0, 0, 1));
    replacement.activate(&desk, "New laptop", now()).unwrap();
    assert!(replacement.verdict(now()).is_licensed());
}

#[test]
fn a_transfer_moves_the_seat_once() {
    let mut one = license();
    one.seats = 1;
    let desk = Desk::new(&one);
    let old = install(&one, workstation(1));
    let cert = old.activate(&desk, "Old PC", now()).unwrap();
    let new = install(&one, workstation(2));
    let request = ActivationRequest::from_code(&new.request("New PC", now())).unwrap();
    let grant = desk.authority.transfer(cert.activation_id, &request, None, "admin", now()).unwrap();
    assert_eq!(grant.kind, GrantKind::Transfer);
    new.validator.install(grant.code().as_bytes()).unwrap();
    assert!(new.verdict(now()).is_licensed());
    let third = install(&one, workstation(3));
    let request = ActivationRequest::from_code(&third.request("Third PC", now())).unwrap();
    let err =
        desk.authority.transfer(grant.certificate.activation_id, &request, None, "admin", now()).unwrap_err();
    assert!(matches!(err, AuthorityError::TransfersExhausted { .. }), "{err}");
}

#[test]
fn a_temporary_activation_ends_and_is_upgraded_when_a_seat_frees() {
    let mut terms = license();
    terms.seats = 1;
    terms.temporary_days = 90;
    let desk = Desk::new(&terms);
    let alice = install(&terms, workstation(1));
    alice.activate(&desk, "Alice", now()).unwrap();
    let bob = install(&terms, workstation(2));
    let temp = bob.activate(&desk, "Bob", now()).unwrap();
    let until = now().plus_days(90);
    assert_eq!((temp.kind, temp.seat), (ActivationKind::Temporary { until }, None));
    assert_eq!(
        bob.verdict(now().plus_days(89)).licensed().unwrap().kind,
        ActivationKind::Temporary { until }
    );
    assert_eq!(desk.in_use(now()), (1, 1, 0));
    // Alice leaves; Bob's next activation takes her seat for good.
    let receipt = alice.validator.store().deactivate(now().plus_days(30)).unwrap();
    desk.authority.deactivate(&receipt, "customer", now().plus_days(30)).unwrap();
    let up = bob.activate(&desk, "Bob", now().plus_days(31)).unwrap();
    assert_eq!(
        (up.kind, up.seat, up.activation_id),
        (ActivationKind::Permanent, Some(1), temp.activation_id)
    );
    assert!(bob.verdict(now().plus_days(200)).is_licensed(), "permanent now");
    assert_eq!(desk.in_use(now().plus_days(31)), (1, 0, 0));
}

#[test]
fn a_reissued_license_is_activated_again_on_the_same_seat() {
    let desk = Desk::new(&license());
    let alice = install(&license(), workstation(1));
    let first = alice.activate(&desk, "Alice", now()).unwrap();
    let v2 = desk.authority.reissue_license(license().id, "vendor", now(), |_| {}).unwrap();
    alice.validator.install_license(&v2.to_armoured()).unwrap();
    assert!(matches!(
        alice.verdict(now()),
        Verdict::ActivationRequired { reason: Reason::ReleaseSuperseded { .. } }
    ));
    let second = alice.activate(&desk, "Alice", now()).unwrap();
    assert_eq!((second.activation_id, second.release_version), (first.activation_id, 2));
    assert!(alice.verdict(now()).is_licensed());
    assert_eq!(desk.in_use(now()), (1, 0, 2));
}

#[test]
fn a_revoked_license_is_refused() {
    let desk = Desk::new(&license());
    desk.authority.revoke(license().id, "vendor", now()).unwrap();
    let alice = install(&license(), workstation(1));
    let err = alice.activate(&desk, "Alice", now()).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { .. }), "{err}");
    assert!(err.is_refusal());
    // What the machine would have installed: nothing; it still asks.
    assert!(!alice.verdict(now()).is_licensed());
}

impl Installed {
    /// `nodelock activate renew` and `authority grant`: the renewal request
    /// of the activation this store holds, answered by the desk.
    fn renew(&self, desk: &Desk, now: Timestamp) -> Result<ActivationCertificate, AuthorityError> {
        let request = self.validator.request_renewal_at(None, now).unwrap();
        let held = self.validator.store().load().unwrap().active.unwrap().public_key();
        assert_eq!(request.activation_key, held, "a renewal announces the key the store holds");
        let response = desk.answer(&request.to_code(), now)?;
        Ok(self.validator.install(response.as_bytes()).unwrap())
    }
}

#[test]
fn a_renewal_keeps_the_activation_and_seat_and_carries_the_clock_mark() {
    let desk = Desk::new(&license());
    let alice = install(&license(), workstation(1));
    let bob = install(&license(), workstation(2));
    let first = alice.activate(&desk, "Alice", now()).unwrap();
    bob.activate(&desk, "Bob", now()).unwrap();
    let seen = now().plus_days(30);
    assert!(alice.verdict(seen).is_licensed(), "records the high-water mark");
    // The vendor's clock is a day behind this machine's: the renewal's issue
    // time is below the mark, and the mark survives the install.
    let renewed = alice.renew(&desk, now().plus_days(29)).unwrap();
    assert_eq!(
        (renewed.activation_id, renewed.seat, renewed.kind),
        (first.activation_id, first.seat, ActivationKind::Permanent)
    );
    assert_eq!(renewed.issued_at, now().plus_days(29));
    assert_eq!(desk.in_use(now()), (2, 0, 1), "a renewal takes no other seat");
    assert!(alice.verdict(seen).is_licensed());
    let back = seen.minus_secs(7 * 86_400);
    assert_eq!(
        alice.verdict(back).reason(),
        Some(&Reason::ClockSetBack { now: back, last_seen: seen }),
        "the renewal carried the mark forward"
    );
    // A renewal issued after the mark raises the floor to its issue time.
    let later = now().plus_days(60);
    alice.renew(&desk, later).unwrap();
    std::fs::remove_file(alice.dir.path().join("clock")).unwrap();
    assert_eq!(alice.verdict(later).reason(), Some(&Reason::ClockMarkMissing));
}

#[test]
fn a_store_without_an_activation_has_nothing_to_renew() {
    let alice = install(&license(), workstation(1));
    let err = alice.validator.request_renewal_at(None, now()).unwrap_err();
    assert!(matches!(err, nodelock::activation::ActivationError::NothingToRenew), "{err}");
}

#[test]
fn a_renewal_is_refused_once_the_seat_was_released_transferred_or_the_license_ended() {
    let mut one = license();
    one.seats = 1;
    one.transfers_per_seat = 2;
    // Released by an administrator: the old machine's renewal is refused,
    // and it does not take the freed seat as a new machine either.
    let desk = Desk::new(&one);
    let old = install(&one, workstation(1));
    let cert = old.activate(&desk, "Old PC", now()).unwrap();
    desk.authority.release(cert.activation_id, "admin", now()).unwrap();
    let err = old.renew(&desk, now().plus_days(1)).unwrap_err();
    match &err {
        AuthorityError::RenewalRefused { activation_id, state, .. } => {
            assert_eq!((*activation_id, state.name()), (cert.activation_id, "released"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_refusal());
    assert!(err.to_string().contains("its seat was released by the vendor"), "{err}");
    assert_eq!(desk.in_use(now()), (0, 0, 1), "the refused renewal took no seat");

    // Transferred to another machine.
    let desk = Desk::new(&one);
    let old = install(&one, workstation(1));
    let cert = old.activate(&desk, "Old PC", now()).unwrap();
    let new = install(&one, workstation(2));
    let request = ActivationRequest::from_code(&new.request("New PC", now())).unwrap();
    desk.authority.transfer(cert.activation_id, &request, None, "admin", now()).unwrap();
    let err = old.renew(&desk, now().plus_days(1)).unwrap_err();
    assert!(matches!(&err, AuthorityError::RenewalRefused { state, .. } if state.name() == "transferred"));
    assert!(err.to_string().contains("transferred to another machine"), "{err}");

    // A live seat of an expired or revoked license.
    let mut expiring = one.clone();
    expiring.expires_at = Some(now().plus_days(10));
    let desk = Desk::new(&expiring);
    let m = install(&expiring, workstation(1));
    m.activate(&desk, "PC", now()).unwrap();
    // The client makes no request for an expired license; one made the day
    // before reaches the vendor the day after.
    let request = m.validator.request_renewal_at(None, now().plus_days(9)).unwrap();
    let err = desk.answer(&request.to_code(), now().plus_days(11)).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseExpired { .. }) && err.is_refusal(), "{err}");
    let desk = Desk::new(&one);
    let m = install(&one, workstation(1));
    m.activate(&desk, "PC", now()).unwrap();
    desk.authority.revoke(one.id, "vendor", now()).unwrap();
    let err = m.renew(&desk, now().plus_days(1)).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { .. }) && err.is_refusal(), "{err}");
}

#[test]
fn a_deactivated_key_cannot_come_back_as_a_renewal() {
    let desk = Desk::new(&license());
    let alice = install(&license(), workstation(1));
    alice.activate(&desk, "Alice", now()).unwrap();
    let request = alice.validator.request_renewal_at(None, now()).unwrap();
    let receipt = alice.validator.store().deactivate(now()).unwrap();
    desk.authority.deactivate(&receipt, "customer", now()).unwrap();
    // The renewal request made before the receipt names a key the receipt
    // proved gone.
    let err = desk.answer(&request.to_code(), now()).unwrap_err();
    assert!(matches!(&err, AuthorityError::KeySurrendered { .. }) && err.is_refusal(), "{err}");
}

/// A 1-seat license whose certificates run 30 days, with 7 days of grace.
fn leased() -> License {
    let mut l = license();
    l.seats = 1;
    l.transfers_per_seat = 2;
    l.lease_days = 30;
    l.grace_days = 7;
    l
}

#[test]
fn the_authority_grants_leases_that_run_from_each_grant() {
    let terms = leased();
    let desk = Desk::new(&terms);
    let alice = install(&terms, workstation(1));
    let cert = alice.activate(&desk, "Alice", now()).unwrap();
    assert_eq!(cert.lease_ends, Some(now().plus_days(30)));
    let status = &desk.authority.status(None, now()).unwrap().licenses[0];
    assert_eq!(
        status.activations[0].lease_ends,
        Some(now().plus_days(30)),
        "seats status shows the lease end"
    );
    let licensed = alice.verdict(now()).licensed().cloned().unwrap();
    assert_eq!(
        (licensed.lease_ends, licensed.lease_state),
        (Some(now().plus_days(30)), nodelock::activation::LeaseState::Current)
    );
    // A renewal's lease runs from when it is granted.
    let renewed = alice.renew(&desk, now().plus_days(25)).unwrap();
    assert_eq!(renewed.lease_ends, Some(now().plus_days(55)));
    let status = &desk.authority.status(None, now().plus_days(25)).unwrap().licenses[0];
    assert_eq!(status.activations[0].lease_ends, Some(now().plus_days(55)));
    assert!(alice.verdict(now().plus_days(61)).is_licensed(), "overdue, inside the grace");
    // Perpetual terms grant perpetual (version 1) certificates.
    let desk = Desk::new(&license());
    let bob = install(&license(), workstation(2));
    assert_eq!(bob.activate(&desk, "Bob", now()).unwrap().lease_ends, None);
    assert_eq!(desk.authority.status(None, now()).unwrap().licenses[0].activations[0].lease_ends, None);
}

/// Attack 8 (SPEC §1.5, seeds 000 and 002): a released, a transferred and a
/// revoked seat's old machine keeps running only until its lease end plus
/// grace on an injected clock, then gets `lease_expired`, and its renewal is
/// refused — every reclaim now ends the machine, not just the bookkeeping.
#[test]
fn attack_8_reclaimed_seats_stop_at_lease_end_plus_grace() {
    let terms = leased();
    let end = now().plus_days(30);
    let stop = end.plus_days(7);
    let expect_stop = |m: &Installed, what: &str| {
        assert!(m.verdict(end.minus_secs(1)).is_licensed(), "{what}: runs to its lease end");
        let overdue = m.verdict(stop.minus_secs(1));
        let l = overdue.licensed().unwrap_or_else(|| panic!("{what}: runs through the grace"));
        assert_eq!(l.lease_state, nodelock::activation::LeaseState::Overdue, "{what}");
        let reason = m.verdict(stop).reason().cloned();
        assert_eq!(reason, Some(Reason::LeaseExpired { at: end }), "{what}: stops at lease end + grace");
        assert_eq!(reason.unwrap().code(), "lease_expired");
    };

    // Released by an administrator (seed 000).
    let desk = Desk::new(&terms);
    let old = install(&terms, workstation(1));
    let cert = old.activate(&desk, "Old PC", now()).unwrap();
    desk.authority.release(cert.activation_id, "admin", now().plus_days(1)).unwrap();
    let other = install(&terms, workstation(3));
    other.activate(&desk, "Replacement", now().plus_days(1)).unwrap();
    expect_stop(&old, "released");
    let err = old.renew(&desk, stop).unwrap_err();
    assert!(matches!(&err, AuthorityError::RenewalRefused { state, .. } if state.name() == "released"));

    // Transferred to another machine (seed 002).
    let desk = Desk::new(&terms);
    let old = install(&terms, workstation(1));
    let cert = old.activate(&desk, "Old PC", now()).unwrap();
    let new = install(&terms, workstation(2));
    let request = ActivationRequest::from_code(&new.request("New PC", now())).unwrap();
    desk.authority.transfer(cert.activation_id, &request, None, "admin", now()).unwrap();
    expect_stop(&old, "transferred");
    let err = old.renew(&desk, stop).unwrap_err();
    assert!(matches!(&err, AuthorityError::RenewalRefused { state, .. } if state.name() == "transferred"));

    // A revoked license.
    let desk = Desk::new(&terms);
    let m = install(&terms, workstation(1));
    m.activate(&desk, "PC", now()).unwrap();
    desk.authority.revoke(terms.id, "vendor", now().plus_days(1)).unwrap();
    expect_stop(&m, "revoked");
    let err = m.renew(&desk, stop).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { .. }) && err.is_refusal(), "{err}");
}

/// Attack 1 with real stores: a second OS user's store on Alice's machine is
/// renewed into her seat; deactivating it does not free the seat her first
/// store still uses, so Bob's machine gets none until both have given up.
#[test]
fn a_second_store_on_the_machine_cannot_free_the_seat_of_the_first() {
    let mut one = license();
    one.seats = 1;
    let desk = Desk::new(&one);
    let alice = install(&one, workstation(1));
    let first = alice.activate(&desk, "Alice", now()).unwrap();
    let other_user = install(&one, workstation(1));
    let second = other_user.activate(&desk, "Alice (admin account)", now()).unwrap();
    assert_eq!((second.activation_id, second.seat), (first.activation_id, Some(1)));
    let receipt = other_user.validator.store().deactivate(now()).unwrap();
    let done = desk.authority.deactivate(&receipt, "customer", now()).unwrap();
    assert!(matches!(done, Deactivation::StillHeld { stores: 1, .. }), "{done:?}");
    assert!(alice.verdict(now()).is_licensed());
    let bob = install(&one, workstation(2));
    assert!(matches!(bob.activate(&desk, "Bob", now()), Err(AuthorityError::NoFreeSeat { .. })));
    let receipt = alice.validator.store().deactivate(now()).unwrap();
    let done = desk.authority.deactivate(&receipt, "customer", now()).unwrap();
    assert!(matches!(done, Deactivation::Deactivated(f) if f.seat == Some(1)), "{done:?}");
    bob.activate(&desk, "Bob", now()).unwrap();
    assert!(bob.verdict(now()).is_licensed());
}

/// A store keeps one activation key for all its requests: asked twice and
/// answered twice, the store installs the first answer, and its one receipt
/// retires both certificates and frees the seat.
#[test]
fn requesting_twice_then_deactivating_frees_the_seat() {
    let mut one = license();
    one.seats = 1;
    let desk = Desk::new(&one);
    let alice = install(&one, workstation(1));
    let first = desk.answer(&alice.request("Alice", now()), now()).unwrap();
    let second = desk.answer_full(&alice.request("Alice", now()), now()).unwrap();
    let installed = alice.validator.install(first.as_bytes()).unwrap();
    let bytes = ActivationCertificate::bytes_from_response(second.as_bytes()).unwrap();
    let other = ActivationCertificate::decode_unverified(&bytes).unwrap().message;
    assert_eq!(installed.activation_key, other.activation_key, "one store, one key");
    let receipt = alice.validator.store().deactivate(now()).unwrap();
    let done = desk.authority.deactivate(&receipt, "customer", now()).unwrap();
    assert!(matches!(done, Deactivation::Deactivated(f) if f.seat == Some(1)), "{done:?}");
    // The answer never installed cannot be installed now: its request went
    // with the key.
    assert!(alice.validator.install(second.as_bytes()).is_err());
    assert_eq!(desk.in_use(now()), (0, 0, 1));
}
