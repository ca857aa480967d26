//! The short response: an activation certificate sent as the few fields only
//! the authority knows and its signature (`docs/FORMAT.md` §10.4), so an
//! offline response code is about 160 characters instead of 540–700.
//!
//! Everything else a certificate binds — license and release, profile,
//! location stamp, nonce, activation key — is what the machine's own pending
//! request carried, and the activation id is derived from the request
//! ([`derived_activation_id`]) or, for a renewal, is the one of the
//! activation the store holds. The client rebuilds the certificate from
//! those, byte for byte as the authority signed it, and verifies the
//! signature over the rebuilt certificate like any other: nothing of a short
//! response is trusted before that. A short response therefore installs only
//! into the store whose pending request it answers (another store has another
//! nonce, key, stamp or profile, so the rebuilt certificate's signature does
//! not verify), and not after that store deactivated (its pending requests
//! and key are gone).
//!
//! Bytes (after the tag `nodelock/short-response/v1`, which exists only inside
//! an `NLC-` code of type byte `05`): `flags ‖ issued_at (u32 LE) ‖ seat or
//! temporary days (u16 LE) ‖ [lease days (u16 LE)] ‖ key id hint (1) ‖ nonce
//! hint (2) ‖ signature (64)`.

use sha2::{Digest as _, Sha256};

use super::{
    ActivationCertificate, ActivationId, ActivationKind, ActivationRequest, CertificateV2, CertificateV3,
    Nonce,
};
use crate::codec::tag::{self, short_flags};
use crate::codec::{CodecError, frame};
use crate::keys::KeyId;
use crate::license::LicenseId;
use crate::signed::{self, SIGNATURE_LEN};
use crate::timestamp::Timestamp;

/// Domain tag of derived activation ids.
pub const ACTIVATION_ID_DOMAIN: &[u8] = b"nodelock/activation-id/v1";

const DAY: u64 = 86_400;

/// The activation id an authority gives a new activation answering the
/// request with `nonce` and `activation_key` for `license`: the first 16 bytes
/// of SHA-256(`nodelock/activation-id/v1` ‖ 00 ‖ license id ‖ nonce ‖
/// activation key). The machine computes it too, so a short response need not
/// carry it. (An authority that finds the id taken — a replayed request —
/// gives a random one, and answers with the full response.)
pub fn derived_activation_id(license: &LicenseId, nonce: &Nonce, activation_key: &[u8; 32]) -> ActivationId {
    let mut h = Sha256::new();
    h.update(ACTIVATION_ID_DOMAIN);
    h.update([0u8]);
    h.update(license.0);
    h.update(nonce.0);
    h.update(activation_key);
    let full = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&full[..16]);
    ActivationId(id)
}

/// A short response's fields (`docs/FORMAT.md` §10.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortResponse {
    /// [`short_flags`] bits.
    pub flags: u8,
    /// The certificate's issue time (seconds since the epoch).
    pub issued_at: u32,
    /// A permanent activation's seat, or a temporary one's length in days.
    pub seat_or_days: u16,
    /// The lease's length in days, when the certificate has one.
    pub lease_days: Option<u16>,
    /// The first byte of the signing key's id.
    pub key_hint: u8,
    /// The first two bytes of the answered request's nonce.
    pub nonce_hint: [u8; 2],
    /// The authority's signature over the whole certificate.
    pub signature: [u8; SIGNATURE_LEN],
}

/// What a certificate binds besides the short response's own fields.
#[derive(Debug, Clone, Copy)]
pub struct Rebuild<'a> {
    /// The request answered (the client's own pending request).
    pub request: &'a ActivationRequest,
    /// The activation id (derived, or the held activation's for a renewal).
    pub activation_id: ActivationId,
    /// The signing key's id (a trusted key, or the license's key).
    pub key_id: KeyId,
}

fn days_between(from: Timestamp, to: Timestamp) -> Option<u16> {
    let secs = to.0.checked_sub(from.0)?;
    (secs % DAY == 0).then_some(secs / DAY).and_then(|d| u16::try_from(d).ok()).filter(|d| *d > 0)
}

