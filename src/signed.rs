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
//! A signed message is a [`Message`] whose bytes travel in this envelope.
//! Opening checks, in this order and before any payload field is trusted:
//! total size ≤ the message type's cap and the tag (type and version) —
//! [`frame::head`], the same first checks as every unsigned frame — the
//! algorithm, the key id against the trusted keys, the exact length (no
//! truncation, no trailing bytes), the signature with `verify_strict`. Only
//! then is the payload decoded, by the one exact payload decoder
//! ([`frame::decode_payload`]): consumed exactly, then the type's own
//! validation.

use serde::Serialize;
use thiserror::Error;

use crate::codec::frame::{self, Message};
use crate::codec::{CodecError, tag, tag::Tag};
use crate::keys::{ALG_ED25519, KeyId, PublicKey, SecretKey, TrustedKeys};

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Why a signed message could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The envelope or its payload is not a valid message of the type.
    #[error(transparent)]
    Format(#[from] CodecError),
    /// Signed by a key that is not trusted.
    #[error(
        "the {what} is signed by key {key_id}, which this application does not trust; it comes from \
         another vendor, or the vendor's new key is not yet built into the application"
    )]
    UnknownKey {
        /// The message type.
        what: &'static str,
        /// The signing key's id.
        key_id: KeyId,
    },
    /// The signature does not verify.
    #[error(
        "the {what}'s signature does not match any trusted vendor key; the file was altered or comes from \
         another vendor"
    )]
    BadSignature {
        /// The message type.
        what: &'static str,
    },
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
pub fn seal<M: Message + Serialize>(message: &M, key: &SecretKey) -> Vec<u8> {
    seal_payload(M::TAG, &frame::encode_payload(message), key)
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

/// An envelope put back together from its parts: `tag`, the Ed25519 key id,
/// the payload and the signature that was made over them (a certificate
/// rebuilt from a short response). Nothing is verified here.
pub fn assemble(tag: Tag, key_id: KeyId, payload: &[u8], signature: &[u8; SIGNATURE_LEN]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + tag.tag.len() + 1 + 8 + 4 + payload.len() + SIGNATURE_LEN);
    tag::write(&mut out, tag);
    out.push(ALG_ED25519);
    out.extend_from_slice(&key_id.0);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(signature);
    out
}

/// The parts of an envelope, located but not yet verified.
struct Parts<'a> {
    key_id: KeyId,
    signed: &'a [u8],
    payload: &'a [u8],
    signature: [u8; SIGNATURE_LEN],
}

/// Steps 1–5 of `docs/FORMAT.md` §4 in their order: cap and tag
/// ([`frame::head`]), algorithm, key id (`key_for` finds the key it names,
/// before the length is looked at), then the exact length.
fn split<'a, K, M: Message>(
    bytes: &'a [u8],
    key_for: impl FnOnce(KeyId) -> Option<K>,
) -> Result<(Parts<'a>, K), SignatureError> {
    let what = M::TAG.name;
    let rest = frame::head::<M>(bytes)?;
    let (&alg, rest) = rest.split_first().ok_or(CodecError::Truncated { what })?;
    if alg != ALG_ED25519 {
        return Err(CodecError::UnknownAlgorithm { what, algorithm: alg }.into());
    }
    let key_id = KeyId(rest.get(..8).and_then(|k| k.try_into().ok()).ok_or(CodecError::Truncated { what })?);
    let key = key_for(key_id).ok_or(SignatureError::UnknownKey { what, key_id })?;
    let (payload, tail) = frame::read_len_prefixed(&rest[8..], M::TAG)?;
    let signature: [u8; SIGNATURE_LEN] = match tail.len() {
        SIGNATURE_LEN => tail.try_into().map_err(|_| CodecError::Truncated { what })?,
        n if n < SIGNATURE_LEN => return Err(CodecError::Truncated { what }.into()),
        n => return Err(CodecError::TrailingBytes { what, count: n - SIGNATURE_LEN }.into()),
    };
    let signed = &bytes[..bytes.len() - SIGNATURE_LEN];
    Ok((Parts { key_id, signed, payload, signature }, key))
}

