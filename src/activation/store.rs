//! The license store: one directory per license on the end user's machine.
//!
//! ```text
//! <store>/anchor        created once, never rewritten: the location stamp's anchor
//! <store>/license.lic   the license the activation belongs to (armoured)
//! <store>/activation    pending requests, the active certificate and its secret (0600)
//! <store>/clock         the time high-water mark, MAC'd with the activation secret (0600)
//! ```
//!
//! Every write is atomic and durable ([`crate::fsio::write_atomic`]); a crash
//! at any instant leaves each file in its old or its new state. Reading a
//! damaged file never destroys anything: a damaged activation file is moved
//! aside (to `activation.damaged`) only when a new request must be written.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::certificate::MAX_CERTIFICATE_LEN;
use super::receipt::MAX_RECEIPT_LEN;
use super::{
    ActivationCertificate, ActivationError, ActivationRequest, DeactivationReceipt, LocationStamp, Nonce,
    stamp,
};
use crate::codec::envelope::decode_unverified;
use crate::codec::{CodecError, bounded, frame, tag};
use crate::fsio;
use crate::keys::{SecretKey, TrustedKeys};
use crate::license::License;
use crate::profile::Profile;
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
const MAX_LICENSE_TEXT: usize = 48 * 1024;
const MAX_STATE_LEN: usize = 256 * 1024;
/// The clock mark is rewritten only when time has advanced this far past it,
/// so a normal start-up does not write to disk.
pub const CLOCK_GRANULE_SECS: u64 = 3600;

/// An activation secret key's seed, wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SecretSeed([u8; 32]);

impl SecretSeed {
    fn key(&self) -> SecretKey {
        SecretKey::from_seed(&self.0)
    }
}

impl std::fmt::Debug for SecretSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretSeed(..)")
    }
}

/// A request made on this machine and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The request's nonce.
    pub nonce: Nonce,
    /// The secret of the activation key pair the request announced.
    pub secret: SecretSeed,
    /// The license (armoured) the request was made for; installed with the answer.
    #[serde(deserialize_with = "bounded::string::<_, MAX_LICENSE_TEXT>")]
    pub license_text: String,
    /// Its id.
    pub license_id: crate::license::LicenseId,
    /// Its release version.
    pub release_version: u32,
    /// When the request was made.
    pub created_at: Timestamp,
}

/// The activation this machine holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Active {
    /// The certificate's envelope bytes, as the authority signed them.
    #[serde(deserialize_with = "bounded::vec::<_, u8, MAX_CERTIFICATE_LEN>")]
    pub certificate: Vec<u8>,
    /// The activation secret (signs the deactivation receipt).
    pub secret: SecretSeed,
}

impl Active {
    /// The certificate's fields, without verifying the signature again (it
    /// was verified when installed; the validator verifies it at every check).
    pub fn certificate_unverified(&self) -> Result<ActivationCertificate, ActivationError> {
        Ok(decode_unverified::<ActivationCertificate>(&self.certificate)?.message)
    }

    /// Verifies the certificate against `trusted`.
    pub fn certificate(&self, trusted: &TrustedKeys) -> Result<ActivationCertificate, ActivationError> {
        Ok(ActivationCertificate::open(&self.certificate, trusted)?.message)
    }

    /// The activation public key of the stored secret.
    pub fn public_key(&self) -> [u8; 32] {
        self.secret.key().public_key().to_bytes()
    }
}

