//! The activation file's contents — pending requests (with the profile and
//! stamp each was made with), the active activation with its secret and
//! public key, the last receipt — and its encoding: written as
//! `nodelock/store-state/v4` (version 3 with each pending request's profile
//! in its stored form, so a short one is kept as sent), versions 1 to 3
//! still read (`docs/FORMAT.md` §11.1).
//!
//! The activation secret never leaves the crate: [`SecretSeed`] and the state
//! types do not implement `Serialize`; the file is written through private
//! wire structs.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::certificate::MAX_CERTIFICATE_LEN;
use super::receipt::MAX_RECEIPT_LEN;
use super::{ActivationCertificate, ActivationError, ActivationRequest, LocationStamp, Nonce};
use crate::codec::{CodecError, Framed, Message, bounded, frame, tag};
use crate::keys::{SecretKey, TrustedKeys};
use crate::license::LicenseId;
use crate::profile::Profile;
use crate::timestamp::Timestamp;

/// How many outstanding requests are remembered (the newest ones).
pub const MAX_PENDING: usize = 4;
/// The longest license text a pending request keeps.
pub(crate) const MAX_LICENSE_TEXT: usize = 48 * 1024;
/// The largest activation file read.
pub(crate) const MAX_STATE_LEN: usize = 256 * 1024;

/// An activation secret key's seed, wiped from memory when dropped. It cannot
/// be serialised or read from outside the crate.
#[derive(Clone, PartialEq, Eq, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SecretSeed([u8; 32]);

impl SecretSeed {
    /// A fresh random seed.
    pub(crate) fn generate() -> Result<Self, ActivationError> {
        let mut seed = SecretSeed([0u8; 32]);
        getrandom::fill(&mut seed.0).map_err(ActivationError::Random)?;
        Ok(seed)
    }

    /// The seed's bytes (the clock mark's MAC key).
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn key(&self) -> SecretKey {
        SecretKey::from_seed(&self.0)
    }

    /// The Ed25519 public key of this seed (a scalar multiplication: done
    /// when an activation is written, never on the start-up path).
    pub(crate) fn derive_public_key(&self) -> [u8; 32] {
        self.key().public_key().to_bytes()
    }
}

impl fmt::Debug for SecretSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretSeed(..)")
    }
}

/// What a request bound besides its license, nonce and key: kept so a short
/// response can be rebuilt into the certificate it stands for
/// ([`super::short`]). A short response is rebuilt for the store's own
/// location, computed again where it is installed (so a copy of the store
/// cannot install it); the stamp kept here only tells such a copy from a
/// forged signature. `None` for a request remembered by a build before
/// version 3 of the file (its answer installs from a full response only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedWith {
    /// The profile the request carried (full or short), written in its
    /// stored form ([`Profile::to_bytes`]).
    #[serde(serialize_with = "stored_profile", deserialize_with = "read_stored_profile")]
    pub profile: Profile,
    /// The location stamp it carried.
    pub stamp: LocationStamp,
}

fn stored_profile<S: serde::Serializer>(profile: &Profile, s: S) -> Result<S::Ok, S::Error> {
    profile.to_bytes().serialize(s)
}

fn read_stored_profile<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
    let bytes = bounded::vec::<_, u8, { crate::profile::MAX_PROFILE_LEN }>(d)?;
    Profile::from_bytes(&bytes).map_err(serde::de::Error::custom)
}

/// What a request was made with in version 3 of the file: the profile in
/// the full form (version 3 had no short profiles).
#[derive(Deserialize)]
struct RequestedWithV3 {
    profile: Profile,
    stamp: LocationStamp,
}

/// A pending request of version 3 of the file.
#[derive(Deserialize)]
struct PendingV3 {
    nonce: Nonce,
    secret: SecretSeed,
    #[serde(deserialize_with = "bounded::string::<_, MAX_LICENSE_TEXT>")]
    license_text: String,
    license_id: LicenseId,
    release_version: u32,
    created_at: Timestamp,
    requested_with: Option<RequestedWithV3>,
}

impl From<PendingV3> for Pending {
    fn from(p: PendingV3) -> Self {
        Pending {
            nonce: p.nonce,
            secret: p.secret,
            license_text: p.license_text,
            license_id: p.license_id,
            release_version: p.release_version,
            created_at: p.created_at,
            requested_with: p.requested_with.map(|w| RequestedWith { profile: w.profile, stamp: w.stamp }),
        }
    }
}

/// A request made on this machine and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Pending {
    /// The request's nonce.
    pub nonce: Nonce,
    /// The secret of the activation key pair the request announced.
    pub secret: SecretSeed,
    /// The license (armoured) the request was made for; installed with the answer.
    #[serde(deserialize_with = "bounded::string::<_, MAX_LICENSE_TEXT>")]
    pub license_text: String,
    /// Its id.
    pub license_id: LicenseId,
    /// Its release version.
    pub release_version: u32,
    /// When the request was made.
    pub created_at: Timestamp,
    /// The profile and stamp it was made with (version 3 of the file).
    pub requested_with: Option<RequestedWith>,
}

