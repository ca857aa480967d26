//! The authority's behaviour towards machines — seats, reactivation,
//! deactivation, release, temporary activations — run against every ledger
//! implementation: the same rules must hold in memory and on SQLite.
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::activation::{ActivationKind, DeactivationReceipt};
use nodelock::authority::{
    Authority, AuthorityError, Deactivation, EventKind, GrantKind, Ledger, LedgerError, LicenseStatus,
    SeatRecord,
};
use nodelock::license::LicenseId;
use nodelock::{SecretKey, Timestamp};

on_every_ledger!(
    new_machines_take_the_lowest_free_seat,
    refusal_lists_the_seats_of_this_license_only,
    reactivation_within_tolerance_reuses_the_seat,
    beyond_tolerance_is_another_machine,
    a_reissued_license_needs_its_current_release,
    deactivation_frees_the_seat_and_replay_is_harmless,
    receipts_that_do_not_belong_change_nothing,
    administrator_release_frees_the_seat_at_once,
    temporary_when_full_then_upgraded_when_a_seat_frees,
    one_temporary_period_per_machine,
    an_inconsistent_write_is_refused_by_the_same_named_rule,
);

/// Both backends refuse an over-allocating write with the same `&'static str`
/// rule (the memory ledger's check, the SQLite schema's trigger), as a
/// failure rather than a refusal, and keep nothing of it.
fn an_inconsistent_write_is_refused_by_the_same_named_rule<L: Ledger>(b: Backend<L>) {
    let id = license(1, 1).id;
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let before = a.history(None).unwrap();
    let err = a
        .ledger()
        .transaction(&mut |tx| {
            tx.append_history(&before[0].event)?;
            tx.insert_seat(&SeatRecord { license_id: id, seat: 2, pack: 1, transfers_used: 0, holder: None })
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            AuthorityError::LedgerRefused(LedgerError::Rule(
                "over-allocation: the license has no seat left to add"
            ))
        ),
        "{err:?}"
    );
    assert!(!err.is_refusal());
    assert!(err.to_string().contains("please report it"), "{err}");
    assert_eq!(a.history(None).unwrap(), before);
    assert_eq!(counts(&seats_of(&a, id, t0())), (1, 0, 0, 1));
}

fn seats_of<L: Ledger>(a: &Authority<L>, id: LicenseId, now: Timestamp) -> LicenseStatus {
    a.status(Some(id), now).unwrap().licenses.remove(0)
}

fn counts(s: &LicenseStatus) -> (u32, u32, u32, u32) {
    (s.total, s.in_use, s.temporary, s.available)
}

fn new_machines_take_the_lowest_free_seat<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 3)]);
    let id = license(1, 3).id;
    let (mut m1, mut m2, mut m3) = (Machine::new(1), Machine::new(2), Machine::new(3));
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let g2 = a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    assert_eq!((g1.kind, g1.certificate.seat, g2.certificate.seat), (GrantKind::Seat, Some(1), Some(2)));
    assert_ne!(g1.certificate.activation_id, g2.certificate.activation_id);
    a.release(g1.certificate.activation_id, ADMIN, t0()).unwrap();
    let g3 = a.activate(&m3.request(id), Some("Carol's PC"), "desk", t0()).unwrap();
    assert_eq!(g3.certificate.seat, Some(1), "the lowest free seat");
    let s = seats_of(&a, id, t0());
    assert_eq!(counts(&s), (3, 2, 0, 1));
    let labels: Vec<_> = s.activations.iter().map(|h| (h.seat, h.label.clone().unwrap())).collect();
    assert_eq!(labels, [(Some(1), "Carol's PC".to_owned()), (Some(2), "machine 2".to_owned())]);
    assert_eq!(s.activations[1].fingerprint.as_deref(), Some(hardware(2).fingerprint().code().as_str()));
    // The certificate is the client's: signed by the vendor, answering the request.
    let trusted = nodelock::TrustedKeys::single(vendor().public_key().clone());
    let opened = nodelock::activation::ActivationCertificate::open(&g3.bytes, &trusted).unwrap();
    assert_eq!(opened.message, g3.certificate);
    assert!(g3.code().starts_with("NLC-"));
}

