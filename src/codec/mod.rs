//! Wire-format building blocks shared by every message: domain [`tag`]s,
//! unsigned [`frame`]s, the signed [`envelope`], the text [`armour`],
//! size-capped serde helpers ([`bounded`]) and the human-typable [`base32`]
//! alphabet. `docs/FORMAT.md` specifies every byte.

use thiserror::Error;

use crate::keys::KeyId;

pub mod armour;
pub mod base32;
pub mod bounded;
pub mod envelope;
pub mod frame;
pub mod tag;

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
        /// The tag found.
        found: String,
    },
    /// A signature algorithm this build does not know.
    #[error("the {what} is signed with unknown algorithm {algorithm}; update the application")]
    UnknownAlgorithm {
        /// The message type.
        what: &'static str,
        /// The algorithm byte.
        algorithm: u8,
    },
    /// Signed by a key that is not trusted.
    #[error(
        "the {what} is signed by key {key_id}, which this application does not trust; it comes from \
         another vendor, or the vendor's new key is not yet built into the application"
    )]
    UnknownKey {
        /// The message type.
        what: &'static str,
        /// The signing key's id.
        key_id: KeyId,
    },
    /// The signature does not verify.
    #[error(
        "the {what}'s signature does not match any trusted vendor key; the file was altered or comes from \
         another vendor"
    )]
    BadSignature {
        /// The message type.
        what: &'static str,
    },
    /// The payload does not decode.
    #[error("the {what} is malformed ({detail})")]
    Malformed {
        /// The message type.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// The payload decodes but breaks the type's rules.
    #[error("the {what} is invalid: {detail}")]
    Invalid {
        /// The message type.
        what: &'static str,
        /// Which rule.
        detail: String,
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
}
