//! The store's clock mark file (`activation::clock::decode_clock_slots`,
//! FORMAT §11.3): never panics on a damaged or foreign file of any length,
//! decodes each slot on its own (damage to one never changes the other's
//! answer), and a slot that decodes is canonical — the mark's own encoding
//! followed by zeros only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::clock::{CLOCK_SLOT_LEN, decode_clock_slots};
use nodelock::codec::Framed;

fuzz_target!(|data: &[u8]| {
    let slots = decode_clock_slots(data);
    let (first, second) = data.split_at(data.len().min(CLOCK_SLOT_LEN));
    for (slot, bytes) in slots.iter().zip([first, second]) {
        let Ok(mark) = slot else { continue };
        let encoded = mark.encode();
        assert!(encoded.len() <= CLOCK_SLOT_LEN, "a mark fits a slot");
        assert_eq!(&bytes[..encoded.len()], &encoded[..], "a decoded slot starts with its mark's encoding");
        assert!(bytes[encoded.len()..].iter().all(|&b| b == 0), "and holds only zeros after it");
    }
    // Slot 0 is decided by the first slot's bytes alone.
    assert_eq!(decode_clock_slots(first)[0], slots[0], "slot 0 does not depend on slot 1");
    assert_eq!(decode_clock_slots(data), slots, "decoding is deterministic");
});
