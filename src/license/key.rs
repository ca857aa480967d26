//! License keys: the short text an end user types instead of handling a
//! license file, `NL-XXXXX-XXXXX-XXXXX-XXXXX` (`docs/FORMAT.md` §7.8).
//!
//! A key is 20 Crockford base32 symbols (100 bits): 18 data symbols (90 bits)
//! and 2 check symbols. The data symbols are the first 90 bits of
//! `HMAC-SHA256(vendor signing seed, "nodelock/license-key/v1" ‖ license id)`:
//! unguessable without the vendor's secret, and the same every time it is
//! derived, so the vendor can print a license's key again while the ledger
//! keeps only its [`digest`](LicenseKey::digest).
//!
//! The check symbols make the 20 symbols a codeword of a Reed–Solomon-style
//! code over GF(32) (`x⁵ + x² + 1`, α = `x`): with `sᵢ` the value of symbol
//! `i`, both `Σ sᵢ·αⁱ` and `Σ sᵢ·α²ⁱ` are zero. Any two columns `(αⁱ, α²ⁱ)`
//! and `(αʲ, α²ʲ)` of that check are independent (their determinant is
//! `αⁱ⁺ʲ(αʲ − αⁱ)`, non-zero for `i ≠ j < 31`), so **every change of one or
//! two symbols is caught**: every single-symbol typo and every swap of two
//! symbols, adjacent or not. Other typos pass with probability 1/1024.
//!
//! Parsing is lenient the way Crockford base32 is (lower case, `I`/`L` read
//! as `1`, `O` as `0`, dashes and spaces anywhere, the `NL-` prefix optional)
//! and strict about length and alphabet; it never allocates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use super::LicenseId;
use crate::codec::base32;
use crate::keys::SecretKey;

/// Domain of the derivation of a license's key from the vendor's seed.
pub const LICENSE_KEY_DOMAIN: &[u8] = b"nodelock/license-key/v1";
/// Domain of a license key's digest (what a ledger stores).
pub const LICENSE_KEY_DIGEST_DOMAIN: &[u8] = b"nodelock/license-key-digest/v1";
/// Symbols in a key, check symbols included.
pub const LICENSE_KEY_SYMBOLS: usize = 20;
/// Data symbols in a key (90 bits).
const DATA_SYMBOLS: usize = 18;
/// The text prefix.
const PREFIX: &str = "NL";
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A license key (see the module documentation). Its `Debug` form never
/// shows the key, only the start of its digest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LicenseKey([u8; LICENSE_KEY_SYMBOLS]);

/// Why a text is not a license key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LicenseKeyError {
    /// Nothing but separators.
    #[error("no license key was given; type the key you received (NL-XXXXX-XXXXX-XXXXX-XXXXX)")]
    Empty,
    /// Too few or too many symbols.
    #[error(
        "a license key has 20 letters and digits after `NL-` (NL-XXXXX-XXXXX-XXXXX-XXXXX), but this one \
         has {symbols}; check that you copied all of it, and nothing else"
    )]
    WrongLength {
        /// The symbols found (after the `NL` prefix, if any).
        symbols: usize,
    },
    /// A character outside the alphabet.
    #[error(
        "the license key contains `{character}` (character {position}), which license keys never contain \
         (they use digits and the letters A to Z except I, L, O and U); check it against the one you received"
    )]
    BadCharacter {
        /// The character.
        character: char,
        /// Its position in the text given, from 1.
        position: usize,
    },
    /// The check symbols do not match: a typo.
    #[error("the license key has a typo: check it against the one you received")]
    Typo,
}

impl LicenseKey {
    /// The key of license `id` under the vendor's signing key: the same every
    /// time, and unguessable without the key.
    pub fn derive(secret: &SecretKey, id: LicenseId) -> LicenseKey {
        let mac = secret.derive(LICENSE_KEY_DOMAIN, &id.0);
        let mut symbols = [0u8; LICENSE_KEY_SYMBOLS];
        for (i, s) in symbols.iter_mut().take(DATA_SYMBOLS).enumerate() {
            // Bits 5i .. 5i+5 of the MAC, most significant first.
            let bit = 5 * i;
            let pair = u16::from(mac[bit / 8]) << 8 | u16::from(mac[bit / 8 + 1]);
            *s = ((pair >> (11 - bit % 8)) & 31) as u8;
        }
        let (c18, c19) = check_symbols(&symbols);
        symbols[DATA_SYMBOLS] = c18;
        symbols[DATA_SYMBOLS + 1] = c19;
        LicenseKey(symbols)
    }

