//! The authority's administration — transfers, seat packs, revocation,
//! license releases, history, anonymising, status — run against every
//! ledger implementation: the same rules must hold in memory and on SQLite.
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::activation::ActivationKind;
use nodelock::authority::{
    Authority, AuthorityError, BadName, Deactivation, EventKind, GrantKind, Ledger, LicenseChange,
    LicenseStatus,
};
use nodelock::license::LicenseId;
use nodelock::{SecretKey, Timestamp};

on_every_ledger!(
    transfers_are_counted_and_refused_when_used_up,
    transfer_checks_the_new_machine,
    seat_packs_add_seats_like_the_original_ones,
    revoked_and_expired_licenses_are_refused,
    licenses_must_come_from_the_vendor_and_only_move_forward,
    reissue_changes_the_seat_count,
    history_never_shrinks_and_anonymise_keeps_counts,
    status_per_product_and_license,
    administration_without_the_signing_key,
    union_and_made_up_profiles_are_refused,
);

fn seats_of<L: Ledger>(a: &Authority<L>, id: LicenseId, now: Timestamp) -> LicenseStatus {
    a.status(Some(id), now).unwrap().licenses.remove(0)
}

fn counts(s: &LicenseStatus) -> (u32, u32, u32, u32) {
    (s.total, s.in_use, s.temporary, s.available)
}

fn transfers_are_counted_and_refused_when_used_up<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let (mut m1, mut m2, mut m3) = (Machine::new(1), Machine::new(2), Machine::new(3));
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    let g2 = a.transfer(g1.certificate.activation_id, &m2.request(id), None, ADMIN, t0()).unwrap();
    assert_eq!(
        (g2.kind, g2.certificate.seat, g2.certificate.kind),
        (GrantKind::Transfer, Some(1), ActivationKind::Permanent)
    );
    let s = seats_of(&a, id, t0());
    assert_eq!(counts(&s), (1, 1, 0, 0));
    assert_eq!(s.activations[0].activation_id, g2.certificate.activation_id);
    // The old machine's receipt is harmless now.
    let late = a.deactivate(&m1.receipt(&g1.certificate), "customer", t0()).unwrap();
    assert!(matches!(
        late,
        Deactivation::AlreadyEnded { state: nodelock::authority::ActivationState::Transferred, .. }
    ));
    // One transfer per seat: the second is refused, saying what to do.
    let err = a.transfer(g2.certificate.activation_id, &m3.request(id), None, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::TransfersExhausted { seat: 1, used: 1, allowed: 1, .. }), "{err}");
    assert!(err.to_string().contains("seats reissue"), "{err}");
    // Releasing and re-taking the seat does not reset its count.
    a.release(g2.certificate.activation_id, ADMIN, t0()).unwrap();
    let g3 = a.activate(&m3.request(id), None, "desk", t0()).unwrap();
    let err = a.transfer(g3.certificate.activation_id, &m1.request(id), None, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::TransfersExhausted { .. }), "{err}");
    let transfers =
        a.history(Some(id)).unwrap().iter().filter(|e| e.event.kind == EventKind::Transfer).count();
    assert_eq!(transfers, 1);
}

fn transfer_checks_the_new_machine<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 2);
    terms.temporary_days = 30;
    terms.transfers_per_seat = 5;
    let (a, _dir) = authority(b, &[terms.clone(), license(2, 1)]);
    let id = terms.id;
    let (mut m1, mut m2, mut m3) = (Machine::new(1), Machine::new(2), Machine::new(3));
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    a.activate(&m2.request(id), None, "desk", t0()).unwrap();
    let err = a.transfer(g1.certificate.activation_id, &m2.request(id), None, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::AlreadyHoldsSeat { seat: 2, .. }), "{err}");
    let err = a
        .transfer(g1.certificate.activation_id, &m3.request(license(2, 1).id), None, ADMIN, t0())
        .unwrap_err();
    assert!(matches!(err, AuthorityError::TransferToOtherLicense { .. }), "{err}");
    // m3 gets a temporary activation; transferring m1's seat to it upgrades it.
    let temp = a.activate(&m3.request(id), None, "desk", t0()).unwrap();
    assert_eq!(temp.kind, GrantKind::Temporary);
    let err = a
        .transfer(temp.certificate.activation_id, &Machine::new(4).request(id), None, ADMIN, t0())
        .unwrap_err();
    assert!(matches!(err, AuthorityError::NotTransferable { .. }), "{err}");
    let moved = a.transfer(g1.certificate.activation_id, &m3.request(id), None, ADMIN, t0()).unwrap();
    assert_eq!(
        moved.certificate.activation_id, temp.certificate.activation_id,
        "the temporary activation takes the seat"
    );
    assert_eq!(counts(&seats_of(&a, id, t0())), (2, 2, 0, 0));
}

