//! The test vectors of `tests/vectors/` (see `docs/FORMAT.md` §13): licenses,
//! and the `fail_` cases of licenses, activation requests and activation
//! certificates.
//!
//! The vectors are files; this test (1) checks that the code still produces
//! them byte for byte from their fixed inputs (rerun with
//! `NODELOCK_WRITE_VECTORS=1` to rewrite them after a deliberate format
//! change), (2) verifies every valid vector and compares the decoded fields
//! with the expected JSON, (3) checks in one table that every `fail_*` vector
//! of every message type is refused with its specific error, and (4) flips
//! every single bit of a valid envelope.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nodelock::activation::short::{Rebuild, derived_activation_id};
use nodelock::activation::{
    ActivationCertificate, ActivationError, ActivationId, ActivationKind, ActivationRequest, CertificateV2,
    LocationStamp, Nonce, ShortResponse,
};
use nodelock::codec::reader::NON_MINIMAL_VARINT;
use nodelock::codec::tag::{self, Tag};
use nodelock::codec::{CodecError, armour, code, frame};
use nodelock::hardware::ComponentKind;
use nodelock::license::LicenseKeyError;
use nodelock::license::{License, LicenseError, LicenseId, LicenseV2, SignedLicense, Version};
use nodelock::policy::Weights;
use nodelock::profile::{Digest, Profile};
use nodelock::signed::{SignatureError, seal, seal_payload};
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

/// The leased license vector: the minimal license with a 30-day lease and a
/// 5-day grace (so it is `nodelock/license/v2`).
fn leased() -> License {
    let mut l = minimal();
    l.lease_days = 30;
    l.grace_days = 5;
    l
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

/// A license version this build does not read (v2 is the leased license).
const LICENSE_V3: Tag = Tag { tag: "nodelock/license/v3", name: "license", ..tag::LICENSE };
/// A request version this build does not read (v2 is the short request).
const REQUEST_V3: Tag = Tag { tag: "nodelock/activation-request/v3", ..tag::REQUEST };

/// The request of the request vectors: two kinds, so their order can be broken.
fn request() -> ActivationRequest {
    ActivationRequest {
        license_id: minimal().id,
        release_version: 1,
        profile: Profile::from_digests([
            (ComponentKind::Mac, Digest([0x11; 16])),
            (ComponentKind::Cpu, Digest([0x22; 16])),
        ])
        .unwrap(),
        stamp: LocationStamp([0x51; 16]),
        nonce: Nonce([0x4e; 16]),
        activation_key: SecretKey::from_seed(&[0x22; 32]).public_key().to_bytes(),
        label: Some("lab-pc-7".into()),
        client_time: ts("2026-07-01T10:00:00Z"),
    }
}

/// The certificate of the certificate vectors (signed by the vendor key).
fn certificate() -> ActivationCertificate {
    ActivationCertificate::answering(
        &request(),
        ActivationId([0xc1; 16]),
        ActivationKind::Permanent,
        Some(1),
        ts("2026-07-01T10:05:00Z"),
    )
}

/// The short request vector: the request with its profile cut to 4 bytes
/// (`nodelock/activation-request/v2`).
fn short_request() -> ActivationRequest {
    request().shortened(4)
}

fn short_v2() -> nodelock::activation::RequestV2 {
    let r = short_request();
    nodelock::activation::RequestV2 {
        license_id: r.license_id,
        release_version: r.release_version,
        profile: r.profile,
        stamp: r.stamp,
        nonce: r.nonce,
        activation_key: r.activation_key,
        label: r.label,
        client_time: r.client_time,
    }
}

/// The certificate answering the short request (version 3).
fn short_request_certificate() -> ActivationCertificate {
    ActivationCertificate::answering(
        &short_request(),
        ActivationId([0xc1; 16]),
        ActivationKind::Permanent,
        Some(1),
        ts("2026-07-01T10:05:00Z"),
    )
}

/// The leased certificate vector: the same certificate with a lease ending
/// 30 days after it was issued (`nodelock/activation-certificate/v2`).
fn leased_certificate() -> ActivationCertificate {
    certificate().with_lease_end(Some(ts("2026-07-31T10:05:00Z")))
}

/// `envelope` with its algorithm byte set to 2 and signed again.
fn with_algorithm_2(mut envelope: Vec<u8>, tag: Tag, key: &SecretKey) -> Vec<u8> {
    envelope[1 + tag.tag.len()] = 0x02;
    let n = envelope.len();
    let resigned = key.sign(&envelope[..n - 64]);
    envelope[n - 64..].copy_from_slice(&resigned);
    envelope
}

/// `a` with the one byte where it differs from `b` (a one-byte varint)
/// written in two bytes, `80 | v` then `00`: the same value, not in its
/// shortest form, which postcard itself reads.
fn widen_varint(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len());
    let at: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert_eq!(at.len(), 1, "one differing byte");
    let i = at[0];
    assert!(a[i] < 0x80, "a one-byte varint");
    [&a[..i], &[a[i] | 0x80, 0x00], &a[i + 1..]].concat()
}

