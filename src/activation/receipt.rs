//! The deactivation receipt: proof that a machine gave its activation up.
//!
//! Signed envelope under `nodelock/deactivation-receipt/v1`, signed with the
//! **activation's own secret key** (generated on the machine when it asked
//! for the activation, never sent anywhere). The authority verifies it with
//! the public key certified in the activation, so nobody who never held the
//! activation can produce one.

use serde::{Deserialize, Serialize};

use super::code::{self, CodeKind};
use super::{ActivationError, ActivationId, Nonce};
use crate::codec::envelope::{self, SignedMessage};
use crate::codec::tag;
use crate::keys::{PublicKey, SecretKey};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// The largest receipt accepted.
pub const MAX_RECEIPT_LEN: usize = 1024;

/// A machine's signed statement that it removed an activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivationReceipt {
    /// The activation given up.
    pub activation_id: ActivationId,
    /// Its license.
    pub license_id: LicenseId,
    /// The nonce of the certificate being given up (binds the receipt to it).
    pub nonce: Nonce,
    /// When the machine removed the activation.
    pub deactivated_at: Timestamp,
}

impl SignedMessage for DeactivationReceipt {
    const TAG: tag::Tag = tag::RECEIPT;
    const MAX_LEN: usize = MAX_RECEIPT_LEN;
}

impl DeactivationReceipt {
    /// Signs the receipt with the activation secret; returns envelope bytes.
    pub fn sign(&self, activation_secret: &SecretKey) -> Vec<u8> {
        envelope::seal(self, activation_secret)
    }

    /// Verifies envelope bytes against the activation's certified public key.
    pub fn open(bytes: &[u8], activation_key: &[u8; 32]) -> Result<Self, ActivationError> {
        let key = PublicKey::from_bytes(activation_key)
            .map_err(|_| crate::codec::CodecError::BadSignature { what: Self::TAG.name })?;
        Ok(envelope::open_with::<Self>(bytes, &key)?.message)
    }

    /// Decodes a receipt without verifying it, to find which activation it
    /// claims to end (the authority then verifies it with that activation's key).
    pub fn peek(bytes: &[u8]) -> Result<Self, ActivationError> {
        Ok(envelope::decode_unverified::<Self>(bytes)?.message)
    }

    /// The offline code (`NLD-…`) of envelope bytes.
    pub fn code_of(bytes: &[u8]) -> String {
        code::encode(CodeKind::Receipt, bytes)
    }

    /// The envelope bytes of a receipt given as an offline code, armoured
    /// text, or raw bytes (not yet verified).
    pub fn bytes_from(data: &[u8]) -> Result<Vec<u8>, ActivationError> {
        code::message_bytes(data, CodeKind::Receipt, MAX_RECEIPT_LEN)
    }
}
