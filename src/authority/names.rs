//! Names people give: the actor recorded in the history and the machine
//! label shown in the seat list. Both are bounded, and a label (which comes
//! from the customer's machine) has control characters, bidi overrides and
//! zero-width characters replaced ([`crate::codec::printable::is_hidden`]), so
//! printing the seat list can never drive the administrator's terminal, and
//! no label can read backwards or pass for another.

use thiserror::Error;

use crate::activation::request::MAX_LABEL_LEN;
use crate::codec::printable::is_hidden;

/// The longest actor name.
pub const MAX_ACTOR_LEN: usize = 64;

/// A name that cannot be recorded (inside [`AuthorityError::BadName`](super::AuthorityError::BadName)).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BadName {
    /// An actor name that is empty, too long or holds control characters.
    #[error("the actor `{}` cannot be recorded: give 1 to {MAX_ACTOR_LEN} bytes of printable text", actor.escape_debug())]
    Actor {
        /// The name given (trimmed).
        actor: String,
    },
    /// A machine label longer than a request may carry.
    #[error("the machine label is {len} bytes long; give at most {MAX_LABEL_LEN}")]
    LabelTooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// A checked actor name.
pub(crate) fn actor(name: &str) -> Result<String, BadName> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_ACTOR_LEN || name.chars().any(is_hidden) {
        return Err(BadName::Actor { actor: name.to_owned() });
    }
    Ok(name.to_owned())
}

/// A cleaned machine label: trimmed, hidden characters (controls, bidi,
/// zero-width) replaced by U+FFFD; `None`
/// when blank. Labels longer than a request may carry are refused.
pub(crate) fn label(label: Option<&str>) -> Result<Option<String>, BadName> {
    let Some(text) = label.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.len() > MAX_LABEL_LEN {
        return Err(BadName::LabelTooLong { len: text.len() });
    }
    Ok(Some(text.chars().map(|c| if is_hidden(c) { '\u{fffd}' } else { c }).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_bounded_printable_text() {
        assert_eq!(actor("  alice ").unwrap(), "alice");
        assert!(actor("").is_err());
        assert!(actor("a\u{1b}[2J").is_err());
        assert!(actor(&"x".repeat(MAX_ACTOR_LEN + 1)).is_err());
    }

    #[test]
    fn labels_lose_control_characters() {
        assert_eq!(label(Some("Bob\u{1b}[31m")).unwrap().as_deref(), Some("Bob\u{fffd}[31m"));
        // Bidi overrides and zero-width characters could make a label read
        // backwards or look like another machine's.
        assert_eq!(label(Some("lab\u{202e}7-cp")).unwrap().as_deref(), Some("lab\u{fffd}7-cp"));
        assert_eq!(label(Some("pc\u{200b}1\u{2066}")).unwrap().as_deref(), Some("pc\u{fffd}1\u{fffd}"));
        assert!(actor("bob\u{202e}").is_err());
        assert_eq!(label(Some("  ")).unwrap(), None);
        assert_eq!(label(None).unwrap(), None);
        assert!(label(Some(&"x".repeat(MAX_LABEL_LEN + 1))).is_err());
    }
}
