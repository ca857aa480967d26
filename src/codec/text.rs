//! The one text reader: a message given as an offline code, as armoured
//! text, or as its raw bytes, returned as the message bytes for the
//! message's own decoder.
//!
//! What a user pastes or a file holds is recognised in this order: raw
//! bytes (they start with a domain tag), armoured text (`-----BEGIN
//! NODELOCK …-----`, [`super::armour`]), an offline code (`NLR-…`,
//! [`super::code`], also inside an email or a quoted reply,
//! [`super::paste`]) when the message type has a code form, else the bytes
//! themselves. Nothing is verified here; the caps are the
//! message type's own.

use super::frame::Message;
use super::{CodecError, armour, code, paste};

/// The message bytes of `data`, given as an offline code of `M`, as `M`'s
/// armoured text, or as raw bytes (not yet decoded or verified).
pub fn read<M: Message>(data: &[u8]) -> Result<Vec<u8>, CodecError> {
    // Raw bytes start with a tag: `len ‖ "nodelock/…"`.
    if data.get(1..).is_some_and(|rest| rest.starts_with(b"nodelock/")) {
        return Ok(data.to_vec());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if armour::is_armoured(text) {
            return armour::decode(text, M::TAG, M::MAX_LEN);
        }
        // A code alone, or inside pasted text (an email, a quoted reply).
        if M::TAG.code.is_some() && paste::find(text).is_some() {
            return Ok(code::decode::<M>(text)?);
        }
    }
    Ok(data.to_vec())
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::codec::frame::Framed;
    use crate::codec::{CodeError, tag};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Note(String);

    impl Message for Note {
        const TAG: tag::Tag = tag::RECEIPT;
        const MAX_LEN: usize = 64;
    }

    impl Framed for Note {}

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Plain(u8);

    impl Message for Plain {
        const TAG: tag::Tag = tag::PUBLIC_KEY;
        const MAX_LEN: usize = 64;
    }

    #[test]
    fn reads_codes_armour_and_bytes_alike() {
        let bytes = Note("hi".into()).encode();
        let code = code::encode::<Note>(&bytes);
        let armoured = armour::encode(tag::RECEIPT, &bytes);
        for form in [code.as_bytes(), armoured.as_bytes(), &bytes] {
            assert_eq!(read::<Note>(form).unwrap(), bytes);
        }
        assert_eq!(Note::decode_exact(&read::<Note>(code.as_bytes()).unwrap()).unwrap(), Note("hi".into()));
    }

    #[test]
    fn each_form_keeps_its_own_refusals() {
        let bytes = Note("hi".into()).encode();
        let code = code::encode::<Note>(&bytes);
        assert!(matches!(
            read::<Note>(&code.as_bytes()[..code.len() - 2]),
            Err(CodecError::Code(CodeError::Checksum { .. } | CodeError::Length { .. }))
        ));
        let request_code = code::encode_as(tag::REQUEST, &bytes);
        assert_eq!(
            read::<Note>(request_code.as_bytes()),
            Err(CodecError::Code(CodeError::WrongKind {
                expected: "deactivation receipt",
                found: "activation request"
            }))
        );
        let big = armour::encode(tag::RECEIPT, &[0; 65]);
        assert!(matches!(read::<Note>(big.as_bytes()), Err(CodecError::TooLarge { max: 64, .. })));
        // A type without a code form reads code-like text as raw bytes.
        assert_eq!(read::<Plain>(code.as_bytes()).unwrap(), code.as_bytes());
    }
}
