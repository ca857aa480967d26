//! The [`Message`] trait and its one exact decoder; unsigned frames.
//!
//! Every nodelock message type — framed or signed — implements [`Message`]:
//! its domain tag, its size cap and its own validation. Reading goes through
//! the functions here and nowhere else, in this order: the cap (before
//! anything is looked at), the tag (type and version), the `u32` payload
//! length, the postcard payload consumed *exactly* (no trailing bytes), then
//! [`Message::validate`]. A new message type cannot forget a step.
//!
//! Unsigned frames, `tag ‖ length (u32 LE) ‖ payload`, carry the messages
//! that need no signature (activation requests, key files, the store's own
//! files): those types also implement [`Framed`], which provides
//! [`Framed::encode`] and [`Framed::decode_exact`]. A type that is only
//! read (one that holds a secret and must not be `Serialize`) is written
//! from a borrowed wire struct with [`encode_wire`], under its own tag. Signed messages implement
//! only [`Message`] and are read by `crate::signed::open`, which checks the
//! signature between the framing and the payload, so no signed type can be
//! read from an unsigned frame.

use serde::{Serialize, de::DeserializeOwned};

use super::{CodecError, canonical, reader, tag, tag::Tag};

/// A nodelock message type: what every reader checks, declared once.
///
/// Only reading needs the type itself; writing needs `Serialize`, which a
/// type holding a secret leaves to a private wire struct ([`encode_wire`]).
pub trait Message: DeserializeOwned {
    /// The domain tag: names the type and format version.
    const TAG: Tag;
    /// The largest encoded message (frame or envelope) a reader accepts.
    const MAX_LEN: usize;

    /// Checks the decoded message's own invariants (string contents,
    /// ranges); the error names the broken rule.
    fn validate(&self) -> Result<(), &'static str> {
        Ok(())
    }
}

/// A [`Message`] that travels in an unsigned frame.
pub trait Framed: Message {
    /// The frame: `tag ‖ length (u32 LE) ‖ postcard payload`.
    fn encode(&self) -> Vec<u8>
    where
        Self: Serialize,
    {
        encode(Self::TAG, &encode_payload(self))
    }

    /// Reads a frame of exactly this type: cap, tag, length, the payload
    /// consumed exactly, no trailing bytes, then [`Message::validate`].
    fn decode_exact(bytes: &[u8]) -> Result<Self, CodecError> {
        let rest = head::<Self>(bytes)?;
        let (payload, trailing) = read_len_prefixed(rest, Self::TAG)?;
        if !trailing.is_empty() {
            return Err(CodecError::TrailingBytes { what: Self::TAG.name, count: trailing.len() });
        }
        decode_payload(payload)
    }
}

/// The frame of message type `M` written from `wire`, a serialisable view
/// of an `M` with the same postcard encoding (for types that are not
/// `Serialize` themselves).
pub fn encode_wire<M: Framed>(wire: &impl Serialize) -> Vec<u8> {
    encode(M::TAG, &encode_payload(wire))
}

/// The postcard payload of `message`.
pub fn encode_payload<M: Serialize + ?Sized>(message: &M) -> Vec<u8> {
    // Postcard fails only for sequences of unknown length and for types
    // serde cannot describe; no message type has either.
    postcard::to_allocvec(message).unwrap_or_else(|_| unreachable!("messages always encode"))
}

/// The first checks of every reader, framed or signed: the size cap, then
/// the tag. Returns the bytes after the tag.
pub fn head<M: Message>(bytes: &[u8]) -> Result<&[u8], CodecError> {
    if bytes.len() > M::MAX_LEN {
        return Err(CodecError::TooLarge { what: M::TAG.name, len: bytes.len(), max: M::MAX_LEN });
    }
    tag::read(bytes, M::TAG)
}

/// The one exact payload decoder: postcard consumed exactly by the one
/// [`reader`] (shortest varints only), a typed refusal of non-canonical
/// encodings, then [`Message::validate`].
pub fn decode_payload<M: Message>(payload: &[u8]) -> Result<M, CodecError> {
    let what = M::TAG.name;
    let message = decode_exact_postcard::<M>(payload, what)?;
    message.validate().map_err(|rule| CodecError::Invalid { what, rule })?;
    Ok(message)
}

