//! Machine identity by lineage, on every ledger: a seat keeps the profile it
//! was first certified with, certificates belong to stores, a store's receipt
//! retires all of them, a seat frees only when no store holds a live one, and
//! a store running on two machines marks its activation forked. The customer
//! moves of the "a seat is one machine" issue (1, 2 and 5) are tests here.
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::Timestamp;
use nodelock::authority::{
    Authority, AuthorityError, Deactivation, EventKind, GrantKind, Ledger, LicenseStatus,
};
use nodelock::license::{License, LicenseId};

on_every_ledger!(
    a_second_store_cannot_free_the_seat_of_the_first,
    a_receipt_for_an_earlier_certificate_of_the_store_frees_the_seat,
    a_pending_answer_the_store_never_installed_is_retired_by_its_receipt,
    a_seat_cannot_walk_to_another_machine,
    one_temporary_period_per_machine_however_it_renews,
    a_copied_store_renewing_from_another_machine_forks_the_activation,
    a_second_store_copied_away_forks_at_once_even_when_refused,
    released_certificates_run_out_and_are_listed_until_then,
    a_receipt_after_a_release_retires_the_running_out_certificates,
    a_surrendered_key_is_never_answered_again,
    the_request_answered_last_is_answered_again_and_nothing_changes,
    a_seats_lineage_records_each_profile_change_and_anonymising_erases_it,
);

fn seats_of<L: Ledger>(a: &Authority<L>, id: LicenseId, now: Timestamp) -> LicenseStatus {
    a.status(Some(id), now).unwrap().licenses.remove(0)
}

fn kinds<L: Ledger>(a: &Authority<L>, id: LicenseId) -> Vec<EventKind> {
    a.history(Some(id)).unwrap().iter().map(|e| e.event.kind).collect()
}

fn leased(n: u8, seats: u32, lease_days: u16, grace_days: u16) -> License {
    let mut l = license(n, seats);
    l.lease_days = lease_days;
    l.grace_days = grace_days;
    l
}

/// Attack 1: another OS user's store on the same machine is "renewed, same
/// seat"; its receipt must not free the seat the first store still uses.
fn a_second_store_cannot_free_the_seat_of_the_first<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    m1.new_store();
    let second = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    assert_eq!(
        (second.kind, second.certificate.activation_id),
        (GrantKind::Renewal, first.certificate.activation_id)
    );
    let s = seats_of(&a, id, t0());
    assert_eq!(s.activations.len(), 1);
    assert_eq!(s.activations[0].certificates.len(), 2, "two stores hold live certificates");

    // The second store gives up: accepted, but the first still holds the seat.
    let done = a.deactivate(&m1.receipt(&second.certificate), "customer", t0()).unwrap();
    assert!(matches!(done, Deactivation::StillHeld { seat: Some(1), stores: 1, .. }), "{done:?}");
    let err = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "a second machine gets no seat: {err}");
    assert_eq!(seats_of(&a, id, t0()).activations[0].certificates.len(), 1);

    // The first store gives up too: now the seat is free.
    let done = a.deactivate(&m1.receipt(&first.certificate), "customer", t0()).unwrap();
    assert!(matches!(done, Deactivation::Deactivated(f) if f.seat == Some(1)), "{done:?}");
    let g2 = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap();
    assert_eq!(g2.kind, GrantKind::Seat);
}

/// The honest mirror of attack 1: request twice, install the first answer,
/// deactivate. The receipt names the earlier certificate; it frees the seat.
fn a_receipt_for_an_earlier_certificate_of_the_store_frees_the_seat<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let later = a.activate(&m1.request(id), None, "desk", t0().plus_days(1)).unwrap();
    assert_eq!(later.kind, GrantKind::Renewal);
    let done = a.deactivate(&m1.receipt(&first.certificate), "customer", t0().plus_days(2)).unwrap();
    assert!(matches!(done, Deactivation::Deactivated(f) if f.seat == Some(1)), "{done:?}");
    assert_eq!(seats_of(&a, id, t0().plus_days(2)).in_use, 0);
}

