//! The Profile Helper's diagnostic capture file.
//!
//! A [`Capture`] holds one machine's profile digests (and its raw component
//! values only when the user opted in), as JSON a support desk can read, so
//! two captures can be compared when "a component seems to change each time
//! the machine is profiled".

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hardware::{Component, Environment, Inventory, Unreadable};
use crate::profile::{Fingerprint, ProductKey, Profile};
use crate::timestamp::Timestamp;

/// Version of the capture file format.
pub const CAPTURE_VERSION: u32 = 1;
/// The largest capture file accepted.
pub const MAX_CAPTURE_LEN: usize = 256 * 1024;

/// A diagnostic capture made by the Profile Helper: the digests of one
/// machine, and its raw component values only when the user opted in.
///
/// Stored as JSON so a support desk can read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// Always [`CAPTURE_VERSION`].
    pub format: u32,
    /// The product whose key made the digests.
    pub product: String,
    /// When the capture was taken.
    pub captured_at: Timestamp,
    /// The detected environment.
    pub environment: Environment,
    /// The profile.
    pub profile: Profile,
    /// The fingerprint of `profile` (checked when the capture is read).
    pub fingerprint: Fingerprint,
    /// Kinds that could not be read, and why.
    pub unreadable: Vec<Unreadable>,
    /// Raw component values: present only when the user asked for them
    /// (`--raw`); they identify the hardware and should be shared with care.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_components: Option<Vec<Component>>,
}

/// A capture file that cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// Larger than [`MAX_CAPTURE_LEN`].
    #[error("the capture is {0} bytes, larger than any capture; is this the right file?")]
    TooLarge(usize),
    /// Not a capture.
    #[error("this is not a nodelock profile capture ({0}); make one with `nodelock profile capture`")]
    Malformed(serde_json::Error),
    /// A format this version does not read.
    #[error(
        "the capture has format version {0}, which this version of nodelock does not read; upgrade nodelock"
    )]
    UnknownVersion(u32),
    /// The fingerprint does not match the profile.
    #[error("the capture's fingerprint does not match its profile; the file was edited or damaged")]
    FingerprintMismatch,
}

impl Capture {
    /// Captures `inventory` for `product`, with raw values only if `raw`.
    pub fn new(inventory: &Inventory, product: &str, raw: bool, now: Timestamp) -> Self {
        // Removable devices included: a capture shows everything that was seen.
        let profile = Profile::build(inventory, &ProductKey::for_product(product), true);
        Capture {
            format: CAPTURE_VERSION,
            product: product.to_owned(),
            captured_at: now,
            environment: inventory.environment,
            fingerprint: profile.fingerprint(),
            profile,
            unreadable: inventory.unreadable.clone(),
            raw_components: raw.then(|| inventory.components.clone()),
        }
    }

    /// The capture as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| unreachable!("a capture always serialises"))
    }

    /// Reads a capture, capping its size before parsing and checking its
    /// version and fingerprint.
    pub fn from_json(text: &[u8]) -> Result<Self, CaptureError> {
        if text.len() > MAX_CAPTURE_LEN {
            return Err(CaptureError::TooLarge(text.len()));
        }
        // A UTF-8 byte-order mark (written by editors on Windows) is skipped.
        let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
        let capture: Capture = serde_json::from_slice(text).map_err(CaptureError::Malformed)?;
        if capture.format != CAPTURE_VERSION {
            return Err(CaptureError::UnknownVersion(capture.format));
        }
        if capture.fingerprint != capture.profile.fingerprint() {
            return Err(CaptureError::FingerprintMismatch);
        }
        Ok(capture)
    }
}
