//! Short activation requests (`docs/FORMAT.md` §8.6, §9.6, §9.7): a request
//! code a person can type (≤ 300 characters with 10 components), answered by
//! a certificate that binds the short profile, with the real authority and
//! the real store: lengths, installing short and full responses, hardware
//! changes judged as with full digests, one machine across long and short
//! requests, old full-digest stores, and what a short profile does not let
//! another machine do.
#![cfg(all(feature = "authority", feature = "client"))]

mod common;

use common::*;
use nodelock::activation::{ActivationRequest, Reason, Validator};
use nodelock::authority::{Authority, GrantKind, MemoryLedger};
use nodelock::codec::tag;
use nodelock::compare;
use nodelock::hardware::{ComponentKind, Inventory};
use nodelock::license::License;
use nodelock::policy::Policy;
use nodelock::profile::{DIGEST_LEN, ProductKey, Profile, short};

fn authority(terms: &License) -> Authority<MemoryLedger> {
    let authority = Authority::new(vendor(), MemoryLedger::new());
    authority.issue(terms, "vendor", ts("2026-01-01")).unwrap();
    authority
}

fn machine(terms: &License, hardware: Inventory, full: bool) -> (Validator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut v = Validator::new(app(), trusted(), dir.path()).with_collector(collector(hardware));
    if full {
        v = v.with_full_requests();
    }
    v.install_license(&terms.sign(&vendor()).unwrap().to_armoured()).unwrap();
    (v, dir)
}

fn digests(p: &Profile) -> usize {
    ComponentKind::ALL.iter().map(|k| p.digests(*k).len()).sum()
}

#[test]
fn a_ten_component_request_is_at_most_300_characters_and_a_label_costs_about_two_per_byte() {
    let (v, _dir) = machine(&license(), ten_components(1), false);
    let request = v.request_activation_at(None, now()).unwrap();
    assert_eq!(digests(&request.profile), 10, "ten components");
    assert_eq!(request.profile.kind_count(), 7, "in seven kinds");
    assert_eq!(request.profile.width(), short::REQUEST_WIDTH);
    let code = request.to_code();
    println!("short request: {} characters: {code}", code.len());
    assert!(code.starts_with("NLR-"), "{code}");
    assert!(code.len() <= 300, "{} characters: {code}", code.len());
    assert_eq!(ActivationRequest::from_code(&code).unwrap(), request);
    assert!(request.to_bytes()[1..].starts_with(tag::REQUEST_V2.tag.as_bytes()));

    // A label of n bytes costs about 1.6 n characters and a dash per five.
    let labelled = v.request_activation_at(Some("lab-pc-7"), now()).unwrap().to_code();
    println!("with an 8-byte label: {} characters", labelled.len());
    assert!((code.len() + 14..=code.len() + 17).contains(&labelled.len()), "{}", labelled.len());

    let (full, _dir) = machine(&license(), ten_components(1), true);
    let long = full.request_activation_at(None, now()).unwrap();
    assert_eq!(long.profile.width(), DIGEST_LEN);
    assert!(long.to_bytes()[1..].starts_with(tag::REQUEST.tag.as_bytes()), "version 1, as before");
    println!("full request: {} characters", long.to_code().len());
    assert!(long.to_code().len() > 500);
}

