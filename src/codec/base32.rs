//! Crockford base32: the human-typable alphabet of fingerprint codes and
//! offline activation codes.
//!
//! The alphabet `0123456789ABCDEFGHJKMNPQRSTVWXYZ` has no `I`, `L`, `O` or `U`.
//! Decoding is case-insensitive, reads `I`/`L` as `1` and `O` as `0`, and
//! skips `-` and white space, so a code read over the phone or retyped from a
//! printout decodes the same. Bits are taken most significant first; the last
//! symbol is zero-padded, and non-zero padding bits are rejected so each byte
//! string has exactly one encoding.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Encodes `bytes` (no separators).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The value of one symbol, with Crockford's substitutions; `None` for
/// characters outside the alphabet.
pub fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET.iter().position(|&a| a as char == c).map(|p| p as u8)
}

/// A character that is not part of a base32 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidSymbol {
    /// The character.
    pub character: char,
    /// Its position among the code's characters (separators included), from 0.
    pub position: usize,
}

/// Whether `c` is skipped when decoding.
pub fn is_separator(c: char) -> bool {
    c == '-' || c.is_whitespace()
}

/// Decodes symbols into bytes, skipping separators.
///
/// Returns an error for characters outside the alphabet and for a trailing
/// partial symbol whose padding bits are not zero (non-canonical input).
pub fn decode(text: &str) -> Result<Vec<u8>, InvalidSymbol> {
    let mut values = Vec::with_capacity(text.len());
    let mut last = (' ', 0);
    for (position, character) in text.chars().enumerate() {
        if is_separator(character) {
            continue;
        }
        values.push(symbol_value(character).ok_or(InvalidSymbol { character, position })?);
        last = (character, position);
    }
    pack(&values).ok_or(InvalidSymbol { character: last.0, position: last.1 })
}

/// Packs 5-bit symbol values (each below 32) into bytes, most significant bit
/// first; `None` when a dangling symbol or non-zero padding bits make the
/// input non-canonical.
pub fn pack(values: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(values.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &v in values {
        acc = (acc << 5) | u32::from(v & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    (bits < 5 && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(&[0xff]), "ZW");
        assert_eq!(encode(b"hello"), "D1JPRV3F");
        assert_eq!(decode("d1jprv3f").unwrap(), b"hello");
        assert_eq!(decode("D1JP-RV3F").unwrap(), b"hello");
        assert_eq!(decode("Zw").unwrap(), vec![0xff]);
        assert_eq!(decode("ZX"), Err(InvalidSymbol { character: 'X', position: 1 }), "non-zero padding");
        assert_eq!(decode("Z"), Err(InvalidSymbol { character: 'Z', position: 0 }), "dangling symbol");
        assert_eq!(decode("AU"), Err(InvalidSymbol { character: 'U', position: 1 }));
        assert_eq!(decode("0O1IL0o0").unwrap(), decode("00111000").unwrap());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
    }
}
