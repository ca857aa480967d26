//! `armour::decode` for every tag and several caps: never panics, never
//! returns more than the cap, and what it returns armours and decodes back
//! to the same bytes; any bytes armoured decode back to themselves exactly
//! when they fit the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::codec::{armour, tag};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a cap, so small caps and their boundaries are
    // explored as well as the real ones (1 KiB keys .. 16 KiB licenses).
    let Some((&cap, rest)) = data.split_first() else { return };
    let max_len = match cap % 4 {
        0 => usize::from(cap),
        1 => 1024,
        2 => 8 * 1024,
        _ => 16 * 1024,
    };
    // Any bytes, armoured: decoding gives them back exactly when they fit the cap.
    for t in tag::ALL {
        let encoded = armour::encode(t, rest);
        match armour::decode(&encoded, t, max_len) {
            Ok(bytes) => {
                assert!(bytes.len() <= max_len, "{} bytes decoded under a cap of {max_len}", bytes.len());
                assert_eq!(bytes, rest, "armour round trip");
            }
            Err(_) => assert!(rest.len() > max_len, "{} bytes refused under a cap of {max_len}", rest.len()),
        }
    }
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let _ = armour::is_armoured(text);
    for t in tag::ALL {
        let Ok(bytes) = armour::decode(text, t, max_len) else { continue };
        assert!(bytes.len() <= max_len, "{} bytes decoded under a cap of {max_len}", bytes.len());
        let encoded = armour::encode(t, &bytes);
        assert!(armour::is_armoured(&encoded));
        assert_eq!(armour::decode(&encoded, t, max_len).as_ref(), Ok(&bytes), "armour round trip");
        // One block per text: no other tag reads the same text.
        for other in tag::ALL.into_iter().filter(|o| o.armour != t.armour) {
            assert!(armour::decode(text, other, max_len).is_err());
        }
    }
});
