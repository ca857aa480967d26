//! Wire-format building blocks shared by every message, as pure bytes: the
//! one registry of domain [`tag`]s, the [`frame::Message`] trait with its one
//! exact decoder, the text [`armour`], offline [`code`]s, the [`text`] reader
//! that recognises all three text forms, size-capped serde helpers
//! ([`bounded`], [`canonical`]), the one postcard [`reader`] (shortest varints
//! only), the human-typable [`base32`] alphabet and
//! [`hex`]. `docs/FORMAT.md` specifies every byte.
//!
//! This layer imports nothing of nodelock above it: keys, signatures and the
//! message types themselves build on it.

use thiserror::Error;

pub mod armour;
pub mod base32;
pub mod bounded;
pub mod canonical;
pub mod code;
pub mod frame;
pub mod hex;
pub mod paste;
pub mod printable;
#[cfg(feature = "qr")]
pub mod qr;
pub mod reader;
pub mod tag;
pub mod text;

pub use code::CodeError;
pub use frame::{Framed, Message};

/// Why bytes or text could not be read as the expected nodelock message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Larger than any message of this type can be.
    #[error("the {what} is {len} bytes, more than the {max} a {what} can be; this is not the right file")]
    TooLarge {
        /// The expected message type.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The text holding the message is longer than any text of it can be.
    #[error(
        "the text given as a {what} is {len} bytes, more than the {max} one can be; give the {what} alone, not a larger document"
    )]
    TooLargeText {
        /// The expected message type.
        what: &'static str,
        /// The text's length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Ends before the message does.
    #[error("the {what} is cut short; copy it again completely")]
    Truncated {
        /// The expected message type.
        what: &'static str,
    },
    /// Bytes follow the message.
    #[error("{count} unexpected bytes follow the {what}; the data was altered")]
    TrailingBytes {
        /// The expected message type.
        what: &'static str,
        /// How many.
        count: usize,
    },
    /// Not a nodelock message at all.
    #[error("this is not a nodelock {expected}")]
    NotNodelock {
        /// The expected message type.
        expected: &'static str,
    },
    /// Another nodelock message type.
    #[error("expected a {expected}, but this is a {found}")]
    WrongType {
        /// The expected message type.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A format version this build does not read.
    #[error(
        "this {what} uses format `{found}`, which this version of nodelock does not read; update the application"
    )]
    UnsupportedVersion {
        /// The message type.
        what: &'static str,
        /// The tag found (data read from the input, shown to the user).
        found: String,
    },
    /// A signature or key algorithm this build does not know.
    #[error("the {what} uses unknown algorithm {algorithm}; update the application")]
    UnknownAlgorithm {
        /// The message type.
        what: &'static str,
        /// The algorithm byte.
        algorithm: u8,
    },
    /// The payload does not decode.
    #[error("the {what} is malformed ({source}); the data is damaged")]
    Malformed {
        /// The message type.
        what: &'static str,
        /// The decoder's complaint.
        source: postcard::Error,
    },
    /// The payload decodes, but not from its one canonical encoding.
    #[error("the {what} is not in canonical form ({rule}); the data was altered")]
    NotCanonical {
        /// The message type.
        what: &'static str,
        /// Which canonical-form rule is broken.
        rule: &'static str,
    },
    /// The payload decodes but breaks the type's rules.
    #[error("the {what} is invalid: {rule}")]
    Invalid {
        /// The message type.
        what: &'static str,
        /// Which rule.
        rule: &'static str,
    },
    /// No armoured block of any kind.
    #[error("no `-----BEGIN NODELOCK ...-----` block was found where a {expected} was expected")]
    NoArmour {
        /// The expected message type.
        expected: &'static str,
    },
    /// Broken armour structure.
    #[error("the armoured text is damaged: {0}")]
    BadArmour(&'static str),
    /// The base64 body is not canonical base64.
    #[error("the text of the {what} was altered (its base64 is invalid); copy it again exactly")]
    BadBase64 {
        /// The expected message type.
        what: &'static str,
    },
    /// An offline code that cannot be read.
    #[error(transparent)]
    Code(#[from] CodeError),
}