fn refusal_lists_the_seats_of_this_license_only<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2), license(2, 1)]);
    let (one, two) = (license(1, 2).id, license(2, 1).id);
    let mut other = Machine::new(99);
    other.label = Some("Other customer's server".into());
    a.activate(&other.request(two), None, "desk", t0()).unwrap();
    for n in 1..=2 {
        a.activate(&Machine::new(n).request(one), None, "desk", t0()).unwrap();
    }
    let before = (a.status(None, t0()).unwrap(), a.history(None).unwrap());
    let err = a.activate(&Machine::new(3).request(one), None, "desk", t0().plus_days(1)).unwrap_err();
    let AuthorityError::NoFreeSeat { license_id, total, holders, .. } = &err else { panic!("{err}") };
    assert_eq!((*license_id, *total), (one, 2));
    let listed: Vec<_> = holders.iter().map(|h| (h.seat, h.label.as_deref(), h.since)).collect();
    assert_eq!(listed, [(Some(1), Some("machine 1"), t0()), (Some(2), Some("machine 2"), t0())]);
    let text = err.to_string();
    assert!(
        text.contains("machine 1") && text.contains("2026-07-01") && text.contains("seats release"),
        "{text}"
    );
    assert!(!text.contains("Other customer"), "no other license's machines: {text}");
    assert!(err.is_refusal());
    assert_eq!(
        (a.status(None, t0()).unwrap(), a.history(None).unwrap()),
        before,
        "a refusal changes nothing"
    );
}

fn reactivation_within_tolerance_reuses_the_seat<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    // A NIC replaced: within tolerance. The machine reactivates (new key, nonce).
    m1.profile = one_nic_replaced(1);
    let again = a.activate(&m1.request(id), None, "desk", t0().plus_days(30)).unwrap();
    assert_eq!(again.kind, GrantKind::Renewal);
    assert_eq!(again.certificate.activation_id, first.certificate.activation_id);
    assert_eq!(again.certificate.seat, Some(1));
    assert_ne!(again.certificate.nonce, first.certificate.nonce);
    // Restored to another disk (the store moved): exact hardware, the same machine, same seat.
    m1.stamp.0[15] ^= 0xff;
    let moved = a.activate(&m1.request(id), None, "desk", t0().plus_days(31)).unwrap();
    assert_eq!((moved.kind, moved.certificate.seat), (GrantKind::Renewal, Some(1)));
    let s = seats_of(&a, id, t0().plus_days(31));
    assert_eq!(counts(&s), (2, 1, 0, 1), "reactivation never takes a second seat");
    let h = &s.activations[0];
    assert_eq!((h.since, h.renewed_at), (t0(), t0().plus_days(31)));
    // Machine identity is by lineage: the seat keeps the profile it was
    // first certified with; renewals are compared with that one.
    assert_eq!(h.fingerprint, Some(hardware(1).fingerprint().code()), "the certified profile stays");
    assert_eq!(h.certificates.len(), 1, "one store, three certificates: {:?}", h.certificates);
    assert_eq!(h.certificates[0].certificates, 3);
    let kinds: Vec<_> = a.history(Some(id)).unwrap().iter().map(|e| e.event.kind).collect();
    assert_eq!(kinds, [EventKind::Issue, EventKind::Activation, EventKind::Renewal, EventKind::Renewal]);
}

fn beyond_tolerance_is_another_machine<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    m1.profile = rebuilt(1);
    let second = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    assert_eq!((second.kind, second.certificate.seat), (GrantKind::Seat, Some(2)));
    assert_ne!(second.certificate.activation_id, first.certificate.activation_id);
    assert_eq!(counts(&seats_of(&a, id, t0())), (2, 2, 0, 0));
}