    /// Reads a key typed by a person (see the module documentation).
    pub fn parse(text: &str) -> Result<LicenseKey, LicenseKeyError> {
        // The first 22 non-separator characters, with their positions; the
        // rest are only counted.
        let mut raw = [('\0', 0usize); LICENSE_KEY_SYMBOLS + 2];
        let mut n = 0usize;
        for (position, c) in text.chars().enumerate() {
            if base32::is_separator(c) {
                continue;
            }
            if let Some(slot) = raw.get_mut(n) {
                *slot = (c, position + 1);
            }
            n = n.saturating_add(1);
        }
        let prefixed = n >= 2 && raw[0].0.eq_ignore_ascii_case(&'N') && raw[1].0.eq_ignore_ascii_case(&'L');
        let body = match n {
            0 => return Err(LicenseKeyError::Empty),
            LICENSE_KEY_SYMBOLS => &raw[..LICENSE_KEY_SYMBOLS],
            22 if prefixed => &raw[2..],
            _ => return Err(LicenseKeyError::WrongLength { symbols: if prefixed { n - 2 } else { n } }),
        };
        let mut symbols = [0u8; LICENSE_KEY_SYMBOLS];
        for (s, &(character, position)) in symbols.iter_mut().zip(body) {
            *s = base32::symbol_value(character)
                .ok_or(LicenseKeyError::BadCharacter { character, position })?;
        }
        if syndromes(&symbols) != (0, 0) {
            return Err(LicenseKeyError::Typo);
        }
        Ok(LicenseKey(symbols))
    }

    /// `SHA-256("nodelock/license-key-digest/v1" ‖ the 20 symbols in upper
    /// case ASCII)`: what a ledger stores and looks keys up by, never the key.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(LICENSE_KEY_DIGEST_DOMAIN);
        h.update(self.symbols_ascii());
        h.finalize().into()
    }

    fn symbols_ascii(&self) -> [u8; LICENSE_KEY_SYMBOLS] {
        self.0.map(|v| ALPHABET[usize::from(v & 31)])
    }
}

impl fmt::Display for LicenseKey {
    /// The canonical text, `NL-XXXXX-XXXXX-XXXXX-XXXXX`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        for group in self.symbols_ascii().chunks(5) {
            f.write_str("-")?;
            for &b in group {
                fmt::Write::write_char(f, char::from(b))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digest();
        write!(f, "LicenseKey(digest {}…)", crate::codec::hex::hex(&d[..4]))
    }
}

impl FromStr for LicenseKey {
    type Err = LicenseKeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LicenseKey::parse(s)
    }
}

/// Serialised as its canonical text; read with [`LicenseKey::parse`].
impl Serialize for LicenseKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LicenseKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        LicenseKey::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------
// GF(32) with the primitive polynomial x⁵ + x² + 1.

const POLY: u8 = 0b10_0101;

fn mul(a: u8, b: u8) -> u8 {
    let (mut a, mut b, mut product) = (a & 31, b & 31, 0u8);
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 32 != 0 {
            a ^= POLY;
        }
    }
    product
}

/// α^e (α = x = 2; α³¹ = 1).
fn alpha_pow(e: usize) -> u8 {
    (0..e % 31).fold(1, |acc, _| mul(acc, 2))
}

/// The inverse of a non-zero element (a³⁰ = a⁻¹).
fn inv(a: u8) -> u8 {
    (0..30).fold(1, |acc, _| mul(acc, a))
}

/// `(Σ sᵢ·αⁱ, Σ sᵢ·α²ⁱ)`; both zero for a key.
fn syndromes(symbols: &[u8; LICENSE_KEY_SYMBOLS]) -> (u8, u8) {
    symbols
        .iter()
        .enumerate()
        .fold((0, 0), |(s1, s2), (i, &s)| (s1 ^ mul(s, alpha_pow(i)), s2 ^ mul(s, alpha_pow(2 * i))))
}