/// The `fail_*.req` and `fail_*.cert` vectors.
fn message_vectors(key: &SecretKey) -> Vec<(&'static str, String)> {
    let req = |b: &[u8]| armour::encode(tag::REQUEST, b);
    let cert = |b: &[u8]| armour::encode(tag::CERTIFICATE, b);
    let request_bytes = request().to_bytes();
    let request_payload = postcard::to_allocvec(&request()).unwrap();
    let mut trailing = request_bytes.clone();
    trailing.push(0x00);
    let mut trailing_payload = request_payload.clone();
    trailing_payload.push(0x00);
    let mut blank = request();
    blank.label = Some("  ".into());
    // The same profile with its two kinds in the wrong order.
    let profile = request().profile.to_bytes();
    assert_eq!(profile[..3], [2, 0, 1], "two kinds, Mac first");
    let swapped = [&[2u8, 1, 1][..], &[0x22; 16], &[0, 1], &[0x11; 16]].concat();
    let at = request_payload.windows(profile.len()).position(|w| w == profile).unwrap();
    let mut unordered = request_payload.clone();
    unordered[at..at + profile.len()].copy_from_slice(&swapped);

    // The profile's entry count 2 as `82 00`.
    let mut long_count = request_payload.clone();
    long_count.splice(at..at + 1, [0x82, 0x00]);
    let mut seat_2 = certificate();
    seat_2.seat = Some(2);
    let long_seat = widen_varint(
        &postcard::to_allocvec(&certificate()).unwrap(),
        &postcard::to_allocvec(&seat_2).unwrap(),
    );

    // The short request's profile `04 02 00 04 <4> 01 04 <4>` at width 3
    // (`03 02 00 03 <3> 01 03 <3>`), and with its Mac entry one byte longer.
    let short_payload = frame::encode_payload(&short_v2());
    let short_profile = [&[4u8, 2, 0, 4][..], &[0x11; 4], &[1, 4], &[0x22; 4]].concat();
    let at_short = short_payload.windows(short_profile.len()).position(|w| w == short_profile).unwrap();
    let narrow = [&[3u8, 2, 0, 3][..], &[0x11; 3], &[1, 3], &[0x22; 3]].concat();
    let short_width_3 =
        [&short_payload[..at_short], &narrow, &short_payload[at_short + short_profile.len()..]].concat();
    let uneven = [&[4u8, 2, 0, 5][..], &[0x11; 5], &[1, 4], &[0x22; 4]].concat();
    let ragged =
        [&short_payload[..at_short], &uneven, &short_payload[at_short + short_profile.len()..]].concat();

    let certificate_bytes = seal(&certificate(), key);
    let certificate_payload = postcard::to_allocvec(&certificate()).unwrap();
    let mut bad_sig = certificate_bytes.clone();
    *bad_sig.last_mut().unwrap() ^= 0x01;
    let mut cert_trailing_payload = certificate_payload.clone();
    cert_trailing_payload.push(0x00);
    let mut seatless = certificate();
    seatless.seat = None;

    vec![
        ("fail_truncated.req", req(&request_bytes[..request_bytes.len() - 10])),
        ("fail_trailing_data.req", req(&trailing)),
        ("fail_trailing_payload.req", req(&frame::encode(tag::REQUEST, &trailing_payload))),
        ("fail_oversize.req", req(&frame::encode(tag::REQUEST, &vec![0u8; 8 * 1024]))),
        ("fail_wrong_domain_tag.req", req(&frame::encode(tag::LICENSE, &request_payload))),
        ("fail_unknown_version.req", req(&frame::encode(REQUEST_V3, &request_payload))),
        ("request_short.req", req(&short_request().to_bytes())),
        ("fail_short_width.req", req(&frame::encode(tag::REQUEST_V2, &short_width_3))),
        ("fail_short_ragged.req", req(&frame::encode(tag::REQUEST_V2, &ragged))),
        ("certificate_short.cert", cert(&short_request_certificate().sign(key).unwrap())),
        (
            "fail_invalid_terms.req",
            req(&frame::encode(tag::REQUEST, &postcard::to_allocvec(&blank).unwrap())),
        ),
        ("fail_non_canonical_profile.req", req(&frame::encode(tag::REQUEST, &unordered))),
        ("fail_non_minimal_varint.req", req(&frame::encode(tag::REQUEST, &long_count))),
        ("fail_non_minimal_varint.cert", cert(&seal_payload(tag::CERTIFICATE, &long_seat, key))),
        (
            "fail_truncated_unknown_key.cert",
            cert(&{
                let b = seal(&certificate(), &stranger_key());
                b[..b.len() - 10].to_vec()
            }),
        ),
        ("fail_bad_signature.cert", cert(&bad_sig)),
        ("fail_unknown_key_id.cert", cert(&seal(&certificate(), &stranger_key()))),
        ("fail_wrong_domain_tag.cert", cert(&seal_payload(tag::RECEIPT, &certificate_payload, key))),
        ("fail_truncated.cert", cert(&certificate_bytes[..certificate_bytes.len() - 10])),
        ("fail_trailing_payload.cert", cert(&seal_payload(tag::CERTIFICATE, &cert_trailing_payload, key))),
        (
            "fail_unknown_algorithm.cert",
            cert(&with_algorithm_2(certificate_bytes.clone(), tag::CERTIFICATE, key)),
        ),
        ("fail_invalid_terms.cert", cert(&seal(&seatless, key))),
        ("certificate_lease.cert", cert(&leased_certificate().sign(key).unwrap())),
        (
            "fail_lease_before_issue.cert",
            cert(&seal(&CertificateV2 { base: certificate(), lease_ends: certificate().issued_at }, key)),
        ),
    ]
}

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
    let mut six_seats = minimal();
    six_seats.seats = 6;
    let long_seats = widen_varint(&payload, &postcard::to_allocvec(&six_seats).unwrap());
    let stranger_bytes = minimal().sign(&stranger_key()).unwrap().as_bytes().to_vec();
    let alg2 = with_algorithm_2(seal_payload(tag::LICENSE, &payload, &key), tag::LICENSE, &key);
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

    let mut out = vec![
        ("vendor.secret.key", key.to_armoured().to_string()),
        ("vendor.public.key", key.public_key().to_armoured()),
        ("stranger.public.key", stranger_key().public_key().to_armoured()),
        ("license_minimal.lic", min.to_armoured()),
        ("license_minimal.json", json(&minimal())),
        ("license_full.lic", full().sign(&key).unwrap().to_armoured()),
        ("license_full.json", json(&full())),
        ("fail_bad_signature.lic", arm(&bad_sig)),
        ("fail_wrong_domain_tag.lic", arm(&seal_payload(tag::CERTIFICATE, &payload, &key))),
        ("fail_unknown_version.lic", arm(&seal_payload(LICENSE_V3, &payload, &key))),
        ("license_lease.lic", leased().sign(&key).unwrap().to_armoured()),
        (
            "fail_v2_without_lease.lic",
            arm(&seal(&LicenseV2 { base: minimal(), lease_days: 0, grace_days: 7 }, &key)),
        ),
        ("fail_truncated.lic", arm(&bytes[..bytes.len() - 10])),
        ("fail_trailing_data.lic", arm(&trailing)),
        ("fail_trailing_payload.lic", arm(&seal_payload(tag::LICENSE, &trailing_payload, &key))),
        ("fail_oversize.lic", arm(&seal_payload(tag::LICENSE, &vec![0u8; 16 * 1024], &key))),
        ("fail_non_canonical_base64.lic", non_canonical),
        ("fail_unknown_key_id.lic", minimal().sign(&stranger_key()).unwrap().to_armoured()),
        ("fail_unknown_algorithm.lic", arm(&alg2)),
        ("fail_non_canonical.public.key", {
            // y = p + 3: a valid point (y = 3) written with y ≥ p.
            let mut high = [0xff; 32];
            high[0] = 0xf0;
            high[31] = 0x7f;
            armour::encode(tag::PUBLIC_KEY, &frame::encode(tag::PUBLIC_KEY, &[&[1u8][..], &high].concat()))
        }),
        ("fail_non_minimal_varint.lic", arm(&seal_payload(tag::LICENSE, &long_seats, &key))),
        // Two faults each, showing the order of §4: the key id (step 4) is
        // checked before the length (step 5), the cap (step 1) before the key id.
        ("fail_truncated_unknown_key.lic", arm(&stranger_bytes[..stranger_bytes.len() - 10])),
        (
            "fail_oversize_unknown_key.lic",
            arm(&seal_payload(tag::LICENSE, &vec![0u8; 16 * 1024], &stranger_key())),
        ),
        (
            "fail_invalid_terms.lic",
            arm(&seal_payload(tag::LICENSE, &postcard::to_allocvec(&zero_seats).unwrap(), &key)),
        ),
    ];
    out.extend(message_vectors(&key));
    out.extend(short_vectors(&key));
    out
}