impl Pending {
    /// The request this pending entry stands for, made at the location
    /// `stamp`, as far as a certificate binds it (no label; `None` before
    /// version 3 of the file).
    pub fn request(&self, stamp: LocationStamp) -> Option<ActivationRequest> {
        let with = self.requested_with.as_ref()?;
        Some(ActivationRequest {
            license_id: self.license_id,
            release_version: self.release_version,
            profile: with.profile.clone(),
            stamp,
            nonce: self.nonce,
            activation_key: self.secret.derive_public_key(),
            label: None,
            client_time: self.created_at,
        })
    }
}

/// A pending request of versions 1 and 2 of the file.
#[derive(Deserialize)]
struct PendingV1 {
    nonce: Nonce,
    secret: SecretSeed,
    #[serde(deserialize_with = "bounded::string::<_, MAX_LICENSE_TEXT>")]
    license_text: String,
    license_id: LicenseId,
    release_version: u32,
    created_at: Timestamp,
}

impl From<PendingV1> for Pending {
    fn from(p: PendingV1) -> Self {
        Pending {
            nonce: p.nonce,
            secret: p.secret,
            license_text: p.license_text,
            license_id: p.license_id,
            release_version: p.release_version,
            created_at: p.created_at,
            requested_with: None,
        }
    }
}

/// The activation this machine holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Active {
    /// The certificate's envelope bytes, as the authority signed them.
    #[serde(deserialize_with = "bounded::vec::<_, u8, MAX_CERTIFICATE_LEN>")]
    pub certificate: Vec<u8>,
    /// The activation secret (signs the deactivation receipt).
    pub secret: SecretSeed,
    /// The public key of `secret`, derived once when the activation was written.
    public_key: [u8; 32],
}

impl Active {
    /// The activation holding `certificate` with `secret`.
    pub(crate) fn new(certificate: Vec<u8>, secret: SecretSeed) -> Self {
        let public_key = secret.derive_public_key();
        Active { certificate, secret, public_key }
    }

    /// The certificate's fields, without verifying the signature again (it
    /// was verified when installed; the validator verifies it at every check).
    pub fn certificate_unverified(&self) -> Result<ActivationCertificate, ActivationError> {
        Ok(ActivationCertificate::decode_unverified(&self.certificate)?.message)
    }

    /// Verifies the certificate against `trusted`.
    pub fn certificate(&self, trusted: &TrustedKeys) -> Result<ActivationCertificate, ActivationError> {
        Ok(ActivationCertificate::open(&self.certificate, trusted)?.message)
    }

    /// The activation public key of the stored secret (kept beside it, so no
    /// key is derived to read it).
    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }
}

/// Everything in the activation file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct State {
    /// Outstanding requests, oldest first.
    #[serde(deserialize_with = "bounded::vec::<_, Pending, MAX_PENDING>")]
    pub pending: Vec<Pending>,
    /// The active activation.
    pub active: Option<Active>,
    /// The receipt of the last deactivation, kept so it can be shown again.
    #[serde(deserialize_with = "bounded::opt_bytes::<_, MAX_RECEIPT_LEN>")]
    pub last_receipt: Option<Vec<u8>>,
}

#[derive(Serialize)]
struct PendingWire<'a> {
    nonce: &'a Nonce,
    secret: &'a [u8; 32],
    license_text: &'a str,
    license_id: &'a LicenseId,
    release_version: u32,
    created_at: Timestamp,
    requested_with: Option<&'a RequestedWith>,
}

#[derive(Serialize)]
struct ActiveWire<'a> {
    certificate: &'a [u8],
    secret: &'a [u8; 32],
    public_key: &'a [u8; 32],
}

#[derive(Serialize)]
struct StateWire<'a> {
    pending: Vec<PendingWire<'a>>,
    active: Option<ActiveWire<'a>>,
    last_receipt: Option<&'a [u8]>,
}

/// Version 1 of an active activation: no public key beside the secret.
#[derive(Deserialize)]
struct ActiveV1 {
    #[serde(deserialize_with = "bounded::vec::<_, u8, MAX_CERTIFICATE_LEN>")]
    certificate: Vec<u8>,
    secret: SecretSeed,
}

#[derive(Deserialize)]
struct StateV1 {
    #[serde(deserialize_with = "bounded::vec::<_, PendingV1, MAX_PENDING>")]
    pending: Vec<PendingV1>,
    active: Option<ActiveV1>,
    #[serde(deserialize_with = "bounded::opt_bytes::<_, MAX_RECEIPT_LEN>")]
    last_receipt: Option<Vec<u8>>,
}

