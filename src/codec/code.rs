//! Offline codes: activation messages a person can copy into a web page or
//! an email, read over the phone, or retype from a printout.
//!
//! ```text
//! NLR-0A3F9-KQ2M7-...-X4C1     (request; NLC = certificate, NLD = receipt)
//! ```
//!
//! A code is a prefix naming the message, then Crockford base32
//! ([`super::base32`]) of `type (1 byte) ‖ message ‖ CRC-32 (4 bytes,
//! big-endian)`, in groups of five symbols joined by `-`. The message is the
//! framed or signed message *without* its domain tag, which the type byte
//! stands for and which decoding restores exactly (so signatures still
//! verify). Decoding ignores case, separators and white space, reads
//! `I`/`L` as `1` and `O` as `0`, and checks the CRC before anything else is
//! looked at: a mistyped symbol is caught before the code is sent, and when a
//! single symbol is wrong the error says where.
//!
//! Which messages travel as codes, and their prefixes and type bytes, is
//! read from the tag registry ([`Tag::code`]).

use std::fmt;

use thiserror::Error;

use super::tag::{self, CodeForm, Tag};
use super::{base32, frame::Message, paste};

/// Symbols per group.
pub const GROUP: usize = 5;
/// The most message bytes a code may carry.
pub const MAX_CODE_BYTES: usize = 8 * 1024;

/// Where a single wrong symbol probably is (1-based group and character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolAt {
    /// The group of five symbols, from 1.
    pub group: usize,
    /// The character within the group, from 1.
    pub character: usize,
}

impl SymbolAt {
    fn of(index: usize) -> Self {
        SymbolAt { group: index / GROUP + 1, character: index % GROUP + 1 }
    }
}

/// The hint of a checksum error: where the typo is, if one symbol explains it.
struct Hint(Option<SymbolAt>);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(at) => write!(f, " in group {}, character {}", at.group, at.character),
            None => Ok(()),
        }
    }
}

fn form(tag: Tag) -> CodeForm {
    // A tag without a code form gets one that no code has (an empty prefix
    // and type byte 0), so its codes are refused as "not a code".
    tag.code.unwrap_or(CodeForm { prefix: "", type_byte: 0, signed: false })
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
    #[error("the code has a typo{}; compare it with the original character by character", Hint(*at))]
    Checksum {
        /// Where the typo probably is, if one symbol explains it.
        at: Option<SymbolAt>,
    },
    /// The code ends before the message does: symbols are missing at the end.
    #[error(
        "the {expected} code is incomplete: {missing_groups} group(s) of five ({missing_symbols} symbol(s)) are missing \
         at the end; copy the whole code, up to its last group"
    )]
    Incomplete {
        /// The expected message.
        expected: &'static str,
        /// How many groups of five symbols are missing or incomplete.
        missing_groups: usize,
        /// How many symbols are missing.
        missing_symbols: usize,
    },
    /// More symbols than the message the code announces.
    #[error(
        "the {expected} code has {extra} symbol(s) more than it should; check its end for extra characters"
    )]
    TooManySymbols {
        /// The expected message.
        expected: &'static str,
        /// How many symbols too many.
        extra: usize,
    },
    /// The checksum is right, but the type byte is none this build knows.
    #[error(
        "the code is intact but holds type {type_byte:#04x}, which is no {expected} this version of nodelock \
         reads; it comes from a newer version or another product — update the application"
    )]
    WrongType {
        /// The expected message.
        expected: &'static str,
        /// The type byte found.
        type_byte: u8,
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
    !bytes.iter().fold(!0u32, |crc, &b| CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8))
}

/// Turns a framed or signed message of type `M` (starting with its tag) into
/// a code.
pub fn encode<M: Message>(message: &[u8]) -> String {
    encode_as(M::TAG, message)
}

/// Turns a framed or signed message (starting with `tag`) into a code; `tag`
/// must have a code form.
pub fn encode_as(tag: Tag, message: &[u8]) -> String {
    // A later version of the type has its own type byte.
    let tag = tag::version_of(tag, message).unwrap_or(tag);
    let kind = form(tag);
    let tag_len = 1 + tag.tag.len();
    let body = message.get(tag_len..).unwrap_or_default();
    let mut bytes = Vec::with_capacity(1 + body.len() + 4);
    bytes.push(kind.type_byte);
    bytes.extend_from_slice(body);
    let crc = crc32(&bytes);
    bytes.extend_from_slice(&crc.to_be_bytes());
    let symbols = base32::encode(&bytes);
    let mut out = String::with_capacity(4 + symbols.len() + symbols.len() / GROUP);
    out.push_str(kind.prefix);
    for group in symbols.as_bytes().chunks(GROUP) {
        out.push('-');
        out.push_str(&String::from_utf8_lossy(group));
    }
    out
}