/// The later answer was never installed, but it binds the same store key:
/// one receipt retires it too, so it cannot be installed and used later.
fn a_pending_answer_the_store_never_installed_is_retired_by_its_receipt<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 1, 30, 7)]);
    let id = license(1, 1).id;
    let mut m1 = Machine::new(1);
    let installed = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let never_installed = a.activate(&m1.request(id), None, "desk", t0().plus_days(5)).unwrap();
    assert_eq!(never_installed.certificate.activation_key, installed.certificate.activation_key);
    a.deactivate(&m1.receipt(&installed.certificate), "customer", t0().plus_days(6)).unwrap();
    let s = seats_of(&a, id, t0().plus_days(6));
    assert_eq!((s.in_use, s.activations.len(), s.running_out.len()), (0, 0, 0), "{s:?}");
}

/// Attack 2: requests each within tolerance of the one before walk the
/// recorded profile from machine 1 to machine 2. Compared with the certified
/// profile, the walk stops at the first step beyond tolerance of it.
fn a_seat_cannot_walk_to_another_machine<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m = Machine::new(1);
    let first = a.activate(&m.request(id), None, "desk", t0()).unwrap();
    // CPU, memory, video: 1 + 1 + 1 = 3, within the tolerance of 3.
    let mut taken = Vec::new();
    for (day, component) in [2, 4, 5].into_iter().enumerate() {
        taken.push(component);
        m.profile = mixed(1, 2, &taken);
        let g = a.activate(&m.request(id), None, "desk", t0().plus_days(day as u64 + 1)).unwrap();
        assert_eq!(
            (g.kind, g.certificate.activation_id),
            (GrantKind::Renewal, first.certificate.activation_id)
        );
    }
    // One NIC more: 1 from the step before, 4 from the certified machine.
    taken.push(0);
    m.profile = mixed(1, 2, &taken);
    let err = a.activate(&m.request(id), None, "desk", t0().plus_days(9)).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "the walk is a new machine: {err}");
    // Machine 2 itself: no seat either, and machine 1 still holds it.
    let err = a.activate(&Machine::new(2).request(id), None, "desk", t0().plus_days(9)).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "{err}");
    let s = seats_of(&a, id, t0().plus_days(9));
    assert_eq!(s.activations[0].fingerprint, Some(hardware(1).fingerprint().code()));
}

/// Attack 5: a temporary period drifted by renewals (and a store moved) is
/// still the same machine's one period; the original hardware gets no second.
fn one_temporary_period_per_machine_however_it_renews<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 1);
    terms.temporary_days = 10;
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let mut m1 = Machine::new(1);
    a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let mut m2 = Machine::new(2);
    let temp = a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    assert_eq!(temp.kind, GrantKind::Temporary);
    // Renewals drift the profile (CPU, memory, video of machine 3), within
    // tolerance of the certified profile each time.
    for (day, taken) in [vec![2], vec![2, 4], vec![2, 4, 5]].into_iter().enumerate() {
        m2.profile = mixed(2, 3, &taken);
        let g = a.activate(&m2.request(id), None, "desk", t0().plus_days(day as u64 + 1)).unwrap();
        assert_eq!(
            (g.kind, g.certificate.activation_id),
            (GrantKind::Renewal, temp.certificate.activation_id)
        );
    }
    // After the period: the original hardware, from a new store at a new
    // location, is the machine that had its period.
    let mut again = Machine::new(2);
    again.stamp.0[15] ^= 0x55;
    let err = a.activate(&again.request(id), None, "desk", t0().plus_days(11)).unwrap_err();
    assert!(matches!(err, AuthorityError::TemporaryUsed { .. }), "{err}");
    // So is the drifted one.
    let err = a.activate(&m2.request(id), None, "desk", t0().plus_days(11)).unwrap_err();
    assert!(matches!(err, AuthorityError::TemporaryUsed { .. }), "{err}");
}

