//! Typed refusals of non-canonical encodings from inside serde.
//!
//! A serde visitor can only fail with a message (postcard keeps none of it:
//! every custom error becomes `SerdeDeCustom`). A visitor that finds an
//! encoding that decodes but is not the one canonical encoding (map keys or
//! profile kinds out of order, an empty entry) calls [`reject`] with the
//! rule it broke; the exact decoder ([`crate::codec::frame::decode_payload`])
//! then reports [`CodecError::NotCanonical`](super::CodecError::NotCanonical)
//! with that rule instead of an anonymous "malformed".

use std::cell::Cell;

thread_local! {
    static BROKEN: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Records that `rule` is broken and returns the serde error that aborts
/// decoding.
pub fn reject<E: serde::de::Error>(rule: &'static str) -> E {
    BROKEN.with(|b| b.set(Some(rule)));
    E::custom(rule)
}

/// Forgets any recorded rule (called before a decode starts).
pub(crate) fn clear() {
    BROKEN.with(|b| b.set(None));
}

/// The rule recorded by [`reject`] since the last [`clear`], taken.
pub(crate) fn take() -> Option<&'static str> {
    BROKEN.with(Cell::take)
}
