//! A machine is recognised among many other activations through the
//! digest-prefix index (`authority::candidates`), on every ledger: renewals,
//! a reinstall with a new store, one temporary period per machine; the
//! index itself (what it finds, what anonymising drops); and the scan kept
//! where the policy accepts a machine that shares no digest with the
//! certified one.
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::activation::ActivationKind;
use nodelock::authority::{
    Authority, AuthorityError, GrantKind, Ledger, LedgerError, Which, digest_prefixes,
};
use nodelock::hardware::ComponentKind;
use nodelock::profile::{Digest, Profile};

on_every_ledger!(
    a_machine_is_recognised_among_many_other_activations,
    one_temporary_period_per_machine_among_many,
    the_index_finds_the_machine_and_anonymising_drops_it,
    a_policy_accepting_a_machine_that_shares_nothing_still_recognises_it,
    light_kinds_that_all_changed_are_still_the_same_machine,
    seats_are_added_in_one_step_within_the_allowance,
    a_refusal_lists_the_first_twenty_holders_and_counts_them_all,
    the_seat_list_comes_in_pages_with_the_license_counts,
);

const OTHERS: u32 = 60;

fn a_machine_is_recognised_among_many_other_activations<L: Ledger>(b: Backend<L>) {
    let terms = license(1, OTHERS + 10);
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let mut machines: Vec<Machine> = (1..=OTHERS).map(Machine::new).collect();
    let grants: Vec<_> =
        machines.iter_mut().map(|m| a.activate(&m.request(id), None, "desk", t0()).unwrap()).collect();
    let (n, held) = (37, &grants[36].certificate);
    assert_eq!(held.seat, Some(n));
    // The same store again: a renewal of its seat.
    let renewal = a.activate(&machines[36].request(id), None, "desk", t0()).unwrap();
    assert_eq!((renewal.kind, renewal.certificate.activation_id), (GrantKind::Renewal, held.activation_id));
    // Reinstalled: a new store (a key the ledger never saw) on the same
    // hardware is recognised by its profile alone.
    let mut reinstalled = Machine::new(n);
    let again = a.activate(&reinstalled.request(id), None, "desk", t0()).unwrap();
    assert_eq!((again.kind, again.certificate.activation_id), (GrantKind::Renewal, held.activation_id));
    assert_eq!(again.certificate.seat, Some(n));
    // A NIC replaced and a new store: still within tolerance, still its seat.
    let mut repaired = Machine::new(n);
    repaired.profile = one_nic_replaced(n);
    let fixed = a.activate(&repaired.request(id), None, "desk", t0()).unwrap();
    assert_eq!((fixed.kind, fixed.certificate.activation_id), (GrantKind::Renewal, held.activation_id));
    // Rebuilt beyond tolerance: a new machine, the lowest free seat.
    let mut rebuilt_machine = Machine::new(n);
    rebuilt_machine.profile = rebuilt(n);
    let other = a.activate(&rebuilt_machine.request(id), None, "desk", t0()).unwrap();
    assert_eq!((other.kind, other.certificate.seat), (GrantKind::Seat, Some(OTHERS + 1)));
    let s = a.status(Some(id), t0()).unwrap().licenses.remove(0);
    assert_eq!(s.in_use, OTHERS + 1);
}

fn one_temporary_period_per_machine_among_many<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 1);
    terms.temporary_days = 30;
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    for n in 2..=OTHERS {
        let g = a.activate(&Machine::new(n).request(id), None, "desk", t0()).unwrap();
        assert_eq!(g.kind, GrantKind::Temporary);
    }
    let end = t0().plus_days(30);
    // A machine whose period ended, from a new store: no second period.
    let err = a.activate(&Machine::new(30).request(id), None, "desk", end).unwrap_err();
    assert!(matches!(err, AuthorityError::TemporaryUsed { ended, .. } if ended == end), "{err}");
    // During its period, a new store gets the same period again.
    let same = a.activate(&Machine::new(31).request(id), None, "desk", t0().plus_days(3)).unwrap();
    assert_eq!(same.certificate.kind, ActivationKind::Temporary { until: end });
    // A machine never seen gets its own.
    let fresh = a.activate(&Machine::new(OTHERS + 1).request(id), None, "desk", end).unwrap();
    assert_eq!(fresh.certificate.kind, ActivationKind::Temporary { until: end.plus_days(30) });
}