/// A store copied to another machine renews from there: it is answered as a
/// new machine (here a free seat), and when the original store renews from
/// the certified machine again, both branches run: the activation forks.
fn a_copied_store_renewing_from_another_machine_forks_the_activation<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut original = Machine::new(1);
    let first = a.activate(&original.request(id), None, "desk", t0()).unwrap();
    let mut copy = original.clone();
    copy.profile = hardware(7);
    let elsewhere = a.activate(&copy.request(id), None, "desk", t0().plus_days(1)).unwrap();
    assert_eq!(elsewhere.kind, GrantKind::Seat, "another machine takes another seat");
    assert_ne!(elsewhere.certificate.activation_id, first.certificate.activation_id);
    let s = seats_of(&a, id, t0().plus_days(1));
    assert!(s.activations.iter().all(|h| !h.forked), "a machine that drifted alone is no fork yet");
    assert!(s.activations[0].certificates[0].diverged);

    // The original renews from the certified machine: two branches run.
    let renewed = a.activate(&original.request(id), None, "desk", t0().plus_days(2)).unwrap();
    assert_eq!((renewed.kind, renewed.certificate.seat), (GrantKind::Renewal, Some(1)));
    let s = seats_of(&a, id, t0().plus_days(2));
    assert!(s.activations[0].forked, "seat 1 is forked: {s:?}");
    assert!(!s.activations[1].forked);
    let forks: Vec<_> =
        a.history(Some(id)).unwrap().into_iter().filter(|e| e.event.kind == EventKind::Fork).collect();
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].event.activation_id, Some(first.certificate.activation_id));
    assert!(forks[0].event.details.contains("forked"), "{}", forks[0].event.details);
}

/// Two stores on one machine; one is copied to another machine and renews
/// from there while the other still runs: forked at once. On a one-seat
/// license the diverging branch is refused — and the fork is still recorded.
fn a_second_store_copied_away_forks_at_once_even_when_refused<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    m1.new_store();
    a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let mut copy = m1.clone();
    copy.profile = hardware(8);
    let before = kinds(&a, id);
    let err = a.activate(&copy.request(id), None, "desk", t0().plus_days(1)).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "only as a new machine: {err}");
    let s = seats_of(&a, id, t0().plus_days(1));
    assert!(s.activations[0].forked, "{s:?}");
    let after = kinds(&a, id);
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(after[before.len()..], [EventKind::Fork], "the refusal kept the fork record only");
    let fork = a.history(Some(id)).unwrap().pop().unwrap();
    assert_eq!(fork.event.activation_id, Some(first.certificate.activation_id));
    assert!(fork.event.details.contains(&s.activations[0].certificates[0].store), "names both branches");
    assert!(fork.event.details.contains(&s.activations[0].certificates[1].store), "names both branches");
}

/// Attack 8's bookkeeping: a released seat is free at once; its machine's
/// certificates run to lease end + grace, listed as running out until then.
fn released_certificates_run_out_and_are_listed_until_then<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 1, 30, 7), license(2, 1)]);
    let (id, perpetual) = (license(1, 1).id, license(2, 1).id);
    let mut m1 = Machine::new(1);
    let g = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    a.activate(&m1.request(perpetual), None, "desk", t0()).unwrap();
    let p = a.activate(&m1.request(perpetual), None, "desk", t0()).unwrap();
    a.release(g.certificate.activation_id, "vendor", t0().plus_days(1)).unwrap();
    a.release(p.certificate.activation_id, "vendor", t0().plus_days(1)).unwrap();
    let s = seats_of(&a, id, t0().plus_days(2));
    assert_eq!((s.in_use, s.available), (0, 1), "the seat is free at once");
    assert_eq!(s.running_out.len(), 1, "{s:?}");
    assert_eq!(s.running_out[0].activation_id, g.certificate.activation_id);
    assert_eq!(s.running_out[0].state.name(), "released");
    assert_eq!(s.running_out[0].runs_until, Some(t0().plus_days(37)));
    assert!(seats_of(&a, id, t0().plus_days(37)).running_out.is_empty(), "gone after lease + grace");
    // Perpetual certificates never run out: listed without an end.
    let s = seats_of(&a, perpetual, t0().plus_days(3650));
    assert_eq!(s.running_out.len(), 1);
    assert_eq!(s.running_out[0].runs_until, None);
}

