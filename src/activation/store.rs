//! The license store's files: one directory per license on the end user's
//! machine, its paths, and reading and writing each file (the activation
//! protocol that changes them is in [`client`](super::client)).
//!
//! ```text
//! <store>/anchor        created once, never rewritten: the location stamp's anchor
//! <store>/license.lic   the license the activation belongs to (armoured)
//! <store>/activation    pending requests, the active certificate, its secret and public key (0600)
//! <store>/clock         the time high-water mark, MAC'd with the activation secret (0600)
//! ```
//!
//! Every write is atomic and durable ([`crate::fsio::write_atomic`]); a crash
//! at any instant leaves each file in its old or its new state. Reading a
//! damaged file never destroys anything: a damaged activation file is moved
//! aside (to `activation.damaged`) only when a new request must be written.
//!
//! The activation secret never leaves the crate: [`SecretSeed`] and the state
//! types do not implement `Serialize`; the file is written through private
//! wire structs.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::certificate::MAX_CERTIFICATE_LEN;
use super::receipt::MAX_RECEIPT_LEN;
use super::{ActivationCertificate, ActivationError, ActivationId, LocationStamp, Nonce, stamp};
use crate::codec::envelope::decode_unverified;
use crate::codec::{CodecError, bounded, frame, tag};
use crate::fsio;
use crate::keys::{SecretKey, TrustedKeys};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// File name of the installed license.
pub const LICENSE_FILE: &str = "license.lic";
/// File name of the activation state.
pub const STATE_FILE: &str = "activation";
/// File name of the clock high-water mark.
pub const CLOCK_FILE: &str = "clock";
/// Where a damaged activation file is moved before a new one is written.
pub const DAMAGED_FILE: &str = "activation.damaged";
/// How many outstanding requests are remembered (the newest ones).
pub const MAX_PENDING: usize = 4;
pub(crate) const MAX_LICENSE_TEXT: usize = 48 * 1024;
const MAX_STATE_LEN: usize = 256 * 1024;
const MAX_CLOCK_LEN: usize = 256;
/// The clock mark is rewritten only when time has advanced this far past it,
/// so a normal start-up does not write to disk.
pub const CLOCK_GRANULE_SECS: u64 = 3600;

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
        Ok(decode_unverified::<ActivationCertificate>(&self.certificate)?.message)
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

/// What is wrong with a store file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// It does not decode.
    Format(CodecError),
    /// It is larger than the store ever writes it.
    TooLarge {
        /// The largest size the store reads.
        max: u64,
    },
    /// The anchor cannot be read, so the store has no location.
    Anchor,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Format(e) => write!(f, "{e}"),
            Damage::TooLarge { max } => write!(f, "it is larger than {max} bytes"),
            Damage::Anchor => f.write_str("the anchor file cannot be read"),
        }
    }
}

/// A store file that is damaged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the activation store file {} is damaged ({damage}); nothing was changed — ask the vendor's support for help before deleting it",
    path.display()
)]
pub struct StoreCorrupt {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub damage: Damage,
}

/// A store file that could not be read (the comparable part of the I/O error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot access the activation store at {}: {}; check that the directory exists and is writable",
    path.display(), IoCause(*kind, *os_code)
)]
pub struct StoreUnreadable {
    /// The file.
    pub path: PathBuf,
    /// The kind of failure.
    pub kind: io::ErrorKind,
    /// The operating system's error code, if it gave one.
    pub os_code: Option<i32>,
}

impl StoreUnreadable {
    /// The comparable part of `error` on `path`.
    pub fn new(path: impl Into<PathBuf>, error: &io::Error) -> Self {
        StoreUnreadable { path: path.into(), kind: error.kind(), os_code: error.raw_os_error() }
    }
}

/// Shows an I/O failure as `io::Error` shows it.
pub(crate) struct IoCause(pub(crate) io::ErrorKind, pub(crate) Option<i32>);

impl fmt::Display for IoCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(code) => write!(f, "{}", io::Error::from_raw_os_error(code)),
            None => write!(f, "{}", self.0),
        }
    }
}

#[derive(Serialize)]
struct PendingWire<'a> {
    nonce: &'a Nonce,
    secret: &'a [u8; 32],
    license_text: &'a str,
    license_id: &'a LicenseId,
    release_version: u32,
    created_at: Timestamp,
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
    #[serde(deserialize_with = "bounded::vec::<_, Pending, MAX_PENDING>")]
    pending: Vec<Pending>,
    active: Option<ActiveV1>,
    #[serde(deserialize_with = "bounded::opt_bytes::<_, MAX_RECEIPT_LEN>")]
    last_receipt: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