fn the_index_finds_the_machine_and_anonymising_drops_it<L: Ledger>(b: Backend<L>) {
    let terms = license(1, 10);
    let (a, _dir) = authority(b, &[terms.clone(), license(2, 10)]);
    let id = terms.id;
    let grants: Vec<_> =
        (1..=8).map(|n| a.activate(&Machine::new(n).request(id), None, "desk", t0()).unwrap()).collect();
    // The same machine in another license is not this license's candidate.
    a.activate(&Machine::new(5).request(license(2, 10).id), None, "desk", t0()).unwrap();
    let sharing = |a: &Authority<L>, profile: &Profile, which| {
        a.ledger()
            .read(&mut |tx| tx.activations_sharing(&id, which, &digest_prefixes(profile)))
            .unwrap()
            .iter()
            .map(|r| r.activation_id)
            .collect::<Vec<_>>()
    };
    let five = grants[4].certificate.activation_id;
    assert_eq!(sharing(&a, &hardware(5), Which::Active), [five]);
    assert_eq!(sharing(&a, &one_nic_replaced(5), Which::All), [five]);
    // Two machines' keys: both, in the ledger's order.
    let both = Profile::from_digests(
        [(ComponentKind::Mac, hardware(2).digests(ComponentKind::Mac)[0])]
            .into_iter()
            .chain([(ComponentKind::Cpu, hardware(7).digests(ComponentKind::Cpu)[0])]),
    )
    .unwrap();
    // All granted at t0: the ledger's order is then by id.
    let mut expected = [grants[1].certificate.activation_id, grants[6].certificate.activation_id];
    expected.sort();
    assert_eq!(sharing(&a, &both, Which::Active), expected);
    assert!(sharing(&a, &hardware(99), Which::All).is_empty());
    // Released: no longer active, still among all.
    a.release(five, ADMIN, t0()).unwrap();
    assert!(sharing(&a, &hardware(5), Which::Active).is_empty());
    assert_eq!(sharing(&a, &hardware(5), Which::All), [five]);
    // Anonymised: its profile is gone, and so are its keys.
    assert!(a.anonymise(five, ADMIN, t0()).unwrap());
    assert!(sharing(&a, &hardware(5), Which::All).is_empty());
    let back = a.activate(&Machine::new(5).request(id), None, "desk", t0()).unwrap();
    assert_eq!((back.kind, back.certificate.seat), (GrantKind::Seat, Some(5)));
}

/// With a tolerance above what a comparison sharing no digest scores, a
/// wholly different machine is "the same machine": the index cannot find it
/// (no shared key), so the authority compares every activation, as before.
fn a_policy_accepting_a_machine_that_shares_nothing_still_recognises_it<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 3);
    terms.policy.tolerance = 50;
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let first = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    let other = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap();
    assert_eq!(other.kind, GrantKind::Renewal, "tolerance 50 accepts any machine");
    assert_eq!(other.certificate.activation_id, first.certificate.activation_id);
    assert_eq!(a.status(Some(id), t0()).unwrap().licenses[0].in_use, 1);
}

/// A machine identified by three light kinds only (memory, video, optical
/// drive: default weight 1 each, 3 ≤ the default tolerance 3) is the same
/// machine even with all three replaced: such a request is compared with
/// every activation, not only those sharing a digest.
fn light_kinds_that_all_changed_are_still_the_same_machine<L: Ledger>(b: Backend<L>) {
    let terms = license(1, 3);
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let light = |salt: u8| {
        Profile::from_digests(
            [ComponentKind::Memory, ComponentKind::Video, ComponentKind::CdRom]
                .into_iter()
                .map(|k| (k, Digest([salt.wrapping_add(k as u8); 16]))),
        )
        .unwrap()
    };
    let mut m = Machine::new(1);
    m.profile = light(10);
    let first = a.activate(&m.request(id), None, "desk", t0()).unwrap();
    let mut changed = Machine::new(2);
    changed.profile = light(100);
    let again = a.activate(&changed.request(id), None, "desk", t0()).unwrap();
    assert_eq!(
        (again.kind, again.certificate.activation_id),
        (GrantKind::Renewal, first.certificate.activation_id)
    );
}

/// A license's seats and a seat pack are added in one step; a range beyond
/// the allowance is refused whole, by the same named rule on every ledger.
fn seats_are_added_in_one_step_within_the_allowance<L: Ledger>(b: Backend<L>) {
    let terms = license(1, 500);
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let pack = a.reissue_seats(id, 250, ADMIN, t0()).unwrap();
    assert_eq!((pack.pack, pack.first_seat, pack.last_seat()), (2, 501, 750));
    let seats = a.ledger().read(&mut |tx| tx.seats(&id)).unwrap();
    assert_eq!(seats.len(), 750);
    assert!(seats.iter().enumerate().all(|(i, s)| s.seat == i as u32 + 1 && s.holder.is_none()));
    assert_eq!(seats.iter().filter(|s| s.pack == 2).count(), 250);
    let err = a.ledger().transaction(&mut |tx| tx.insert_free_seats(&id, 3, 751, 760)).unwrap_err();
    assert!(
        matches!(
            err,
            AuthorityError::LedgerRefused(LedgerError::Rule(
                "over-allocation: the license has no seat left to add"
            ))
        ),
        "{err:?}"
    );
    assert_eq!(a.ledger().read(&mut |tx| tx.seats(&id)).unwrap().len(), 750, "nothing of it kept");
    let g = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    assert_eq!(g.certificate.seat, Some(1));
}

