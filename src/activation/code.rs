//! Offline codes: activation messages a person can copy into a web page or
//! an email, read over the phone, or retype from a printout.
//!
//! ```text
//! NLR-0A3F9-KQ2M7-...-X4C1     (request; NLC = certificate, NLD = receipt)
//! ```
//!
//! A code is a prefix naming the message, then Crockford base32
//! ([`crate::codec::base32`]) of `type (1 byte) ‖ message ‖ CRC-32 (4 bytes,
//! big-endian)`, in groups of five symbols joined by `-`. The message is the
//! framed or signed message *without* its domain tag, which the type byte
//! stands for and which decoding restores exactly (so signatures still
//! verify). Decoding ignores case, separators and white space, reads
//! `I`/`L` as `1` and `O` as `0`, and checks the CRC before anything else is
//! looked at: a mistyped symbol is caught before the code is sent, and when a
//! single symbol is wrong the error says where.

use thiserror::Error;

use crate::codec::{base32, tag, tag::Tag};

/// Symbols per group.
pub const GROUP: usize = 5;
/// The most message bytes a code may carry.
pub const MAX_CODE_BYTES: usize = 8 * 1024;

/// The kinds of message that travel as offline codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// An activation request (`NLR`).
    Request,
    /// An activation certificate, the response (`NLC`).
    Certificate,
    /// A deactivation receipt (`NLD`).
    Receipt,
}

impl CodeKind {
    const ALL: [CodeKind; 3] = [CodeKind::Request, CodeKind::Certificate, CodeKind::Receipt];

    /// The text prefix.
    pub const fn prefix(self) -> &'static str {
        match self {
            CodeKind::Request => "NLR",
            CodeKind::Certificate => "NLC",
            CodeKind::Receipt => "NLD",
        }
    }

    /// The type byte.
    pub const fn type_byte(self) -> u8 {
        match self {
            CodeKind::Request => 0x01,
            CodeKind::Certificate => 0x02,
            CodeKind::Receipt => 0x03,
        }
    }

    /// The domain tag of the message.
    pub const fn tag(self) -> Tag {
        match self {
            CodeKind::Request => tag::REQUEST,
            CodeKind::Certificate => tag::CERTIFICATE,
            CodeKind::Receipt => tag::RECEIPT,
        }
    }

    fn name(self) -> &'static str {
        self.tag().name
    }
}

/// Why a code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CodeError {
    /// Does not start with a known prefix.
    #[error("this is not a nodelock {expected} code (it should start with `{prefix}-`); copy the whole code")]
    NotACode {
        /// The expected message.
        expected: &'static str,
        /// The expected prefix.
        prefix: &'static str,
    },
    /// Another kind of code.
    #[error("expected a {expected} code, but this is a {found} code")]
    WrongKind {
        /// The expected message.
        expected: &'static str,
        /// What was given.
        found: &'static str,
    },
    /// A character outside the alphabet.
    #[error(
        "the code contains `{character}` (character {position}), which is not part of any code; check for a typo"
    )]
    BadCharacter {
        /// The character.
        character: char,
        /// Its 1-based position in the code, prefix and separators included.
        position: usize,
    },
    /// The checksum does not match.
    #[error("the code has a typo{hint}; compare it with the original character by character")]
    Checksum {
        /// Where the typo probably is, if one symbol explains it.
        hint: String,
    },
    /// Too short or too long to be a code.
    #[error("the {expected} code is {problem}; copy the whole code")]
    Length {
        /// The expected message.
        expected: &'static str,
        /// "too short" or "too long".
        problem: &'static str,
    },
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & 0u32.wrapping_sub(crc & 1));
        }
    }
    !crc
}

/// Turns a framed or signed message (starting with `kind`'s tag) into a code.
pub fn encode(kind: CodeKind, message: &[u8]) -> String {
    let tag_len = 1 + kind.tag().tag.len();
    let body = message.get(tag_len..).unwrap_or_default();
    let mut bytes = Vec::with_capacity(1 + body.len() + 4);
    bytes.push(kind.type_byte());
    bytes.extend_from_slice(body);
    let crc = crc32(&bytes);
    bytes.extend_from_slice(&crc.to_be_bytes());
    let symbols = base32::encode(&bytes);
    let mut out = String::with_capacity(4 + symbols.len() + symbols.len() / GROUP);
    out.push_str(kind.prefix());
    for group in symbols.as_bytes().chunks(GROUP) {
        out.push('-');
        out.push_str(&String::from_utf8_lossy(group));
    }
    out
}

/// Whether `text` looks like an offline code of any kind (rather than a file
/// name or armoured text).
pub fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    CodeKind::ALL.iter().any(|k| {
        t.len() > 4
            && t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(k.prefix()))
            && t.as_bytes()[3] == b'-'
    })
}

