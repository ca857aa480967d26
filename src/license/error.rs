//! Why a license cannot be issued, read or used: the license layer's one
//! error type. Each message is written here once; the activation layer's
//! reasons delegate to it.

use std::path::PathBuf;

use thiserror::Error;

use super::Version;
use crate::codec::CodecError;
use crate::policy::PolicyError;
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

/// Why a license cannot be issued, read or used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LicenseError {
    /// The license file is not a valid license.
    #[error(transparent)]
    Format(#[from] CodecError),
    /// The license's signature is not one of a trusted key.
    #[error(transparent)]
    Signature(SignatureError),
    /// Issued for another product.
    #[error(
        "this license was issued for product `{found}`, not `{expected}`; use the license file you received for `{expected}`"
    )]
    WrongProduct {
        /// The product the application expects.
        expected: String,
        /// The product the license names.
        found: String,
    },
    /// Past its expiry date.
    #[error("this license expired on {}; ask the vendor to renew it", at.date_string())]
    Expired {
        /// The expiry time.
        at: Timestamp,
    },
    /// The running version is newer than the license covers.
    #[error(
        "this license covers versions up to {max}, but this is version {running}; ask the vendor for an upgrade or run a covered version"
    )]
    VersionNotCovered {
        /// The newest covered version.
        max: Version,
        /// The running version.
        running: Version,
    },
    /// This build was made after the update period ended.
    #[error("this license includes updates released until {}, but this build is from {}; ask the vendor to renew maintenance or run an earlier build", until.date_string(), build_date.date_string())]
    UpdatesEnded {
        /// End of the update period.
        until: Timestamp,
        /// This build's date.
        build_date: Timestamp,
    },
    /// No license anywhere.
    #[error("no license was found; install the license file you received from the vendor")]
    NoLicense,
    /// Terms that cannot be issued.
    #[error("cannot issue this license: {0}")]
    Invalid(&'static str),
    /// A comparison policy that cannot be issued.
    #[error("cannot issue this license: {0}")]
    Policy(#[from] PolicyError),
    /// A license id that does not parse.
    #[error("`{0}` is not a license id (32 hexadecimal digits, dashes optional)")]
    BadId(String),
    /// The random number generator failed.
    #[error("the system random number generator failed ({0}); try again")]
    Random(getrandom::Error),
    /// Reading the license file failed.
    #[error("cannot read the license file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A signature error whose cause is the framing is a format error: one
/// variant per cause, however the license was read.
impl From<SignatureError> for LicenseError {
    fn from(error: SignatureError) -> Self {
        match error {
            SignatureError::Format(e) => LicenseError::Format(e),
            other => LicenseError::Signature(other),
        }
    }
}