fn a_reissued_license_needs_its_current_release<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    a.reissue_license(id, ADMIN, t0(), |_| {}).unwrap();
    let err = a.activate(&m1.request_release(id, 1), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::ReleaseMismatch { requested: 1, current: 2, .. }), "{err}");
    assert!(err.to_string().contains("install release 2"), "{err}");
    let err = a.activate(&m1.request_release(id, 3), None, "desk", t0()).unwrap_err();
    assert!(err.to_string().contains("add release 3"), "{err}");
    let renewed = a.activate(&m1.request_release(id, 2), None, "desk", t0()).unwrap();
    assert_eq!((renewed.kind, renewed.certificate.release_version), (GrantKind::Renewal, 2));
    assert_eq!(renewed.certificate.activation_id, first.certificate.activation_id);
}

fn deactivation_frees_the_seat_and_replay_is_harmless<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let (mut m1, mut m2) = (Machine::new(1), Machine::new(2));
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    let receipt = m1.receipt(&g1.certificate);
    let done = a.deactivate(&receipt, "customer", t0().plus_days(1)).unwrap();
    let Deactivation::Deactivated(freed) = done else { panic!("{done:?}") };
    assert_eq!(
        (freed.activation_id, freed.license_id, freed.seat),
        (g1.certificate.activation_id, id, Some(1))
    );
    assert_eq!(counts(&seats_of(&a, id, t0())), (2, 1, 0, 1));
    let history = a.history(None).unwrap();
    let replay = a.deactivate(&receipt, "customer", t0().plus_days(2)).unwrap();
    assert!(matches!(
        replay,
        Deactivation::AlreadyEnded { state: nodelock::authority::ActivationState::Deactivated, .. }
    ));
    assert_eq!(a.history(None).unwrap(), history, "a replay records nothing");
    assert_eq!(counts(&seats_of(&a, id, t0())), (2, 1, 0, 1));
    let g3 = a.activate(&Machine::new(3).request(id), None, "desk", t0()).unwrap();
    assert_eq!(g3.certificate.seat, Some(1), "the freed seat is taken again");
    // The machine that deactivated comes back: a new activation, if a seat is free.
    let err = a.activate(&m1.request(id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }));
}

fn receipts_that_do_not_belong_change_nothing<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let renewed = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let before = (a.status(None, t0()).unwrap(), a.history(None).unwrap());
    // Someone who never held the activation signs a receipt for it.
    let forged = DeactivationReceipt {
        activation_id: renewed.certificate.activation_id,
        license_id: id,
        nonce: renewed.certificate.nonce,
        deactivated_at: t0(),
    }
    .sign(&SecretKey::from_seed(&[0x66; 32]));
    let err = a.deactivate(&forged, "customer", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::ReceiptNotValid { .. }), "{err}");
    // A receipt naming another license, an unknown activation, garbage.
    let mut wrong_license = DeactivationReceipt::peek(
        &DeactivationReceipt::bytes_from(&m1.receipt(&renewed.certificate)).unwrap(),
    )
    .unwrap();
    wrong_license.license_id = LicenseId([0x77; 16]);
    let err =
        a.deactivate(&wrong_license.sign(&SecretKey::from_seed(&[1; 32])), "customer", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownActivation { .. }), "{err}");
    assert!(matches!(a.deactivate(b"NLD-garbage", "customer", t0()), Err(AuthorityError::BadMessage(_))));
    assert!(matches!(a.deactivate(&[], "customer", t0()), Err(AuthorityError::BadMessage(_))));
    // A certificate is not a receipt.
    assert!(a.deactivate(&renewed.bytes, "customer", t0()).is_err());
    assert_eq!((a.status(None, t0()).unwrap(), a.history(None).unwrap()), before);
    // The right receipt works.
    assert!(matches!(
        a.deactivate(&m1.receipt(&renewed.certificate), "customer", t0()),
        Ok(Deactivation::Deactivated(_))
    ));
}

