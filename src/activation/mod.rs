//! Activation on the end user's machine.
//!
//! The exchange: the machine makes an [`ActivationRequest`] (license,
//! hashed profile, location stamp, fresh nonce, a per-activation public key)
//! and sends it online or as an offline [`code`]; the vendor's authority
//! answers with an [`ActivationCertificate`] signed by its key that binds all
//! of it; the machine keeps certificate and activation secret in its
//! [`Store`]. At start-up the [`Validator`] checks license, certificate,
//! location, clock and hardware and returns one [`Verdict`]. Deactivation
//! returns a [`DeactivationReceipt`] signed with the activation secret, which
//! only the machine that held the activation can produce.
//!
//! One file per concept: [`request`], [`certificate`] and [`receipt`] are the
//! messages, [`short`] the short response code of a certificate; [`stamp`] the location stamp; [`store`] the store's files,
//! [`state`] what the activation file holds and [`clock`] the clock mark; [`client`] the machine's side of
//! the protocol (request, install, deactivate); [`verdict`] (with
//! [`detail`]) the answer and its reasons, [`lease`] where a certificate's
//! lease stands; [`validator`] the start-up check.
//!
//! This layer uses the profile, policy and license layers and knows nothing
//! of the authority; the authority consumes these very types.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::codec::CodecError;
use crate::codec::hex::{hex, unhex};
use crate::license::{LicenseError, LicenseId};
use crate::policy::{Implausible, WeakProfile};
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

/// Offline codes now live in the codec layer; this path keeps working.
pub use crate::codec::code;

pub mod certificate;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod clock;
#[cfg(feature = "client")]
pub mod detail;
#[cfg(feature = "client")]
pub mod lease;
pub mod receipt;
pub mod request;
pub mod short;
#[cfg(feature = "client")]
pub mod stamp;
#[cfg(feature = "client")]
pub mod state;
#[cfg(feature = "client")]
pub mod store;
#[cfg(feature = "client")]
pub mod validator;
#[cfg(feature = "client")]
pub mod verdict;

pub use crate::codec::code::CodeError;
pub use certificate::{ActivationCertificate, CertificateV2, CertificateV3};
pub use receipt::DeactivationReceipt;
pub use request::{ActivationRequest, RequestV2};
pub use short::ShortResponse;
#[cfg(feature = "client")]
pub use store::{Damage, Store, StoreCorrupt, StoreUnreadable};
#[cfg(feature = "client")]
pub use validator::{READ_LAST, Validator};
#[cfg(feature = "client")]
pub use verdict::{Document, LeaseState, Licensed, Mismatch, Reason, StoreProblem, Verdict};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// A fresh random value.
            pub fn generate() -> Result<Self, ActivationError> {
                let mut bytes = [0u8; $len];
                getrandom::fill(&mut bytes).map_err(ActivationError::Random)?;
                Ok($name(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = ActivationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                unhex::<$len>(s.trim())
                    .map($name)
                    .ok_or_else(|| ActivationError::BadId { what: $what, input: s.to_owned() })
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() { s.collect_str(self) } else { self.0.serialize(s) }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    <[u8; $len]>::deserialize(d).map($name)
                }
            }
        }
    };
}

id_type!(
    /// A fresh random value that ties a certificate to the request it answers.
    Nonce,
    "nonce",
    16
);
id_type!(
    /// The authority's id of one activation (one machine holding one seat).
    ActivationId,
    "activation id",
    16
);
id_type!(
    /// Where a license store physically lives (see [`stamp`]): a digest of the
    /// identity of a file created once and never rewritten.
    LocationStamp,
    "location stamp",
    16
);

/// Whether an activation is permanent or temporary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    /// Holds a seat until deactivated, released or transferred.
    Permanent,
    /// Granted while every seat was taken; ends at `until`.
    Temporary {
        /// When it ends.
        until: Timestamp,
    },
}

impl fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivationKind::Permanent => f.write_str("permanent"),
            ActivationKind::Temporary { until } => write!(f, "temporary until {}", until.date_string()),
        }
    }
}

/// One release of one license: what a request is made for and a response answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LicenseRelease {
    /// The license.
    pub id: LicenseId,
    /// Its release version.
    pub release: u32,
}

impl fmt::Display for LicenseRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} release {}", self.id, self.release)
    }
}

