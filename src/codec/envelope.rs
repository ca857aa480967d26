//! The signed envelope shared by every signed message.
//!
//! ```text
//! tag      1 + n bytes   length-prefixed domain tag, e.g. "nodelock/license/v1"
//! alg      1 byte        0x01 = Ed25519
//! key_id   8 bytes       id of the signing key
//! len      4 bytes       payload length, u32 little-endian
//! payload  len bytes     postcard encoding of the message
//! sig      64 bytes      Ed25519 signature over every byte before it
//! ```
//!
//! Opening checks, in this order and before any payload field is trusted:
//! total size ≤ the message type's cap, the tag (type and version), the
//! algorithm, the key id against the trusted keys, the exact length (no
//! truncation, no trailing bytes), the signature with `verify_strict`. Only
//! then is the payload decoded, and it too must be consumed exactly and pass
//! the message type's own validation.

use serde::{Serialize, de::DeserializeOwned};

use super::{CodecError, frame, tag, tag::Tag};
use crate::keys::{ALG_ED25519, KeyId, PublicKey, SecretKey, TrustedKeys};

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// A message type that travels in a signed envelope.
pub trait SignedMessage: Serialize + DeserializeOwned {
    /// The domain tag: names the type and format version.
    const TAG: Tag;
    /// The largest envelope of this type a reader accepts.
    const MAX_LEN: usize;

    /// Checks the decoded message's own invariants (string lengths, ranges).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A message whose signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<M> {
    /// The message.
    pub message: M,
    /// The key that signed it.
    pub key_id: KeyId,
}

/// Signs `message` with `key` and returns the envelope bytes.
pub fn seal<M: SignedMessage>(message: &M, key: &SecretKey) -> Vec<u8> {
    let payload = postcard::to_allocvec(message).unwrap_or_else(|_| unreachable!("messages always encode"));
    seal_payload(M::TAG, &payload, key)
}

/// Signs raw payload bytes under `tag` (for test vectors of malformed payloads).
pub fn seal_payload(tag: Tag, payload: &[u8], key: &SecretKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + tag.tag.len() + 1 + 8 + 4 + payload.len() + SIGNATURE_LEN);
    tag::write(&mut out, tag);
    out.push(ALG_ED25519);
    out.extend_from_slice(&key.key_id().0);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    let signature = key.sign(&out);
    out.extend_from_slice(&signature);
    out
}

/// The parts of an envelope, located but not yet verified.
struct Parts<'a> {
    key_id: KeyId,
    signed: &'a [u8],
    payload: &'a [u8],
    signature: [u8; SIGNATURE_LEN],
}

fn split<M: SignedMessage>(bytes: &[u8]) -> Result<Parts<'_>, CodecError> {
    let what = M::TAG.name;
    if bytes.len() > M::MAX_LEN {
        return Err(CodecError::TooLarge { what, len: bytes.len(), max: M::MAX_LEN });
    }
    let rest = tag::read(bytes, M::TAG)?;
    let (&alg, rest) = rest.split_first().ok_or(CodecError::Truncated { what })?;
    if alg != ALG_ED25519 {
        return Err(CodecError::UnknownAlgorithm { what, algorithm: alg });
    }
    let key_id = KeyId(rest.get(..8).and_then(|k| k.try_into().ok()).ok_or(CodecError::Truncated { what })?);
    let (payload, tail) = frame::read_len_prefixed(&rest[8..], M::TAG)?;
    let signature: [u8; SIGNATURE_LEN] = match tail.len() {
        SIGNATURE_LEN => tail.try_into().map_err(|_| CodecError::Truncated { what })?,
        n if n < SIGNATURE_LEN => return Err(CodecError::Truncated { what }),
        n => return Err(CodecError::TrailingBytes { what, count: n - SIGNATURE_LEN }),
    };
    let signed = &bytes[..bytes.len() - SIGNATURE_LEN];
    Ok(Parts { key_id, signed, payload, signature })
}

fn decode_payload<M: SignedMessage>(payload: &[u8]) -> Result<M, CodecError> {
    let what = M::TAG.name;
    let (message, rest) = postcard::take_from_bytes::<M>(payload)
        .map_err(|e| CodecError::Malformed { what, detail: e.to_string() })?;
    if !rest.is_empty() {
        return Err(CodecError::TrailingBytes { what, count: rest.len() });
    }
    message.validate().map_err(|detail| CodecError::Invalid { what, detail })?;
    Ok(message)
}

/// Verifies an envelope against the trusted keys, then decodes it.
pub fn open<M: SignedMessage>(bytes: &[u8], trusted: &TrustedKeys) -> Result<Opened<M>, CodecError> {
    let parts = split::<M>(bytes)?;
    let key = trusted
        .get(parts.key_id)
        .ok_or(CodecError::UnknownKey { what: M::TAG.name, key_id: parts.key_id })?;
    verify_then_decode(parts, key)
}

/// Verifies an envelope against one expected key, then decodes it.
pub fn open_with<M: SignedMessage>(bytes: &[u8], key: &PublicKey) -> Result<Opened<M>, CodecError> {
    let parts = split::<M>(bytes)?;
    if parts.key_id != key.id() {
        return Err(CodecError::UnknownKey { what: M::TAG.name, key_id: parts.key_id });
    }
    verify_then_decode(parts, key)
}

fn verify_then_decode<M: SignedMessage>(parts: Parts<'_>, key: &PublicKey) -> Result<Opened<M>, CodecError> {
    if !key.verify_strict(parts.signed, &parts.signature) {
        return Err(CodecError::BadSignature { what: M::TAG.name });
    }
    Ok(Opened { message: decode_payload(parts.payload)?, key_id: parts.key_id })
}

/// Decodes an envelope **without verifying its signature**, for display only
/// (`nodelock license inspect` without a key). Nothing it returns may be
/// trusted; framing, sizes and payload validity are still checked.
pub fn decode_unverified<M: SignedMessage>(bytes: &[u8]) -> Result<Opened<M>, CodecError> {
    let parts = split::<M>(bytes)?;
    Ok(Opened { message: decode_payload(parts.payload)?, key_id: parts.key_id })
}