/// The certificate of the short response vectors: the certificate vector's
/// request answered with the activation id derived from it, as a new
/// activation is (`docs/FORMAT.md` §10.4).
fn short_certificate() -> ActivationCertificate {
    let r = request();
    ActivationCertificate::answering(
        &r,
        derived_activation_id(&r.license_id, &r.nonce, &r.activation_key),
        ActivationKind::Permanent,
        Some(1),
        ts("2026-07-01T10:05:00Z"),
    )
}

/// The `.short` vectors: short response codes (`NLC-`, type byte `05`).
fn short_vectors(key: &SecretKey) -> Vec<(&'static str, String)> {
    let short_of = |cert: &ActivationCertificate| {
        ShortResponse::of_certificate(&cert.sign(key).unwrap()).expect("a short response")
    };
    let coded = |bytes: &[u8]| code::encode_as(tag::CERTIFICATE, bytes) + "\n";
    let plain = short_of(&short_certificate());
    let leased = short_of(&short_certificate().with_lease_end(Some(ts("2026-07-31T10:05:00Z"))));
    let flags_at = 1 + tag::SHORT_RESPONSE.tag.len();
    let with = |at: usize, value: u8| {
        let mut b = plain.clone();
        b[flags_at + at] = value;
        b
    };
    let mut bad_sig = plain.clone();
    *bad_sig.last_mut().unwrap() ^= 0x01;
    let mut trailing = plain.clone();
    trailing.push(0x00);
    vec![
        ("short_response.short", coded(&plain)),
        ("short_response_lease.short", coded(&leased)),
        ("fail_undefined_flags.short", coded(&with(0, 0x08))),
        (
            "fail_seat_zero.short",
            coded(&[&with(5, 0)[..flags_at + 6], &[0], &plain[flags_at + 7..]].concat()),
        ),
        ("fail_trailing_data.short", coded(&trailing)),
        ("fail_truncated.short", coded(&plain[..plain.len() - 1])),
        ("fail_bad_signature.short", coded(&bad_sig)),
    ]
}

