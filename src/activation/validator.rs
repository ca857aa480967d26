//! The one call an application makes at start-up: [`Validator::check`].
//!
//! In order, cheapest first: resolve the license (embedded vs. disk, the
//! release-version rule) and verify it; check product, expiry and product
//! version; load the activation and verify its certificate; check that it
//! belongs to this license release and to this store's secret; check the
//! clock against the high-water mark; check a temporary activation's end;
//! compare the store's location stamp (refuse outright when the policy
//! invalidates on move); collect the hardware and compare it with the
//! certified profile (moved weights when the stamp differs). The result is
//! one [`Verdict`]; every [`Reason`] tells the end user what to do.
//!
//! `check` never changes the activation. Its only write is the clock
//! high-water mark, at most once per [`CLOCK_GRANULE_SECS`](super::store::CLOCK_GRANULE_SECS),
//! and a failure to write it does not change the verdict.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::store::Store;
use super::{ActivationCertificate, ActivationError, ActivationId, ActivationKind, ActivationRequest};
use crate::codec::CodecError;
use crate::compare::{Comparison, compare};
use crate::hardware::{Collector, platform_collector};
use crate::keys::{KeyId, TrustedKeys};
use crate::license::{AppInfo, License, LicenseError, Origin, SignedLicense, Version, source};
use crate::profile::{ProductKey, Profile};
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
    /// The comparison, when the hardware drifted but stayed within tolerance.
    pub comparison: Option<Comparison>,
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
    /// The clock is behind the last validated time by more than the tolerance.
    ClockSetBack {
        /// The clock now.
        now: Timestamp,
        /// The last validated time.
        last_seen: Timestamp,
    },
    /// The license is for another product.
    WrongProduct {
        /// The application's product.
        expected: String,
        /// The license's product.
        found: String,
    },
    /// The license or the certificate was altered or damaged.
    InvalidSignature {
        /// "license" or "activation certificate".
        what: String,
        /// What exactly is wrong.
        detail: String,
    },
    /// Signed by a key the application does not trust.
    UnknownKey {
        /// "license" or "activation certificate".
        what: String,
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
        detail: String,
    },
    /// The store cannot be read.
    StoreDamaged {
        /// What is wrong.
        detail: String,
    },
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
            Reason::LicenseExpired { at } => {
                write!(f, "the license expired on {}. Ask the vendor to renew it.", at.date_string())
            }
            Reason::TemporaryEnded { at } => write!(
                f,
                "the temporary activation ended on {}. Activate again: a permanent seat is granted when one \
                 is free, or ask your administrator to release a seat.",
                at.date_string()
            ),
            Reason::ClockSetBack { now, last_seen } => write!(
                f,
                "the system clock ({now}) is behind the last time this license was checked ({last_seen}). \
                 Set the correct date and time, then start the application again."
            ),
            Reason::WrongProduct { expected, found } => write!(
                f,
                "the installed license is for `{found}`, not `{expected}`. Install the license you received \
                 for `{expected}`."
            ),
            Reason::InvalidSignature { what, detail } => write!(
                f,
                "the {what} was altered or damaged and cannot be trusted ({detail}). Reinstall the license \
                 file from the vendor and activate again."
            ),
            Reason::UnknownKey { what, key_id } => write!(
                f,
                "the {what} is signed by key {key_id}, which this application does not trust: it belongs to \
                 another vendor's product, or this application needs an update."
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
        }
    }
}

fn reason_from_license(error: LicenseError) -> Reason {
    match error {
        LicenseError::NoLicense => Reason::NoLicense,
        LicenseError::WrongProduct { expected, found } => Reason::WrongProduct { expected, found },
        LicenseError::Expired { at } => Reason::LicenseExpired { at },
        LicenseError::VersionNotCovered { max, running } => Reason::VersionNotCovered { max, running },
        LicenseError::UpdatesEnded { until, build_date } => Reason::UpdatesEnded { until, build_date },
        LicenseError::Format(e) => reason_from_codec("license", e),
        other => Reason::StoreDamaged { detail: other.to_string() },
    }
}

fn reason_from_codec(what: &str, error: CodecError) -> Reason {
    match error {
        CodecError::UnknownKey { key_id, .. } => Reason::UnknownKey { what: what.to_owned(), key_id },
        other => Reason::InvalidSignature { what: what.to_owned(), detail: other.to_string() },
    }
}

/// Checks the license and activation of one application on this machine.
pub struct Validator {
    app: AppInfo,
    trusted: TrustedKeys,
    embedded: Option<String>,
    store: Store,
    collector: Box<dyn Collector + Send + Sync>,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("app", &self.app)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator for `app`, trusting `trusted` for licenses and
    /// certificates, with its store in `store_dir`, collecting hardware with
    /// the platform's collector.
    pub fn new(app: AppInfo, trusted: TrustedKeys, store_dir: impl Into<PathBuf>) -> Self {
        Validator {
            app,
            trusted,
            embedded: None,
            store: Store::new(store_dir),
            collector: platform_collector(),
        }
    }

    /// The license compiled into the application (`include_str!`).
    pub fn with_embedded_license(mut self, text: impl Into<String>) -> Self {
        self.embedded = Some(text.into());
        self
    }

