//! Short response codes (`docs/FORMAT.md` §10.4) end to end with the real
//! authority and the real store: their lengths with a 10-component profile,
//! that they install where they answer a request and nowhere else (another
//! store, a copy of the store, after deactivation, signed by another key),
//! renewals, typos, and that full codes are still accepted.
#![cfg(all(feature = "authority", feature = "client"))]

mod common;

use common::*;
use nodelock::SecretKey;
use nodelock::activation::{
    ActivationCertificate, ActivationError, ActivationKind, ActivationRequest, ShortResponse, Validator,
};
use nodelock::authority::{Authority, GrantKind, MemoryLedger};
use nodelock::codec::{CodeError, code, tag};
use nodelock::hardware::ComponentKind;
use nodelock::license::License;
use nodelock::signed::SignatureError;

fn authority(terms: &License, key: SecretKey) -> Authority<MemoryLedger> {
    let authority = Authority::new(key, MemoryLedger::new());
    authority.issue(terms, "vendor", ts("2026-01-01")).unwrap();
    authority
}

fn machine_with(terms: &License, dir: &std::path::Path, n: u32) -> Validator {
    let v = Validator::new(app(), trusted(), dir).with_collector(collector(ten_components(n)));
    v.install_license(&terms.sign(&vendor()).unwrap().to_armoured()).unwrap();
    v
}

fn symbols(code: &str) -> usize {
    code[4..].chars().filter(|c| *c != '-').count()
}

