//! The armoured text form of every nodelock file and message.
//!
//! ```text
//! -----BEGIN NODELOCK LICENSE-----
//! <standard base64 with padding, wrapped at 64 columns>
//! -----END NODELOCK LICENSE-----
//! ```
//!
//! Reading survives what email and copy-paste do: CRLF line endings, spaces
//! and tabs around lines, blank lines, lines re-wrapped at another width, and
//! text before the BEGIN line or after the END line (an email's greeting and
//! signature). It does not survive any change to the data: the base64 must be
//! canonical (padding present, unused bits zero), and every signed message
//! behind it is checked byte for byte by its signature.

use base64ct::{Base64, Encoding};

use super::{CodecError, tag, tag::Tag};

/// Width of a base64 line.
pub const LINE_WIDTH: usize = 64;

/// Armours `bytes` as a `tag` block, ending with a newline.
pub fn encode(tag: Tag, bytes: &[u8]) -> String {
    let body = Base64::encode_string(bytes);
    let mut out = String::with_capacity(body.len() + body.len() / LINE_WIDTH + 2 * tag.armour.len() + 40);
    out.push_str(&format!("-----BEGIN {}-----\n", tag.armour));
    for line in body.as_bytes().chunks(LINE_WIDTH) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {}-----\n", tag.armour));
    out
}

fn label_of<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?.strip_suffix("-----")?.strip_prefix(word)?.strip_prefix(' ')
}

/// `text` without a leading UTF-8 byte-order mark (which editors on Windows
/// write and `str::trim` keeps).
pub fn skip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The cap on armoured text before anything is decoded: the base64 of
/// `max_len` bytes, twice over (line breaks, indentation), plus 4 096 bytes of
/// surrounding text. A license (16 384 bytes) gives 47 792.
pub const fn max_text_len(max_len: usize) -> usize {
    max_len.div_ceil(3) * 4 * 2 + 4096
}

/// Whether `text` looks like armour (has a BEGIN line).
pub fn is_armoured(text: &str) -> bool {
    skip_bom(text).lines().any(|l| label_of(l.trim(), "BEGIN").is_some())
}