/// A short response vector rebuilt, as the machine that made the vector
/// request does (with the vendor key), into the envelope it stands for.
fn rebuilt_short(text: &str, trusted: &TrustedKeys) -> Result<Vec<u8>, CodecError> {
    let bytes = ActivationCertificate::bytes_from_response(text.as_bytes()).map_err(|e| match e {
        ActivationError::Format(e) => e,
        other => panic!("not a format refusal: {other:?}"),
    })?;
    let short = ShortResponse::from_bytes(&bytes)?;
    let r = request();
    let activation_id = derived_activation_id(&r.license_id, &r.nonce, &r.activation_key);
    let key_id = trusted.iter().next().unwrap().id();
    Ok(short.rebuild(Rebuild { request: &r, activation_id, key_id }))
}

#[test]
fn short_response_vectors_rebuild_into_their_certificates() {
    let trusted = trusted();
    let plain = rebuilt_short(&read("short_response.short"), &trusted).unwrap();
    assert_eq!(ActivationCertificate::open(&plain, &trusted).unwrap().message, short_certificate());
    assert_eq!(plain, short_certificate().sign(&vendor_key()).unwrap(), "byte for byte as signed");
    let leased = rebuilt_short(&read("short_response_lease.short"), &trusted).unwrap();
    let expected = short_certificate().with_lease_end(Some(ts("2026-07-31T10:05:00Z")));
    assert_eq!(ActivationCertificate::open(&leased, &trusted).unwrap().message, expected);
    // §10.4's worked example.
    let bytes = ActivationCertificate::bytes_from_response(read("short_response.short").as_bytes()).unwrap();
    let body = &bytes[1 + tag::SHORT_RESPONSE.tag.len()..];
    assert_eq!(body[..10], [0x00, 0x4c, 0xe6, 0x44, 0x6a, 0x01, 0x00, 0x89, 0x4e, 0x4e]);
    for name in ["short_response.short", "short_response_lease.short"] {
        let text = read(name);
        assert!(text.trim().len() <= 160, "{name}: {} characters", text.trim().len());
    }
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

/// How a message was refused: a framing error or a signature error.
#[derive(Debug)]
enum Refusal {
    Format(CodecError),
    Signature(SignatureError),
    Key(nodelock::keys::KeyError),
    LicenseKey(nodelock::license::LicenseKeyError),
}

/// Reads `text` as the message type its file extension names, the way the
/// application does, and returns why it was refused.
fn refusal(name: &str, text: &str, trusted: &TrustedKeys) -> Option<Refusal> {
    let from_activation = |e: ActivationError| match e {
        ActivationError::Format(e) => Refusal::Format(e),
        ActivationError::Signature(e) => Refusal::Signature(e),
        other => panic!("{name}: not a format or signature refusal: {other:?}"),
    };
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("lic") => SignedLicense::from_armoured(text, trusted).err().map(|e| match e {
            LicenseError::Format(e) => Refusal::Format(e),
            LicenseError::Signature(e) => Refusal::Signature(e),
            other => panic!("{name}: not a format or signature refusal: {other:?}"),
        }),
        Some("req") => ActivationRequest::from_code_or_bytes(text.as_bytes()).err().map(from_activation),
        Some("cert") => ActivationCertificate::bytes_from_response(text.as_bytes())
            .and_then(|bytes| ActivationCertificate::open(&bytes, trusted))
            .err()
            .map(from_activation),
        Some("key") => PublicKey::from_armoured(text).err().map(Refusal::Key),
        Some("licensekey") => nodelock::license::LicenseKey::parse(text).err().map(Refusal::LicenseKey),
        Some("short") => match rebuilt_short(text, trusted) {
            Err(e) => Some(Refusal::Format(e)),
            Ok(envelope) => ActivationCertificate::open(&envelope, trusted).err().map(from_activation),
        },
        _ => panic!("{name}: no reader for this vector"),
    }
}