#[test]
fn a_ten_component_response_is_at_most_160_characters_and_installs() {
    let mut leased = license();
    leased.lease_days = 365;
    let mut one_seat = license();
    one_seat.seats = 1;
    one_seat.temporary_days = 14;
    for (terms, label) in [(license(), "perpetual"), (leased, "leased"), (one_seat, "temporary")] {
        let desk = authority(&terms, vendor());
        if label == "temporary" {
            // The only seat is taken: the next machine is temporary.
            let dir = tempfile::tempdir().unwrap();
            let other = machine_with(&terms, dir.path(), 9);
            let r = other.request_activation_at(None, now()).unwrap();
            desk.activate(&r, None, "desk", now()).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let v = machine_with(&terms, dir.path(), 1);
        let request = v.request_activation_at(Some("Alice's laptop"), now()).unwrap();
        let digests: usize = ComponentKind::ALL.iter().map(|k| request.profile.digests(*k).len()).sum();
        assert_eq!(digests, 10, "ten components");
        let grant =
            desk.activate(&ActivationRequest::from_code(&request.to_code()).unwrap(), None, "desk", now());
        let grant = grant.unwrap();
        let short = grant.code();
        let full = grant.full_code();
        println!(
            "{label}: response {} characters (full {}), request {}",
            short.len(),
            full.len(),
            request.to_code().len()
        );
        assert!(short.starts_with("NLC-"), "{short}");
        assert!(short.len() <= 160, "{label}: {} characters: {short}", short.len());
        assert!(full.len() > 400, "the full code is the whole certificate (4-byte digests)");
        if label == "temporary" {
            assert_eq!(grant.kind, GrantKind::Temporary);
        }
        let installed = v.install(short.as_bytes()).unwrap();
        assert_eq!(installed, grant.certificate, "{label}: the rebuilt certificate is the one signed");
        let stored = v.store().load().unwrap().active.unwrap();
        assert_eq!(stored.certificate, grant.bytes, "{label}: the store keeps the signed bytes");
        assert!(v.check_at(now().plus_secs(60)).is_licensed(), "{label}");
        if let ActivationKind::Temporary { .. } = installed.kind {
            assert_eq!(label, "temporary");
        }
    }
}

#[test]
fn a_short_response_installs_without_a_key_when_the_license_key_signed_it() {
    let desk = authority(&license(), vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let request = v.request_activation_at(None, now()).unwrap();
    let grant = desk.activate(&request, None, "desk", now()).unwrap();
    let bytes = ActivationCertificate::bytes_from_response(grant.code().as_bytes()).unwrap();
    assert!(ShortResponse::is_short(&bytes));
    let installed = v.store().install_unverified(&bytes).unwrap();
    assert_eq!(installed, grant.certificate);
    assert!(v.check_at(now()).is_licensed(), "the validator verifies what was rebuilt");
}

#[test]
fn a_short_response_signed_by_another_key_needs_that_key() {
    let authority_key = || SecretKey::from_seed(&[0x42; 32]);
    let desk = authority(&license(), authority_key());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let request = v.request_activation_at(None, now()).unwrap();
    let grant = desk.activate(&request, None, "desk", now()).unwrap();
    let bytes = ActivationCertificate::bytes_from_response(grant.code().as_bytes()).unwrap();
    let err = v.store().install_unverified(&bytes).unwrap_err();
    assert!(matches!(err, ActivationError::ShortResponseKey { .. }), "{err:?}");
    assert!(err.to_string().contains("--public-key"), "{err}");
    // The application trusts only the vendor key: the same refusal.
    assert!(matches!(v.install(grant.code().as_bytes()), Err(ActivationError::ShortResponseKey { .. })));
    // With the authority's key, it installs.
    let keys = nodelock::TrustedKeys::single(authority_key().public_key().clone());
    assert_eq!(v.store().install(&bytes, &keys).unwrap(), grant.certificate);
}

#[test]
fn a_short_response_installs_nowhere_but_the_store_that_asked() {
    let desk = authority(&license(), vendor());
    let (a, b, copy) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = machine_with(&license(), a.path(), 1);
    let bob = machine_with(&license(), b.path(), 2);
    let request = alice.request_activation_at(None, now()).unwrap();
    bob.request_activation_at(None, now()).unwrap();
    let grant = desk.activate(&request, None, "desk", now()).unwrap();
    let short = grant.code();
    // Another machine's store, with its own pending request (whose nonce
    // starts like Alice's one time in 256: then no certificate it could stand
    // for verifies, which reads as a bad signature).
    assert!(matches!(
        bob.install(short.as_bytes()),
        Err(ActivationError::NoPendingRequest
            | ActivationError::Signature(SignatureError::BadSignature { .. }))
    ));
    assert!(bob.store().load().unwrap().active.is_none());
    // A copy of the asking store (its pending request, key and all) made
    // before the answer came: the certificate is rebuilt for the copy's own
    // location, so it is not the one signed and does not verify.
    copy_dir(a.path(), copy.path());
    let copied = Validator::new(app(), trusted(), copy.path()).with_collector(collector(ten_components(1)));
    assert!(matches!(copied.install(short.as_bytes()), Err(ActivationError::NoPendingRequest)));
    // The asking store installs it once.
    alice.install(short.as_bytes()).unwrap();
    assert!(matches!(alice.install(short.as_bytes()), Err(ActivationError::NoPendingRequest)));
    // After deactivating, the same answer is not installed again.
    alice.store().deactivate(now()).unwrap();
    assert!(matches!(alice.install(short.as_bytes()), Err(ActivationError::NoPendingRequest)));
    let bytes = ActivationCertificate::bytes_from_response(short.as_bytes()).unwrap();
    assert!(alice.store().install_unverified(&bytes).is_err(), "nor unverified");
    assert!(!alice.check_at(now()).is_licensed());
}

#[test]
fn an_altered_signature_is_refused_and_nothing_is_installed() {
    let desk = authority(&license(), vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let request = v.request_activation_at(None, now()).unwrap();
    let grant = desk.activate(&request, None, "desk", now()).unwrap();
    let mut bytes = ActivationCertificate::bytes_from_response(grant.code().as_bytes()).unwrap();
    // A forged code with a valid checksum: one signature bit flipped.
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let forged = code::encode_as(tag::CERTIFICATE, &bytes);
    assert!(v.install(forged.as_bytes()).is_err());
    assert!(v.store().load().unwrap().active.is_none());
    // The genuine one still installs (the pending request is kept).
    v.install(grant.code().as_bytes()).unwrap();
}

#[test]
fn a_renewal_is_answered_short_and_keeps_the_activation() {
    let mut leased = license();
    leased.lease_days = 30;
    let desk = authority(&leased, vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&leased, dir.path(), 1);
    let first = desk.activate(&v.request_activation_at(None, now()).unwrap(), None, "desk", now()).unwrap();
    let first = v.install(first.code().as_bytes()).unwrap();
    let later = now().plus_days(25);
    let renewal = v.request_renewal_at(None, later).unwrap();
    let grant = desk.activate(&renewal, None, "desk", later).unwrap();
    assert_eq!(grant.kind, GrantKind::Renewal);
    let short = grant.code();
    assert!(short.len() <= 160, "{short}");
    let bytes = ActivationCertificate::bytes_from_response(short.as_bytes()).unwrap();
    assert!(ShortResponse::from_bytes(&bytes).unwrap().is_renewal());
    let renewed = v.install(short.as_bytes()).unwrap();
    assert_eq!(renewed.activation_id, first.activation_id);
    assert_eq!(renewed.lease_ends, Some(later.plus_days(30)));
    assert!(v.check_at(later.plus_secs(60)).is_licensed());
}

#[test]
fn full_codes_are_still_accepted() {
    let desk = authority(&license(), vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let grant = desk.activate(&v.request_activation_at(None, now()).unwrap(), None, "desk", now()).unwrap();
    assert_eq!(v.install(grant.full_code().as_bytes()).unwrap(), grant.certificate);
}

#[test]
fn a_typo_in_a_short_code_is_located_and_a_cut_one_says_what_is_missing() {
    let desk = authority(&license(), vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let grant = desk.activate(&v.request_activation_at(None, now()).unwrap(), None, "desk", now()).unwrap();
    let short = grant.code();
    let mut located = 0;
    let chars: Vec<char> = short.chars().collect();
    for i in (4..chars.len()).filter(|&i| chars[i] != '-') {
        let mut typo = chars.clone();
        typo[i] = if chars[i] == 'Z' { 'Y' } else { 'Z' };
        let typo: String = typo.into_iter().collect();
        match code::decode_as(&typo, tag::CERTIFICATE) {
            Err(CodeError::Checksum { at }) => located += usize::from(at.is_some()),
            // A typo in the flags byte can announce another length.
            Err(CodeError::Incomplete { .. } | CodeError::TooManySymbols { .. }) => {}
            other => panic!("typo at {i} not caught: {other:?}"),
        }
    }
    assert!(located * 10 >= symbols(&short) * 9, "{located} of {} typos located", symbols(&short));
    let cut = &short[..short.len() - 7];
    match code::decode_as(cut, tag::CERTIFICATE) {
        Err(CodeError::Incomplete { missing_symbols, missing_groups, .. }) => {
            assert_eq!(missing_symbols, symbols(&short) - symbols(cut));
            assert!(missing_groups >= 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_applied_again_after_asking_again_is_refused_without_a_key_too() {
    let desk = authority(&license(), vendor());
    let dir = tempfile::tempdir().unwrap();
    let v = machine_with(&license(), dir.path(), 1);
    let grant = desk.activate(&v.request_activation_at(None, now()).unwrap(), None, "desk", now()).unwrap();
    let bytes = ActivationCertificate::bytes_from_response(grant.code().as_bytes()).unwrap();
    v.store().install_unverified(&bytes).unwrap();
    // The store asks again (a renewal); the old answer, applied by mistake,
    // answers no request there and displaces nothing (the new request's
    // nonce starts otherwise but one time in 65 536).
    let later = now().plus_days(1);
    v.request_renewal_at(None, later).unwrap();
    assert!(matches!(v.store().install_unverified(&bytes), Err(ActivationError::NoPendingRequest)));
    assert!(v.check_at(later).is_licensed(), "the installed activation is kept");
}