/// Whether `text` looks like an offline code of any kind (rather than a file
/// name or armoured text).
pub fn looks_like_code(text: &str) -> bool {
    // Compared as bytes: the text is arbitrary input, and slicing it as a
    // `str` at byte 3 would panic inside a multi-byte character.
    let t = text.trim().as_bytes();
    t.len() > 4
        && t[3] == b'-'
        && tag::with_codes().any(|(_, c)| t[..3].eq_ignore_ascii_case(c.prefix.as_bytes()))
}

/// Reads a code of message type `M` and returns the message with its domain
/// tag restored, ready for the message's own decoder.
pub fn decode<M: Message>(text: &str) -> Result<Vec<u8>, CodeError> {
    decode_as(text, M::TAG)
}

/// Reads a code of the message type `expected` (a tag with a code form).
pub fn decode_as(text: &str, expected: Tag) -> Result<Vec<u8>, CodeError> {
    let kind = form(expected);
    let name = expected.name;
    // A code pasted over several lines, quoted or inside an email.
    let pasted = paste::find(text);
    let text = pasted.as_deref().unwrap_or(text.trim());
    let found = tag::with_codes().find(|(_, c)| {
        text.len() >= 4 && text.is_char_boundary(3) && text[..3].eq_ignore_ascii_case(c.prefix)
    });
    let Some((found, _)) = found else {
        return Err(CodeError::NotACode { expected: name, prefix: kind.prefix });
    };
    if found != expected {
        return Err(CodeError::WrongKind { expected: name, found: found.name });
    }
    let symbols = &text[3..];
    if symbols.len() > (MAX_CODE_BYTES + 5) * 8 / 5 * 2 {
        return Err(CodeError::Length { expected: name, problem: "too long" });
    }
    let bytes = match base32::decode(symbols) {
        Ok(bytes) => bytes,
        Err(e) if base32::symbol_value(e.character).is_none() => {
            return Err(CodeError::BadCharacter { character: e.character, position: 3 + e.position + 1 });
        }
        // A dangling or non-canonical last symbol: a code cut short, a
        // symbol too many, or a typo.
        Err(_) => return Err(incomplete_or_typo(symbols, expected)),
    };
    if bytes.len() < 1 + 4 {
        return Err(CodeError::Length { expected: name, problem: "too short" });
    }
    if bytes.len() > MAX_CODE_BYTES + 5 {
        return Err(CodeError::Length { expected: name, problem: "too long" });
    }
    let (data, crc) = bytes.split_at(bytes.len() - 4);
    if crc32(data).to_be_bytes() != crc {
        return Err(incomplete_or_typo(symbols, expected));
    }
    // The type byte names the version of the message type; the message's
    // own reader decides which versions it accepts.
    let Some(version) = tag::by_type_byte(expected, data[0]) else {
        return Err(CodeError::WrongType { expected: name, type_byte: data[0] });
    };
    let mut message = Vec::with_capacity(1 + version.tag.len() + data.len() - 1);
    tag::write(&mut message, version);
    message.extend_from_slice(&data[1..]);
    Ok(message)
}

/// The symbol values of `symbols`, separators skipped (`None` if one is
/// outside the alphabet).
fn values_of(symbols: &str) -> Option<Vec<u8>> {
    symbols.chars().filter(|c| !base32::is_separator(*c)).map(base32::symbol_value).collect()
}

