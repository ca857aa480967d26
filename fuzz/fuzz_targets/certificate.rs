//! Activation certificates as the client receives them:
//! `bytes_from_response` (offline code, armour or raw bytes) then `open`
//! against a fixed trusted key never panic; a certificate that decodes
//! travels as a code and as armour back to the same bytes, and re-signs,
//! opens and decodes to the same certificate. Both versions (v1, and v2
//! with its lease end and its own code type byte) go through the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::ActivationCertificate;
use nodelock::signed;
use nodelock_fuzz::{TRUSTED, VENDOR};

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = ActivationCertificate::bytes_from_response(data) else { return };
    let opened = ActivationCertificate::open(&bytes, &TRUSTED);
    let unverified = ActivationCertificate::decode_unverified(&bytes);
    // The v1-only reader never accepts what the versioned one refuses.
    if let Ok(v1) = signed::decode_unverified::<ActivationCertificate>(&bytes) {
        assert_eq!(unverified.as_ref().ok().map(|o| &o.message), Some(&v1.message), "v1 readers disagree");
    }
    if let Ok(opened) = &opened {
        assert_eq!(unverified.as_ref().ok(), Some(opened), "verified and unverified decoding disagree");
    }
    let Ok(decoded) = unverified else { return };
    let code = ActivationCertificate::code_of(&bytes);
    assert_eq!(ActivationCertificate::bytes_from_response(code.as_bytes()).ok().as_ref(), Some(&bytes));
    let armoured = ActivationCertificate::armour_of(&bytes);
    assert_eq!(ActivationCertificate::bytes_from_response(armoured.as_bytes()).ok().as_ref(), Some(&bytes));
    let signed = decoded.message.sign(&VENDOR).expect("a certificate that decoded signs");
    let again = ActivationCertificate::open(&signed, &TRUSTED).expect("and opens");
    assert_eq!(again.message, decoded.message, "certificate round trip");
});
