//! Text from input made safe to show on a terminal: the one rule for every
//! field that comes from a license, a request, a capture or a ledger
//! (licensee, product, features, machine labels, hardware values).
//!
//! A forged license whose licensee holds `\n` and ANSI escapes could print a
//! fake "Signature verified" line over the real verdict; a bidi override
//! (U+202E) or a zero-width character could make two seat labels look alike
//! or one read backwards. [`escape`] writes every such character as a
//! visible `\u{…}` escape; [`is_hidden`] is the character class, which the
//! authority also uses to clean machine labels before storing them.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would act on a terminal or hide text instead of showing
/// itself: control characters (C0, DEL, C1), the bidirectional overrides,
/// embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E,
/// U+200F, U+061C) and the zero-width and invisible characters (U+200B–U+200D,
/// U+2060–U+2064, U+FEFF, U+00AD, U+180E).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{00ad}'
                | '\u{180e}'
        )
}

/// `text` with every [`is_hidden`] character written as `\u{hex}` (so a
/// newline is `\u{a}`, an escape `\u{1b}`): what is printed is what the
/// input holds, visibly, and it cannot move the cursor, change colours or
/// reorder the line.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_and_invisible_characters_are_shown_escaped() {
        assert!(matches!(escape("Müller & Söhne GmbH"), Cow::Borrowed(_)));
        assert_eq!(
            escape("ACME\n\u{1b}[32mSignature verified\u{1b}[0m"),
            "ACME\\u{a}\\u{1b}[32mSignature verified\\u{1b}[0m"
        );
        assert_eq!(escape("lab\u{202e}cp-7"), "lab\\u{202e}cp-7");
        assert_eq!(escape("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(escape("pc\u{200b}1"), "pc\\u{200b}1");
        assert_eq!(escape("x\u{7f}\u{9b}y\r"), "x\\u{7f}\\u{9b}y\\u{d}");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{2067}', '\u{2068}', '\u{200c}', '\u{200d}',
            '\u{feff}',
        ] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['a', 'é', '中', ' ', '\u{2010}'] {
            assert!(!is_hidden(c), "{c:?}");
        }
    }
}