/// Reads a code of `expected` kind and returns the message with its domain
/// tag restored, ready for the message's own decoder.
pub fn decode(text: &str, expected: CodeKind) -> Result<Vec<u8>, CodeError> {
    let text = text.trim();
    let found = CodeKind::ALL
        .into_iter()
        .find(|k| text.len() >= 4 && text.is_char_boundary(3) && text[..3].eq_ignore_ascii_case(k.prefix()));
    let Some(found) = found else {
        return Err(CodeError::NotACode { expected: expected.name(), prefix: expected.prefix() });
    };
    if found != expected {
        return Err(CodeError::WrongKind { expected: expected.name(), found: found.name() });
    }
    let symbols = &text[3..];
    if symbols.len() > (MAX_CODE_BYTES + 5) * 8 / 5 * 2 {
        return Err(CodeError::Length { expected: expected.name(), problem: "too long" });
    }
    let bytes = match base32::decode(symbols) {
        Ok(bytes) => bytes,
        Err(e) if base32::symbol_value(e.character).is_none() => {
            return Err(CodeError::BadCharacter { character: e.character, position: 3 + e.position + 1 });
        }
        // A dangling or non-canonical last symbol: a typo or a code cut short.
        Err(_) => return Err(typo_hint(symbols, expected)),
    };
    if bytes.len() < 1 + 4 {
        return Err(CodeError::Length { expected: expected.name(), problem: "too short" });
    }
    if bytes.len() > MAX_CODE_BYTES + 5 {
        return Err(CodeError::Length { expected: expected.name(), problem: "too long" });
    }
    let (data, crc) = bytes.split_at(bytes.len() - 4);
    if crc32(data).to_be_bytes() != crc {
        return Err(typo_hint(symbols, expected));
    }
    if data[0] != expected.type_byte() {
        return Err(CodeError::Checksum { hint: String::new() });
    }
    let mut message = Vec::with_capacity(1 + expected.tag().tag.len() + data.len() - 1);
    tag::write(&mut message, expected.tag());
    message.extend_from_slice(&data[1..]);
    Ok(message)
}

/// Looks for the one symbol whose correction makes the checksum match, to
/// tell the user where the typo is. Only a hint: nothing is corrected.
fn typo_hint(symbols: &str, kind: CodeKind) -> CodeError {
    let positions: Vec<(usize, char)> =
        symbols.chars().filter(|c| !base32::is_separator(*c)).enumerate().collect();
    let values: Option<Vec<u8>> = positions.iter().map(|(_, c)| base32::symbol_value(*c)).collect();
    let Some(mut values) = values else { return CodeError::Checksum { hint: String::new() } };
    let checks = |values: &[u8]| -> bool {
        let text: String =
            values.iter().map(|v| (b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[*v as usize]) as char).collect();
        match base32::decode(&text) {
            Ok(bytes) if bytes.len() >= 5 => {
                let (data, crc) = bytes.split_at(bytes.len() - 4);
                crc32(data).to_be_bytes() == crc && data[0] == kind.type_byte()
            }
            _ => false,
        }
    };
    let mut found = None;
    for i in 0..values.len() {
        let original = values[i];
        for candidate in 0..32u8 {
            if candidate == original {
                continue;
            }
            values[i] = candidate;
            if checks(&values) {
                if found.is_some() {
                    return CodeError::Checksum { hint: String::new() };
                }
                found = Some(i);
            }
        }
        values[i] = original;
    }
    match found {
        Some(i) => {
            CodeError::Checksum { hint: format!(" in group {}, character {}", i / GROUP + 1, i % GROUP + 1) }
        }
        None => CodeError::Checksum { hint: String::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::frame;

    fn sample() -> Vec<u8> {
        frame::encode(tag::REQUEST, b"an activation request payload of some length")
    }

    #[test]
    fn round_trip_restores_the_tag() {
        let msg = sample();
        let code = encode(CodeKind::Request, &msg);
        assert!(code.starts_with("NLR-"));
        assert!(code.split('-').skip(1).all(|g| g.len() <= GROUP && !g.is_empty()));
        assert_eq!(decode(&code, CodeKind::Request).unwrap(), msg);
        let sloppy =
            format!("  {}\n", code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l"));
        assert_eq!(decode(&sloppy, CodeKind::Request).unwrap(), msg);
        assert!(looks_like_code(&code));
        assert!(!looks_like_code("request.txt"));
    }

    #[test]
    fn every_single_typo_is_caught_and_located() {
        let code = encode(CodeKind::Request, &sample());
        let chars: Vec<char> = code.chars().collect();
        let mut located = 0;
        for (i, c) in chars.iter().enumerate().skip(4) {
            if *c == '-' {
                continue;
            }
            let replacement = if *c == 'Z' { 'Y' } else { 'Z' };
            let mut typo = chars.clone();
            typo[i] = replacement;
            let typo: String = typo.into_iter().collect();
            match decode(&typo, CodeKind::Request) {
                Err(CodeError::Checksum { hint }) => located += usize::from(!hint.is_empty()),
                other => panic!("typo at {i} not caught: {other:?}"),
            }
        }
        assert!(located > 0, "single typos are located");
    }

    #[test]
    fn adjacent_transpositions_are_caught() {
        let code = encode(CodeKind::Request, &sample());
        let chars: Vec<char> = code.chars().collect();
        for i in 4..chars.len() - 1 {
            if chars[i] == '-' || chars[i + 1] == '-' || chars[i] == chars[i + 1] {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(decode(&swapped, CodeKind::Request).is_err(), "swap at {i}");
        }
    }

    #[test]
    fn refusals() {
        let code = encode(CodeKind::Request, &sample());
        assert!(matches!(decode(&code, CodeKind::Certificate), Err(CodeError::WrongKind { .. })));
        assert!(matches!(decode("hello", CodeKind::Request), Err(CodeError::NotACode { .. })));
        assert!(matches!(
            decode(&code.replacen('-', "-U", 2), CodeKind::Request),
            Err(CodeError::BadCharacter { character: 'U', .. })
        ));
        assert!(matches!(
            decode(&code[..code.len() - 7], CodeKind::Request),
            Err(CodeError::Checksum { .. } | CodeError::Length { .. })
        ));
        assert!(matches!(
            decode("NLR-00", CodeKind::Request),
            Err(CodeError::Length { .. } | CodeError::Checksum { .. })
        ));
        assert!(decode("NLR-", CodeKind::Request).is_err());
        assert!(decode("NLRé", CodeKind::Request).is_err());
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }
}
