//! The answer of a start-up check: [`Verdict`], what a licensed verdict
//! carries ([`Licensed`]), and why activation is required ([`Reason`]), each
//! reason's user-facing message written here once.
//!
//! `Verdict` and `Reason` serialise to the JSON of `nodelock status --json`
//! (a CLI contract): typed details serialise as their message text.

use std::fmt;

use serde::{Serialize, Serializer};

pub use super::detail::{Document, Mismatch, StoreProblem};
pub use super::lease::LeaseState;
use super::store::StoreUnreadable;
use super::{ActivationId, ActivationKind};
use crate::codec::{CodecError, tag};
use crate::compare::Comparison;
use crate::hardware::ComponentKind;
use crate::keys::KeyId;
use crate::license::{License, LicenseError, Origin, Version};
use crate::policy::Implausible;
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

/// The answer to "may this copy run on this machine?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Yes.
    Licensed(Box<Licensed>),
    /// Not until the user acts; `reason` says why and what to do.
    ActivationRequired {
        /// Why.
        reason: Reason,
    },
}

impl Verdict {
    /// Whether the application may run.
    pub fn is_licensed(&self) -> bool {
        matches!(self, Verdict::Licensed(_))
    }

    /// The licensed details, if licensed.
    pub fn licensed(&self) -> Option<&Licensed> {
        match self {
            Verdict::Licensed(l) => Some(l),
            Verdict::ActivationRequired { .. } => None,
        }
    }

    /// The reason activation is required, if it is.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Verdict::Licensed(_) => None,
            Verdict::ActivationRequired { reason } => Some(reason),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Licensed(l) => write!(f, "{l}"),
            Verdict::ActivationRequired { reason } => write!(f, "Activation required: {reason}"),
        }
    }
}

/// What a licensed verdict carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Licensed {
    /// The license in force (its `features` are the entitlements).
    pub license: License,
    /// Where the license came from.
    pub origin: Origin,
    /// The activation.
    pub activation_id: ActivationId,
    /// Permanent, or temporary until a date.
    pub kind: ActivationKind,
    /// Whether the store was moved (and the moved weights applied).
    pub moved: bool,
    /// The comparison, when the hardware read drifted but stayed within
    /// tolerance.
    pub comparison: Option<Comparison>,
    /// The kinds the check did not read because they could not change the
    /// verdict (see [`Validator::check`](super::Validator::check)); empty
    /// when the whole profile was read. Drift in them is not reported.
    pub not_read: Vec<ComponentKind>,
    /// When the certificate's lease ends; `None` for a perpetual one.
    pub lease_ends: Option<Timestamp>,
    /// Where the lease stands (`none` for a perpetual certificate).
    pub lease_state: LeaseState,
}

impl Licensed {
    /// The entitlement `key`, if granted.
    pub fn feature(&self, key: &str) -> Option<&str> {
        self.license.feature(key)
    }
}

impl fmt::Display for Licensed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Licensed to {} ({}, {} activation)",
            self.license.licensee, self.license.product, self.kind
        )?;
        if let Some(c) = &self.comparison {
            write!(f, "; hardware changed within tolerance (score {} of {})", c.score, c.tolerance)?;
        }
        Ok(())
    }
}