/// A refusal of a large license lists the first 20 holders by seat number
/// and counts them all; a small one lists its seats, then running
/// temporary activations, up to 20.
fn a_refusal_lists_the_first_twenty_holders_and_counts_them_all<L: Ledger>(b: Backend<L>) {
    use nodelock::authority::MAX_LISTED_HOLDERS;
    let big = license(1, 30);
    let mut small = license(2, 2);
    small.temporary_days = 30;
    let (a, _dir) = authority(b, &[big.clone(), small.clone()]);
    for n in 1..=30 {
        a.activate(&Machine::new(n).request(big.id), None, "desk", t0()).unwrap();
    }
    let err = a.activate(&Machine::new(31).request(big.id), None, "desk", t0()).unwrap_err();
    let AuthorityError::NoFreeSeat { total, holders, holding, .. } = &err else { panic!("{err}") };
    assert_eq!((*total, *holding, holders.len() as u32), (30, 30, MAX_LISTED_HOLDERS));
    let seats: Vec<_> = holders.iter().map(|h| h.seat).collect();
    assert_eq!(seats, (1..=20).map(Some).collect::<Vec<_>>());
    assert!(err.to_string().contains("and 10 more"), "{err}");
    // Two seats, 24 temporary machines at t0, 20 more a day later; at the
    // end of the first periods, machine 3 (one of them) is refused.
    for n in 1..=26 {
        a.activate(&Machine::new(n).request(small.id), None, "desk", t0()).unwrap();
    }
    let (later, end) = (t0().plus_days(1), t0().plus_days(30));
    for n in 27..=46 {
        let g = a.activate(&Machine::new(n).request(small.id), None, "desk", later).unwrap();
        assert_eq!(g.kind, GrantKind::Temporary);
    }
    let err = a.activate(&Machine::new(3).request(small.id), None, "desk", end).unwrap_err();
    let AuthorityError::TemporaryUsed { holders, holding, .. } = &err else { panic!("{err}") };
    assert_eq!((*holding, holders.len() as u32), (22, MAX_LISTED_HOLDERS), "2 seats + 20 running");
    assert_eq!(holders[..3].iter().map(|h| h.seat).collect::<Vec<_>>(), [Some(1), Some(2), None]);
    assert!(holders[2..].iter().all(|h| h.until == Some(later.plus_days(30))), "only running periods");
    assert!(err.to_string().contains("and 2 more"), "{err}");
}

/// `seat_page`: the holders of the seats in the page, by number; the
/// license's counts on every page; the next `after` until the last page.
fn the_seat_list_comes_in_pages_with_the_license_counts<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 25);
    terms.temporary_days = 30;
    let (a, _dir) = authority(b, std::slice::from_ref(&terms));
    let id = terms.id;
    let grants: Vec<_> =
        (1..=25).map(|n| a.activate(&Machine::new(n).request(id), None, "desk", t0()).unwrap()).collect();
    a.activate(&Machine::new(26).request(id), None, "desk", t0()).unwrap(); // temporary
    a.release(grants[4].certificate.activation_id, ADMIN, t0()).unwrap(); // seat 5
    let page = a.seat_page(id, 0, 10, t0()).unwrap();
    let l = &page.license;
    assert_eq!((l.total, l.in_use, l.temporary, l.available), (25, 24, 1, 1));
    let seats: Vec<_> = l.activations.iter().map(|h| h.seat.unwrap()).collect();
    assert_eq!(seats, [1, 2, 3, 4, 6, 7, 8, 9, 10], "seat 5 is free");
    assert_eq!(l.activations[0].activation_id, grants[0].certificate.activation_id);
    assert_eq!(l.activations[0].certificates.len(), 1, "its live certificates");
    assert_eq!(page.next_after, Some(10));
    let last = a.seat_page(id, 20, 10, t0()).unwrap();
    assert_eq!(
        last.license.activations.iter().map(|h| h.seat.unwrap()).collect::<Vec<_>>(),
        [21, 22, 23, 24, 25]
    );
    assert_eq!((last.next_after, last.license.in_use), (None, 24));
    let exact = a.seat_page(id, 15, 10, t0()).unwrap();
    assert_eq!(exact.next_after, Some(25), "a full page may be followed by an empty one");
    assert_eq!(a.seat_page(id, 25, 10, t0()).unwrap().next_after, None);
    // The whole view agrees with the pages' counts, and so does the summary.
    let whole = a.status(Some(id), t0()).unwrap().licenses.remove(0);
    assert_eq!((whole.in_use, whole.temporary, whole.available), (24, 1, 1));
    let summary = a.summary(t0()).unwrap();
    let full = a.status(None, t0()).unwrap();
    assert_eq!(summary.products, full.products);
    assert!(summary.licenses.iter().all(|l| l.activations.is_empty() && l.running_out.is_empty()));
    assert_eq!(
        summary
            .licenses
            .iter()
            .map(|l| (l.license_id, l.total, l.in_use, l.temporary, l.available))
            .collect::<Vec<_>>(),
        full.licenses
            .iter()
            .map(|l| (l.license_id, l.total, l.in_use, l.temporary, l.available))
            .collect::<Vec<_>>()
    );
    // At the period's end the temporary activation no longer counts.
    let later = a.summary(t0().plus_days(30)).unwrap();
    assert_eq!(later.products, a.status(None, t0().plus_days(30)).unwrap().products);
    assert_eq!(later.licenses[0].temporary, 0);
}
