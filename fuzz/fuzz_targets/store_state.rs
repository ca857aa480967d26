//! The store's activation file (`store::decode_state_bytes`, versions 1 and
//! 2): never panics on a damaged file, keeps its caps, and a state that
//! decodes has a certificate that can be looked at. (The state cannot be
//! re-encoded from outside the crate — it holds the activation secret — so
//! the encode/decode round trip is a unit test in `state.rs`.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::store::{MAX_PENDING, decode_state_bytes};

fuzz_target!(|data: &[u8]| {
    let Ok(state) = decode_state_bytes(data) else { return };
    assert!(state.pending.len() <= MAX_PENDING);
    if let Some(active) = &state.active {
        let _ = active.certificate_unverified();
        let _ = active.public_key();
    }
    assert_eq!(decode_state_bytes(data).as_ref(), Ok(&state), "decoding is deterministic");
});