fn a_receipt_after_a_release_retires_the_running_out_certificates<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m1 = Machine::new(1);
    let g = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    a.release(g.certificate.activation_id, "vendor", t0()).unwrap();
    assert_eq!(seats_of(&a, id, t0()).running_out.len(), 1);
    let done = a.deactivate(&m1.receipt(&g.certificate), "customer", t0()).unwrap();
    assert!(matches!(done, Deactivation::AlreadyEnded { .. }), "{done:?}");
    assert!(seats_of(&a, id, t0()).running_out.is_empty());
}

/// A receipt proves the store's key gone: a request signed for that key (a
/// copy kept back) is refused, and changes nothing.
fn a_surrendered_key_is_never_answered_again<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let g = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let mut kept_back = m1.clone();
    a.deactivate(&m1.receipt(&g.certificate), "customer", t0()).unwrap();
    let before = (seats_of(&a, id, t0()), a.history(None).unwrap());
    for profile in [hardware(1), hardware(9)] {
        kept_back.profile = profile;
        let err = a.activate(&kept_back.request(id), None, "desk", t0()).unwrap_err();
        assert!(matches!(err, AuthorityError::KeySurrendered { .. }) && err.is_refusal(), "{err}");
    }
    assert_eq!((seats_of(&a, id, t0()), a.history(None).unwrap()), before);
    // The machine itself, from its fresh store, is welcome back.
    assert_eq!(a.activate(&m1.request(id), None, "desk", t0()).unwrap().kind, GrantKind::Seat);
}

/// A retry or a replay of the request a store's last certificate answered:
/// the same signed certificate, and not one write (history, store, lease).
fn the_request_answered_last_is_answered_again_and_nothing_changes<L: Ledger>(b: Backend<L>) {
    let terms = leased(1, 1, 30, 7);
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let mut m = Machine::new(1);
    let request = m.request(id);
    let first = a.activate(&request, None, "desk", t0()).unwrap();
    let before = (seats_of(&a, id, t0()), kinds(&a, id));
    let later = t0().plus_days(3);
    let again = a.activate(&request, None, "desk", later).unwrap();
    assert_eq!(again.kind, GrantKind::Repeated);
    assert_eq!(again.bytes, first.bytes, "the very same certificate, lease end and all");
    assert_eq!((seats_of(&a, id, t0()), kinds(&a, id)), before, "nothing was written");
    // A new request of the store is a renewal, which moves the lease.
    let renewal = a.activate(&m.request(id), None, "desk", later).unwrap();
    assert_eq!(renewal.kind, GrantKind::Renewal);
    assert_eq!(renewal.certificate.lease_ends, Some(later.plus_days(30)));
}

/// Every profile a seat's machine was certified for is recorded, a step each
/// time it changed (not each renewal), and is what `policy simulate --db`
/// replays; anonymising erases them.
fn a_seats_lineage_records_each_profile_change_and_anonymising_erases_it<L: Ledger>(b: Backend<L>) {
    use authority_support::{hardware, mixed};
    use nodelock::authority::seat_histories;
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let mut m = Machine::new(1);
    let steps = [hardware(1), mixed(1, 2, &[0]), mixed(1, 2, &[0]), mixed(1, 2, &[1])];
    let mut activation = None;
    for (day, profile) in steps.iter().enumerate() {
        m.profile = profile.clone();
        let g = a.activate(&m.request(id), None, "desk", t0().plus_days(day as u64)).unwrap();
        assert_eq!(*activation.get_or_insert(g.certificate.activation_id), g.certificate.activation_id);
    }
    let machines = seat_histories(a.ledger(), &id).unwrap();
    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].name, "seat 1");
    let expected = vec![steps[0].clone(), steps[1].clone(), steps[3].clone()];
    assert_eq!(machines[0].profiles, expected, "one step per change, renewals included, in order");

    assert!(a.anonymise(activation.unwrap(), "admin", t0().plus_days(9)).unwrap());
    assert!(seat_histories(a.ledger(), &id).unwrap().is_empty(), "anonymised: nothing left to replay");
}