/// Verifies an envelope against the trusted keys, then decodes it.
pub fn open<M: Message>(bytes: &[u8], trusted: &TrustedKeys) -> Result<Opened<M>, SignatureError> {
    let (parts, key) = split::<_, M>(bytes, |id| trusted.get(id))?;
    verify_then_decode(parts, key)
}

/// Verifies an envelope against one expected key, then decodes it.
pub fn open_with<M: Message>(bytes: &[u8], key: &PublicKey) -> Result<Opened<M>, SignatureError> {
    let (parts, key) = split::<_, M>(bytes, |id| (id == key.id()).then_some(key))?;
    verify_then_decode(parts, key)
}

fn verify_then_decode<M: Message>(parts: Parts<'_>, key: &PublicKey) -> Result<Opened<M>, SignatureError> {
    if !key.verify_strict(parts.signed, &parts.signature) {
        return Err(SignatureError::BadSignature { what: M::TAG.name });
    }
    Ok(Opened { message: frame::decode_payload(parts.payload)?, key_id: parts.key_id })
}

/// Decodes an envelope **without verifying its signature**, for display only
/// (`nodelock license inspect` without a key). Nothing it returns may be
/// trusted; framing, sizes and payload validity are still checked.
pub fn decode_unverified<M: Message>(bytes: &[u8]) -> Result<Opened<M>, CodecError> {
    let (parts, ()) = split::<_, M>(bytes, |_| Some(())).map_err(|e| match e {
        SignatureError::Format(e) => e,
        // Every key id is accepted here, and nothing is verified.
        SignatureError::UnknownKey { what, .. } | SignatureError::BadSignature { what } => {
            CodecError::Invalid { what, rule: "unreachable: no key is checked" }
        }
    })?;
    Ok(Opened { message: frame::decode_payload(parts.payload)?, key_id: parts.key_id })
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Note(u32);

    impl Message for Note {
        const TAG: Tag = tag::RECEIPT;
        const MAX_LEN: usize = 200;

        fn validate(&self) -> Result<(), &'static str> {
            if self.0 == 0 { Err("the note is zero") } else { Ok(()) }
        }
    }

    #[test]
    fn open_checks_trust_signature_framing_and_rules_in_order() {
        let key = SecretKey::from_seed(&[5; 32]);
        let other = SecretKey::from_seed(&[6; 32]);
        let trusted = TrustedKeys::single(key.public_key().clone());
        let sealed = seal(&Note(7), &key);
        assert_eq!(
            open::<Note>(&sealed, &trusted).unwrap(),
            Opened { message: Note(7), key_id: key.key_id() }
        );
        assert_eq!(open_with::<Note>(&sealed, key.public_key()).unwrap().message, Note(7));
        assert_eq!(
            open_with::<Note>(&sealed, other.public_key()),
            Err(SignatureError::UnknownKey { what: "deactivation receipt", key_id: key.key_id() })
        );
        let mut forged = sealed.clone();
        let n = forged.len();
        forged[n - 65] ^= 1; // the payload's last byte
        assert_eq!(
            open::<Note>(&forged, &trusted),
            Err(SignatureError::BadSignature { what: "deactivation receipt" })
        );
        // Unverified decoding sees the altered payload: nothing it returns is trusted.
        assert_eq!(decode_unverified::<Note>(&forged).unwrap().message, Note(6));
        let mut long = sealed.clone();
        long.push(0);
        assert_eq!(
            open::<Note>(&long, &trusted),
            Err(SignatureError::Format(CodecError::TrailingBytes { what: "deactivation receipt", count: 1 }))
        );
        assert_eq!(
            open::<Note>(&seal(&Note(0), &key), &trusted),
            Err(SignatureError::Format(CodecError::Invalid {
                what: "deactivation receipt",
                rule: "the note is zero"
            }))
        );
        assert!(matches!(
            open::<Note>(&seal_payload(tag::RECEIPT, &[0; 300], &key), &trusted),
            Err(SignatureError::Format(CodecError::TooLarge { max: 200, .. }))
        ));
    }
}
