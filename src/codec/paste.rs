//! Finding an offline code in what a person pasted: a code broken over
//! several lines, quoted in a reply (`> NLR-…`), or surrounded by the text
//! of an email. `docs/FORMAT.md` §10.3 states the rules.
//!
//! Nothing here decodes or corrects: the result is the code's own characters,
//! read by [`super::code`] like a code typed on one line.

use super::{base32, tag};

/// A character that can be part of a code: a base32 symbol (with
/// Crockford's substitutions) or a group separator.
fn is_code_char(c: char) -> bool {
    c == '-' || base32::symbol_value(c).is_some()
}

/// `line` without leading white space and reply quote marks (`>`, `> >`).
fn unquote(line: &str) -> &str {
    let mut rest = line.trim_start();
    while let Some(r) = rest.strip_prefix('>') {
        rest = r.trim_start();
    }
    rest
}

/// Where a code starts in `line`: a known prefix and `-`, at the start of
/// the line or after a character that cannot be part of a word.
fn start_of_code(line: &str) -> Option<usize> {
    line.char_indices().map(|(i, _)| i).find(|&i| {
        let before_ok =
            line[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != '.');
        before_ok
            && line.get(i..i + 4).is_some_and(|head| {
                head.ends_with('-')
                    && tag::with_codes().any(|(_, c)| head[..3].eq_ignore_ascii_case(c.prefix))
            })
    })
}

/// Whether `text` consists of code characters and white space only.
fn all_code(text: &str) -> bool {
    text.chars().all(|c| is_code_char(c) || c.is_whitespace())
}

/// The characters of the first offline code in `text`, joined across lines,
/// or `None` when `text` holds no code prefix (`NLR-`, `NLC-`, `NLD-`).
///
/// On the code's first line the code runs to the end of the line when the
/// rest of the line is code characters and spaces, else to the first space,
/// less trailing punctuation. A following line (reply quote
/// marks removed) continues the code when it is code characters and spaces
/// only and the code so far ends with `-`, or the line holds a `-` itself; an
/// empty line or any other text ends it.
pub fn find(text: &str) -> Option<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().map(unquote);
    let (first, at) = lines.by_ref().find_map(|l| start_of_code(l).map(|at| (l, at)))?;
    let rest = &first[at..];
    let mut code: String = if all_code(rest) {
        rest.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        // Up to the first space, less trailing punctuation (`NLR-….` ends a
        // sentence); a wrong character inside the code stays in it, to be
        // reported with its position.
        let word = rest.split(char::is_whitespace).next().unwrap_or_default();
        word.trim_end_matches(|c: char| !is_code_char(c) && c.is_ascii_punctuation()).to_owned()
    };
    if all_code(rest) {
        for line in lines {
            let line = line.trim();
            let continues = !line.is_empty() && all_code(line) && (code.ends_with('-') || line.contains('-'));
            if !continues {
                break;
            }
            code.extend(line.chars().filter(|c| !c.is_whitespace()));
        }
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "NLR-06BG0-000M2-GA185-1F5M2-C";

    #[test]
    fn finds_a_code_in_an_email_a_quote_and_over_several_lines() {
        assert_eq!(find(CODE).as_deref(), Some(CODE));
        assert_eq!(find(&format!("\u{feff}{CODE}\n")).as_deref(), Some(CODE));
        let mail = format!("Hello,\n\nmy activation code is:\n\n{CODE}\n\nRegards,\nAlice\n");
        assert_eq!(find(&mail).as_deref(), Some(CODE));
        let inline = format!("Here it is: {CODE}. Thanks!");
        assert_eq!(find(&inline).as_deref(), Some(CODE));
        let quoted = "> > NLR-06BG0-000M2-\n> > GA185-1F5M2-\n> > C\n> \n> Alice";
        assert_eq!(find(quoted).as_deref(), Some(CODE));
        let broken_inside_a_group = "NLR-06BG0-000M2-GA1\n85-1F5M2-C\nRegards";
        assert_eq!(find(broken_inside_a_group).as_deref(), Some(CODE));
        let spaced = "nlr-06bg0 000m2 ga185 1f5m2 c";
        assert_eq!(find(spaced).as_deref(), Some("nlr-06bg0000m2ga1851f5m2c"));
        // CRLF line endings (Windows mail).
        assert_eq!(find(&mail.replace('\n', "\r\n")).as_deref(), Some(CODE));
    }

    #[test]
    fn text_that_only_resembles_a_code_is_left_alone() {
        assert_eq!(find("no code here"), None);
        assert_eq!(find("see requests/NLR-1.txt"), None);
        assert_eq!(find("ANLR-06BG0"), None);
        // A line after the code without a `-` does not continue it.
        assert_eq!(find(&format!("{CODE}\nRegards")).as_deref(), Some(CODE));
        assert_eq!(find("NLé-ABCDE"), None);
        // A wrong character inside the code stays, to be reported where it is.
        assert_eq!(find("code: NLR-06BU0-000M2, thanks").as_deref(), Some("NLR-06BU0-000M2"));
    }
}