/// Defines [`Reason`] and, from the same list, its variant names, so the
/// list can never miss a variant.
macro_rules! reasons {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident {
            $($(#[$vattr:meta])* $variant:ident $({ $($fields:tt)* })?,)*
        }
    ) => {
        $(#[$attr])*
        pub enum $enum {
            $($(#[$vattr])* $variant $({ $($fields)* })?,)*
        }

        impl $enum {
            /// The name of every variant, in declaration order (generated from
            /// the definition, so it is always complete).
            pub const VARIANTS: &'static [&'static str] = &[$(stringify!($variant)),*];

            /// The name of this reason's variant (one of [`VARIANTS`](Self::VARIANTS)).
            pub fn variant_name(&self) -> &'static str {
                match self {
                    $($enum::$variant { .. } => stringify!($variant),)*
                }
            }
        }
    };
}

reasons! {
/// Why activation is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// No license anywhere.
    NoLicense,
    /// A license, but no activation on this machine.
    NotActivated,
    /// The hardware changed more than the license tolerates.
    HardwareChanged {
        /// The comparison with the certified profile.
        comparison: Comparison,
    },
    /// The store was moved, copied or restored, and the license invalidates on move.
    StoreMoved,
    /// The activation belongs to an older release of the license.
    ReleaseSuperseded {
        /// The release the activation was made for.
        activated_release: u32,
        /// The release now in force.
        current_release: u32,
    },
    /// The license has expired.
    LicenseExpired {
        /// When.
        at: Timestamp,
    },
    /// The temporary activation has ended.
    TemporaryEnded {
        /// When.
        at: Timestamp,
    },
    /// The certificate's lease and its grace ended without a renewal.
    LeaseExpired {
        /// When the lease ended.
        at: Timestamp,
    },
    /// The clock is behind the last validated time by more than the tolerance.
    ClockSetBack {
        /// The clock now.
        now: Timestamp,
        /// The last validated time.
        last_seen: Timestamp,
    },
    /// The store holds an activation but its clock high-water mark is gone
    /// or does not verify: it was deleted or replaced, which would reset the
    /// clock's floor, so the clock cannot be trusted.
    ClockMarkMissing,
    /// The license is for another product.
    WrongProduct {
        /// The application's product.
        expected: String,
        /// The license's product.
        found: String,
    },
    /// The license or the certificate was altered or damaged.
    InvalidSignature {
        /// The license or the activation certificate.
        what: Document,
        /// What exactly is wrong.
        #[serde(serialize_with = "as_text")]
        detail: SignatureError,
    },
    /// Signed by a key the application does not trust.
    UnknownKey {
        /// The license or the activation certificate.
        what: Document,
        /// The signing key's id.
        key_id: KeyId,
    },
    /// The running version is newer than the license covers.
    VersionNotCovered {
        /// The newest covered version.
        max: Version,
        /// The running version.
        running: Version,
    },
    /// This build is newer than the license's update period.
    UpdatesEnded {
        /// End of the update period.
        until: Timestamp,
        /// This build's date.
        build_date: Timestamp,
    },
    /// The stored activation belongs to another machine, license or store.
    ActivationMismatch {
        /// What does not match.
        detail: Mismatch,
    },
    /// The store cannot be read.
    StoreDamaged {
        /// What is wrong.
        detail: StoreProblem,
    },
    /// This machine's current profile cannot be one real machine's under the
    /// license's policy (too few kinds, or more instances of a kind than a
    /// machine has), whatever the certificate says.
    ImplausibleProfile {
        /// What is wrong with it.
        #[serde(serialize_with = "as_text")]
        detail: Implausible,
    },
}
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoLicense => {
                f.write_str("no license is installed. Install the license file you received from the vendor.")
            }
            Reason::NotActivated => f.write_str(
                "this copy is not activated on this machine yet. Activate it online, or create an offline \
                 request code and send it to the vendor.",
            ),
            Reason::HardwareChanged { comparison } => write!(
                f,
                "this machine's hardware changed more than the license allows (score {} > tolerance {}). \
                 Activate again: the vendor reuses your seat when it recognises the machine; otherwise \
                 deactivate the old machine or ask the vendor to release its seat.",
                comparison.score, comparison.tolerance
            ),
            Reason::StoreMoved => f.write_str(
                "the license was moved, copied or restored from a backup, and this license does not allow \
                 that. Activate again on this machine.",
            ),
            Reason::ReleaseSuperseded { activated_release, current_release } => write!(
                f,
                "this version of the application comes with release {current_release} of your license; the \
                 activation was made for release {activated_release} and does not carry over. Activate again."
            ),
            Reason::LicenseExpired { at } => write!(f, "{}.", LicenseError::Expired { at: *at }),
            Reason::TemporaryEnded { at } => write!(
                f,
                "the temporary activation ended on {}. Activate again: a permanent seat is granted when one \
                 is free, or ask your administrator to release a seat.",
                at.date_string()
            ),
            Reason::LeaseExpired { at } => write!(
                f,
                "the activation's lease ended on {} and its grace period is over. Renew it online, or with a \
                 code: run `nodelock activate renew`, send the code to the vendor and apply the answer. A seat \
                 that was released, transferred or revoked is not renewed: activate again.",
                at.date_string()
            ),
            Reason::ClockSetBack { now, last_seen } => write!(
                f,
                "the system clock ({now}) is behind the last time this license was checked ({last_seen}). \
                 Set the correct date and time, then start the application again."
            ),
            Reason::ClockMarkMissing => f.write_str(
                "the record of the last time this license was checked (the store's clock file) is missing \
                 or was altered, so the system clock cannot be trusted. Activate again on this machine: the \
                 vendor recognises it and renews its activation.",
            ),
            Reason::WrongProduct { expected, found } => write!(
                f,
                "{}.",
                LicenseError::WrongProduct { expected: expected.clone(), found: found.clone() }
            ),
            Reason::InvalidSignature { what, detail } => write!(
                f,
                "the {what} was altered or damaged and cannot be trusted ({detail}). Reinstall the license \
                 file from the vendor and activate again."
            ),
            Reason::UnknownKey { what, key_id } => write!(
                f,
                "{}. Install the license you received for this application, or update the application.",
                SignatureError::UnknownKey { what: what.name(), key_id: *key_id }
            ),
            Reason::VersionNotCovered { max, running } => write!(
                f,
                "the license covers versions up to {max}, and this is version {running}. Ask the vendor for \
                 an upgrade, or run a covered version."
            ),
            Reason::UpdatesEnded { until, build_date } => write!(
                f,
                "the license includes updates released until {}, and this build is from {}. Renew \
                 maintenance with the vendor, or run an earlier build.",
                until.date_string(),
                build_date.date_string()
            ),
            Reason::ActivationMismatch { detail } => write!(
                f,
                "the activation stored here does not belong to this license on this machine ({detail}). \
                 Activate again on this machine."
            ),
            Reason::StoreDamaged { detail } => write!(
                f,
                "the activation store cannot be read ({detail}). Activate again; if that fails, contact the \
                 vendor's support."
            ),
            Reason::ImplausibleProfile { detail } => write!(
                f,
                "the hardware seen now cannot be one machine's under this license ({detail}). Run the \
                 application on the machine it was activated on, with its hardware as it is, or ask the \
                 vendor for a license that fits this machine."
            ),
        }
    }
}

