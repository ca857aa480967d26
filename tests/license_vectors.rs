//! The license test vectors of `tests/vectors/` (see `docs/FORMAT.md`).
//!
//! The vectors are files; this test (1) checks that the code still produces
//! them byte for byte from their fixed inputs (rerun with
//! `NODELOCK_WRITE_VECTORS=1` to rewrite them after a deliberate format
//! change), (2) verifies every valid vector and compares the decoded fields
//! with the expected JSON, (3) checks that every `fail_*` vector is refused
//! with its specific error, and (4) flips every single bit of a valid envelope.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nodelock::codec::envelope::seal_payload;
use nodelock::codec::tag::{self, Tag};
use nodelock::codec::{CodecError, armour};
use nodelock::hardware::ComponentKind;
use nodelock::license::{License, LicenseError, LicenseId, SignedLicense, Version};
use nodelock::policy::Weights;
use nodelock::{PublicKey, SecretKey, Timestamp, TrustedKeys};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// The vendor key of the vectors: seed bytes 0x00..=0x1f.
fn vendor_key() -> SecretKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8;
    }
    SecretKey::from_seed(&seed)
}

/// A key nobody trusts: seed 0x42 × 32.
fn stranger_key() -> SecretKey {
    SecretKey::from_seed(&[0x42; 32])
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn minimal() -> License {
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = 0xa0 + i as u8;
    }
    License::new(LicenseId(id), "com.example.app", "ACME Corp", 5, ts("2026-01-01T00:00:00Z"))
}

fn full() -> License {
    let mut l = minimal();
    l.licensee = "Müller & Söhne GmbH".into();
    l.issued_at = ts("2026-03-15T09:30:00Z");
    l.expires_at = Some(ts("2027-03-15"));
    l.release_version = 3;
    l.max_product_version = Some(Version::parse_limit("3").unwrap());
    l.updates_until = Some(ts("2026-12-31"));
    l.seats = 25;
    l.transfers_per_seat = 2;
    l.temporary_days = 90;
    l.policy.tolerance = 5;
    l.policy.invalidate_on_move = true;
    l.policy.min_kinds = 4;
    l.policy.set_weights(ComponentKind::Video, Weights::new(2, 1, 2));
    l.clock_tolerance_secs = 3600;
    l.features = BTreeMap::from([
        ("edition".to_owned(), "pro".to_owned()),
        ("max_users".to_owned(), "50".to_owned()),
        ("support".to_owned(), "gold".to_owned()),
    ]);
    l
}

const LICENSE_V2: Tag = Tag { tag: "nodelock/license/v2", name: "license", armour: "NODELOCK LICENSE" };

/// Every vector file and its content, built from fixed inputs.
fn vectors() -> Vec<(&'static str, String)> {
    let key = vendor_key();
    let min = minimal().sign(&key).unwrap();
    let bytes = min.as_bytes().to_vec();
    let payload = postcard::to_allocvec(&minimal()).unwrap();
    let arm = |b: &[u8]| armour::encode(tag::LICENSE, b);
    let json = |l: &License| serde_json::to_string_pretty(l).unwrap() + "\n";

    let mut bad_sig = bytes.clone();
    *bad_sig.last_mut().unwrap() ^= 0x01;
    let mut trailing = bytes.clone();
    trailing.push(0x00);
    let mut trailing_payload = payload.clone();
    trailing_payload.push(0x00);
    let mut zero_seats = minimal();
    zero_seats.seats = 0;
    let mut alg2 = seal_payload(tag::LICENSE, &payload, &key);
    let alg_at = 1 + tag::LICENSE.tag.len();
    alg2[alg_at] = 0x02;
    let resigned = key.sign(&alg2[..alg2.len() - 64]);
    let n = alg2.len();
    alg2[n - 64..].copy_from_slice(&resigned);
    // Non-canonical base64: the last symbol before the padding carries
    // non-zero unused bits, which a lax decoder would accept. The full
    // license's envelope length is not a multiple of 3, so it has padding.
    let full_bytes = full().sign(&key).unwrap().as_bytes().to_vec();
    assert_ne!(full_bytes.len() % 3, 0, "the full vector needs base64 padding");
    let non_canonical = {
        let canonical = arm(&full_bytes);
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let at = canonical.find('=').unwrap() - 1;
        let next = alphabet.as_bytes()[alphabet.find(&canonical[at..at + 1]).unwrap() + 1] as char;
        format!("{}{next}{}", &canonical[..at], &canonical[at + 1..])
    };

    vec![
        ("vendor.secret.key", key.to_armoured().to_string()),
        ("vendor.public.key", key.public_key().to_armoured()),
        ("stranger.public.key", stranger_key().public_key().to_armoured()),
        ("license_minimal.lic", min.to_armoured()),
        ("license_minimal.json", json(&minimal())),
        ("license_full.lic", full().sign(&key).unwrap().to_armoured()),
        ("license_full.json", json(&full())),
        ("fail_bad_signature.lic", arm(&bad_sig)),
        ("fail_wrong_domain_tag.lic", arm(&seal_payload(tag::CERTIFICATE, &payload, &key))),
        ("fail_unknown_version.lic", arm(&seal_payload(LICENSE_V2, &payload, &key))),
        ("fail_truncated.lic", arm(&bytes[..bytes.len() - 10])),
        ("fail_trailing_data.lic", arm(&trailing)),
        ("fail_trailing_payload.lic", arm(&seal_payload(tag::LICENSE, &trailing_payload, &key))),
        ("fail_oversize.lic", arm(&seal_payload(tag::LICENSE, &vec![0u8; 16 * 1024], &key))),
        ("fail_non_canonical_base64.lic", non_canonical),
        ("fail_unknown_key_id.lic", minimal().sign(&stranger_key()).unwrap().to_armoured()),
        ("fail_unknown_algorithm.lic", arm(&alg2)),
        (
            "fail_invalid_terms.lic",
            arm(&seal_payload(tag::LICENSE, &postcard::to_allocvec(&zero_seats).unwrap(), &key)),
        ),
    ]
}

