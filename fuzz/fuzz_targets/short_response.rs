//! Short responses (`docs/FORMAT.md` §10.4) as the client receives them:
//! `bytes_from_response` then `ShortResponse::from_bytes` never panic; one
//! that decodes encodes back to the same bytes (and travels as a code back
//! to them), and rebuilt for a fixed request into a certificate envelope
//! that the certificate reader decodes (unverified) to the short response's
//! fields — permanent with its seat or temporary for its days, the lease
//! when flagged — and, opened against the trusted key, is refused unless it
//! is exactly what the key signed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::Timestamp;
use nodelock::activation::short::{Rebuild, derived_activation_id};
use nodelock::activation::{
    ActivationCertificate, ActivationKind, ActivationRequest, LocationStamp, Nonce, ShortResponse,
};
use nodelock::codec::{code, tag};
use nodelock::license::LicenseId;
use nodelock::profile::Profile;
use nodelock_fuzz::{TRUSTED, activation_public};

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = ActivationCertificate::bytes_from_response(data) else { return };
    let Ok(short) = ShortResponse::from_bytes(&bytes) else { return };
    assert_eq!(short.to_bytes(), bytes, "short response round trip");
    let coded = code::encode_as(tag::CERTIFICATE, &bytes);
    assert_eq!(ActivationCertificate::bytes_from_response(coded.as_bytes()).ok().as_ref(), Some(&bytes));
    let request = ActivationRequest {
        license_id: LicenseId([0xa0; 16]),
        release_version: 1,
        profile: Profile::default(),
        stamp: LocationStamp([0x5c; 16]),
        nonce: Nonce([0x4e; 16]),
        activation_key: activation_public(),
        label: None,
        client_time: Timestamp(0),
    };
    let activation_id = derived_activation_id(&request.license_id, &request.nonce, &request.activation_key);
    let key_id = TRUSTED.iter().next().expect("one trusted key").id();
    let envelope = short.rebuild(Rebuild { request: &request, activation_id, key_id });
    let cert =
        ActivationCertificate::decode_unverified(&envelope).expect("a rebuilt certificate decodes").message;
    assert_eq!(cert.issued_at, Timestamp(u64::from(short.issued_at)));
    match cert.kind {
        ActivationKind::Permanent => assert_eq!(cert.seat, Some(u32::from(short.seat_or_days))),
        ActivationKind::Temporary { until } => {
            assert_eq!(until, cert.issued_at.plus_days(u64::from(short.seat_or_days)));
        }
    }
    assert_eq!(cert.lease_ends, short.lease_days.map(|d| cert.issued_at.plus_days(u64::from(d))));
    if let Ok(opened) = ActivationCertificate::open(&envelope, &TRUSTED) {
        assert_eq!(opened.message, cert, "verified and unverified decoding disagree");
    }
});