type Expected = fn(&Refusal) -> bool;

/// Every `fail_` vector, of every message type, and the refusal it must get.
const FAIL_VECTORS: &[(&str, Expected)] = &[
    // License keys (FORMAT.md §7.8): a typo, an adjacent transposition, a
    // missing symbol, a character outside the alphabet.
    ("fail_typo.licensekey", |r| matches!(r, Refusal::LicenseKey(LicenseKeyError::Typo))),
    ("fail_transposed.licensekey", |r| matches!(r, Refusal::LicenseKey(LicenseKeyError::Typo))),
    ("fail_length.licensekey", |r| {
        matches!(r, Refusal::LicenseKey(LicenseKeyError::WrongLength { symbols: 19 }))
    }),
    ("fail_character.licensekey", |r| {
        matches!(r, Refusal::LicenseKey(LicenseKeyError::BadCharacter { character: 'U', position: 26 }))
    }),
    ("fail_bad_signature.lic", |r| matches!(r, Refusal::Signature(SignatureError::BadSignature { .. }))),
    ("fail_bad_signature.short", |r| matches!(r, Refusal::Signature(SignatureError::BadSignature { .. }))),
    ("fail_undefined_flags.short", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid { rule: "the short response has undefined flag bits", .. })
        )
    }),
    ("fail_seat_zero.short", |r| {
        matches!(r, Refusal::Format(CodecError::Invalid { rule: "seats are numbered from 1", .. }))
    }),
    ("fail_trailing_data.short", |r| {
        matches!(r, Refusal::Format(CodecError::TrailingBytes { count: 1, .. }))
    }),
    ("fail_truncated.short", |r| matches!(r, Refusal::Format(CodecError::Truncated { .. }))),
    ("fail_wrong_domain_tag.lic", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::WrongType { expected: "license", found: "activation certificate" })
        )
    }),
    ("fail_unknown_version.lic", |r| matches!(r, Refusal::Format(CodecError::UnsupportedVersion { .. }))),
    ("fail_truncated.lic", |r| matches!(r, Refusal::Format(CodecError::Truncated { .. }))),
    ("fail_trailing_data.lic", |r| matches!(r, Refusal::Format(CodecError::TrailingBytes { count: 1, .. }))),
    ("fail_trailing_payload.lic", |r| {
        matches!(r, Refusal::Format(CodecError::TrailingBytes { count: 1, .. }))
    }),
    ("fail_oversize.lic", |r| matches!(r, Refusal::Format(CodecError::TooLarge { .. }))),
    ("fail_non_canonical_base64.lic", |r| matches!(r, Refusal::Format(CodecError::BadBase64 { .. }))),
    ("fail_unknown_key_id.lic", |r| matches!(r, Refusal::Signature(SignatureError::UnknownKey { .. }))),
    ("fail_unknown_algorithm.lic", |r| {
        matches!(r, Refusal::Format(CodecError::UnknownAlgorithm { algorithm: 2, .. }))
    }),
    ("fail_non_canonical.public.key", |r| matches!(r, Refusal::Key(nodelock::keys::KeyError::NotCanonical))),
    ("fail_non_minimal_varint.lic", |r| {
        matches!(r, Refusal::Format(CodecError::NotCanonical { what: "license", rule: NON_MINIMAL_VARINT }))
    }),
    ("fail_truncated_unknown_key.lic", |r| {
        matches!(r, Refusal::Signature(SignatureError::UnknownKey { what: "license", .. }))
    }),
    ("fail_oversize_unknown_key.lic", |r| {
        matches!(r, Refusal::Format(CodecError::TooLarge { what: "license", max: 16_384, .. }))
    }),
    ("fail_non_minimal_varint.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::NotCanonical {
                what: "activation request",
                rule: NON_MINIMAL_VARINT
            })
        )
    }),
    ("fail_non_minimal_varint.cert", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::NotCanonical {
                what: "activation certificate",
                rule: NON_MINIMAL_VARINT
            })
        )
    }),
    ("fail_truncated_unknown_key.cert", |r| {
        matches!(r, Refusal::Signature(SignatureError::UnknownKey { what: "activation certificate", .. }))
    }),
    ("fail_invalid_terms.lic", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid {
                what: "license",
                rule: "a license needs at least one seat"
            })
        )
    }),
    ("fail_truncated.req", |r| {
        matches!(r, Refusal::Format(CodecError::Truncated { what: "activation request" }))
    }),
    ("fail_trailing_data.req", |r| {
        matches!(r, Refusal::Format(CodecError::TrailingBytes { what: "activation request", count: 1 }))
    }),
    ("fail_trailing_payload.req", |r| {
        matches!(r, Refusal::Format(CodecError::TrailingBytes { what: "activation request", count: 1 }))
    }),
    ("fail_oversize.req", |r| {
        matches!(r, Refusal::Format(CodecError::TooLarge { what: "activation request", max: 8192, .. }))
    }),
    ("fail_wrong_domain_tag.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::WrongType { expected: "activation request", found: "license" })
        )
    }),
    ("fail_unknown_version.req", |r| {
        matches!(r, Refusal::Format(CodecError::UnsupportedVersion { what: "activation request", found })
            if found == "nodelock/activation-request/v3")
    }),
    ("fail_short_width.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::NotCanonical {
                what: "activation request",
                rule: "a short profile's digests are 4 to 15 bytes wide"
            })
        )
    }),
    ("fail_short_ragged.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::NotCanonical {
                what: "activation request",
                rule: "a kind's digests are not a whole number of digests of the profile's width"
            })
        )
    }),
    ("fail_invalid_terms.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid {
                what: "activation request",
                rule: "the machine label is blank"
            })
        )
    }),
    ("fail_non_canonical_profile.req", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::NotCanonical {
                what: "activation request",
                rule: "kinds are not strictly increasing"
            })
        )
    }),
    ("fail_bad_signature.cert", |r| {
        matches!(r, Refusal::Signature(SignatureError::BadSignature { what: "activation certificate" }))
    }),
    ("fail_unknown_key_id.cert", |r| {
        matches!(r, Refusal::Signature(SignatureError::UnknownKey { what: "activation certificate", .. }))
    }),
    ("fail_wrong_domain_tag.cert", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::WrongType {
                expected: "activation certificate",
                found: "deactivation receipt"
            })
        )
    }),
    ("fail_truncated.cert", |r| {
        matches!(r, Refusal::Format(CodecError::Truncated { what: "activation certificate" }))
    }),
    ("fail_trailing_payload.cert", |r| {
        matches!(r, Refusal::Format(CodecError::TrailingBytes { what: "activation certificate", count: 1 }))
    }),
    ("fail_unknown_algorithm.cert", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::UnknownAlgorithm { what: "activation certificate", algorithm: 2 })
        )
    }),
    ("fail_v2_without_lease.lic", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid {
                what: "license",
                rule: "a version 2 license has a lease (lease_days 0 is written as version 1)"
            })
        )
    }),
    ("fail_lease_before_issue.cert", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid {
                what: "activation certificate",
                rule: "a lease must end after the certificate was issued"
            })
        )
    }),
    ("fail_invalid_terms.cert", |r| {
        matches!(
            r,
            Refusal::Format(CodecError::Invalid {
                what: "activation certificate",
                rule: "a permanent activation must occupy a seat"
            })
        )
    }),
];