    /// Collects hardware with `collector` instead of the platform's.
    pub fn with_collector(mut self, collector: impl Collector + Send + Sync + 'static) -> Self {
        self.collector = Box::new(collector);
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The license in force (release-version rule applied), verified.
    pub fn license(&self) -> Result<source::Resolved, LicenseError> {
        let disk = source::read_license_file(&self.store.license_path())?;
        source::resolve(self.embedded.as_deref(), disk.as_deref(), &self.trusted, &self.app.product)
    }

    /// This machine's current profile under `license`'s product key and policy.
    pub fn current_profile(&self, license: &License) -> Profile {
        Profile::build(&self.collector.collect(), &ProductKey::for_product(&license.product), &license.policy)
    }

    /// Checks at the current time.
    pub fn check(&self) -> Verdict {
        self.check_at(Timestamp::now())
    }

    /// Checks as if the clock said `now`.
    pub fn check_at(&self, now: Timestamp) -> Verdict {
        match self.evaluate(now) {
            Ok(licensed) => Verdict::Licensed(Box::new(licensed)),
            Err(reason) => Verdict::ActivationRequired { reason },
        }
    }

    fn evaluate(&self, now: Timestamp) -> Result<Licensed, Reason> {
        let resolved = self.license().map_err(reason_from_license)?;
        let license = resolved.license.license();
        license.check_for(&self.app, now).map_err(reason_from_license)?;
        if let Some(s) = resolved.superseded {
            return Err(Reason::ReleaseSuperseded {
                activated_release: s.disk_release,
                current_release: s.embedded_release,
            });
        }
        let state = self.store.load().map_err(|e| Reason::StoreDamaged { detail: e.to_string() })?;
        let active = state.active.ok_or(Reason::NotActivated)?;
        let cert: ActivationCertificate = ActivationCertificate::open(&active.certificate, &self.trusted)
            .map_err(|e| match e {
                ActivationError::Format(c) => reason_from_codec("activation certificate", c),
                other => Reason::StoreDamaged { detail: other.to_string() },
            })?
            .message;
        if cert.license_id != license.id {
            return Err(Reason::ActivationMismatch {
                detail: "the activation is for another license".to_owned(),
            });
        }
        if cert.release_version != license.release_version {
            return Err(Reason::ReleaseSuperseded {
                activated_release: cert.release_version,
                current_release: license.release_version,
            });
        }
        if cert.activation_key != active.public_key() {
            return Err(Reason::ActivationMismatch {
                detail: "the certificate was made for another installation".to_owned(),
            });
        }
        let mark = self.store.clock_mark(&active, &cert.activation_id);
        let last_seen = mark.map_or(cert.issued_at, |m| m.max(cert.issued_at));
        if now.plus_secs(u64::from(license.clock_tolerance_secs)) < last_seen {
            return Err(Reason::ClockSetBack { now, last_seen });
        }
        if let ActivationKind::Temporary { until } = cert.kind
            && now >= until
        {
            return Err(Reason::TemporaryEnded { at: until });
        }
        let moved = self.store.stamp() != Some(cert.stamp);
        if moved && license.policy.invalidate_on_move {
            return Err(Reason::StoreMoved);
        }
        let comparison = compare(&cert.profile, &self.current_profile(license), moved, &license.policy);
        if comparison.reactivate {
            return Err(Reason::HardwareChanged { comparison });
        }
        // Best effort: a read-only store must not stop a licensed application.
        let _ = self.store.advance_clock(&active, &cert.activation_id, mark, now);
        Ok(Licensed {
            license: license.clone(),
            origin: resolved.origin,
            activation_id: cert.activation_id,
            kind: cert.kind,
            moved,
            comparison: (!comparison.is_exact()).then_some(comparison),
        })
    }

    /// Makes an activation request for the license in force, now.
    pub fn request_activation(&self, label: Option<&str>) -> Result<ActivationRequest, ActivationError> {
        self.request_activation_at(label, Timestamp::now())
    }

    /// Makes an activation request for the license in force, as of `now`.
    pub fn request_activation_at(
        &self,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        let resolved = self.license()?;
        let license = resolved.license.license();
        license.check_for(&self.app, now)?;
        let profile = self.current_profile(license);
        self.store.request(&resolved.license.to_armoured(), license, profile, label.map(str::to_owned), now)
    }

    /// Installs the authority's response: an offline code (`NLC-…`),
    /// armoured text, or the certificate's bytes.
    pub fn install(&self, response: &[u8]) -> Result<ActivationCertificate, ActivationError> {
        let bytes = ActivationCertificate::bytes_from_response(response)?;
        self.store.install(&bytes, &self.trusted)
    }

    /// Installs a license file in the store after verifying it is a license
    /// for this application.
    pub fn install_license(&self, text: &str) -> Result<SignedLicense, ActivationError> {
        let signed = SignedLicense::from_armoured(text, &self.trusted)?;
        if signed.license().product != self.app.product {
            return Err(LicenseError::WrongProduct {
                expected: self.app.product.clone(),
                found: signed.license().product.clone(),
            }
            .into());
        }
        self.store.install_license(text)?;
        Ok(signed)
    }

    /// Deactivates this machine: returns the receipt to send to the vendor.
    pub fn deactivate(&self) -> Result<Vec<u8>, ActivationError> {
        self.store.deactivate(Timestamp::now())
    }
}