impl ShortResponse {
    /// The short response standing for the signed certificate `envelope`, as
    /// tagged bytes for [`crate::codec::code`], or `None` when this
    /// certificate cannot be sent short (a seat above 65 535, a temporary end
    /// or lease end that is not a whole number of days after issue, an
    /// activation id neither derived nor a renewal's, an issue time after
    /// 2106). The result is checked: it rebuilds into `envelope` exactly.
    pub fn of_certificate(envelope: &[u8]) -> Option<Vec<u8>> {
        let opened = ActivationCertificate::decode_unverified(envelope).ok()?;
        let cert = opened.message;
        let signature: [u8; SIGNATURE_LEN] =
            envelope.get(envelope.len().checked_sub(SIGNATURE_LEN)?..)?.try_into().ok()?;
        let issued = Timestamp(u64::from(u32::try_from(cert.issued_at.0).ok()?));
        let mut flags = 0;
        let seat_or_days = match (cert.kind, cert.seat) {
            (ActivationKind::Permanent, Some(seat)) => u16::try_from(seat).ok()?,
            (ActivationKind::Temporary { until }, None) => {
                flags |= short_flags::TEMPORARY;
                days_between(issued, until)?
            }
            _ => return None,
        };
        let lease_days = match cert.lease_ends {
            Some(end) => {
                flags |= short_flags::LEASE;
                Some(days_between(issued, end)?)
            }
            None => None,
        };
        if cert.activation_id != derived_activation_id(&cert.license_id, &cert.nonce, &cert.activation_key) {
            flags |= short_flags::RENEWAL;
        }
        let short = ShortResponse {
            flags,
            issued_at: u32::try_from(issued.0).ok()?,
            seat_or_days,
            lease_days,
            key_hint: opened.key_id.0[0],
            nonce_hint: [cert.nonce.0[0], cert.nonce.0[1]],
            signature,
        };
        let request = ActivationRequest {
            license_id: cert.license_id,
            release_version: cert.release_version,
            profile: cert.profile.clone(),
            stamp: cert.stamp,
            nonce: cert.nonce,
            activation_key: cert.activation_key,
            label: None,
            client_time: cert.issued_at,
        };
        let rebuilt = short.rebuild(Rebuild {
            request: &request,
            activation_id: cert.activation_id,
            key_id: opened.key_id,
        });
        (rebuilt == envelope).then(|| short.to_bytes())
    }

    /// Whether `bytes` (a response as the text reader returns it) is a short
    /// response rather than a certificate.
    pub fn is_short(bytes: &[u8]) -> bool {
        tag::version_of(tag::CERTIFICATE, bytes) == Some(tag::SHORT_RESPONSE)
    }

