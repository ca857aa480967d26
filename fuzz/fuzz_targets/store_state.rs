//! The store's activation file (`store::decode_state_bytes`): never panics
//! on a damaged file; a state that decodes encodes back to a state file that
//! decodes to the same state, and its certificate can be looked at.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::store::{MAX_PENDING, decode_state_bytes};
use nodelock::codec::{frame, tag};

fuzz_target!(|data: &[u8]| {
    let Ok(state) = decode_state_bytes(data) else { return };
    assert!(state.pending.len() <= MAX_PENDING);
    if let Some(active) = &state.active {
        let _ = active.certificate_unverified();
        let _ = active.public_key();
    }
    let payload = postcard::to_allocvec(&state).expect("a state encodes");
    let file = frame::encode(tag::STORE_STATE, &payload);
    assert!(file.len() <= data.len(), "re-encoding grew the state");
    assert_eq!(decode_state_bytes(&file).as_ref(), Ok(&state), "state round trip");
});
