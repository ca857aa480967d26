//! The activation certificate: the authority's signed answer to a request.
//!
//! Signed envelope under `nodelock/activation-certificate/v1` (its own domain
//! tag, so no license or receipt can pass for one). It binds the license id
//! and release version, the profile, the location stamp, the request's nonce
//! and the activation public key, with the issue time, the kind (permanent or
//! temporary with an end) and the seat it occupies.

use serde::{Deserialize, Serialize};

use super::{ActivationError, ActivationId, ActivationKind, ActivationRequest, LocationStamp, Nonce};
use crate::codec::{CodecError, Message, armour, code, tag, text};
use crate::keys::{SecretKey, TrustedKeys};
use crate::license::LicenseId;
use crate::profile::Profile;
use crate::signed::{self, Opened};
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
        }
    }

    /// Signs the certificate with the authority's key; returns envelope bytes.
    pub fn sign(&self, key: &SecretKey) -> Result<Vec<u8>, ActivationError> {
        self.validate().map_err(|rule| CodecError::Invalid { what: Self::TAG.name, rule })?;
        Ok(signed::seal(self, key))
    }

    /// Verifies envelope bytes against the trusted keys, then decodes them.
    pub fn open(bytes: &[u8], trusted: &TrustedKeys) -> Result<Opened<Self>, ActivationError> {
        Ok(signed::open::<Self>(bytes, trusted)?)
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
