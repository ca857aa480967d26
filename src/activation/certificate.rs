//! The activation certificate: the authority's signed answer to a request.
//!
//! Signed envelope under `nodelock/activation-certificate/v1` (its own domain
//! tag, so no license or receipt can pass for one). It binds the license id
//! and release version, the profile, the location stamp, the request's nonce
//! and the activation public key, with the issue time, the kind (permanent or
//! temporary with an end) and the seat it occupies.
//!
//! When the license has a lease, the certificate also carries the end of
//! its lease and is signed as `nodelock/activation-certificate/v2`
//! ([`CertificateV2`]: the version 1 payload followed by `lease_ends`); a
//! certificate without a lease stays version 1, byte for byte. Both are read.
//!
//! A certificate answering a version 2 request binds its **short** profile
//! and is signed as `nodelock/activation-certificate/v3` ([`CertificateV3`]:
//! the version 1 fields with the profile in its short form, then the lease
//! end as an option, `docs/FORMAT.md` §9.7). The client compares its current
//! digests cut to the certified width with it; nothing else changes.

use serde::{Deserialize, Serialize};

use super::{ActivationError, ActivationId, ActivationKind, ActivationRequest, LocationStamp, Nonce};
use crate::codec::{CodecError, Message, armour, code, tag, text};
use crate::keys::{SecretKey, TrustedKeys};
use crate::license::LicenseId;
use crate::profile::Profile;
use crate::signed::{self, Opened, SignatureError};
use crate::timestamp::Timestamp;

/// The largest certificate accepted.
pub const MAX_CERTIFICATE_LEN: usize = 8 * 1024;

/// The authority's certificate that one machine holds an activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationCertificate {
    /// The authority's id of this activation.
    pub activation_id: ActivationId,
    /// The license activated.
    pub license_id: LicenseId,
    /// The release version of the license it was activated for.
    pub release_version: u32,
    /// The certified hardware profile.
    pub profile: Profile,
    /// The certified store location.
    pub stamp: LocationStamp,
    /// The nonce of the request this answers.
    pub nonce: Nonce,
    /// The activation's public key (verifies its deactivation receipt).
    pub activation_key: [u8; 32],
    /// When the authority issued it.
    pub issued_at: Timestamp,
    /// Permanent, or temporary with an end.
    pub kind: ActivationKind,
    /// The seat it occupies (1-based); `None` for a temporary activation,
    /// which holds no seat.
    pub seat: Option<u32>,
    /// When its lease ends (grant time + the license's `lease_days`);
    /// `None` for a perpetual certificate. Not in the version 1 payload: a
    /// certificate with a lease end is version 2 ([`CertificateV2`]).
    #[serde(skip)]
    pub lease_ends: Option<Timestamp>,
}

/// The version 2 payload: the version 1 fields, then the lease end
/// (`docs/FORMAT.md` §9.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateV2 {
    /// Every version 1 field.
    pub base: ActivationCertificate,
    /// [`ActivationCertificate::lease_ends`].
    pub lease_ends: Timestamp,
}

/// A certificate with a lease, read by its own tag.
impl Message for CertificateV2 {
    const TAG: tag::Tag = tag::CERTIFICATE_V2;
    const MAX_LEN: usize = MAX_CERTIFICATE_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        if self.lease_ends <= self.base.issued_at {
            return Err("a lease must end after the certificate was issued");
        }
        self.base.validate()
    }
}

/// The version 3 payload: the version 1 fields with the profile in its
/// short form, then the lease end if any (`docs/FORMAT.md` §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateV3 {
    /// [`ActivationCertificate::activation_id`].
    pub activation_id: ActivationId,
    /// [`ActivationCertificate::license_id`].
    pub license_id: LicenseId,
    /// [`ActivationCertificate::release_version`].
    pub release_version: u32,
    /// [`ActivationCertificate::profile`], short.
    #[serde(with = "crate::profile::short")]
    pub profile: Profile,
    /// [`ActivationCertificate::stamp`].
    pub stamp: LocationStamp,
    /// [`ActivationCertificate::nonce`].
    pub nonce: Nonce,
    /// [`ActivationCertificate::activation_key`].
    pub activation_key: [u8; 32],
    /// [`ActivationCertificate::issued_at`].
    pub issued_at: Timestamp,
    /// [`ActivationCertificate::kind`].
    pub kind: ActivationKind,
    /// [`ActivationCertificate::seat`].
    pub seat: Option<u32>,
    /// [`ActivationCertificate::lease_ends`].
    pub lease_ends: Option<Timestamp>,
}

impl From<CertificateV3> for ActivationCertificate {
    fn from(c: CertificateV3) -> Self {
        ActivationCertificate {
            activation_id: c.activation_id,
            license_id: c.license_id,
            release_version: c.release_version,
            profile: c.profile,
            stamp: c.stamp,
            nonce: c.nonce,
            activation_key: c.activation_key,
            issued_at: c.issued_at,
            kind: c.kind,
            seat: c.seat,
            lease_ends: c.lease_ends,
        }
    }
}

impl From<&ActivationCertificate> for CertificateV3 {
    fn from(c: &ActivationCertificate) -> Self {
        CertificateV3 {
            activation_id: c.activation_id,
            license_id: c.license_id,
            release_version: c.release_version,
            profile: c.profile.clone(),
            stamp: c.stamp,
            nonce: c.nonce,
            activation_key: c.activation_key,
            issued_at: c.issued_at,
            kind: c.kind,
            seat: c.seat,
            lease_ends: c.lease_ends,
        }
    }
}

