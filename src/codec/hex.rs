//! Lower-case hexadecimal: how ids, digests and fingerprints are shown and
//! read back.

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses exactly `N` bytes of hexadecimal (either case); `None` for any
/// other length or a non-hexadecimal character.
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        // `from_str_radix` alone would accept a leading `+` ("+f").
        if !pair.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let s = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert_eq!(unhex::<3>("00AB7f"), Some([0x00, 0xab, 0x7f]));
        assert_eq!(unhex::<3>("00ab7"), None, "odd length");
        assert_eq!(unhex::<2>("00ab7f"), None, "too long");
        assert_eq!(unhex::<1>("+1"), None, "a sign is not a digit");
        assert_eq!(unhex::<1>("é"), None);
    }
}
