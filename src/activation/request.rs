//! The activation request a machine sends to the vendor's authority.
//!
//! Bytes (online): an unsigned frame `nodelock/activation-request/v1` around
//! the postcard payload, read and written as a [`Framed`] message. Text
//! (offline): an `NLR-` offline code ([`crate::codec::code`]).
//! The request is not signed: it carries nothing secret, and everything the
//! authority grants is bound into the certificate it signs, including the
//! activation public key whose secret never leaves the machine.
//!
//! A request whose profile is short ([`Profile::shortened`]) is written as
//! version 2, `nodelock/activation-request/v2` ([`RequestV2`]: the same
//! fields, the profile in its short form, `docs/FORMAT.md` §9.6), whose
//! code has its own type byte; a request with a full profile stays version
//! 1, byte for byte. Both are read. With 10 components in 7 kinds and no
//! label, a version 2 code is under 300 characters.

use serde::{Deserialize, Serialize};

use super::{ActivationError, LocationStamp, Nonce};
use crate::codec::{CodecError, Framed, Message, bounded, code, tag, text};
use crate::license::LicenseId;
use crate::profile::Profile;
use crate::timestamp::Timestamp;

/// The largest request accepted.
pub const MAX_REQUEST_LEN: usize = 8 * 1024;
/// The longest machine label.
pub const MAX_LABEL_LEN: usize = 64;

/// A request to activate a license on one machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRequest {
    /// The license to activate.
    pub license_id: LicenseId,
    /// Its release version on this machine.
    pub release_version: u32,
    /// The machine's hardware profile (keyed digests only).
    pub profile: Profile,
    /// Where the license store lives.
    pub stamp: LocationStamp,
    /// Fresh for every request; the certificate must echo it.
    pub nonce: Nonce,
    /// The public key of this activation; its secret stays in the store.
    pub activation_key: [u8; 32],
    /// A name for people ("Alice's laptop"), shown in the seat list.
    #[serde(deserialize_with = "bounded::opt_string::<_, MAX_LABEL_LEN>")]
    pub label: Option<String>,
    /// The machine's clock when it made the request.
    pub client_time: Timestamp,
}

impl Message for ActivationRequest {
    const TAG: tag::Tag = tag::REQUEST;
    const MAX_LEN: usize = MAX_REQUEST_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        if self.label.as_ref().is_some_and(|l| l.trim().is_empty()) {
            return Err("the machine label is blank");
        }
        Ok(())
    }
}

impl Framed for ActivationRequest {}

/// The version 2 payload: the version 1 fields in the same order, the
/// profile in its short form ([`crate::profile::short`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestV2 {
    /// [`ActivationRequest::license_id`].
    pub license_id: LicenseId,
    /// [`ActivationRequest::release_version`].
    pub release_version: u32,
    /// [`ActivationRequest::profile`], short.
    #[serde(with = "crate::profile::short")]
    pub profile: Profile,
    /// [`ActivationRequest::stamp`].
    pub stamp: LocationStamp,
    /// [`ActivationRequest::nonce`].
    pub nonce: Nonce,
    /// [`ActivationRequest::activation_key`].
    pub activation_key: [u8; 32],
    /// [`ActivationRequest::label`].
    #[serde(deserialize_with = "bounded::opt_string::<_, MAX_LABEL_LEN>")]
    pub label: Option<String>,
    /// [`ActivationRequest::client_time`].
    pub client_time: Timestamp,
}

/// A request with a short profile, read by its own tag.
impl Message for RequestV2 {
    const TAG: tag::Tag = tag::REQUEST_V2;
    const MAX_LEN: usize = MAX_REQUEST_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        ActivationRequest::from(self.clone()).validate()
    }
}

impl Framed for RequestV2 {}

impl From<RequestV2> for ActivationRequest {
    fn from(r: RequestV2) -> Self {
        let RequestV2 {
            license_id,
            release_version,
            profile,
            stamp,
            nonce,
            activation_key,
            label,
            client_time,
        } = r;
        ActivationRequest {
            license_id,
            release_version,
            profile,
            stamp,
            nonce,
            activation_key,
            label,
            client_time,
        }
    }
}