/// Why an activation step failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ActivationError {
    /// A request, certificate or receipt that is not valid.
    #[error("{0}")]
    Format(CodecError),
    /// A certificate or receipt whose signature is not one of a trusted key.
    #[error("{0}")]
    Signature(SignatureError),
    /// An offline code that cannot be read.
    #[error("{0}")]
    Code(#[from] CodeError),
    /// The license cannot be used.
    #[error("{0}")]
    License(#[from] LicenseError),
    /// Too little hardware could be identified.
    #[error("{0}")]
    WeakProfile(#[from] WeakProfile),
    /// The machine's profile cannot be one real machine's (a kind with more
    /// digests than a machine has instances of it).
    #[error("{0}")]
    ImplausibleProfile(Implausible),
    /// A response that answers no request made here.
    #[error(
        "this response does not answer any activation request made on this machine (or it was already \
         installed); make a new request here and send that to the vendor"
    )]
    NoPendingRequest,
    /// A short response whose signing key is none of those given (and not
    /// the license's), so the certificate cannot be rebuilt.
    #[error(
        "this short response is signed by a key whose id starts {}, which is neither a key given nor the \
         license's key; install it with the authority's public key (`--public-key`), or ask the vendor for \
         the full response (`nodelock authority grant --long-code`)",
        crate::codec::hex::hex(&[*key_hint])
    )]
    ShortResponseKey {
        /// The first byte of the signing key's id.
        key_hint: u8,
    },
    /// A short response to a request this store remembers without its
    /// profile (made by a build before store version 3).
    #[error(
        "this short response answers a request made by an older version of this software, which did not \
         keep what the response leaves out; ask the vendor for the full response (`nodelock authority \
         grant --long-code`)"
    )]
    ShortResponseToOldRequest,
    /// A short response renewing an activation this store does not hold
    /// (its id is not in the short response).
    #[error(
        "this short response renews an activation this store does not hold (another copy of it, or an \
         earlier answer that was never installed); ask the vendor for the full response (`nodelock \
         authority grant --long-code`)"
    )]
    ShortResponseUnknownActivation,
    /// A response for another license or release than the request.
    #[error(
        "this response is for license {found}, but the request was for {expected}; send the vendor the request for this license"
    )]
    WrongLicense {
        /// What the request was for.
        expected: LicenseRelease,
        /// What the response is for.
        found: LicenseRelease,
    },
    /// Nothing to deactivate.
    #[error("this machine holds no activation to deactivate")]
    NotActivated,
    /// Nothing to renew.
    #[error(
        "this store holds no activation to renew; make an activation request (`nodelock activate request`) \
         instead"
    )]
    NothingToRenew,
    /// A store file is damaged.
    #[cfg(feature = "client")]
    #[error("{0}")]
    StoreCorrupt(store::StoreCorrupt),
    /// A store file could not be read or written.
    #[error(
        "cannot access the activation store at {}: {source}; check that the directory exists and is writable",
        path.display()
    )]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The disk holding a store file is full.
    #[error(
        "disk full: cannot write {} — free some space on that disk and try again (the store is unchanged)",
        path.display()
    )]
    DiskFull {
        /// The file or directory that could not be written.
        path: PathBuf,
    },
    /// The store directory can be written by other users and could not be
    /// restricted to its owner.
    #[error(
        "the activation store {} can be written by other users (mode {mode:o}) and could not be restricted \
         to its owner ({kind}); run `chmod 700 {}` as its owner, or use a store directory of your own",
        path.display(), path.display()
    )]
    StoreWritableByOthers {
        /// The directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Why changing them failed.
        kind: std::io::ErrorKind,
    },
    /// The random number generator failed.
    #[error("the system random number generator failed ({0}); try again")]
    Random(getrandom::Error),
    /// An id that does not parse.
    #[error("`{input}` is not a valid {what} (32 hexadecimal digits)")]
    BadId {
        /// Which kind of id was expected.
        what: &'static str,
        /// The text given (quoted back to the user).
        input: String,
    },
    /// No per-user directory for the default store.
    #[error("no per-user data directory is known on this system; choose a store directory explicitly")]
    NoDefaultStore,
}

/// One variant per cause: a code error read through the text reader is a
/// [`ActivationError::Code`].
impl From<Implausible> for ActivationError {
    fn from(error: Implausible) -> Self {
        match error {
            Implausible::Weak(weak) => ActivationError::WeakProfile(weak),
            other => ActivationError::ImplausibleProfile(other),
        }
    }
}

impl From<CodecError> for ActivationError {
    fn from(error: CodecError) -> Self {
        match error {
            CodecError::Code(e) => ActivationError::Code(e),
            other => ActivationError::Format(other),
        }
    }
}

/// One variant per cause: a framing error found while opening a signed
/// message is an [`ActivationError::Format`].
impl From<SignatureError> for ActivationError {
    fn from(error: SignatureError) -> Self {
        match error {
            SignatureError::Format(e) => e.into(),
            other => ActivationError::Signature(other),
        }
    }
}