/// Reads the single `expected` block of `text` and returns its bytes, which
/// must be at most `max_len` long.
pub fn decode(text: &str, expected: Tag, max_len: usize) -> Result<Vec<u8>, CodecError> {
    let max_text = max_text_len(max_len);
    if text.len() > max_text {
        return Err(CodecError::TooLargeText { what: expected.name, len: text.len(), max: max_text });
    }
    let text = skip_bom(text);
    let mut lines = text.lines().map(str::trim);
    let label = loop {
        let line = lines.next().ok_or(CodecError::NoArmour { expected: expected.name })?;
        if let Some(label) = label_of(line, "BEGIN") {
            break label;
        }
    };
    if label != expected.armour {
        return Err(match tag::ALL.iter().find(|t| t.armour == label) {
            Some(other) => CodecError::WrongType { expected: expected.name, found: other.name },
            None => CodecError::NotNodelock { expected: expected.name },
        });
    }
    let mut body = String::new();
    loop {
        let line = lines.next().ok_or(CodecError::Truncated { what: expected.name })?;
        if let Some(end) = label_of(line, "END") {
            if end != label {
                return Err(CodecError::BadArmour("the END line names another kind of block"));
            }
            break;
        }
        if label_of(line, "BEGIN").is_some() {
            return Err(CodecError::BadArmour("a BEGIN line inside the block"));
        }
        body.push_str(line);
    }
    if lines.any(|l| label_of(l, "BEGIN").is_some()) {
        return Err(CodecError::BadArmour("more than one block; give one per file"));
    }
    if body.len() > max_len.div_ceil(3) * 4 {
        // The length the body decodes to: three bytes per four symbols, less
        // one per padding symbol.
        let padding = body.bytes().rev().take_while(|&b| b == b'=').count().min(2);
        let len = (body.len() / 4 * 3).saturating_sub(padding);
        return Err(CodecError::TooLarge { what: expected.name, len, max: max_len });
    }
    let bytes = Base64::decode_vec(&body).map_err(|_| CodecError::BadBase64 { what: expected.name })?;
    // The body check above allows up to two bytes more than `max_len` (base64
    // comes in groups of three bytes): check the exact length too.
    if bytes.len() > max_len {
        return Err(CodecError::TooLarge { what: expected.name, len: bytes.len(), max: max_len });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::tag::{CERTIFICATE, LICENSE};

    #[test]
    fn round_trip_survives_mail_and_copy_paste() {
        let data: Vec<u8> = (0..=200u8).collect();
        let text = encode(LICENSE, &data);
        assert!(text.lines().all(|l| l.len() <= LINE_WIDTH || l.starts_with("-----")));
        assert_eq!(decode(&text, LICENSE, 1000).unwrap(), data);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(decode(&crlf, LICENSE, 1000).unwrap(), data);
        let indented: String = text.lines().map(|l| format!("  {l} \t\n")).collect();
        assert_eq!(decode(&indented, LICENSE, 1000).unwrap(), data);
        assert_eq!(decode(&format!("\u{feff}{text}"), LICENSE, 1000).unwrap(), data, "byte-order mark");
        assert!(is_armoured(&format!("\u{feff}{text}")));
        let mail = format!("Hello,\n\nhere is your license:\n\n{text}\nRegards,\nThe vendor\n");
        assert_eq!(decode(&mail, LICENSE, 1000).unwrap(), data);
        let rewrapped = text
            .replace('\n', "")
            .replace("-----BEGIN NODELOCK LICENSE-----", "-----BEGIN NODELOCK LICENSE-----\n")
            .replace("-----END", "\n-----END");
        assert_eq!(decode(&rewrapped, LICENSE, 1000).unwrap(), data);
    }

    #[test]
    fn damage_is_refused() {
        let data = b"abcd".to_vec(); // "YWJjZA=="
        let text = encode(LICENSE, &data);
        assert!(
            matches!(
                decode(&text.replace("YWJjZA==", "YWJjZB=="), LICENSE, 100),
                Err(CodecError::BadBase64 { .. })
            ),
            "non-canonical"
        );
        assert!(
            matches!(
                decode(&text.replace("YWJjZA==", "YWJjZA"), LICENSE, 100),
                Err(CodecError::BadBase64 { .. })
            ),
            "unpadded"
        );
        assert!(
            matches!(
                decode(&text.replace("YWJjZA==", "YWJj ZA=="), LICENSE, 100),
                Err(CodecError::BadBase64 { .. })
            ),
            "space inside a line"
        );
        assert!(matches!(decode(&text, CERTIFICATE, 100), Err(CodecError::WrongType { .. })));
        assert!(matches!(decode("no armour here", LICENSE, 100), Err(CodecError::NoArmour { .. })));
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert!(matches!(decode(&cut, LICENSE, 100), Err(CodecError::Truncated { .. })));
        let twice = format!("{text}{text}");
        assert!(matches!(decode(&twice, LICENSE, 100), Err(CodecError::BadArmour(_))));
        assert!(matches!(
            decode(&encode(LICENSE, &[0; 200]), LICENSE, 100),
            Err(CodecError::TooLarge { .. })
        ));
        // The reported length is the decoded one, not the base64 length × 3/4.
        assert_eq!(
            decode(&encode(LICENSE, &[7; 200]), LICENSE, 100),
            Err(CodecError::TooLarge { what: "license", len: 200, max: 100 })
        );
        // The text itself is capped before anything else, junk around the block included.
        let padded = format!("{}{}", " ".repeat(max_text_len(100)), encode(LICENSE, &[7; 10]));
        assert_eq!(
            decode(&padded, LICENSE, 100),
            Err(CodecError::TooLargeText { what: "license", len: padded.len(), max: max_text_len(100) })
        );
        assert_eq!(max_text_len(16_384), 47_792);
        // Found by fuzzing: 101 and 102 bytes have as many base64 symbols as
        // 100 (the cap rounded up to a group of three), and were returned.
        assert_eq!(decode(&encode(LICENSE, &[7; 100]), LICENSE, 100).unwrap(), vec![7; 100]);
        for len in [101, 102] {
            assert_eq!(
                decode(&encode(LICENSE, &vec![7; len]), LICENSE, 100),
                Err(CodecError::TooLarge { what: "license", len, max: 100 })
            );
        }
    }
}