impl ActivationRequest {
    /// The online form: frame(`nodelock/activation-request/v1`, postcard
    /// payload), or version 2 ([`RequestV2`]) when the profile is short.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.profile.is_short() {
            let ActivationRequest {
                license_id,
                release_version,
                profile,
                stamp,
                nonce,
                activation_key,
                label,
                client_time,
            } = self.clone();
            let v2 = RequestV2 {
                license_id,
                release_version,
                profile,
                stamp,
                nonce,
                activation_key,
                label,
                client_time,
            };
            return v2.encode();
        }
        self.encode()
    }

    /// Reads the online form of either version, capping its size first and
    /// refusing trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ActivationError> {
        match Self::decode_exact(bytes) {
            Err(CodecError::UnsupportedVersion { found, .. }) if found == tag::REQUEST_V2.tag => {
                Ok(RequestV2::decode_exact(bytes)?.into())
            }
            other => Ok(other?),
        }
    }

    /// The same request with its profile's digests cut to `width` bytes
    /// ([`Profile::shortened`]): written as version 2 when that is less
    /// than a full digest.
    pub fn shortened(mut self, width: usize) -> Self {
        self.profile = self.profile.shortened(width);
        self
    }

    /// The offline code (`NLR-…`).
    pub fn to_code(&self) -> String {
        code::encode::<Self>(&self.to_bytes())
    }

    /// Reads an offline code.
    pub fn from_code(text: &str) -> Result<Self, ActivationError> {
        Self::from_bytes(&code::decode::<Self>(text)?)
    }

    /// Reads a request given as an offline code, as armoured text or as its
    /// online bytes (the one text reader, [`text::read`]).
    pub fn from_code_or_bytes(data: &[u8]) -> Result<Self, ActivationError> {
        Self::from_bytes(&text::read::<Self>(data)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::ComponentKind;
    use crate::profile::Digest;

    pub(crate) fn sample() -> ActivationRequest {
        ActivationRequest {
            license_id: LicenseId([1; 16]),
            release_version: 2,
            profile: Profile::from_digests([
                (ComponentKind::Mac, Digest([7; 16])),
                (ComponentKind::Cpu, Digest([8; 16])),
            ])
            .unwrap(),
            stamp: LocationStamp([3; 16]),
            nonce: Nonce([4; 16]),
            activation_key: [5; 32],
            label: Some("Alice's laptop".into()),
            client_time: Timestamp(1_764_000_000),
        }
    }

    #[test]
    fn bytes_and_codes_round_trip() {
        let r = sample();
        assert_eq!(ActivationRequest::from_bytes(&r.to_bytes()).unwrap(), r);
        let code = r.to_code();
        assert!(code.starts_with("NLR-"));
        assert_eq!(ActivationRequest::from_code(&code).unwrap(), r);
        assert_eq!(ActivationRequest::from_code_or_bytes(code.as_bytes()).unwrap(), r);
        assert_eq!(ActivationRequest::from_code_or_bytes(&r.to_bytes()).unwrap(), r);
        let armoured = crate::codec::armour::encode(tag::REQUEST, &r.to_bytes());
        assert_eq!(ActivationRequest::from_code_or_bytes(armoured.as_bytes()).unwrap(), r);
    }

    #[test]
    fn a_non_canonical_profile_is_reported_as_such() {
        let r = sample();
        let mut bytes = r.to_bytes();
        // The profile follows the tag, the length, the license id and the
        // release version: `02 00 01 <mac> 01 01 <cpu>`; swap the two kinds.
        let at = 1 + tag::REQUEST.tag.len() + 4 + 16 + 1;
        assert_eq!(bytes[at..at + 3], [2, 0, 1]);
        bytes[at + 1] = 1;
        bytes[at + 2 + 1 + 16] = 0;
        assert!(matches!(
            ActivationRequest::from_bytes(&bytes),
            Err(ActivationError::Format(CodecError::NotCanonical {
                what: "activation request",
                rule: "kinds are not strictly increasing"
            }))
        ));
    }

    #[test]
    fn damaged_requests_are_refused() {
        let bytes = sample().to_bytes();
        for cut in [0, 1, 10, bytes.len() - 1] {
            assert!(ActivationRequest::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(ActivationRequest::from_bytes(&long).is_err());
        let mut blank = sample();
        blank.label = Some("  ".into());
        assert!(matches!(
            ActivationRequest::from_bytes(&blank.to_bytes()),
            Err(ActivationError::Format(CodecError::Invalid { rule: "the machine label is blank", .. }))
        ));
        let mut huge = sample();
        huge.label = Some("x".repeat(65));
        assert!(ActivationRequest::from_bytes(&huge.to_bytes()).is_err());
    }
}