fn seat_packs_add_seats_like_the_original_ones<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let pack = a.reissue_seats(id, 3, ADMIN, t0()).unwrap();
    assert_eq!((pack.pack, pack.first_seat, pack.seats), (2, 3, 3));
    for n in 1..=5 {
        let g = a.activate(&Machine::new(n).request(id), None, "desk", t0()).unwrap();
        assert_eq!(g.certificate.seat, Some(n));
    }
    let s = seats_of(&a, id, t0());
    assert_eq!(counts(&s), (5, 5, 0, 0));
    let json = serde_json::to_value(&s).unwrap();
    assert!(!json.to_string().contains("pack"), "packs show only in the history: {json}");
    let entry =
        a.history(Some(id)).unwrap().into_iter().find(|e| e.event.kind == EventKind::SeatReissue).unwrap();
    assert!(entry.event.details.contains("seat pack 2"), "{}", entry.event.details);
    for bad in [0, 100_001] {
        assert!(matches!(a.reissue_seats(id, bad, ADMIN, t0()), Err(AuthorityError::BadSeatCount { .. })));
    }
    assert!(matches!(
        a.reissue_seats(LicenseId([3; 16]), 1, ADMIN, t0()),
        Err(AuthorityError::UnknownLicense { .. })
    ));
}

fn revoked_and_expired_licenses_are_refused<L: Ledger>(b: Backend<L>) {
    let mut expiring = license(2, 1);
    expiring.expires_at = Some(ts("2026-06-30"));
    let (a, _dir) = authority(b, &[license(1, 2), expiring.clone()]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let g1 = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    assert!(a.revoke(id, ADMIN, t0()).unwrap());
    assert!(!a.revoke(id, ADMIN, t0()).unwrap(), "revoking twice changes nothing");
    let err = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { .. }), "{err}");
    let err = a
        .transfer(g1.certificate.activation_id, &Machine::new(2).request(id), None, ADMIN, t0())
        .unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { .. }), "{err}");
    assert!(matches!(a.reissue_seats(id, 1, ADMIN, t0()), Err(AuthorityError::LicenseRevoked { .. })));
    assert!(matches!(a.reissue_license(id, ADMIN, t0(), |_| {}), Err(AuthorityError::LicenseRevoked { .. })));
    // Receipts still free seats of a revoked license.
    assert!(matches!(
        a.deactivate(&m1.receipt(&g1.certificate), "customer", t0()),
        Ok(Deactivation::Deactivated(_))
    ));
    assert_eq!(seats_of(&a, id, t0()).revoked_at, Some(t0()));
    let err = a.activate(&Machine::new(3).request(expiring.id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseExpired { .. }), "{err}");
    let err = a.activate(&Machine::new(3).request(LicenseId([0x42; 16])), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownLicense { .. }), "{err}");
    let mut weak = Machine::new(4);
    weak.profile = nodelock::profile::Profile::from_digests(
        [nodelock::hardware::ComponentKind::Cpu, nodelock::hardware::ComponentKind::Memory]
            .map(|k| (k, nodelock::profile::Digest([k as u8; 16]))),
    )
    .unwrap();
    let err = a.activate(&weak.request(expiring.id), None, "desk", ts("2026-06-01")).unwrap_err();
    assert!(matches!(err, AuthorityError::WeakProfile(_)), "{err}");
}

