//! Short profiles and the version 2 request that carries one
//! (docs/FORMAT.md §8.6, §9.6): the input is read as a version 2 request
//! frame (its online bytes, the tag already in front), as the payload of one
//! (the frame put around it here), and as a short profile's stored form.
//! Nothing panics; whatever decodes is short, in its one encoding (it
//! re-encodes to the same bytes), unchanged by cutting it to its own width,
//! and compares with itself as unchanged — and with the full profile its
//! digests would be zero-padded into, at the short width, as unchanged too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::{ActivationRequest, RequestV2};
use nodelock::codec::{Framed, frame, tag};
use nodelock::policy::Policy;
use nodelock::profile::{Profile, short};
use nodelock::{ComponentKind, compare};

fn check_short(profile: &Profile) {
    assert!(profile.is_short());
    assert!((short::MIN_WIDTH..nodelock::profile::DIGEST_LEN).contains(&profile.width()));
    assert_eq!(&profile.shortened(profile.width()), profile);
    let policy = Policy::default();
    assert!(compare(profile, profile, false, &policy).is_exact());
    let full = Profile::from_digests(
        ComponentKind::ALL.into_iter().flat_map(|k| profile.digests(k).iter().map(move |d| (k, *d))),
    )
    .expect("as many digests as the short profile");
    assert_eq!(&full.shortened(profile.width()), profile);
    assert!(compare(profile, &full, false, &policy).is_exact());
}

fn check_request(bytes: &[u8]) {
    let Ok(request) = ActivationRequest::from_bytes(bytes) else { return };
    if !request.profile.is_short() {
        return;
    }
    check_short(&request.profile);
    assert_eq!(request.to_bytes(), bytes, "a version 2 request has one encoding");
    assert_eq!(RequestV2::decode_exact(bytes).map(ActivationRequest::from).ok().as_ref(), Some(&request));
    assert_eq!(ActivationRequest::from_code(&request.to_code()).ok().as_ref(), Some(&request));
}

fuzz_target!(|data: &[u8]| {
    check_request(data);
    check_request(&frame::encode(tag::REQUEST_V2, data));
    if let Ok(profile) = Profile::from_bytes(data)
        && profile.is_short()
    {
        assert_eq!(profile.to_bytes(), data, "a short profile has one stored form");
        check_short(&profile);
    }
});