/// Version 2: version 1 with the public key beside the secret.
#[derive(Deserialize)]
struct StateV2 {
    #[serde(deserialize_with = "bounded::vec::<_, PendingV1, MAX_PENDING>")]
    pending: Vec<PendingV1>,
    active: Option<Active>,
    #[serde(deserialize_with = "bounded::opt_bytes::<_, MAX_RECEIPT_LEN>")]
    last_receipt: Option<Vec<u8>>,
}

/// Version 3: version 4 with each pending request's profile in the full form.
#[derive(Deserialize)]
struct StateV3 {
    #[serde(deserialize_with = "bounded::vec::<_, PendingV3, MAX_PENDING>")]
    pending: Vec<PendingV3>,
    active: Option<Active>,
    #[serde(deserialize_with = "bounded::opt_bytes::<_, MAX_RECEIPT_LEN>")]
    last_receipt: Option<Vec<u8>>,
}

/// Version 4, the one written (from its private serialisable view, so the
/// state itself is never `Serialize`).
impl Message for State {
    const TAG: tag::Tag = tag::STORE_STATE_V4;
    const MAX_LEN: usize = MAX_STATE_LEN;
}

impl Framed for State {}

/// Version 3, still read.
impl Message for StateV3 {
    const TAG: tag::Tag = tag::STORE_STATE_V3;
    const MAX_LEN: usize = MAX_STATE_LEN;
}

impl Framed for StateV3 {}

/// Version 2, still read.
impl Message for StateV2 {
    const TAG: tag::Tag = tag::STORE_STATE_V2;
    const MAX_LEN: usize = MAX_STATE_LEN;
}

impl Framed for StateV2 {}

/// Version 1, still read.
impl Message for StateV1 {
    const TAG: tag::Tag = tag::STORE_STATE;
    const MAX_LEN: usize = MAX_STATE_LEN;
}

impl Framed for StateV1 {}

pub(crate) fn encode_state(state: &State) -> Vec<u8> {
    let wire = StateWire {
        pending: state
            .pending
            .iter()
            .map(|p| PendingWire {
                nonce: &p.nonce,
                secret: &p.secret.0,
                license_text: &p.license_text,
                license_id: &p.license_id,
                release_version: p.release_version,
                created_at: p.created_at,
                requested_with: p.requested_with.as_ref(),
            })
            .collect(),
        active: state.active.as_ref().map(|a| ActiveWire {
            certificate: &a.certificate,
            secret: &a.secret.0,
            public_key: &a.public_key,
        }),
        last_receipt: state.last_receipt.as_deref(),
    };
    frame::encode_wire::<State>(&wire)
}

pub(crate) fn decode_state(bytes: &[u8]) -> Result<State, CodecError> {
    match State::decode_exact(bytes) {
        Ok(state) => Ok(state),
        Err(CodecError::UnsupportedVersion { found, .. }) if found == tag::STORE_STATE_V3.tag => {
            let v3 = StateV3::decode_exact(bytes)?;
            Ok(State {
                pending: v3.pending.into_iter().map(Pending::from).collect(),
                active: v3.active,
                last_receipt: v3.last_receipt,
            })
        }
        Err(CodecError::UnsupportedVersion { found, .. }) if found == tag::STORE_STATE_V2.tag => {
            let v2 = StateV2::decode_exact(bytes)?;
            Ok(State {
                pending: v2.pending.into_iter().map(Pending::from).collect(),
                active: v2.active,
                last_receipt: v2.last_receipt,
            })
        }
        Err(CodecError::UnsupportedVersion { found, .. }) if found == tag::STORE_STATE.tag => {
            let v1 = StateV1::decode_exact(bytes)?;
            Ok(State {
                pending: v1.pending.into_iter().map(Pending::from).collect(),
                active: v1.active.map(|a| Active::new(a.certificate, a.secret)),
                last_receipt: v1.last_receipt,
            })
        }
        Err(e) => Err(e),
    }
}