fn licenses_must_come_from_the_vendor_and_only_move_forward<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[]);
    let stranger = SecretKey::from_seed(&[0x99; 32]);
    let forged = license(1, 2).sign(&stranger).unwrap();
    let err = a.add_license(&forged, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::UntrustedLicense(_)), "{err}");
    let v1 = license(1, 2).sign(&vendor()).unwrap();
    assert_eq!(a.add_license(&v1, ADMIN, t0()).unwrap().change, LicenseChange::Issued);
    assert_eq!(a.add_license(&v1, ADMIN, t0()).unwrap().change, LicenseChange::Unchanged);
    let v2 = license(1, 2).reissue(t0()).unwrap().sign(&vendor()).unwrap();
    assert_eq!(a.add_license(&v2, ADMIN, t0()).unwrap().change, LicenseChange::Reissued { from: 1 });
    let err = a.add_license(&v1, ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::StaleRelease { recorded: 2, offered: 1, .. }), "{err}");
    let mut other_v2 = license(1, 2).reissue(t0()).unwrap();
    other_v2.licensee = "Someone else".into();
    let err = a.add_license(&other_v2.sign(&vendor()).unwrap(), ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::StaleRelease { .. }), "{err}");
    let mut renamed = license(1, 2).reissue(t0()).unwrap().reissue(t0()).unwrap();
    renamed.product = "com.example.other".into();
    let err = a.add_license(&renamed.sign(&vendor()).unwrap(), ADMIN, t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::ProductMismatch { .. }), "{err}");
    let kinds: Vec<_> = a.history(None).unwrap().iter().map(|e| e.event.kind).collect();
    assert_eq!(kinds, [EventKind::Issue, EventKind::Reissue]);
    assert!(matches!(a.history(Some(LicenseId([5; 16]))), Err(AuthorityError::UnknownLicense { .. })));
}

fn reissue_changes_the_seat_count<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 3)]);
    let id = license(1, 3).id;
    for n in 1..=2 {
        a.activate(&Machine::new(n).request(id), None, "desk", t0()).unwrap();
    }
    a.reissue_license(id, ADMIN, t0(), |l| l.seats = 5).unwrap();
    assert_eq!(counts(&seats_of(&a, id, t0())), (5, 2, 0, 3));
    let err = a.reissue_license(id, ADMIN, t0(), |l| l.seats = 1).unwrap_err();
    assert!(matches!(err, AuthorityError::SeatsInUse { wanted: 4, free: 3 }), "{err}");
    a.reissue_license(id, ADMIN, t0(), |l| l.seats = 2).unwrap();
    let s = seats_of(&a, id, t0());
    assert_eq!((counts(&s), s.release_version), ((2, 2, 0, 0), 3));
    let g = a.activate(&Machine::new(1).request_release(id, 3), None, "desk", t0()).unwrap();
    assert_eq!(g.kind, GrantKind::Renewal);
}

fn history_never_shrinks_and_anonymise_keeps_counts<L: Ledger>(b: Backend<L>) {
    let mut terms = license(1, 2);
    terms.temporary_days = 10;
    let (a, _dir) = authority(b, &[terms.clone()]);
    let id = terms.id;
    let mut machines: Vec<Machine> = (1..=4).map(Machine::new).collect();
    let mut seen = a.history(None).unwrap();
    let mut grants = Vec::new();
    for m in &mut machines {
        grants.push(a.activate(&m.request(id), None, "desk", t0()).unwrap());
        let now = a.history(None).unwrap();
        assert_eq!(&now[..seen.len()], &seen[..], "earlier entries never change");
        assert_eq!(now.len(), seen.len() + 1);
        seen = now;
    }
    a.release(grants[0].certificate.activation_id, ADMIN, t0()).unwrap();
    a.reissue_seats(id, 1, ADMIN, t0()).unwrap();
    let victim = grants[1].certificate.activation_id;
    let before = seats_of(&a, id, t0());
    assert!(a.anonymise(victim, "privacy officer", t0()).unwrap());
    assert!(!a.anonymise(victim, "privacy officer", t0()).unwrap());
    let after = seats_of(&a, id, t0());
    assert_eq!(counts(&after), counts(&before), "anonymising changes no count");
    let h = after.activations.iter().find(|h| h.activation_id == victim).unwrap();
    assert_eq!((h.label.as_ref(), h.fingerprint.as_ref(), h.seat), (None, None, Some(2)));
    let history = a.history(Some(id)).unwrap();
    assert_eq!(&history[..seen.len()], &seen[..]);
    let seqs: Vec<u64> = history.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let kinds: Vec<_> = history.iter().map(|e| e.event.kind).collect();
    assert_eq!(&kinds[kinds.len() - 3..], [EventKind::Release, EventKind::SeatReissue, EventKind::Anonymise]);
    let text = serde_json::to_string(&history).unwrap();
    assert!(!text.contains("machine "), "no labels in the history: {text}");
    assert!(!text.contains(&hardware(2).fingerprint().code()), "no fingerprints in the history");
    assert_eq!(history.last().unwrap().event.actor, "privacy officer");
    // The anonymised machine can no longer be recognised: it is a new machine.
    let fresh = a.activate(&machines[1].request(id), None, "desk", t0()).unwrap();
    assert_ne!(fresh.certificate.activation_id, victim);
}