/// Postcard of any `T`, consumed exactly, reported as `what`: for values
/// that are read on their own but are not messages (a hardware profile).
pub fn decode_exact_postcard<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, CodecError> {
    canonical::clear();
    let mut reader = reader::Reader::new(bytes);
    let decoded = T::deserialize(&mut reader).map(|value| (value, reader.rest()));
    let broken = canonical::take();
    match (decoded, broken) {
        (Ok((value, [])), _) => Ok(value),
        (Ok((_, rest)), _) => Err(CodecError::TrailingBytes { what, count: rest.len() }),
        (Err(postcard::Error::SerdeDeCustom), Some(rule)) => Err(CodecError::NotCanonical { what, rule }),
        (Err(source), _) => Err(CodecError::Malformed { what, source }),
    }
}

/// Frames `payload` under `tag` (prefer [`Framed::encode`]; this is for
/// test vectors of malformed payloads).
pub fn encode(tag: Tag, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + tag.tag.len() + 4 + payload.len());
    tag::write(&mut out, tag);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Splits `len (u32 LE) ‖ payload ‖ rest` into payload and rest.
pub(crate) fn read_len_prefixed(bytes: &[u8], what: Tag) -> Result<(&[u8], &[u8]), CodecError> {
    let truncated = || CodecError::Truncated { what: what.name };
    let len_bytes: [u8; 4] = bytes.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(truncated)?;
    let len = u32::from_le_bytes(len_bytes) as usize;
    let rest = &bytes[4..];
    if rest.len() < len {
        return Err(truncated());
    }
    Ok(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::codec::tag::{LICENSE, REQUEST};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Hello {
        text: String,
    }

    impl Message for Hello {
        const TAG: Tag = REQUEST;
        const MAX_LEN: usize = 100;

        fn validate(&self) -> Result<(), &'static str> {
            if self.text.is_empty() { Err("the text is empty") } else { Ok(()) }
        }
    }

    impl Framed for Hello {}

    #[test]
    fn frames_round_trip_and_reject_damage() {
        let f = Hello { text: "hello".into() }.encode();
        assert_eq!(Hello::decode_exact(&f).unwrap(), Hello { text: "hello".into() });
        assert_eq!(
            Hello::decode_exact(&f[..f.len() - 1]),
            Err(CodecError::Truncated { what: "activation request" })
        );
        let mut long = f.clone();
        long.push(0);
        assert_eq!(
            Hello::decode_exact(&long),
            Err(CodecError::TrailingBytes { what: "activation request", count: 1 })
        );
        let big = encode(REQUEST, &[b'x'; 100]);
        assert_eq!(
            Hello::decode_exact(&big),
            Err(CodecError::TooLarge { what: "activation request", len: big.len(), max: 100 })
        );
        assert!(matches!(
            Hello::decode_exact(&encode(LICENSE, &encode_payload(&Hello { text: "x".into() }))),
            Err(CodecError::WrongType { .. })
        ));
    }

    #[test]
    fn the_payload_is_consumed_exactly_and_validated() {
        // "hello" and one byte more inside the length-delimited payload.
        let mut payload = encode_payload(&Hello { text: "hello".into() });
        payload.push(7);
        assert_eq!(
            Hello::decode_exact(&encode(REQUEST, &payload)),
            Err(CodecError::TrailingBytes { what: "activation request", count: 1 })
        );
        assert_eq!(
            Hello::decode_exact(&Hello { text: String::new() }.encode()),
            Err(CodecError::Invalid { what: "activation request", rule: "the text is empty" })
        );
        assert_eq!(
            Hello::decode_exact(&encode(REQUEST, &[5, b'a'])),
            Err(CodecError::Malformed {
                what: "activation request",
                source: postcard::Error::DeserializeUnexpectedEnd
            })
        );
    }
}