/// The first `need` bytes of the symbol values `values` (fewer when the
/// code is shorter).
fn head_bytes(values: &[u8], need: usize) -> Vec<u8> {
    let mut head = Vec::with_capacity(need);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &v in values.iter().take((need * 8).div_ceil(5)) {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            head.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    head
}

/// How many symbols the whole code has, read from its start
/// (`docs/FORMAT.md` §10.2): type byte, then for a signed message the
/// algorithm and key id, then `payload_len`; after the payload the signature
/// of a signed message and the CRC. A short form (§10.4) has no length
/// field: its flags byte, after the type byte, fixes its length. `None` when
/// too little is there to say.
fn expected_symbols(values: &[u8], expected: Tag) -> Option<usize> {
    let found = head_bytes(values, 1).first().and_then(|&b| tag::by_type_byte(expected, b));
    if found.is_some_and(tag::is_short) {
        let flags = *head_bytes(values, 2).get(1)?;
        return tag::short_response_len(flags).map(|len| ((len + 4) * 8).div_ceil(5));
    }
    let kind = form(expected);
    let header = if kind.signed { 1 + 1 + 8 } else { 1 };
    let need = header + 4;
    let head = head_bytes(values, need);
    let len: [u8; 4] = head.get(header..need)?.try_into().ok()?;
    let total = need + u32::from_le_bytes(len) as usize + if kind.signed { 64 } else { 0 } + 4;
    (total <= MAX_CODE_BYTES + 5).then(|| (total * 8).div_ceil(5))
}

/// The error of a code whose checksum does not match: incomplete (symbols
/// missing at the end), too long (symbols too many), else a typo, located
/// when one symbol explains it.
fn incomplete_or_typo(symbols: &str, expected: Tag) -> CodeError {
    let name = expected.name;
    let Some(values) = values_of(symbols) else { return CodeError::Checksum { at: None } };
    // A single wrong symbol explains it (even one in the length field).
    let typo = typo_hint(symbols, expected);
    if matches!(typo, CodeError::Checksum { at: Some(_) }) {
        return typo;
    }
    match expected_symbols(&values, expected) {
        Some(want) if values.len() < want => CodeError::Incomplete {
            expected: name,
            missing_groups: want.div_ceil(GROUP) - values.len() / GROUP,
            missing_symbols: want - values.len(),
        },
        Some(want) if values.len() > want => {
            CodeError::TooManySymbols { expected: name, extra: values.len() - want }
        }
        _ => typo,
    }
}

/// The CRC-32 lookup table (reflected polynomial 0xedb88320).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & 0u32.wrapping_sub(crc & 1));
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// One step of the raw CRC register over a zero byte.
fn crc_zero_byte(register: u32) -> u32 {
    CRC_TABLE[(register & 0xff) as usize] ^ (register >> 8)
}

/// Looks for the one symbol whose correction makes the checksum match, to
/// tell the user where the typo is. Only a hint: nothing is corrected.
///
/// Trying all 31 other values of every symbol and re-checking the whole code
/// each time would cost time quadratic in the code's length (seconds for the
/// longest codes an authority accepts — a denial of service). CRC-32 is
/// linear, so the effect of changing one symbol on the checksum is computed
/// on its own instead: `crc(data ⊕ e) = crc(data) ⊕ raw(e)`, where `raw` is
/// the CRC register run from zero, and `raw(e)` of an error confined to one
/// or two bytes follows from per-position tables built once. The whole search
/// is linear in the code's length.
fn typo_hint(symbols: &str, expected: Tag) -> CodeError {
    let no_hint = || CodeError::Checksum { at: None };
    let Some(values) = values_of(symbols) else { return no_hint() };
    // The bit string of the code, most significant bit first: `n` whole bytes
    // and `pad` bits of padding, which a canonical code has all zero.
    let total_bits = values.len() * 5;
    let (n, pad) = (total_bits / 8, total_bits % 8);
    if pad >= 5 || n < 1 + 4 {
        // A dangling symbol, or too short: no single substitution fixes it.
        return no_hint();
    }
    let mut bytes = Vec::with_capacity(n + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &v in &values {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // The padding bits, aligned like the top of one more byte.
    let padding = (acc << (8 - bits)) as u8;
    let data_len = n - 4;
    let field =
        u32::from_be_bytes([bytes[data_len], bytes[data_len + 1], bytes[data_len + 2], bytes[data_len + 3]]);
    let syndrome = crc32(&bytes[..data_len]) ^ field;
    // basis[j][b]: the raw CRC of a data string that is zero except bit b of
    // byte j, i.e. the table entry of that bit run through the zero bytes after it.
    let mut basis = vec![[0u32; 8]; data_len];
    for b in 0..8 {
        let mut register = CRC_TABLE[1 << b];
        for j in (0..data_len).rev() {
            basis[j][b] = register;
            register = crc_zero_byte(register);
        }
    }
    let contribution =
        |j: usize, e: u8| -> u32 { (0..8).filter(|b| e & (1 << b) != 0).fold(0, |acc, b| acc ^ basis[j][b]) };
    let mut found = None;
    for (i, &original) in values.iter().enumerate() {
        let (byte, offset) = (i * 5 / 8, i * 5 % 8);
        for candidate in 0..32u8 {
            let delta = candidate ^ original;
            if delta == 0 {
                continue;
            }
            // The error pattern over bytes `byte` and `byte + 1`.
            let window = u16::from(delta) << (16 - 5 - offset);
            let (mut crc_error, mut type_error, mut padding_error) = (0u32, 0u8, 0u8);
            for (j, e) in [(byte, (window >> 8) as u8), (byte + 1, window as u8)] {
                if e == 0 {
                    continue;
                }
                if j < data_len {
                    crc_error ^= contribution(j, e);
                    if j == 0 {
                        type_error = e;
                    }
                } else if j < n {
                    crc_error ^= u32::from(e) << (8 * (3 - (j - data_len)));
                } else {
                    padding_error = e;
                }
            }
            // Any type byte of the expected message type (a version or a
            // short form) is a code the correction could have been.
            let ok = tag::by_type_byte(expected, bytes[0] ^ type_error).is_some()
                && (padding ^ padding_error) == 0;
            if ok && syndrome == crc_error {
                if found.is_some() {
                    return no_hint();
                }
                found = Some(i);
            }
        }
    }
    CodeError::Checksum { at: found.map(SymbolAt::of) }
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
        let code = encode_as(tag::REQUEST, &msg);
        assert!(code.starts_with("NLR-"));
        assert!(code.split('-').skip(1).all(|g| g.len() <= GROUP && !g.is_empty()));
        assert_eq!(decode_as(&code, tag::REQUEST).unwrap(), msg);
        let sloppy =
            format!("  {}\n", code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l"));
        assert_eq!(decode_as(&sloppy, tag::REQUEST).unwrap(), msg);
        assert!(looks_like_code(&code));
        assert!(!looks_like_code("request.txt"));
    }

    #[test]
    fn every_single_typo_is_caught_and_located() {
        let code = encode_as(tag::REQUEST, &sample());
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
            match decode_as(&typo, tag::REQUEST) {
                Err(CodeError::Checksum { at }) => located += usize::from(at.is_some()),
                other => panic!("typo at {i} not caught: {other:?}"),
            }
        }
        assert!(located > 0, "single typos are located");
    }

    #[test]
    fn adjacent_transpositions_are_caught() {
        let code = encode_as(tag::REQUEST, &sample());
        let chars: Vec<char> = code.chars().collect();
        for i in 4..chars.len() - 1 {
            if chars[i] == '-' || chars[i + 1] == '-' || chars[i] == chars[i + 1] {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(decode_as(&swapped, tag::REQUEST).is_err(), "swap at {i}");
        }
    }

    #[test]
    fn refusals() {
        let code = encode_as(tag::REQUEST, &sample());
        assert!(matches!(decode_as(&code, tag::CERTIFICATE), Err(CodeError::WrongKind { .. })));
        assert!(matches!(decode_as("hello", tag::REQUEST), Err(CodeError::NotACode { .. })));
        assert!(matches!(
            decode_as(&code.replacen('-', "-U", 2), tag::REQUEST),
            Err(CodeError::BadCharacter { character: 'U', .. })
        ));
        // 53 bytes = 85 symbols in 17 groups; 6 symbols cut (the last group
        // and one of the one before): groups 16 and 17 are missing.
        assert_eq!(code.len(), 3 + 17 + 85);
        assert_eq!(
            decode_as(&code[..code.len() - 7], tag::REQUEST),
            Err(CodeError::Incomplete {
                expected: "activation request",
                missing_groups: 2,
                missing_symbols: 6
            })
        );
        assert_eq!(
            decode_as(&code[..code.len() - 3], tag::REQUEST),
            Err(CodeError::Incomplete {
                expected: "activation request",
                missing_groups: 1,
                missing_symbols: 3
            })
        );
        assert_eq!(
            decode_as(&format!("{code}-ABC"), tag::REQUEST),
            Err(CodeError::TooManySymbols { expected: "activation request", extra: 3 })
        );
        // A right checksum around an unknown type byte is not a typo.
        let mut bytes = vec![0x09];
        bytes.extend_from_slice(&sample()[1 + tag::REQUEST.tag.len()..]);
        bytes.extend_from_slice(&crc32(&bytes).to_be_bytes());
        let symbols = base32::encode(&bytes);
        let groups: Vec<&str> =
            symbols.as_bytes().chunks(GROUP).map(|g| std::str::from_utf8(g).unwrap()).collect();
        assert_eq!(
            decode_as(&format!("NLR-{}", groups.join("-")), tag::REQUEST),
            Err(CodeError::WrongType { expected: "activation request", type_byte: 9 })
        );
        // A code in an email, quoted, over three lines, reads.
        let lines: Vec<String> =
            code.split_inclusive('-').collect::<Vec<_>>().chunks(6).map(|c| c.concat()).collect();
        let mail = format!("Hi,\n> here is my code:\n>\n> {}\n>\n> Bob", lines.join("\n> "));
        assert_eq!(decode_as(&mail, tag::REQUEST).unwrap(), sample());
        assert!(matches!(
            decode_as("NLR-00", tag::REQUEST),
            Err(CodeError::Length { .. } | CodeError::Checksum { .. })
        ));
        assert!(decode_as("NLR-", tag::REQUEST).is_err());
        // The hint names the group and character of the typo.
        assert_eq!(
            CodeError::Checksum { at: Some(SymbolAt::of(7)) }.to_string(),
            "the code has a typo in group 2, character 3; compare it with the original character by character"
        );
        assert_eq!(
            CodeError::Checksum { at: None }.to_string(),
            "the code has a typo; compare it with the original character by character"
        );
        assert!(decode_as("NLRé", tag::REQUEST).is_err());
        // Found by fuzzing: a multi-byte character across byte 3 made
        // `looks_like_code` slice a `str` inside a character and panic.
        for text in ["NLé-ABCDE", "Né-ABCDE", "ééé-ABCDE", "NL\u{10348}-0"] {
            assert!(!looks_like_code(text), "{text}");
            assert!(decode_as(text, tag::REQUEST).is_err());
        }
    }

    /// The obvious search: try every other value of every symbol and check
    /// the whole code again (quadratic; the reference for `typo_hint`).
    fn typo_hint_by_brute_force(symbols: &str, kind: Tag) -> CodeError {
        let values: Option<Vec<u8>> =
            symbols.chars().filter(|c| !base32::is_separator(*c)).map(base32::symbol_value).collect();
        let Some(mut values) = values else { return CodeError::Checksum { at: None } };
        let checks = |values: &[u8]| -> bool {
            let text: String =
                values.iter().map(|v| (b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[*v as usize]) as char).collect();
            match base32::decode(&text) {
                Ok(bytes) if bytes.len() >= 5 => {
                    let (data, crc) = bytes.split_at(bytes.len() - 4);
                    crc32(data).to_be_bytes() == crc && tag::by_type_byte(kind, data[0]).is_some()
                }
                _ => false,
            }
        };
        let mut found = None;
        for i in 0..values.len() {
            let original = values[i];
            for candidate in (0..32u8).filter(|c| *c != original) {
                values[i] = candidate;
                if checks(&values) {
                    if found.is_some() {
                        return CodeError::Checksum { at: None };
                    }
                    found = Some(i);
                }
            }
            values[i] = original;
        }
        CodeError::Checksum { at: found.map(SymbolAt::of) }
    }

    #[test]
    fn typo_hint_agrees_with_the_brute_force_search() {
        let symbol = |v: u8| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[v as usize] as char;
        let mut checked = 0;
        // Short codes: the reference search is quadratic, and this is a debug build.
        for len in [0usize, 2, 9] {
            for kind in [tag::REQUEST, tag::RECEIPT] {
                let payload: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
                let code = encode_as(kind, &frame::encode(kind, &payload));
                let symbols: Vec<char> = code[4..].chars().filter(|c| *c != '-').collect();
                let mut cases: Vec<String> = vec![symbols.iter().collect()];
                for i in 0..symbols.len() {
                    for v in [1u8, 31] {
                        let mut one: Vec<char> = symbols.clone();
                        one[i] = symbol(v);
                        cases.push(one.iter().collect());
                        let mut two = one.clone();
                        let j = (i * 7 + 3) % symbols.len();
                        two[j] = symbol((v + 9) % 32);
                        cases.push(two.iter().collect());
                    }
                }
                cases.push(symbols[..symbols.len() - 1].iter().collect());
                cases.push(symbols[..symbols.len() - 2].iter().collect());
                for case in cases {
                    for expected in [kind, tag::CERTIFICATE] {
                        assert_eq!(
                            typo_hint(&case, expected),
                            typo_hint_by_brute_force(&case, expected),
                            "{case} as {expected:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 400, "{checked}");
    }

    #[test]
    fn the_longest_codes_are_refused_or_hinted_without_a_quadratic_search() {
        // A code as long as a code may be, with its checksum broken: the
        // search for the typo visits each symbol once.
        let message = frame::encode(tag::REQUEST, &vec![0x5a; MAX_CODE_BYTES - 40]);
        let code = encode_as(tag::REQUEST, &message);
        let mut broken: Vec<char> = code.chars().collect();
        let middle = (broken.len() / 2..).find(|&i| broken[i] != '-').unwrap();
        broken[middle] = if broken[middle] == 'Z' { 'Y' } else { 'Z' };
        let broken: String = broken.into_iter().collect();
        match decode_as(&broken, tag::REQUEST) {
            Err(CodeError::Checksum { at }) => assert!(at.is_some(), "the typo is located"),
            other => panic!("{other:?}"),
        }
        assert_eq!(decode_as(&code, tag::REQUEST).unwrap(), message);
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }
}