struct ClockMark {
    seen: Timestamp,
    mac: [u8; 32],
}

/// A license store directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ActivationError + '_ {
    move |source| ActivationError::Io { path: path.to_path_buf(), source }
}

impl Store {
    /// The store in `dir` (nothing is read or created yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    /// The per-user default directory of `product`'s store: under
    /// `$XDG_DATA_HOME` (or `~/.local/share`) on Linux and other Unix,
    /// `~/Library/Application Support` on macOS and `%LOCALAPPDATA%` on Windows
    /// (local, never roaming: a roaming profile would carry the activation to
    /// other machines), then `nodelock/<product>`.
    pub fn default_dir(product: &str) -> Result<PathBuf, ActivationError> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let base = if cfg!(windows) {
            env("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            env("HOME").map(|h| h.join("Library/Application Support"))
        } else {
            env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
        };
        let safe: String = product
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
            .collect();
        Ok(base.ok_or(ActivationError::NoDefaultStore)?.join("nodelock").join(safe))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the installed license.
    pub fn license_path(&self) -> PathBuf {
        self.dir.join(LICENSE_FILE)
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    fn clock_path(&self) -> PathBuf {
        self.dir.join(CLOCK_FILE)
    }

    /// Creates the directory (mode 0700 on Unix) and its anchor if missing.
    pub fn create(&self) -> Result<(), ActivationError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&self.dir).map_err(io_err(&self.dir))?;
        stamp::ensure_anchor(&self.dir).map_err(io_err(&self.dir))
    }

    /// The store's location stamp; `None` when it has no (valid) anchor.
    pub fn stamp(&self) -> Option<LocationStamp> {
        stamp::stamp(&self.dir).ok()
    }

    /// The location stamp of a store that must have one (after [`create`](Self::create)).
    pub(crate) fn require_stamp(&self) -> Result<LocationStamp, ActivationError> {
        self.stamp().ok_or_else(|| {
            ActivationError::StoreCorrupt(StoreCorrupt {
                path: self.dir.join(stamp::ANCHOR),
                damage: Damage::Anchor,
            })
        })
    }

    /// Reads the activation state (empty when the file does not exist).
    pub fn load(&self) -> Result<State, ActivationError> {
        let path = self.state_path();
        let corrupt = |damage| ActivationError::StoreCorrupt(StoreCorrupt { path: path.clone(), damage });
        let bytes = match fsio::read_capped(&path, MAX_STATE_LEN as u64) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(corrupt(Damage::TooLarge { max: MAX_STATE_LEN as u64 }));
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        decode_state(&bytes).map_err(|e| corrupt(Damage::Format(e)))
    }

    /// Writes the activation state (always in the current version).
    pub(crate) fn save(&self, state: &State) -> Result<(), ActivationError> {
        let path = self.state_path();
        fsio::write_atomic(&path, &encode_state(state), true).map_err(io_err(&path))
    }

    /// Loads the state for a change: a damaged file is moved aside (kept for
    /// support) and replaced by an empty state.
    pub(crate) fn load_for_update(&self) -> Result<State, ActivationError> {
        match self.load() {
            Err(ActivationError::StoreCorrupt(_)) => {
                let damaged = self.dir.join(DAMAGED_FILE);
                fs::rename(self.state_path(), &damaged).map_err(io_err(&damaged))?;
                Ok(State::default())
            }
            other => other,
        }
    }

    /// The receipt of the last deactivation, if one was made here.
    pub fn last_receipt(&self) -> Result<Option<Vec<u8>>, ActivationError> {
        Ok(self.load()?.last_receipt)
    }

    /// Installs `text` as the store's license file (atomically).
    pub fn install_license(&self, text: &str) -> Result<(), ActivationError> {
        self.create()?;
        self.write_license(text)
    }

    /// Writes `text` as the license file unless it already holds exactly that.
    pub(crate) fn write_license_if_changed(&self, text: &str) -> Result<(), ActivationError> {
        let installed = fs::read(self.license_path()).ok();
        if installed.as_deref() == Some(text.as_bytes()) {
            return Ok(());
        }
        self.write_license(text)
    }

    fn write_license(&self, text: &str) -> Result<(), ActivationError> {
        let path = self.license_path();
        fsio::write_atomic(&path, text.as_bytes(), false).map_err(io_err(&path))
    }

    /// Forgets the clock mark (it belongs to an activation that is gone).
    pub(crate) fn remove_clock(&self) {
        let _ = fs::remove_file(self.clock_path());
    }

