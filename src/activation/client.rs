//! The machine's side of the activation protocol, over the [`Store`]'s
//! files: make a request (remembering its secret as pending) or a renewal
//! of the activation held (announcing its existing key), install the
//! authority's answer to it (carrying the clock high-water mark forward),
//! and deactivate (sign the receipt, forget the secret).

use super::state::{Active, MAX_LICENSE_TEXT, Pending, SecretSeed};
use super::store::Store;
use super::{
    ActivationCertificate, ActivationError, ActivationRequest, DeactivationReceipt, LicenseRelease, Nonce,
};
use crate::codec::{CodecError, tag};
use crate::keys::TrustedKeys;
use crate::license::License;
use crate::profile::Profile;
use crate::timestamp::Timestamp;

impl Store {
    /// Starts an activation: creates the store if needed, generates the
    /// activation key pair and nonce, remembers them as pending, and returns
    /// the request to send. `license_text` is the armoured license the
    /// request is for; it is installed with the answer.
    pub fn request(
        &self,
        license_text: &str,
        license: &License,
        profile: Profile,
        label: Option<String>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        self.new_request(license_text, license, profile, label, now, None)
    }

    /// Starts a renewal of the activation this store holds: a request like
    /// [`request`](Self::request)'s, but announcing the activation's existing
    /// key (so the authority renews the same activation and seat, and the
    /// clock mark, keyed by the activation, carries over), remembered as
    /// pending with that key's secret. Never part of a start-up check.
    pub fn renew(
        &self,
        license_text: &str,
        license: &License,
        profile: Profile,
        label: Option<String>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        let active = self.load()?.active.ok_or(ActivationError::NothingToRenew)?;
        self.new_request(license_text, license, profile, label, now, Some(active.secret))
    }

    fn new_request(
        &self,
        license_text: &str,
        license: &License,
        profile: Profile,
        label: Option<String>,
        now: Timestamp,
        renewing: Option<SecretSeed>,
    ) -> Result<ActivationRequest, ActivationError> {
        license.policy.check_profile(&profile)?;
        let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.len() > super::request::MAX_LABEL_LEN) {
            return Err(CodecError::Invalid {
                what: tag::REQUEST.name,
                rule: "the machine label is longer than 64 bytes",
            }
            .into());
        }
        if license_text.len() > MAX_LICENSE_TEXT {
            return Err(CodecError::TooLarge {
                what: "license",
                len: license_text.len(),
                max: MAX_LICENSE_TEXT,
            }
            .into());
        }
        self.create()?;
        // The request is for the next anchor; installing its answer renews
        // the store's anchor to that one (see `stamp`).
        let stamp = self.next_stamp()?;
        let secret = match renewing {
            Some(secret) => secret,
            None => SecretSeed::generate()?,
        };
        let request = ActivationRequest {
            license_id: license.id,
            release_version: license.release_version,
            profile,
            stamp,
            nonce: Nonce::generate()?,
            activation_key: secret.derive_public_key(),
            label,
            client_time: now,
        };
        let mut state = self.load_for_update()?;
        state.pending.push(Pending {
            nonce: request.nonce,
            secret,
            license_text: license_text.to_owned(),
            license_id: license.id,
            release_version: license.release_version,
            created_at: now,
        });
        let excess = state.pending.len().saturating_sub(super::store::MAX_PENDING);
        state.pending.drain(..excess);
        self.save(&state)?;
        Ok(request)
    }

    /// Installs the authority's answer (envelope bytes) to a pending request:
    /// verifies it against `trusted`, checks that it answers a request made
    /// here (nonce and activation key) for the same license and release,
    /// installs the license the request was made for, then the activation.
    pub fn install(
        &self,
        certificate: &[u8],
        trusted: &TrustedKeys,
    ) -> Result<ActivationCertificate, ActivationError> {
        let cert = ActivationCertificate::open(certificate, trusted)?.message;
        self.install_answer(cert, certificate)
    }

    /// Like [`install`](Self::install), but without checking the signature,
    /// for tools that hold no trusted key (`nodelock activate apply` without
    /// `--public-key`). Everything else is checked; the [`Validator`](super::Validator)
    /// verifies the signature at every check, so an unsigned certificate is
    /// never honoured — but it does replace the activation it displaces.
    pub fn install_unverified(&self, certificate: &[u8]) -> Result<ActivationCertificate, ActivationError> {
        let cert = ActivationCertificate::decode_unverified(certificate)?.message;
        self.install_answer(cert, certificate)
    }

    fn install_answer(
        &self,
        cert: ActivationCertificate,
        certificate: &[u8],
    ) -> Result<ActivationCertificate, ActivationError> {
        let mut state = self.load()?;
        let index = state
            .pending
            .iter()
            .position(|p| p.nonce == cert.nonce && p.secret.derive_public_key() == cert.activation_key)
            .ok_or(ActivationError::NoPendingRequest)?;
        let pending = state.pending.remove(index);
        let expected = LicenseRelease { id: pending.license_id, release: pending.release_version };
        let found = LicenseRelease { id: cert.license_id, release: cert.release_version };
        if expected != found {
            return Err(ActivationError::WrongLicense { expected, found });
        }
        self.write_license_if_changed(&pending.license_text)?;
        // The clock mark is carried forward: the highest time the previous
        // activation saw, and never less than the new certificate's issue
        // time. It is written with the new activation's key before the
        // activation itself, so an activation is never installed without one.
        let carried = state
            .active
            .as_ref()
            .and_then(|old| self.clock_mark(old, &old.certificate_unverified().ok()?.activation_id));
        let seen = carried.map_or(cert.issued_at, |m| m.max(cert.issued_at));
        // Anchor first, clock mark and activation second: a crash in between
        // leaves the request pending and this answer installable again.
        self.adopt_anchor_of(cert.stamp)?;
        // The public key is derived here, once, and kept beside the secret.
        let active = Active::new(certificate.to_vec(), pending.secret.clone());
        self.write_clock(&active, &cert.activation_id, seen)?;
        state.active = Some(active);
        self.save(&state)?;
        Ok(cert)
    }

    /// Removes the local activation and returns the deactivation receipt
    /// (envelope bytes) signed with its secret, which is then destroyed. The
    /// receipt is also kept in the store until the next deactivation, so it
    /// can be shown again ([`last_receipt`](Self::last_receipt)).
    pub fn deactivate(&self, now: Timestamp) -> Result<Vec<u8>, ActivationError> {
        let mut state = self.load()?;
        let active = state.active.take().ok_or(ActivationError::NotActivated)?;
        let cert = active.certificate_unverified()?;
        // Before the activation goes: a backup of it restored here, in place
        // or elsewhere, reads as moved from now on (see `stamp`).
        self.renew_anchor()?;
        let receipt = DeactivationReceipt {
            activation_id: cert.activation_id,
            license_id: cert.license_id,
            nonce: cert.nonce,
            deactivated_at: now,
        }
        .sign(&active.secret.key());
        state.last_receipt = Some(receipt.clone());
        self.save(&state)?;
        drop(active);
        self.remove_clock();
        Ok(receipt)
    }
}