/// Everything in the activation file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ActivationError + '_ {
    move |source| ActivationError::Io { path: path.display().to_string(), source }
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

    /// Reads the activation state (empty when the file does not exist).
    pub fn load(&self) -> Result<State, ActivationError> {
        let path = self.state_path();
        let bytes = match fsio::read_capped(&path, MAX_STATE_LEN as u64) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(ActivationError::StoreCorrupt {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                });
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        decode_state(&bytes)
            .map_err(|detail| ActivationError::StoreCorrupt { path: path.display().to_string(), detail })
    }

    fn save(&self, state: &State) -> Result<(), ActivationError> {
        let payload = postcard::to_allocvec(state).unwrap_or_else(|_| unreachable!("states always encode"));
        let path = self.state_path();
        fsio::write_atomic(&path, &frame::encode(tag::STORE_STATE, &payload), true).map_err(io_err(&path))
    }

    /// Loads the state for a change: a damaged file is moved aside (kept for
    /// support) and replaced by an empty state.
    fn load_for_update(&self) -> Result<State, ActivationError> {
        match self.load() {
            Err(ActivationError::StoreCorrupt { .. }) => {
                let damaged = self.dir.join(DAMAGED_FILE);
                fs::rename(self.state_path(), &damaged).map_err(io_err(&damaged))?;
                Ok(State::default())
            }
            other => other,
        }
    }

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
        license.policy.check_kinds(profile.kind_count())?;
        let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.len() > super::request::MAX_LABEL_LEN) {
            return Err(CodecError::Invalid {
                what: tag::REQUEST.name,
                detail: format!("the machine label is longer than {} bytes", super::request::MAX_LABEL_LEN),
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
        let stamp = self.stamp().ok_or_else(|| ActivationError::StoreCorrupt {
            path: self.dir.join(stamp::ANCHOR).display().to_string(),
            detail: "the anchor file cannot be read".to_owned(),
        })?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| ActivationError::Random(e.to_string()))?;
        let secret = SecretSeed(seed);
        seed.zeroize();
        let request = ActivationRequest {
            license_id: license.id,
            release_version: license.release_version,
            profile,
            stamp,
            nonce: Nonce::generate()?,
            activation_key: secret.key().public_key().to_bytes(),
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
        let excess = state.pending.len().saturating_sub(MAX_PENDING);
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
        let cert = decode_unverified::<ActivationCertificate>(certificate)?.message;
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
            .position(|p| {
                p.nonce == cert.nonce && p.secret.key().public_key().to_bytes() == cert.activation_key
            })
            .ok_or(ActivationError::NoPendingRequest)?;
        let pending = state.pending.remove(index);
        if (pending.license_id, pending.release_version) != (cert.license_id, cert.release_version) {
            return Err(ActivationError::WrongLicense {
                expected: format!("{} release {}", pending.license_id, pending.release_version),
                found: format!("{} release {}", cert.license_id, cert.release_version),
            });
        }
        let license_path = self.license_path();
        let installed = fs::read(&license_path).ok();
        if installed.as_deref() != Some(pending.license_text.as_bytes()) {
            fsio::write_atomic(&license_path, pending.license_text.as_bytes(), false)
                .map_err(io_err(&license_path))?;
        }
        state.active = Some(Active { certificate: certificate.to_vec(), secret: pending.secret.clone() });
        self.save(&state)?;
        let _ = fs::remove_file(self.dir.join(CLOCK_FILE));
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
        let _ = fs::remove_file(self.dir.join(CLOCK_FILE));
        Ok(receipt)
    }

    /// The receipt of the last deactivation, if one was made here.
    pub fn last_receipt(&self) -> Result<Option<Vec<u8>>, ActivationError> {
        Ok(self.load()?.last_receipt)
    }

    /// Installs `text` as the store's license file (atomically).
    pub fn install_license(&self, text: &str) -> Result<(), ActivationError> {
        self.create()?;
        let path = self.license_path();
        fsio::write_atomic(&path, text.as_bytes(), false).map_err(io_err(&path))
    }

    /// The highest validated time recorded for `active`, if the record exists
    /// and its MAC is intact (a damaged or foreign record is ignored).
    pub fn clock_mark(&self, active: &Active, activation_id: &super::ActivationId) -> Option<Timestamp> {
        let bytes = fsio::read_capped(&self.dir.join(CLOCK_FILE), 256).ok()?;
        let payload = frame::decode(&bytes, tag::CLOCK, 256).ok()?;
        let mark: ClockMark = postcard::from_bytes(payload).ok()?;
        (clock_mac(active, activation_id, mark.seen) == mark.mac).then_some(mark.seen)
    }

    /// Records `now` as validated time if it is at least
    /// [`CLOCK_GRANULE_SECS`] past the current mark.
    pub fn advance_clock(
        &self,
        active: &Active,
        activation_id: &super::ActivationId,
        mark: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), ActivationError> {
        if mark.is_some_and(|m| now < m.plus_secs(CLOCK_GRANULE_SECS)) {
            return Ok(());
        }
        let record = ClockMark { seen: now, mac: clock_mac(active, activation_id, now) };
        let payload =
            postcard::to_allocvec(&record).unwrap_or_else(|_| unreachable!("clock marks always encode"));
        let path = self.dir.join(CLOCK_FILE);
        fsio::write_atomic(&path, &frame::encode(tag::CLOCK, &payload), true).map_err(io_err(&path))
    }
}

/// HMAC-SHA-256 under a key derived from the activation secret.
fn clock_mac(active: &Active, activation_id: &super::ActivationId, seen: Timestamp) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&active.secret.0)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(tag::CLOCK.tag.as_bytes());
    mac.update(&activation_id.0);
    mac.update(&seen.0.to_le_bytes());
    mac.finalize().into_bytes().into()
}

fn decode_state(bytes: &[u8]) -> Result<State, String> {
    let payload = frame::decode(bytes, tag::STORE_STATE, MAX_STATE_LEN).map_err(|e| e.to_string())?;
    let (state, rest) = postcard::take_from_bytes::<State>(payload).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} unexpected bytes at the end", rest.len()));
    }
    Ok(state)
}

/// Decodes an activation state file's bytes (for the fuzz target).
pub fn decode_state_bytes(bytes: &[u8]) -> Result<State, String> {
    decode_state(bytes)
}