    /// The highest validated time recorded for `active`, if the record exists
    /// and its MAC is intact (a damaged or foreign record is ignored).
    pub fn clock_mark(&self, active: &Active, activation_id: &ActivationId) -> Option<Timestamp> {
        let bytes = fsio::read_capped(&self.clock_path(), MAX_CLOCK_LEN as u64).ok()?;
        let mark = decode_clock(&bytes).ok()?;
        (clock_mac(active, activation_id, mark.seen) == mark.mac).then_some(mark.seen)
    }

    /// Records `now` as validated time if it is at least
    /// [`CLOCK_GRANULE_SECS`] past the current mark.
    pub fn advance_clock(
        &self,
        active: &Active,
        activation_id: &ActivationId,
        mark: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), ActivationError> {
        if mark.is_some_and(|m| now < m.plus_secs(CLOCK_GRANULE_SECS)) {
            return Ok(());
        }
        let record = ClockMark { seen: now, mac: clock_mac(active, activation_id, now) };
        let payload =
            postcard::to_allocvec(&record).unwrap_or_else(|_| unreachable!("clock marks always encode"));
        let path = self.clock_path();
        fsio::write_atomic(&path, &frame::encode(tag::CLOCK, &payload), true).map_err(io_err(&path))
    }
}

/// HMAC-SHA-256 under a key derived from the activation secret.
fn clock_mac(active: &Active, activation_id: &ActivationId, seen: Timestamp) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&active.secret.0)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(tag::CLOCK.tag.as_bytes());
    mac.update(&activation_id.0);
    mac.update(&seen.0.to_le_bytes());
    mac.finalize().into_bytes().into()
}

/// Decodes exactly one `T` from a frame's payload: no bytes may follow it.
fn exact<'a, T: Deserialize<'a>>(payload: &'a [u8], what: tag::Tag) -> Result<T, CodecError> {
    let (value, rest) = postcard::take_from_bytes::<T>(payload)
        .map_err(|e| CodecError::Malformed { what: what.name, detail: e.to_string() })?;
    if !rest.is_empty() {
        return Err(CodecError::TrailingBytes { what: what.name, count: rest.len() });
    }
    Ok(value)
}

fn decode_clock(bytes: &[u8]) -> Result<ClockMark, CodecError> {
    exact(frame::decode(bytes, tag::CLOCK, MAX_CLOCK_LEN)?, tag::CLOCK)
}

fn encode_state(state: &State) -> Vec<u8> {
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
            })
            .collect(),
        active: state.active.as_ref().map(|a| ActiveWire {
            certificate: &a.certificate,
            secret: &a.secret.0,
            public_key: &a.public_key,
        }),
        last_receipt: state.last_receipt.as_deref(),
    };
    let payload = postcard::to_allocvec(&wire).unwrap_or_else(|_| unreachable!("states always encode"));
    frame::encode(tag::STORE_STATE_V2, &payload)
}

fn decode_state(bytes: &[u8]) -> Result<State, CodecError> {
    match frame::decode(bytes, tag::STORE_STATE_V2, MAX_STATE_LEN) {
        Ok(payload) => exact(payload, tag::STORE_STATE_V2),
        Err(CodecError::UnsupportedVersion { found, .. }) if found == tag::STORE_STATE.tag => {
            let v1: StateV1 =
                exact(frame::decode(bytes, tag::STORE_STATE, MAX_STATE_LEN)?, tag::STORE_STATE)?;
            Ok(State {
                pending: v1.pending,
                active: v1.active.map(|a| Active::new(a.certificate, a.secret)),
                last_receipt: v1.last_receipt,
            })
        }
        Err(e) => Err(e),
    }
}

/// Decodes an activation state file's bytes, version 1 or 2 (for the fuzz
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
            }],
            active: Some(Active::new(vec![1, 2, 3], secret)),
            last_receipt: Some(vec![9; 4]),
        }
    }

    #[test]
    fn state_round_trips_in_v2_and_keeps_the_public_key() {
        let state = sample();
        let bytes = encode_state(&state);
        assert!(bytes[1..].starts_with(b"nodelock/store-state/v2"));
        assert_eq!(decode_state(&bytes), Ok(state.clone()));
        let active = state.active.unwrap();
        assert_eq!(active.public_key(), SecretSeed([0x33; 32]).derive_public_key());
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

    #[test]
    fn clock_mark_refuses_trailing_bytes() {
        let record = ClockMark { seen: Timestamp(5), mac: [7; 32] };
        let mut payload = postcard::to_allocvec(&record).unwrap();
        let good = frame::encode(tag::CLOCK, &payload);
        assert_eq!(decode_clock(&good).unwrap().seen, Timestamp(5));
        payload.push(0);
        let long = frame::encode(tag::CLOCK, &payload);
        assert!(matches!(decode_clock(&long), Err(CodecError::TrailingBytes { count: 1, .. })));
    }
}
