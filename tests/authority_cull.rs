//! Culling dead machines, on every ledger (time injected, no sleeping): a
//! machine that stopped renewing loses its seat after lease + grace and not
//! before; one that renews never does, nor does a perpetual one; a machine
//! with two stores is culled only when both ran out; the freed seat goes to
//! a new machine; the history has a `culled` entry; a culled machine that
//! comes back is answered by the existing rules.
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::Timestamp;
use nodelock::authority::{ActivationState, Authority, AuthorityError, Culled, EventKind, GrantKind, Ledger};
use nodelock::license::License;

on_every_ledger!(
    a_machine_that_stopped_renewing_is_culled_after_lease_and_grace_not_before,
    a_renewing_machine_is_never_culled,
    a_perpetual_machine_is_never_culled,
    a_machine_with_two_stores_is_culled_only_when_both_ran_out,
    a_culled_machine_that_comes_back_is_a_new_machine,
    temporary_activations_and_other_licenses_are_left_alone,
);

/// A license with a 30-day lease and 7 days of grace.
fn leased(n: u8, seats: u32) -> License {
    let mut l = license(n, seats);
    l.lease_days = 30;
    l.grace_days = 7;
    l
}

/// The moment a certificate granted at `at` stops validating: lease + grace.
fn dies(at: Timestamp) -> Timestamp {
    at.plus_days(30 + 7)
}

fn kinds<L: Ledger>(a: &Authority<L>) -> Vec<EventKind> {
    a.history(None).unwrap().iter().map(|e| e.event.kind).collect()
}

fn a_machine_that_stopped_renewing_is_culled_after_lease_and_grace_not_before<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 1)]);
    let id = leased(1, 1).id;
    let g = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    assert_eq!(g.certificate.lease_ends, Some(t0().plus_days(30)));
    let before = kinds(&a);
    assert_eq!(a.cull("service", t0().plus_days(30)).unwrap(), [], "lease over, grace running");
    assert_eq!(a.cull("service", dies(t0()).minus_secs(1)).unwrap(), [], "last second of grace");
    assert_eq!(kinds(&a), before, "nothing due, nothing written");
    let err = a.activate(&Machine::new(2).request(id), None, "desk", dies(t0()).minus_secs(1)).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "{err}");

    let at = dies(t0()).plus_secs(1);
    let culled = a.cull("service", at).unwrap();
    let activation_id = g.certificate.activation_id;
    assert_eq!(culled, [Culled { license_id: id, activation_id, seat: Some(1) }]);
    let history = a.history(Some(id)).unwrap();
    let last = history.last().unwrap();
    assert_eq!((last.event.kind, last.event.activation_id), (EventKind::Culled, Some(activation_id)));
    assert_eq!((last.event.actor.as_str(), last.event.at), ("service", at));
    assert_eq!(EventKind::Culled.name(), "culled");
    let s = a.status(Some(id), at).unwrap().licenses.remove(0);
    assert_eq!((s.in_use, s.available), (0, 1), "the seat is free at once");
    assert!(s.running_out.is_empty(), "its certificates had already run out: {s:?}");
    // Run again: nothing more.
    assert_eq!(a.cull("service", at.plus_days(1)).unwrap(), []);
    // The freed seat goes to a new machine.
    let g2 = a.activate(&Machine::new(2).request(id), None, "desk", at).unwrap();
    assert_eq!((g2.kind, g2.certificate.seat), (GrantKind::Seat, Some(1)));
}

fn a_renewing_machine_is_never_culled<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 1)]);
    let id = leased(1, 1).id;
    let mut m1 = Machine::new(1);
    let mut at = t0();
    for _ in 0..12 {
        let g = a.activate(&m1.request(id), None, "desk", at).unwrap();
        assert_ne!(g.kind, GrantKind::Temporary);
        // Renews every 25 days; culling runs every day.
        for day in 1..=25 {
            assert_eq!(a.cull("service", at.plus_days(day)).unwrap(), [], "day {day} after {at}");
        }
        at = at.plus_days(25);
    }
    assert!(!kinds(&a).contains(&EventKind::Culled));
}

fn a_perpetual_machine_is_never_culled<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let g = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    assert_eq!(g.certificate.lease_ends, None);
    assert_eq!(a.cull("service", t0().plus_days(20 * 365)).unwrap(), []);
    assert_eq!(a.status(Some(id), t0()).unwrap().licenses[0].in_use, 1);
}

fn a_machine_with_two_stores_is_culled_only_when_both_ran_out<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 1)]);
    let id = leased(1, 1).id;
    let mut m1 = Machine::new(1);
    let first = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    m1.new_store();
    let later = t0().plus_days(20);
    let second = a.activate(&m1.request(id), None, "desk", later).unwrap();
    assert_eq!(second.certificate.activation_id, first.certificate.activation_id, "one machine");
    // The first store's certificate is dead, the second's is not.
    assert_eq!(a.cull("service", dies(t0()).plus_days(1)).unwrap(), []);
    assert_eq!(a.cull("service", dies(later).minus_secs(1)).unwrap(), []);
    let culled = a.cull("service", dies(later)).unwrap();
    assert_eq!(culled.len(), 1);
    assert_eq!(culled[0].activation_id, first.certificate.activation_id);
}

fn a_culled_machine_that_comes_back_is_a_new_machine<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[leased(1, 2)]);
    let id = leased(1, 2).id;
    let mut m1 = Machine::new(1);
    let g = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let at = dies(t0()).plus_days(3);
    assert_eq!(a.cull("service", at).unwrap().len(), 1);
    // Its store's renewal is refused as released …
    let err = a.activate(&m1.request(id), None, "desk", at).unwrap_err();
    assert!(matches!(err, AuthorityError::RenewalRefused { state: ActivationState::Released, .. }), "{err}");
    // … and a fresh store on it is a new machine, taking a free seat.
    m1.new_store();
    let again = a.activate(&m1.request(id), None, "desk", at).unwrap();
    assert_eq!(again.kind, GrantKind::Seat);
    assert_ne!(again.certificate.activation_id, g.certificate.activation_id);
}

fn temporary_activations_and_other_licenses_are_left_alone<L: Ledger>(b: Backend<L>) {
    let mut temp = leased(1, 1);
    temp.temporary_days = 90;
    let (a, _dir) = authority(b, &[temp.clone(), leased(2, 1)]);
    let (id, other) = (temp.id, leased(2, 1).id);
    let g1 = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    let t = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap();
    assert_eq!(t.kind, GrantKind::Temporary);
    let later = t0().plus_days(30);
    let g3 = a.activate(&Machine::new(3).request(other), None, "desk", later).unwrap();
    let culled = a.cull("service", dies(t0()).plus_days(1)).unwrap();
    assert_eq!(
        culled,
        [Culled { license_id: id, activation_id: g1.certificate.activation_id, seat: Some(1) }]
    );
    let culled = a.cull("service", dies(later).plus_days(1)).unwrap();
    assert_eq!(
        culled,
        [Culled { license_id: other, activation_id: g3.certificate.activation_id, seat: Some(1) }]
    );
    let history = a.history(Some(id)).unwrap();
    assert!(
        !history.iter().any(|e| e.event.kind == EventKind::Culled
            && e.event.activation_id == Some(t.certificate.activation_id)),
        "a temporary activation holds no seat and is not culled"
    );
}
