//! Offline codes: `code::decode_as` for each tag with a code form (the tag
//! registry's list), `paste::find` (a code in pasted text), `looks_like_code` and
//! `base32::decode` never panic (and stay fast: a code with a typo is
//! searched for the one symbol that explains it); a code that decodes
//! re-encodes to a code that decodes to the same message, which starts with
//! its kind's tag; base32 decodes back from its own encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::codec::{base32, code, paste, tag};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = code::looks_like_code(text);
    if let Some(found) = paste::find(text) {
        assert!(found.len() <= text.len(), "the code found is part of the text");
    }
    let mut decoded = 0;
    for (kind, _) in tag::with_codes() {
        let Ok(message) = code::decode_as(text, kind) else { continue };
        decoded += 1;
        // The tag of the kind's version (or short form) the type byte names.
        let restored = tag::version_of(kind, &message).expect("the tag of a version of the kind is restored");
        assert!(
            restored.prefix() == kind.prefix()
                || tag::SHORT.iter().any(|(of, s)| *of == kind && *s == restored),
            "the tag is restored"
        );
        let again = code::encode_as(kind, &message);
        assert!(code::looks_like_code(&again));
        assert_eq!(code::decode_as(&again, kind).as_ref(), Ok(&message), "code round trip");
    }
    assert!(decoded <= 1, "a code decodes as at most one kind");
    if let Ok(bytes) = base32::decode(text) {
        assert_eq!(base32::decode(&base32::encode(&bytes)).as_ref(), Ok(&bytes), "base32 round trip");
    }
});