#[test]
fn fail_vectors_are_refused_for_their_reason() {
    let trusted = trusted();
    for (name, expected) in FAIL_VECTORS {
        match refusal(name, &read(name), &trusted) {
            Some(r) if expected(&r) => {}
            other => panic!("{name}: unexpected {other:?}"),
        }
    }
    // The table covers every fail_ file there is.
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("fail_"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FAIL_VECTORS.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every fail_ vector has an expected refusal");
    // The stranger's key makes its messages verify: the vectors are only refused for trust.
    let stranger = TrustedKeys::from_armoured([read("stranger.public.key").as_str()]).unwrap();
    SignedLicense::from_armoured(&read("fail_unknown_key_id.lic"), &stranger).unwrap();
    let bytes =
        ActivationCertificate::bytes_from_response(read("fail_unknown_key_id.cert").as_bytes()).unwrap();
    assert_eq!(ActivationCertificate::open(&bytes, &stranger).unwrap().message, certificate());
}

/// Version 2 of the license and the certificate (a lease): read by this
/// build with their lease, refused by a version 1 reader as "unsupported
/// version", and only written when there is a lease (without one, the bytes
/// are version 1's, so every earlier vector is unchanged).
#[test]
fn lease_vectors_are_version_2_and_a_v1_reader_refuses_them() {
    let trusted = trusted();
    let text = read("license_lease.lic");
    let signed = SignedLicense::from_armoured(&text, &trusted).unwrap();
    assert_eq!(signed.license(), &leased());
    let bytes = armour::decode(&text, tag::LICENSE, 1 << 20).unwrap();
    assert_eq!(bytes[1..1 + 19], *b"nodelock/license/v2");
    let v1_only = nodelock::signed::open::<License>(&bytes, &trusted).unwrap_err();
    assert_eq!(
        v1_only.to_string(),
        "this license uses format `nodelock/license/v2`, which this version of nodelock does not read; update the application"
    );
    assert!(matches!(
        v1_only,
        SignatureError::Format(CodecError::UnsupportedVersion { what: "license", ref found })
            if found == "nodelock/license/v2"
    ));
    // The v2 payload is the v1 payload followed by the two lease varints.
    let v1 = minimal().sign(&vendor_key()).unwrap();
    let v1_payload = postcard::to_allocvec(&minimal()).unwrap();
    assert!(v1.as_bytes()[1..20] == *b"nodelock/license/v1");
    let v2_payload =
        postcard::to_allocvec(&LicenseV2 { base: minimal(), lease_days: 30, grace_days: 5 }).unwrap();
    assert_eq!(v2_payload, [v1_payload.as_slice(), &[30, 5]].concat());

    let bytes =
        ActivationCertificate::bytes_from_response(read("certificate_lease.cert").as_bytes()).unwrap();
    assert_eq!(bytes[1..35], *b"nodelock/activation-certificate/v2");
    let opened = ActivationCertificate::open(&bytes, &trusted).unwrap().message;
    assert_eq!(opened, leased_certificate());
    assert_eq!(opened.lease_ends, Some(ts("2026-07-31T10:05:00Z")));
    let v1_only = nodelock::signed::open::<ActivationCertificate>(&bytes, &trusted).unwrap_err();
    assert!(matches!(
        v1_only,
        SignatureError::Format(CodecError::UnsupportedVersion { what: "activation certificate", ref found })
            if found == "nodelock/activation-certificate/v2"
    ));
    // Its offline code has its own type byte, and decoding restores the v2 tag.
    let code = ActivationCertificate::code_of(&bytes);
    let raw = nodelock::codec::base32::decode(&code[3..]).unwrap();
    assert_eq!(raw[0], 0x04);
    assert_eq!(ActivationCertificate::bytes_from_response(code.as_bytes()).unwrap(), bytes);
    let v1_code = ActivationCertificate::code_of(&seal(&certificate(), &vendor_key()));
    assert_eq!(nodelock::codec::base32::decode(&v1_code[3..]).unwrap()[0], 0x02);
    // Without a lease end, a certificate is version 1 byte for byte.
    assert_eq!(certificate().sign(&vendor_key()).unwrap(), seal(&certificate(), &vendor_key()));
}

/// §9.6 and §9.7: the short request vector reads as the request cut to 4
/// bytes (version 2, code type byte 06), and the certificate answering it
/// is version 3 (type byte 07) with that short profile.
#[test]
fn short_request_and_version_3_certificate_vectors() {
    let bytes = ActivationRequest::from_code_or_bytes(read("request_short.req").as_bytes()).unwrap();
    assert_eq!(bytes, short_request());
    assert_eq!(bytes.profile.width(), 4);
    assert_eq!(
        bytes.profile.digests(ComponentKind::Mac),
        [Digest([0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]
    );
    let raw = short_request().to_bytes();
    assert_eq!(raw[1..31], *b"nodelock/activation-request/v2");
    let code = short_request().to_code();
    assert_eq!(nodelock::codec::base32::decode(&code[3..]).unwrap()[0], 0x06);
    assert_eq!(ActivationRequest::from_code(&code).unwrap(), short_request());

    let trusted = trusted();
    let cert = ActivationCertificate::bytes_from_response(read("certificate_short.cert").as_bytes()).unwrap();
    assert_eq!(cert[1..35], *b"nodelock/activation-certificate/v3");
    // FORMAT.md §9.7's worked example, byte for byte.
    assert_eq!(
        nodelock::codec::hex::hex(&cert),
        concat!(
            "226e6f64656c6f636b2f61637469766174696f6e2d63657274696669636174652f7633",
            "01894c6f27b5a6316378000000",
            "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1",
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf01",
            "04020004111111110104222222",
            "22",
            "515151515151515151515151515151514e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e",
            "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
            "cccc93d206",
            "00010100",
            "97d757692e624a1633f7ea5a44ea1c3e454970af1f737e3e54f837b44a0c3cc5",
            "97a1d1862869edd7788310c526041f526a71145e060ff3abe22923c4dab93f0a"
        )
    );
    let opened = ActivationCertificate::open(&cert, &trusted).unwrap().message;
    assert_eq!(opened, short_request_certificate());
    assert_eq!(
        nodelock::codec::base32::decode(&ActivationCertificate::code_of(&cert)[3..]).unwrap()[0],
        0x07
    );
    // A leased one is version 3 too, its lease end the last field.
    let leased = short_request_certificate().with_lease_end(Some(ts("2026-07-31T10:05:00Z")));
    let leased_bytes = leased.sign(&vendor_key()).unwrap();
    assert_eq!(leased_bytes[1..35], *b"nodelock/activation-certificate/v3");
    assert_eq!(ActivationCertificate::open(&leased_bytes, &trusted).unwrap().message, leased);
}

#[test]
fn every_single_bit_flip_of_an_envelope_is_rejected() {
    let trusted = trusted();
    for name in ["license_minimal.lic", "license_full.lic", "license_lease.lic"] {
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
