//! The one text reader (`codec::text::read`) for every message type that is
//! read from text: never panics; what it returns from a code or armour is
//! within the type's cap (a code is capped by the code length) and reads
//! back to itself when given as its own armour, and as its own code for the
//! types that have one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::{ActivationCertificate, ActivationRequest, DeactivationReceipt};
use nodelock::codec::{Message, armour, code, text};
use nodelock::license::License;

fn check<M: Message>(data: &[u8]) {
    let Ok(bytes) = text::read::<M>(data) else { return };
    if bytes.as_slice() == data {
        return; // raw bytes: nothing was recognised
    }
    let from_code = std::str::from_utf8(data).is_ok_and(code::looks_like_code) && M::TAG.code.is_some();
    let cap = if from_code { 1 + M::TAG.tag.len() + code::MAX_CODE_BYTES } else { M::MAX_LEN };
    assert!(bytes.len() <= cap, "over the cap");
    let armoured = armour::encode(M::TAG, &bytes);
    if bytes.len() <= M::MAX_LEN {
        assert_eq!(text::read::<M>(armoured.as_bytes()).as_ref(), Ok(&bytes), "armour round trip");
    }
    if from_code {
        let again = code::encode::<M>(&bytes);
        assert_eq!(text::read::<M>(again.as_bytes()).as_ref(), Ok(&bytes), "code round trip");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<License>(data);
    check::<ActivationRequest>(data);
    check::<ActivationCertificate>(data);
    check::<DeactivationReceipt>(data);
});
