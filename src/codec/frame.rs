//! Unsigned frames: `tag ‖ length (u32 LE) ‖ payload`.
//!
//! Used where a signature is not needed or not possible (activation
//! requests, key files). The reader caps the total size before looking at the
//! payload and rejects truncation and trailing bytes.

use super::{CodecError, tag, tag::Tag};

/// Frames `payload` under `tag`.
pub fn encode(tag: Tag, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + tag.tag.len() + 4 + payload.len());
    tag::write(&mut out, tag);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Reads a frame of `expected` type no longer than `max_len`, returning the payload.
pub fn decode(bytes: &[u8], expected: Tag, max_len: usize) -> Result<&[u8], CodecError> {
    if bytes.len() > max_len {
        return Err(CodecError::TooLarge { what: expected.name, len: bytes.len(), max: max_len });
    }
    let rest = tag::read(bytes, expected)?;
    let (payload, trailing) = read_len_prefixed(rest, expected)?;
    if !trailing.is_empty() {
        return Err(CodecError::TrailingBytes { what: expected.name, count: trailing.len() });
    }
    Ok(payload)
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
    use super::*;
    use crate::codec::tag::{LICENSE, REQUEST};

    #[test]
    fn frames_round_trip_and_reject_damage() {
        let f = encode(REQUEST, b"hello");
        assert_eq!(decode(&f, REQUEST, 100).unwrap(), b"hello");
        assert_eq!(
            decode(&f[..f.len() - 1], REQUEST, 100),
            Err(CodecError::Truncated { what: "activation request" })
        );
        let mut long = f.clone();
        long.push(0);
        assert_eq!(
            decode(&long, REQUEST, 100),
            Err(CodecError::TrailingBytes { what: "activation request", count: 1 })
        );
        assert!(matches!(decode(&f, REQUEST, 10), Err(CodecError::TooLarge { .. })));
        assert!(matches!(decode(&f, LICENSE, 100), Err(CodecError::WrongType { .. })));
    }
}
