//! The deactivation receipt: proof that a machine gave its activation up.
//!
//! Signed envelope under `nodelock/deactivation-receipt/v1`, signed with the
//! **activation's own secret key** (generated on the machine when it asked
//! for the activation, never sent anywhere). The authority verifies it with
//! the public key certified in the activation, so nobody who never held the
//! activation can produce one.

use serde::{Deserialize, Serialize};

use super::{ActivationError, ActivationId, Nonce};
use crate::codec::{Message, code, tag, text};
use crate::keys::{PublicKey, SecretKey};
use crate::license::LicenseId;
use crate::signed::{self, SignatureError};
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

/// Signed by the activation's own key: read only through [`signed::open_with`].
impl Message for DeactivationReceipt {
    const TAG: tag::Tag = tag::RECEIPT;
    const MAX_LEN: usize = MAX_RECEIPT_LEN;
}

impl DeactivationReceipt {
    /// Signs the receipt with the activation secret; returns envelope bytes.
    pub fn sign(&self, activation_secret: &SecretKey) -> Vec<u8> {
        signed::seal(self, activation_secret)
    }

    /// Verifies envelope bytes against the activation's certified public key.
    pub fn open(bytes: &[u8], activation_key: &[u8; 32]) -> Result<Self, ActivationError> {
        // A certified key that is not a usable Ed25519 key verifies nothing.
        let key = PublicKey::from_bytes(activation_key)
            .map_err(|_| SignatureError::BadSignature { what: Self::TAG.name })?;
        Ok(signed::open_with::<Self>(bytes, &key)?.message)
    }

    /// Decodes a receipt without verifying it, to find which activation it
    /// claims to end (the authority then verifies it with that activation's key).
    pub fn peek(bytes: &[u8]) -> Result<Self, ActivationError> {
        Ok(signed::decode_unverified::<Self>(bytes)?.message)
    }

    /// The offline code (`NLD-…`) of envelope bytes.
    pub fn code_of(bytes: &[u8]) -> String {
        code::encode::<Self>(bytes)
    }

    /// The envelope bytes of a receipt given as an offline code, armoured
    /// text, or raw bytes (not yet verified).
    pub fn bytes_from(data: &[u8]) -> Result<Vec<u8>, ActivationError> {
        Ok(text::read::<Self>(data)?)
    }
}