    /// The tagged bytes (`docs/FORMAT.md` §10.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + tag::SHORT_RESPONSE.tag.len() + 76);
        tag::write(&mut out, tag::SHORT_RESPONSE);
        out.push(self.flags);
        out.extend_from_slice(&self.issued_at.to_le_bytes());
        out.extend_from_slice(&self.seat_or_days.to_le_bytes());
        if let Some(days) = self.lease_days {
            out.extend_from_slice(&days.to_le_bytes());
        }
        out.push(self.key_hint);
        out.extend_from_slice(&self.nonce_hint);
        out.extend_from_slice(&self.signature);
        out
    }

    /// Reads the tagged bytes: the tag, defined flag bits only, the exact
    /// length those flags give, a seat or a number of days from 1.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let what = tag::SHORT_RESPONSE.name;
        let invalid = |rule| CodecError::Invalid { what, rule };
        let body = tag::read(bytes, tag::SHORT_RESPONSE)?;
        let (&flags, _) = body.split_first().ok_or(CodecError::Truncated { what })?;
        let len =
            tag::short_response_len(flags).ok_or(invalid("the short response has undefined flag bits"))?;
        // `len` counts the type byte, which the tag stands for here.
        let len = len - 1;
        if body.len() < len {
            return Err(CodecError::Truncated { what });
        }
        if body.len() > len {
            return Err(CodecError::TrailingBytes { what, count: body.len() - len });
        }
        let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
        let issued_at = u32::from_le_bytes([body[1], body[2], body[3], body[4]]);
        let seat_or_days = u16_at(5);
        let mut at = 7;
        let lease_days = (flags & short_flags::LEASE != 0).then(|| {
            at += 2;
            u16_at(7)
        });
        if seat_or_days == 0 {
            return Err(invalid(if flags & short_flags::TEMPORARY != 0 {
                "a temporary activation must end after it was issued"
            } else {
                "seats are numbered from 1"
            }));
        }
        if lease_days == Some(0) {
            return Err(invalid("a lease must end after the certificate was issued"));
        }
        let key_hint = body[at];
        let nonce_hint = [body[at + 1], body[at + 2]];
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(&body[at + 3..]);
        Ok(ShortResponse { flags, issued_at, seat_or_days, lease_days, key_hint, nonce_hint, signature })
    }

    /// Whether the activation id is the held activation's (a renewal).
    pub fn is_renewal(&self) -> bool {
        self.flags & short_flags::RENEWAL != 0
    }

    /// The certificate envelope this short response stands for, given what
    /// the client knows (not verified: the caller verifies it).
    pub fn rebuild(&self, with: Rebuild<'_>) -> Vec<u8> {
        let issued_at = Timestamp(u64::from(self.issued_at));
        let days = |d: u16| issued_at.plus_days(u64::from(d));
        let (kind, seat) = if self.flags & short_flags::TEMPORARY != 0 {
            (ActivationKind::Temporary { until: days(self.seat_or_days) }, None)
        } else {
            (ActivationKind::Permanent, Some(u32::from(self.seat_or_days)))
        };
        let cert = ActivationCertificate::answering(with.request, with.activation_id, kind, seat, issued_at);
        let lease_ends = self.lease_days.map(days);
        let (tag, payload) = match self.lease_days {
            // A certificate of a short profile is version 3, lease or not.
            _ if cert.profile.is_short() => (
                tag::CERTIFICATE_V3,
                frame::encode_payload(&CertificateV3::from(&cert.with_lease_end(lease_ends))),
            ),
            None => (tag::CERTIFICATE, frame::encode_payload(&cert)),
            Some(d) => (
                tag::CERTIFICATE_V2,
                frame::encode_payload(&CertificateV2 { base: cert, lease_ends: days(d) }),
            ),
        };
        signed::assemble(tag, with.key_id, &payload, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::ComponentKind;
    use crate::keys::SecretKey;
    use crate::profile::{Digest, Profile};

    fn request() -> ActivationRequest {
        ActivationRequest {
            license_id: LicenseId([1; 16]),
            release_version: 3,
            profile: Profile::from_digests([(ComponentKind::Mac, Digest([7; 16]))]).unwrap(),
            stamp: super::super::LocationStamp([3; 16]),
            nonce: Nonce([4; 16]),
            activation_key: [5; 32],
            label: None,
            client_time: Timestamp(1_764_000_000),
        }
    }

    #[test]
    fn what_cannot_be_sent_short_is_not() {
        let key = SecretKey::from_seed(&[9; 32]);
        let r = request();
        let derived = derived_activation_id(&r.license_id, &r.nonce, &r.activation_key);
        let at = Timestamp(1_764_000_100);
        let sign = |c: ActivationCertificate| c.sign(&key).unwrap();
        let permanent =
            |seat| ActivationCertificate::answering(&r, derived, ActivationKind::Permanent, Some(seat), at);
        assert!(ShortResponse::of_certificate(&sign(permanent(65_535))).is_some());
        assert!(ShortResponse::of_certificate(&sign(permanent(65_536))).is_none(), "seat above u16");
        let temporary = |until| {
            ActivationCertificate::answering(&r, derived, ActivationKind::Temporary { until }, None, at)
        };
        assert!(ShortResponse::of_certificate(&sign(temporary(at.plus_days(3)))).is_some());
        assert!(ShortResponse::of_certificate(&sign(temporary(at.plus_secs(3 * 86_400 + 1)))).is_none());
        let lease = permanent(1).with_lease_end(Some(at.plus_secs(100)));
        assert!(ShortResponse::of_certificate(&sign(lease)).is_none(), "a lease of part of a day");
        let late = ActivationCertificate::answering(
            &r,
            derived,
            ActivationKind::Permanent,
            Some(1),
            Timestamp(u64::from(u32::MAX) + 1),
        );
        assert!(ShortResponse::of_certificate(&sign(late)).is_none(), "issued after 2106");
        // Another id is flagged as a renewal's.
        let other = ActivationCertificate::answering(
            &r,
            ActivationId([8; 16]),
            ActivationKind::Permanent,
            Some(1),
            at,
        );
        let bytes = ShortResponse::of_certificate(&sign(other)).unwrap();
        assert!(ShortResponse::from_bytes(&bytes).unwrap().is_renewal());
    }

    #[test]
    fn every_cut_and_every_byte_change_is_refused_or_reads_as_another_response() {
        let key = SecretKey::from_seed(&[9; 32]);
        let r = request();
        let derived = derived_activation_id(&r.license_id, &r.nonce, &r.activation_key);
        let cert = ActivationCertificate::answering(
            &r,
            derived,
            ActivationKind::Permanent,
            Some(2),
            Timestamp(1_764_000_100),
        )
        .with_lease_end(Some(Timestamp(1_764_000_100).plus_days(30)));
        let bytes = ShortResponse::of_certificate(&cert.sign(&key).unwrap()).unwrap();
        let short = ShortResponse::from_bytes(&bytes).unwrap();
        assert_eq!(short.to_bytes(), bytes);
        for cut in 0..bytes.len() {
            assert!(ShortResponse::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let tag_len = 1 + tag::SHORT_RESPONSE.tag.len();
        for i in tag_len..bytes.len() {
            for delta in [0x01u8, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[i] ^= delta;
                if let Ok(other) = ShortResponse::from_bytes(&changed) {
                    assert_ne!(other, short, "a change at {i} is seen");
                    assert_eq!(other.to_bytes(), changed);
                }
            }
        }
    }
}