/// Short request → authority → short (and full) response → licensed; the
/// certificate binds the short profile (version 3) and renews the same way.
#[test]
fn a_short_request_activates_and_renews_with_short_and_full_responses() {
    let mut leased = license();
    leased.lease_days = 30;
    for terms in [license(), leased] {
        let desk = authority(&terms);
        let (v, _dir) = machine(&terms, ten_components(1), false);
        let request = v.request_activation_at(None, now()).unwrap();
        let grant =
            desk.activate(&ActivationRequest::from_code(&request.to_code()).unwrap(), None, "d", now());
        let grant = grant.unwrap();
        assert_eq!(grant.kind, GrantKind::Seat);
        assert_eq!(grant.certificate.profile, request.profile, "the certificate binds the short profile");
        assert!(grant.bytes[1..].starts_with(tag::CERTIFICATE_V3.tag.as_bytes()));
        let short = grant.code();
        assert!(short.len() <= 160, "{short}");
        assert_eq!(v.install(short.as_bytes()).unwrap(), grant.certificate);
        assert!(v.check_at(now().plus_secs(60)).is_licensed());

        let renewal = v.request_renewal_at(None, now().plus_days(10)).unwrap();
        let again = desk.activate(&renewal, None, "d", now().plus_days(10)).unwrap();
        assert_eq!(again.kind, GrantKind::Renewal);
        assert_eq!(again.certificate.activation_id, grant.certificate.activation_id);
        // The full response of a short request installs too.
        v.install(again.full_code().as_bytes()).unwrap();
        assert!(v.check_at(now().plus_days(10).plus_secs(60)).is_licensed());
    }
}

/// Every single change and a set of double changes is judged the same with
/// a certified short profile as with the full one: same score, same verdict.
#[test]
fn hardware_changes_are_judged_as_with_full_digests() {
    let key = ProductKey::for_product(PRODUCT);
    let policy = Policy::default();
    let base = ten_components(1);
    let full = Profile::build(&base, &key, false);
    let short = full.shortened(short::REQUEST_WIDTH);
    let values: Vec<(ComponentKind, String)> =
        base.components.iter().map(|c| (c.kind, c.value.clone())).collect();
    let mut cases = Vec::new();
    for (i, (kind, old)) in values.iter().enumerate() {
        cases.push(vec![(*kind, old.clone())]);
        for (kind2, old2) in &values[i + 1..] {
            cases.push(vec![(*kind, old.clone()), (*kind2, old2.clone())]);
        }
    }
    let mut reactivations = 0;
    for case in &cases {
        let mut inv = base.clone();
        for (kind, old) in case {
            inv = changed(inv, *kind, old, &format!("{old} (replaced)"));
        }
        let current = Profile::build(&inv, &key, false);
        for moved in [false, true] {
            let with_full = compare(&full, &current, moved, &policy);
            let with_short = compare(&short, &current, moved, &policy);
            assert_eq!(with_short, with_full, "{case:?} moved {moved}");
            reactivations += usize::from(with_full.reactivate);
        }
    }
    assert!(reactivations > 0 && reactivations < 2 * cases.len(), "both verdicts are exercised");

    // Through the validator: within tolerance still licensed, beyond it the
    // same reason as a machine activated with full digests.
    let within = changed(base.clone(), ComponentKind::Mac, "3c:52:82:1a:2b:3c #1", "3c:52:82:1a:2b:99");
    let beyond = changed(
        changed(base.clone(), ComponentKind::Cpu, "GenuineIntel 000906ea #1", "AuthenticAMD 00a20f10"),
        ComponentKind::SystemDrive,
        "S4EWNX0N123456 #1",
        "WD-NEW",
    );
    for (hardware, licensed) in [(within, true), (beyond, false)] {
        let mut reasons = Vec::new();
        for full_digests in [false, true] {
            let desk = authority(&license());
            let (v, dir) = machine(&license(), base.clone(), full_digests);
            let request = v.request_activation_at(None, now()).unwrap();
            v.install(&desk.activate(&request, None, "d", now()).unwrap().bytes).unwrap();
            let later =
                Validator::new(app(), trusted(), dir.path()).with_collector(collector(hardware.clone()));
            let verdict = later.check_at(now().plus_secs(60));
            assert_eq!(verdict.is_licensed(), licensed, "full digests {full_digests}: {verdict:?}");
            reasons.push(verdict.reason().cloned());
        }
        assert_eq!(reasons[0], reasons[1], "the same verdict either way");
    }
}

