//! The signed envelope of every signed message type (license, activation
//! certificate, deactivation receipt): `signed::open` against a fixed
//! trusted key and `decode_unverified` never panic; whatever opens also
//! decodes unverified to the same message; whatever decodes re-seals, opens
//! and decodes to the same message (decode → encode → decode).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::{ActivationCertificate, DeactivationReceipt};
use nodelock::codec::Message;
use nodelock::license::License;
use nodelock::signed;
use nodelock_fuzz::{TRUSTED, VENDOR};

fn check<M: Message + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let opened = signed::open::<M>(data, &TRUSTED);
    let unverified = signed::decode_unverified::<M>(data);
    if let Ok(opened) = &opened {
        assert_eq!(unverified.as_ref(), Ok(opened), "verified and unverified decoding disagree");
        assert_eq!(
            signed::open_with::<M>(data, VENDOR.public_key()).as_ref(),
            Ok(opened),
            "open and open_with disagree"
        );
    }
    let Ok(decoded) = unverified else { return };
    let sealed = signed::seal(&decoded.message, &VENDOR);
    assert!(sealed.len() <= data.len(), "re-sealing grew the envelope");
    let again = signed::open::<M>(&sealed, &TRUSTED).expect("a decoded message seals and opens");
    assert_eq!(again.message, decoded.message, "envelope round trip");
}

fuzz_target!(|data: &[u8]| {
    check::<License>(data);
    check::<ActivationCertificate>(data);
    check::<DeactivationReceipt>(data);
});