/// Decodes an activation state file's bytes, version 1 to 4 (for the fuzz
/// target and support tools). The result exposes no secret.
pub fn decode_state_bytes(bytes: &[u8]) -> Result<State, CodecError> {
    decode_state(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let secret = SecretSeed([0x33; 32]);
        State {
            pending: vec![Pending {
                nonce: Nonce([0x4f; 16]),
                secret: SecretSeed([0x34; 32]),
                license_text: "text".to_owned(),
                license_id: LicenseId([1; 16]),
                release_version: 2,
                created_at: Timestamp(1_000),
                requested_with: Some(RequestedWith {
                    profile: Profile::from_digests([(
                        crate::hardware::ComponentKind::Mac,
                        crate::profile::Digest([7; 16]),
                    )])
                    .unwrap(),
                    stamp: LocationStamp([5; 16]),
                }),
            }],
            active: Some(Active::new(vec![1, 2, 3], secret)),
            last_receipt: Some(vec![9; 4]),
        }
    }

    #[test]
    fn state_round_trips_in_v4_and_keeps_the_public_key() {
        let state = sample();
        let bytes = encode_state(&state);
        assert!(bytes[1..].starts_with(b"nodelock/store-state/v4"));
        assert_eq!(decode_state(&bytes), Ok(state.clone()));
        let mut short = state.clone();
        let with = short.pending[0].requested_with.as_mut().unwrap();
        with.profile = with.profile.shortened(4);
        assert_eq!(decode_state(&encode_state(&short)), Ok(short), "a short profile is kept as sent");
        let active = state.active.unwrap();
        assert_eq!(active.public_key(), SecretSeed([0x33; 32]).derive_public_key());
    }

    #[test]
    fn v3_state_is_still_read_with_what_its_requests_were_made_with() {
        #[derive(Serialize)]
        struct W {
            profile: Profile,
            stamp: LocationStamp,
        }
        #[derive(Serialize)]
        struct P<'a> {
            nonce: [u8; 16],
            secret: [u8; 32],
            license_text: &'a str,
            license_id: [u8; 16],
            release_version: u32,
            created_at: Timestamp,
            requested_with: Option<W>,
        }
        #[derive(Serialize)]
        struct S<'a> {
            pending: Vec<P<'a>>,
            active: Option<u8>,
            last_receipt: Option<&'a [u8]>,
        }
        let expected = sample().pending.remove(0);
        let with = expected.requested_with.clone().unwrap();
        let v3 = S {
            pending: vec![P {
                nonce: [0x4f; 16],
                secret: [0x34; 32],
                license_text: "text",
                license_id: [1; 16],
                release_version: 2,
                created_at: Timestamp(1_000),
                requested_with: Some(W { profile: with.profile, stamp: with.stamp }),
            }],
            active: None,
            last_receipt: None,
        };
        let bytes = frame::encode(tag::STORE_STATE_V3, &postcard::to_allocvec(&v3).unwrap());
        assert_eq!(decode_state(&bytes).unwrap().pending, vec![expected]);
    }

    #[test]
    fn v2_state_is_still_read_without_what_its_requests_were_made_with() {
        #[derive(Serialize)]
        struct P<'a> {
            nonce: [u8; 16],
            secret: [u8; 32],
            license_text: &'a str,
            license_id: [u8; 16],
            release_version: u32,
            created_at: Timestamp,
        }
        #[derive(Serialize)]
        struct S<'a> {
            pending: Vec<P<'a>>,
            active: Option<u8>,
            last_receipt: Option<&'a [u8]>,
        }
        let v2 = S {
            pending: vec![P {
                nonce: [0x4f; 16],
                secret: [0x34; 32],
                license_text: "text",
                license_id: [1; 16],
                release_version: 2,
                created_at: Timestamp(1_000),
            }],
            active: None,
            last_receipt: None,
        };
        let bytes = frame::encode(tag::STORE_STATE_V2, &postcard::to_allocvec(&v2).unwrap());
        let state = decode_state(&bytes).unwrap();
        let mut expected = sample().pending.remove(0);
        expected.requested_with = None;
        assert_eq!(state.pending, vec![expected]);
        assert!(state.pending[0].request(LocationStamp([5; 16])).is_none(), "no short response to it");
    }

    #[test]
    fn v1_state_is_still_read_with_the_key_derived() {
        #[derive(Serialize)]
        struct A<'a> {
            certificate: &'a [u8],
            secret: [u8; 32],
        }
        #[derive(Serialize)]
        struct S<'a> {
            pending: Vec<u8>,
            active: Option<A<'a>>,
            last_receipt: Option<&'a [u8]>,
        }
        let v1 = S {
            pending: vec![],
            active: Some(A { certificate: &[1, 2, 3], secret: [0x33; 32] }),
            last_receipt: None,
        };
        let bytes = frame::encode(tag::STORE_STATE, &postcard::to_allocvec(&v1).unwrap());
        let state = decode_state(&bytes).unwrap();
        let active = state.active.unwrap();
        assert_eq!(active.certificate, vec![1, 2, 3]);
        assert_eq!(active.public_key(), SecretSeed([0x33; 32]).derive_public_key());
        let mut long = postcard::to_allocvec(&v1).unwrap();
        long.push(0);
        let bytes = frame::encode(tag::STORE_STATE, &long);
        assert_eq!(
            decode_state(&bytes),
            Err(CodecError::TrailingBytes { what: "activation store", count: 1 })
        );
    }
}