/// A certificate binding a short profile, read by its own tag.
impl Message for CertificateV3 {
    const TAG: tag::Tag = tag::CERTIFICATE_V3;
    const MAX_LEN: usize = MAX_CERTIFICATE_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        if self.lease_ends.is_some_and(|end| end <= self.issued_at) {
            return Err("a lease must end after the certificate was issued");
        }
        ActivationCertificate::from(self.clone()).validate()
    }
}

type Open<'a, T> = &'a dyn Fn(&'a [u8]) -> Result<Opened<T>, SignatureError>;

/// Reads any version: version 1 first, version 2 or 3 when the tag says so.
fn either<'a>(
    bytes: &'a [u8],
    v1: Open<'a, ActivationCertificate>,
    v2: Open<'a, CertificateV2>,
    v3: Open<'a, CertificateV3>,
) -> Result<Opened<ActivationCertificate>, SignatureError> {
    match v1(bytes) {
        Err(SignatureError::Format(CodecError::UnsupportedVersion { found, .. }))
            if found == tag::CERTIFICATE_V2.tag =>
        {
            let o = v2(bytes)?;
            let message = ActivationCertificate { lease_ends: Some(o.message.lease_ends), ..o.message.base };
            Ok(Opened { message, key_id: o.key_id })
        }
        Err(SignatureError::Format(CodecError::UnsupportedVersion { found, .. }))
            if found == tag::CERTIFICATE_V3.tag =>
        {
            let o = v3(bytes)?;
            Ok(Opened { message: o.message.into(), key_id: o.key_id })
        }
        other => other,
    }
}

/// Signed by the authority: read only through [`signed::open`].
impl Message for ActivationCertificate {
    const TAG: tag::Tag = tag::CERTIFICATE;
    const MAX_LEN: usize = MAX_CERTIFICATE_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        match (self.kind, self.seat) {
            (ActivationKind::Permanent, None) => Err("a permanent activation must occupy a seat"),
            (ActivationKind::Temporary { .. }, Some(_)) => Err("a temporary activation holds no seat"),
            (_, Some(0)) => Err("seats are numbered from 1"),
            (ActivationKind::Temporary { until }, None) if until <= self.issued_at => {
                Err("a temporary activation must end after it was issued")
            }
            _ => Ok(()),
        }
    }
}

impl ActivationCertificate {
    /// The certificate answering `request`, as the authority grants it.
    pub fn answering(
        request: &ActivationRequest,
        activation_id: ActivationId,
        kind: ActivationKind,
        seat: Option<u32>,
        issued_at: Timestamp,
    ) -> Self {
        ActivationCertificate {
            activation_id,
            license_id: request.license_id,
            release_version: request.release_version,
            profile: request.profile.clone(),
            stamp: request.stamp,
            nonce: request.nonce,
            activation_key: request.activation_key,
            issued_at,
            kind,
            seat,
            lease_ends: None,
        }
    }

    /// The same certificate with its lease ending at `lease_ends` (`None`:
    /// perpetual).
    pub fn with_lease_end(self, lease_ends: Option<Timestamp>) -> Self {
        ActivationCertificate { lease_ends, ..self }
    }

    /// Signs the certificate with the authority's key; returns envelope bytes.
    pub fn sign(&self, key: &SecretKey) -> Result<Vec<u8>, ActivationError> {
        self.validate().map_err(|rule| CodecError::Invalid { what: Self::TAG.name, rule })?;
        if self.profile.is_short() {
            let v3 = CertificateV3::from(self);
            v3.validate().map_err(|rule| CodecError::Invalid { what: Self::TAG.name, rule })?;
            return Ok(signed::seal(&v3, key));
        }
        match self.lease_ends {
            None => Ok(signed::seal(self, key)),
            Some(lease_ends) => {
                let v2 = CertificateV2 { base: self.clone(), lease_ends };
                v2.validate().map_err(|rule| CodecError::Invalid { what: Self::TAG.name, rule })?;
                Ok(signed::seal(&v2, key))
            }
        }
    }

    /// Verifies envelope bytes against the trusted keys, then decodes them.
    pub fn open(bytes: &[u8], trusted: &TrustedKeys) -> Result<Opened<Self>, ActivationError> {
        Ok(either(
            bytes,
            &|b| signed::open::<Self>(b, trusted),
            &|b| signed::open::<CertificateV2>(b, trusted),
            &|b| signed::open::<CertificateV3>(b, trusted),
        )?)
    }

    /// Decodes envelope bytes of either version **without** verifying them
    /// (for display and for matching a pending request only).
    pub fn decode_unverified(bytes: &[u8]) -> Result<Opened<Self>, SignatureError> {
        either(
            bytes,
            &|b| signed::decode_unverified::<Self>(b).map_err(SignatureError::from),
            &|b| signed::decode_unverified::<CertificateV2>(b).map_err(SignatureError::from),
            &|b| signed::decode_unverified::<CertificateV3>(b).map_err(SignatureError::from),
        )
    }

    /// The offline response code (`NLC-…`) of envelope bytes.
    pub fn code_of(bytes: &[u8]) -> String {
        code::encode::<Self>(bytes)
    }

    /// The armoured text form of envelope bytes.
    pub fn armour_of(bytes: &[u8]) -> String {
        armour::encode(tag::CERTIFICATE, bytes)
    }

    /// The envelope bytes of a response given as an offline code, armoured
    /// text, or raw bytes (not yet verified).
    pub fn bytes_from_response(data: &[u8]) -> Result<Vec<u8>, ActivationError> {
        Ok(text::read::<Self>(data)?)
    }
}