/// The symbols 18 and 19 that zero both syndromes of the 18 data symbols:
/// `c₁₈·α¹⁸ + c₁₉·α¹⁹ = A` and `c₁₈·α³⁶ + c₁₉·α³⁸ = B` (A, B the data's
/// syndromes; in characteristic 2, minus is plus), by Cramer's rule.
fn check_symbols(symbols: &[u8; LICENSE_KEY_SYMBOLS]) -> (u8, u8) {
    let mut data = *symbols;
    data[DATA_SYMBOLS] = 0;
    data[DATA_SYMBOLS + 1] = 0;
    let (a, b) = syndromes(&data);
    let (p, q) = (alpha_pow(18), alpha_pow(19));
    let (r, s) = (alpha_pow(36), alpha_pow(38));
    let det_inv = inv(mul(p, s) ^ mul(q, r));
    let c18 = mul(mul(a, s) ^ mul(q, b), det_inv);
    let c19 = mul(mul(p, b) ^ mul(r, a), det_inv);
    (c18, c19)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LicenseKey {
        let secret = SecretKey::from_seed(&[7; 32]);
        LicenseKey::derive(&secret, LicenseId([0x11; 16]))
    }

    #[test]
    fn the_field_is_gf32() {
        // α generates all 31 non-zero elements.
        let mut seen: Vec<u8> = (0..31).map(alpha_pow).collect();
        seen.sort_unstable();
        assert_eq!(seen, (1..32).collect::<Vec<u8>>());
        for a in 1..32 {
            assert_eq!(mul(a, inv(a)), 1, "{a}");
        }
    }

    #[test]
    fn derived_keys_check_and_round_trip() {
        for seed in 0..64u8 {
            let k = LicenseKey::derive(&SecretKey::from_seed(&[seed; 32]), LicenseId([seed ^ 0x5a; 16]));
            assert_eq!(syndromes(&k.0), (0, 0));
            let text = k.to_string();
            assert_eq!(text.len(), 26);
            assert_eq!(LicenseKey::parse(&text), Ok(k.clone()));
            assert_eq!(LicenseKey::parse(&text[3..]), Ok(k.clone()));
        }
        let k = key();
        let again = LicenseKey::derive(&SecretKey::from_seed(&[7; 32]), LicenseId([0x11; 16]));
        assert_eq!(k, again, "derivation is deterministic");
        let other = LicenseKey::derive(&SecretKey::from_seed(&[8; 32]), LicenseId([0x11; 16]));
        assert_ne!(k, other, "another vendor key gives another license key");
    }

    /// Every single-symbol substitution (20 positions × 31 other symbols)
    /// and every transposition of two different symbols, adjacent or not,
    /// of one key is refused as a typo.
    #[test]
    fn every_single_error_and_every_transposition_is_caught() {
        let k = key();
        let text: Vec<char> = k.symbols_ascii().iter().map(|&b| char::from(b)).collect();
        let mut checked = 0;
        for i in 0..LICENSE_KEY_SYMBOLS {
            for &other in ALPHABET.iter().filter(|&&b| char::from(b) != text[i]) {
                let mut typo = text.clone();
                typo[i] = char::from(other);
                let typo: String = typo.into_iter().collect();
                assert_eq!(LicenseKey::parse(&typo), Err(LicenseKeyError::Typo), "{typo}");
                checked += 1;
            }
        }
        assert_eq!(checked, 20 * 31);
        let mut swaps = 0;
        for i in 0..LICENSE_KEY_SYMBOLS {
            for j in i + 1..LICENSE_KEY_SYMBOLS {
                if text[i] == text[j] {
                    continue;
                }
                let mut typo = text.clone();
                typo.swap(i, j);
                let typo: String = typo.into_iter().collect();
                assert_eq!(LicenseKey::parse(&typo), Err(LicenseKeyError::Typo), "{typo}");
                swaps += usize::from(j == i + 1);
            }
        }
        assert!(swaps >= 15, "most adjacent pairs differ in this key ({swaps})");
    }

    #[test]
    fn parsing_is_lenient_like_crockford() {
        let k = key();
        let canonical = k.to_string();
        let lower = canonical.to_lowercase();
        let spaced = canonical.replace('-', " ");
        let bare: String = canonical[3..].chars().filter(|c| *c != '-').collect();
        for text in [lower.as_str(), spaced.as_str(), bare.as_str(), &format!("  {canonical}\n")] {
            assert_eq!(LicenseKey::parse(text), Ok(k.clone()), "{text:?}");
        }
        // I and L read as 1, O as 0.
        let confusable: String = canonical
            .chars()
            .map(|c| match c {
                '1' => 'l',
                '0' => 'O',
                c => c,
            })
            .collect();
        assert_eq!(LicenseKey::parse(&confusable), Ok(k.clone()));
    }

    #[test]
    fn parsing_is_strict_about_length_and_alphabet() {
        let canonical = key().to_string();
        assert_eq!(LicenseKey::parse(" - "), Err(LicenseKeyError::Empty));
        assert_eq!(
            LicenseKey::parse(&canonical[..canonical.len() - 1]),
            Err(LicenseKeyError::WrongLength { symbols: 19 })
        );
        assert_eq!(
            LicenseKey::parse(&format!("{canonical}X")),
            Err(LicenseKeyError::WrongLength { symbols: 21 })
        );
        let mut bad: Vec<char> = canonical.chars().collect();
        bad[4] = 'U';
        assert_eq!(
            LicenseKey::parse(&bad.iter().collect::<String>()),
            Err(LicenseKeyError::BadCharacter { character: 'U', position: 5 })
        );
        let long = "A".repeat(100_000);
        assert_eq!(LicenseKey::parse(&long), Err(LicenseKeyError::WrongLength { symbols: 100_000 }));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = key();
        let debug = format!("{k:?}");
        assert!(debug.starts_with("LicenseKey(digest "), "{debug}");
        assert!(!debug.contains(&k.to_string()[3..8]), "{debug}");
    }

    #[test]
    fn serde_is_the_canonical_text() {
        let k = key();
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{k}\""));
        assert_eq!(serde_json::from_str::<LicenseKey>(&json).unwrap(), k);
        assert!(serde_json::from_str::<LicenseKey>("\"NL-00000\"").is_err());
    }
}