fn status_per_product_and_license<L: Ledger>(b: Backend<L>) {
    let mut other = license(3, 4);
    other.product = "com.example.other".into();
    let (a, _dir) = authority(b, &[license(1, 2), license(2, 3), other.clone()]);
    a.activate(&Machine::new(1).request(license(1, 2).id), None, "desk", t0()).unwrap();
    a.activate(&Machine::new(2).request(license(2, 3).id), None, "desk", t0()).unwrap();
    a.activate(&Machine::new(3).request(other.id), None, "desk", t0()).unwrap();
    let status = a.status(None, t0()).unwrap();
    let products: Vec<_> = status
        .products
        .iter()
        .map(|p| (p.product.as_str(), p.licenses, p.total, p.in_use, p.available))
        .collect();
    assert_eq!(products, [("com.example.app", 2, 5, 2, 3), ("com.example.other", 1, 4, 1, 3)]);
    assert_eq!(status.licenses.len(), 3);
    let json = serde_json::to_value(&status).unwrap();
    let first = &json["licenses"][0];
    for field in ["total", "in_use", "temporary", "available", "activations"] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    let holder = &first["activations"][0];
    for field in ["activation_id", "label", "fingerprint", "since", "kind"] {
        assert!(!holder[field].is_null(), "{field} in {holder}");
    }
    assert_eq!(holder["kind"], "permanent");
    assert_eq!(holder["since"], "2026-07-01T12:00:00Z");
}

fn administration_without_the_signing_key<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 2)]);
    let id = license(1, 2).id;
    let mut m1 = Machine::new(1);
    let g = a.activate(&m1.request(id), None, "desk", t0()).unwrap();
    // Re-open the same ledger without the secret key: administration works, granting does not.
    let admin = Authority::without_signing_key(vendor().public_key().clone(), a.ledger());
    assert_eq!(admin.status(Some(id), t0()).unwrap().licenses[0].in_use, 1);
    let err = admin.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::NoSigningKey), "{err}");
    admin.release(g.certificate.activation_id, ADMIN, t0()).unwrap();
    assert_eq!(a.status(Some(id), t0()).unwrap().licenses[0].in_use, 0);
    assert!(matches!(
        a.activate(&m1.request(id), None, "bad\nactor", t0()),
        Err(AuthorityError::BadName(BadName::Actor { actor })) if actor == "bad\nactor"
    ));
}

/// Attack 4 (one request carrying two machines' digests) and a made-up
/// component are refused by the plausibility rule the validator also applies,
/// before anything is recorded.
fn union_and_made_up_profiles_are_refused<L: Ledger>(b: Backend<L>) {
    use nodelock::hardware::ComponentKind;
    use nodelock::policy::Implausible;
    use nodelock::profile::{Digest, Profile};
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let (one, two) = (hardware(1), hardware(2));
    fn both(p: &Profile) -> impl Iterator<Item = (ComponentKind, Digest)> + '_ {
        ComponentKind::ALL.into_iter().flat_map(move |k| p.digests(k).iter().map(move |d| (k, *d)))
    }
    let mut union = Machine::new(1);
    union.profile = Profile::from_digests(both(&one).chain(both(&two))).unwrap();
    let err = a.activate(&union.request(id), None, "desk", t0()).unwrap_err();
    assert!(
        matches!(
            err,
            AuthorityError::ImplausibleProfile(Implausible::TooManyInstances {
                kind: ComponentKind::SystemDrive,
                found: 2,
                max: 1
            })
        ),
        "{err}"
    );
    assert!(err.is_refusal());
    let mut made_up = Machine::new(3);
    made_up.profile = Profile::from_digests(
        both(&hardware(3)).chain((0..16u8).map(|i| (ComponentKind::Mac, Digest([0xf0 ^ i; 16])))),
    )
    .unwrap();
    let err = a.activate(&made_up.request(id), None, "desk", t0()).unwrap_err();
    assert!(
        matches!(
            err,
            AuthorityError::ImplausibleProfile(Implausible::TooManyInstances {
                kind: ComponentKind::Mac,
                found: 18,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(seats_of(&a, id, t0()).in_use, 0, "nothing was recorded");
    // Each machine alone is plausible and takes the one seat.
    a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
}
