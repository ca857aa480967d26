//! The license payload (the postcard bytes inside the envelope): decoding it
//! directly with the one exact payload decoder (`frame::decode_payload`,
//! exactly what the envelope does) never panics, and gives the same answer as
//! signing the same bytes with `seal_payload` and opening the envelope. A
//! license that decodes encodes, signs and decodes back to itself. The same
//! bytes are also tried as a version 2 (leased) payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::codec::{frame, tag};
use nodelock::license::{License, LicenseV2, MAX_LICENSE_LEN, SignedLicense};
use nodelock::signed::{self, seal_payload};
use nodelock_fuzz::{TRUSTED, VENDOR};

fuzz_target!(|data: &[u8]| {
    let v2 = frame::decode_payload::<LicenseV2>(data).ok();
    let sealed_v2 = seal_payload(tag::LICENSE_V2, data, &VENDOR);
    let read_v2 = SignedLicense::from_bytes(&sealed_v2, &TRUSTED).ok();
    if sealed_v2.len() <= MAX_LICENSE_LEN {
        assert_eq!(
            read_v2.as_ref().map(|s| s.license().clone()),
            v2.clone().map(LicenseV2::into_license),
            "v2 envelope and payload disagree"
        );
    }
    if let Some(v2) = v2 {
        let license = v2.into_license();
        let signed = license.sign(&VENDOR).expect("a v2 license that decoded signs");
        let read = SignedLicense::from_bytes(signed.as_bytes(), &TRUSTED).expect("and reads back");
        assert_eq!(read.license(), &license, "v2 license round trip");
    }
    let direct = frame::decode_payload::<License>(data).ok();
    let sealed = seal_payload(tag::LICENSE, data, &VENDOR);
    let opened = signed::open::<License>(&sealed, &TRUSTED).ok().map(|o| o.message);
    if sealed.len() <= MAX_LICENSE_LEN {
        assert_eq!(opened, direct, "envelope and direct payload decoding disagree");
    } else {
        assert!(opened.is_none(), "an oversize envelope was opened");
    }
    let Some(license) = direct else { return };
    let signed = license.sign(&VENDOR).expect("a license that decoded passes the rules and signs");
    let read = SignedLicense::from_armoured(&signed.to_armoured(), &TRUSTED).expect("and reads back");
    assert_eq!(read.license(), &license, "license round trip");
    let (inspected, key_id) = SignedLicense::inspect_unverified(&signed.to_armoured()).expect("inspects");
    assert_eq!((&inspected, key_id), (&license, VENDOR.key_id()));
});