/// A machine activated with a long request and renewed (or asked again from
/// another store) with a short one — or the reverse — is one machine: one
/// seat, one activation.
#[test]
fn the_authority_recognises_one_machine_across_long_and_short_requests() {
    let mut one_seat = license();
    one_seat.seats = 1;
    for first_full in [true, false] {
        let desk = authority(&one_seat);
        let (v, _dir) = machine(&one_seat, ten_components(1), first_full);
        let first = v.request_activation_at(None, now()).unwrap();
        let granted = desk.activate(&first, None, "d", now()).unwrap();
        v.install(&granted.bytes).unwrap();
        // Another store on the same machine, with the other kind of request.
        let (other, _dir2) = machine(&one_seat, ten_components(1), !first_full);
        let second = other.request_activation_at(None, now().plus_days(1)).unwrap();
        assert_ne!(second.profile.width(), first.profile.width());
        let again = desk.activate(&second, None, "d", now().plus_days(1)).unwrap();
        assert_eq!(again.kind, GrantKind::Renewal, "first full {first_full}");
        assert_eq!(again.certificate.activation_id, granted.certificate.activation_id);
        assert_eq!(again.certificate.seat, Some(1));
        other.install(&again.bytes).unwrap();
        assert!(other.check_at(now().plus_days(1).plus_secs(60)).is_licensed());
        // The same store renewing with the other width: the same activation.
        let renewal = if first_full {
            v.request_renewal_at(None, now().plus_days(2)).unwrap().shortened(short::REQUEST_WIDTH)
        } else {
            v.request_renewal_at(None, now().plus_days(2)).unwrap()
        };
        let renewed = desk.activate(&renewal, None, "d", now().plus_days(2)).unwrap();
        assert_eq!(renewed.certificate.activation_id, granted.certificate.activation_id);

        // Another machine is another machine, short or long: the one seat is
        // taken, so it gets a temporary period, not this seat.
        let (stranger, _dir3) = machine(&one_seat, ten_components(2), !first_full);
        let r = stranger.request_activation_at(None, now().plus_days(3)).unwrap();
        let answer = desk.activate(&r, None, "d", now().plus_days(3));
        assert!(
            answer.as_ref().map_or(true, |g| g.kind == GrantKind::Temporary),
            "another machine does not get the seat: {answer:?}"
        );
    }
}

/// A store activated before short requests (full digests, a version 1
/// certificate) still checks, and so does a hand-made version 1 certificate.
#[test]
fn an_old_store_with_a_version_1_certificate_still_checks() {
    let (v, _dir) = machine(&license(), ten_components(1), true);
    let request = v.request_activation_at(None, now()).unwrap();
    let bytes = grant(&request, now());
    assert!(bytes[1..].starts_with(tag::CERTIFICATE.tag.as_bytes()));
    v.install(&bytes).unwrap();
    assert!(v.check_at(now().plus_secs(60)).is_licensed());
    // Its next request is short by default, once the validator is.
    let (short_v, dir) = machine(&license(), ten_components(1), false);
    let r = short_v.request_activation_at(None, now()).unwrap();
    short_v.install(&grant(&r, now())).unwrap();
    let reopened = Validator::new(app(), trusted(), dir.path()).with_collector(collector(ten_components(1)));
    assert!(reopened.check_at(now().plus_secs(60)).is_licensed());
}

/// A copy of a store activated with a short request does not run on another
/// machine: its current digests cut to 4 bytes are not the certified ones.
#[test]
fn a_short_certificate_does_not_match_another_machine() {
    let (v, dir) = machine(&license(), ten_components(1), false);
    let request = v.request_activation_at(None, now()).unwrap();
    v.install(&grant(&request, now())).unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    let elsewhere =
        Validator::new(app(), trusted(), copy.path()).with_collector(collector(ten_components(2)));
    let verdict = elsewhere.check_at(now().plus_secs(60));
    assert!(!verdict.is_licensed(), "{verdict:?}");
    assert!(
        matches!(verdict.reason(), Some(Reason::HardwareChanged { .. } | Reason::StoreMoved)),
        "{verdict:?}"
    );
    // In its own store on its own hardware it runs.
    let home = Validator::new(app(), trusted(), dir.path()).with_collector(collector(ten_components(1)));
    assert!(home.check_at(now().plus_secs(60)).is_licensed());
}