impl Reason {
    /// The JSON `reason` code of this reason (`nodelock status --json`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoLicense => "no_license",
            Reason::NotActivated => "not_activated",
            Reason::HardwareChanged { .. } => "hardware_changed",
            Reason::StoreMoved => "store_moved",
            Reason::ReleaseSuperseded { .. } => "release_superseded",
            Reason::LicenseExpired { .. } => "license_expired",
            Reason::TemporaryEnded { .. } => "temporary_ended",
            Reason::LeaseExpired { .. } => "lease_expired",
            Reason::ClockSetBack { .. } => "clock_set_back",
            Reason::ClockMarkMissing => "clock_mark_missing",
            Reason::WrongProduct { .. } => "wrong_product",
            Reason::InvalidSignature { .. } => "invalid_signature",
            Reason::UnknownKey { .. } => "unknown_key",
            Reason::VersionNotCovered { .. } => "version_not_covered",
            Reason::UpdatesEnded { .. } => "updates_ended",
            Reason::ActivationMismatch { .. } => "activation_mismatch",
            Reason::StoreDamaged { .. } => "store_damaged",
            Reason::ImplausibleProfile { .. } => "implausible_profile",
        }
    }

    /// The reason a signed `what` failed to open.
    pub(crate) fn from_signed(what: Document, error: SignatureError) -> Reason {
        match error {
            SignatureError::UnknownKey { key_id, .. } => Reason::UnknownKey { what, key_id },
            detail => Reason::InvalidSignature { what, detail },
        }
    }
}

impl From<LicenseError> for Reason {
    fn from(error: LicenseError) -> Reason {
        match error {
            LicenseError::NoLicense => Reason::NoLicense,
            LicenseError::WrongProduct { expected, found } => Reason::WrongProduct { expected, found },
            LicenseError::Expired { at } => Reason::LicenseExpired { at },
            LicenseError::VersionNotCovered { max, running } => Reason::VersionNotCovered { max, running },
            LicenseError::UpdatesEnded { until, build_date } => Reason::UpdatesEnded { until, build_date },
            LicenseError::Format(e) => Reason::from_signed(Document::License, e.into()),
            LicenseError::Signature(e) => Reason::from_signed(Document::License, e),
            LicenseError::Io { path, source } => Reason::StoreDamaged {
                detail: StoreProblem::LicenseUnreadable(StoreUnreadable::new(path, &source)),
            },
            // Issuing errors (invalid terms, ids, randomness) do not arise when
            // a license is read; should one, it is reported as a license that
            // cannot be trusted, naming the broken rule where there is one.
            other => Reason::InvalidSignature {
                what: Document::License,
                detail: SignatureError::Format(CodecError::Invalid {
                    what: tag::LICENSE.name,
                    rule: match other {
                        LicenseError::Invalid(rule) => rule,
                        _ => "the license cannot be used",
                    },
                }),
            },
        }
    }
}

pub(super) fn as_text<T: fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}