fn administrator_release_frees_the_seat_at_once<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut dead = Machine::new(1);
    let g = a.activate(&dead.request(id), None, "desk", t0()).unwrap();
    assert!(matches!(
        a.activate(&Machine::new(2).request(id), None, "desk", t0()),
        Err(AuthorityError::NoFreeSeat { .. })
    ));
    let freed = a.release(g.certificate.activation_id, ADMIN, t0().plus_days(3)).unwrap();
    assert_eq!(freed.seat, Some(1));
    assert_eq!(counts(&seats_of(&a, id, t0())), (1, 0, 0, 1), "the in-use count drops at once");
    let g2 = a.activate(&Machine::new(2).request(id), None, "desk", t0().plus_days(3)).unwrap();
    assert_eq!(g2.certificate.seat, Some(1));
    let err = a.release(g.certificate.activation_id, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::NotActive { .. }), "{err}");
    let err = a.release(nodelock::activation::ActivationId([9; 16]), ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownActivation { .. }), "{err}");
    // The released machine's receipt arriving later changes nothing.
    let late = a.deactivate(&dead.receipt(&g.certificate), "customer", t0()).unwrap();
    assert!(matches!(
        late,
        Deactivation::AlreadyEnded { state: nodelock::authority::ActivationState::Released, .. }
    ));
    let last = a.history(Some(id)).unwrap().into_iter().rev().nth(1).unwrap();
    assert_eq!((last.event.kind, last.event.actor.as_str()), (EventKind::Release, ADMIN));
}

fn temporary_when_full_then_upgraded_when_a_seat_frees<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 1);
    terms.temporary_days = nodelock::license::DEFAULT_TEMPORARY_DAYS;
    let (a, _dir) = authority(b, &[terms.clone()]);
    let id = terms.id;
    let (mut m1, mut m2) = (Machine::new(1), Machine::new(2));
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let temp = a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    let until = t0().plus_days(90);
    assert_eq!(
        (temp.kind, temp.certificate.kind, temp.certificate.seat),
        (GrantKind::Temporary, ActivationKind::Temporary { until }, None)
    );
    assert_eq!(counts(&seats_of(&a, id, t0())), (1, 1, 1, 0));
    // Asking again during the period: the same end, no seat.
    let again = a.activate(&m2.request(id), None, "desk", t0().plus_days(10)).unwrap();
    assert_eq!(
        (again.kind, again.certificate.kind),
        (GrantKind::Renewal, ActivationKind::Temporary { until })
    );
    assert_eq!(again.certificate.activation_id, temp.certificate.activation_id);
    // m1 gives its seat up; m2's next activation takes it.
    a.deactivate(&m1.receipt(&g1.certificate), "customer", t0().plus_days(20)).unwrap();
    let up = a.activate(&m2.request(id), None, "desk", t0().plus_days(21)).unwrap();
    assert_eq!(
        (up.kind, up.certificate.kind, up.certificate.seat),
        (GrantKind::Upgrade, ActivationKind::Permanent, Some(1))
    );
    assert_eq!(up.certificate.activation_id, temp.certificate.activation_id);
    assert_eq!(counts(&seats_of(&a, id, t0().plus_days(21))), (1, 1, 0, 0));
}

fn one_temporary_period_per_machine<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 1);
    terms.temporary_days = 30;
    let (a, _dir) = authority(b, &[terms.clone()]);
    let id = terms.id;
    let (mut m2, mut m3) = (Machine::new(2), Machine::new(3));
    a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    let temp = a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    let end = t0().plus_days(30);
    // Deactivated and asked again during the period: the same period.
    a.deactivate(&m2.receipt(&temp.certificate), "customer", t0().plus_days(1)).unwrap();
    assert_eq!(counts(&seats_of(&a, id, t0().plus_days(1))), (1, 1, 0, 0));
    let back = a.activate(&m2.request(id), None, "desk", t0().plus_days(2)).unwrap();
    assert_eq!(back.certificate.kind, ActivationKind::Temporary { until: end });
    // The period ends: not counted any more, and no second one.
    assert_eq!(counts(&seats_of(&a, id, end)), (1, 1, 0, 0));
    let err = a.activate(&m2.request(id), None, "desk", end).unwrap_err();
    let AuthorityError::TemporaryUsed { ended, holders, .. } = &err else { panic!("{err}") };
    assert_eq!((*ended, holders.len()), (end, 1));
    assert!(err.to_string().contains("one per machine"), "{err}");
    // Another machine still gets its own period.
    let other = a.activate(&m3.request(id), None, "desk", end).unwrap();
    assert_eq!(other.certificate.kind, ActivationKind::Temporary { until: end.plus_days(30) });
}