#[test]
fn vectors_are_reproducible() {
    let write = std::env::var_os("NODELOCK_WRITE_VECTORS").is_some();
    for (name, content) in vectors() {
        let path = dir().join(name);
        if write {
            std::fs::write(&path, &content).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(on_disk, content, "{name} differs from what the code produces");
    }
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

fn trusted() -> TrustedKeys {
    TrustedKeys::from_armoured([read("vendor.public.key").as_str()]).unwrap()
}

#[test]
fn valid_vectors_decode_to_their_expected_fields() {
    let secret = SecretKey::from_armoured(&read("vendor.secret.key")).unwrap();
    assert_eq!(secret.key_id(), trusted().iter().next().unwrap().id());
    for name in ["license_minimal", "license_full"] {
        let signed = SignedLicense::from_armoured(&read(&format!("{name}.lic")), &trusted()).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
        assert_eq!(serde_json::to_value(signed.license()).unwrap(), expected, "{name}");
        let parsed: License = serde_json::from_value(expected).unwrap();
        assert_eq!(&parsed, signed.license());
    }
}

#[test]
fn fail_vectors_are_refused_for_their_reason() {
    let trusted = trusted();
    let check = |name: &str, ok: &dyn Fn(&CodecError) -> bool| match SignedLicense::from_armoured(
        &read(name),
        &trusted,
    ) {
        Err(LicenseError::Format(e)) if ok(&e) => {}
        other => panic!("{name}: unexpected {other:?}"),
    };
    check("fail_bad_signature.lic", &|e| matches!(e, CodecError::BadSignature { .. }));
    check("fail_wrong_domain_tag.lic", &|e| {
        matches!(e, CodecError::WrongType { expected: "license", found: "activation certificate" })
    });
    check("fail_unknown_version.lic", &|e| matches!(e, CodecError::UnsupportedVersion { .. }));
    check("fail_truncated.lic", &|e| matches!(e, CodecError::Truncated { .. }));
    check("fail_trailing_data.lic", &|e| matches!(e, CodecError::TrailingBytes { count: 1, .. }));
    check("fail_trailing_payload.lic", &|e| matches!(e, CodecError::TrailingBytes { count: 1, .. }));
    check("fail_oversize.lic", &|e| matches!(e, CodecError::TooLarge { .. }));
    check("fail_non_canonical_base64.lic", &|e| matches!(e, CodecError::BadBase64 { .. }));
    check("fail_unknown_key_id.lic", &|e| matches!(e, CodecError::UnknownKey { .. }));
    check("fail_unknown_algorithm.lic", &|e| matches!(e, CodecError::UnknownAlgorithm { algorithm: 2, .. }));
    check("fail_invalid_terms.lic", &|e| matches!(e, CodecError::Invalid { .. }));
    // The stranger's key makes its license verify: the vector is only refused for trust.
    let stranger = TrustedKeys::from_armoured([read("stranger.public.key").as_str()]).unwrap();
    SignedLicense::from_armoured(&read("fail_unknown_key_id.lic"), &stranger).unwrap();
}

#[test]
fn every_single_bit_flip_of_an_envelope_is_rejected() {
    let trusted = trusted();
    for name in ["license_minimal.lic", "license_full.lic"] {
        let bytes = armour::decode(&read(name), tag::LICENSE, 1 << 20).unwrap();
        SignedLicense::from_bytes(&bytes, &trusted).unwrap();
        for i in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert!(
                SignedLicense::from_bytes(&flipped, &trusted).is_err(),
                "{name}: flip of bit {i} accepted"
            );
        }
    }
}

#[test]
fn every_change_to_the_armoured_body_is_rejected() {
    let trusted = trusted();
    let text = read("license_minimal.lic");
    let body_start = text.find('\n').unwrap() + 1;
    let body_end = text.rfind("-----END").unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (i, c) in text[body_start..body_end].char_indices() {
        if c == '\n' || c == '=' {
            continue;
        }
        // Replace each symbol by its neighbour in the alphabet.
        let pos = alphabet.find(c).unwrap();
        let replacement = alphabet.as_bytes()[(pos + 1) % 64] as char;
        let mut changed = text.clone();
        changed.replace_range(body_start + i..body_start + i + 1, &replacement.to_string());
        assert!(SignedLicense::from_armoured(&changed, &trusted).is_err(), "change at {i} accepted");
    }
}

#[test]
fn public_key_vector_matches_secret() {
    let public = PublicKey::from_armoured(&read("vendor.public.key")).unwrap();
    assert_eq!(public.id(), vendor_key().key_id());
}
