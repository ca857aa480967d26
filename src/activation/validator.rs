//! The one call an application makes at start-up: [`Validator::check`].
//!
//! In order, cheapest first: resolve the license (embedded vs. disk, the
//! release-version rule) and verify it; check product, expiry and product
//! version; load the activation and verify its certificate; check that it
//! belongs to this license release and to this store's secret; check the
//! clock against the high-water mark (which must exist: every install writes
//! one); check a temporary activation's end;
//! compare the store's location stamp (refuse outright when the policy
//! invalidates on move); collect the hardware, check that it is plausible
//! ([`Policy::check_profile`](crate::policy::Policy::check_profile), the rule
//! the authority applies to requests) and compare it with the certified
//! profile (moved weights when the stamp differs). The result is
//! one [`Verdict`]; every [`Reason`] tells the end user what to do.
//!
//! The hardware is read in two parts: every kind but [`READ_LAST`] first,
//! then [`READ_LAST`] only if it could still change the verdict — when the
//! score of the kinds read, plus the most the others can add
//! ([`Policy::most_added`](crate::policy::Policy::most_added)), exceeds the
//! tolerance, or the kinds read are too few for `min_kinds`. A machine whose
//! other kinds match is licensed whatever its display and storage
//! controllers are, so under the default policy a typical check never
//! lists the PCI bus. The verdict is the one the whole profile gives (the
//! property `kinds_left_unread_never_add_more_than_most_added` in
//! `tests/compare.rs`); what is given up is the report of drift in the
//! kinds not read ([`Licensed::not_read`] names them;
//! [`Validator::with_full_comparison`] reads everything).
//!
//! Each step is done once: a license whose embedded text is byte-identical
//! to the disk copy is verified once ([`LicenseSource`]), the product is
//! checked once (by the resolver), and no key is derived (the store keeps the
//! activation public key beside its secret). What a check established — the
//! verified license and the profile, when it read the whole profile — is
//! kept until the next install, so a
//! [`request_activation`](Validator::request_activation) after a failed
//! check neither verifies nor collects again.
//!
//! `check` never changes the activation. Its only write is the clock
//! high-water mark, at most once per [`CLOCK_GRANULE_SECS`](super::store::CLOCK_GRANULE_SECS):
//! one slot of the clock file overwritten in place without waiting for the
//! disk ([`clock`](super::clock): a crash costs at most that advance), and a
//! failure to write it does not change the verdict.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use super::store::{Store, StoreCorrupt, StoreUnreadable};
use super::verdict::{Document, LeaseState, Mismatch, StoreProblem};
// Where these lived before the verdict had its own file.
pub use super::verdict::{Licensed, Reason, Verdict};
use super::{ActivationCertificate, ActivationError, ActivationKind, ActivationRequest};
use crate::compare::{Comparison, compare, compare_read};
use crate::hardware::{Collector, KindSet, platform_collector};
use crate::keys::TrustedKeys;
use crate::license::{AppInfo, License, LicenseError, LicenseSource, SignedLicense, source};
use crate::profile::{DIGEST_LEN, ProductKey, Profile, short};
use crate::timestamp::Timestamp;

/// The kinds a check reads last, and only when they could change its
/// verdict: one PCI pass reads all three, the dearest pass of a check (on
/// Linux the `class` of every PCI function: a handful on a virtual machine,
/// 20–40 on a desktop), and under the default weights the three together
/// are worth exactly the default tolerance, so a machine whose other kinds
/// match is licensed whatever its display and storage controllers are.
pub const READ_LAST: KindSet = KindSet::PCI;

/// What a check established, reused by the request that follows it.
#[derive(Debug, Default)]
struct Established {
    /// The verified license in force.
    resolved: Option<source::Resolved>,
    /// This machine's profile under that license.
    profile: Option<Profile>,
}

/// Checks the license and activation of one application on this machine.
pub struct Validator {
    app: AppInfo,
    trusted: TrustedKeys,
    source: LicenseSource,
    store: Store,
    collector: Box<dyn Collector + Send + Sync>,
    last: Mutex<Established>,
    /// The digest width of the requests it makes ([`short::REQUEST_WIDTH`]
    /// unless [`with_full_requests`](Validator::with_full_requests)).
    request_width: usize,
    /// Whether every check reads every kind
    /// ([`with_full_comparison`](Validator::with_full_comparison)).
    full_comparison: bool,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("app", &self.app)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn store_problem(error: ActivationError) -> Reason {
    let detail = match error {
        ActivationError::StoreCorrupt(e) => StoreProblem::Corrupt(e),
        ActivationError::Io { path, source } => StoreProblem::Unreadable(StoreUnreadable::new(path, &source)),
        ActivationError::Format(e) => return Reason::from_signed(Document::Certificate, e.into()),
        ActivationError::Signature(e) => return Reason::from_signed(Document::Certificate, e),
        // `Store::load` fails in no other way; report anything else as damage
        // to the activation file.
        _ => StoreProblem::Corrupt(StoreCorrupt {
            path: PathBuf::from(super::store::STATE_FILE),
            damage: super::store::Damage::Format(crate::codec::CodecError::Invalid {
                what: crate::codec::tag::STORE_STATE.name,
                rule: "the activation file cannot be read",
            }),
        }),
    };
    Reason::StoreDamaged { detail }
}

impl Validator {
    /// A validator for `app`, trusting `trusted` for licenses and
    /// certificates, with its store in `store_dir`, collecting hardware with
    /// the platform's collector.
    pub fn new(app: AppInfo, trusted: TrustedKeys, store_dir: impl Into<PathBuf>) -> Self {
        let store = Store::new(store_dir);
        Validator {
            app,
            trusted,
            source: LicenseSource::new().disk(store.license_path()),
            store,
            collector: platform_collector(),
            last: Mutex::new(Established::default()),
            request_width: short::REQUEST_WIDTH,
            full_comparison: false,
        }
    }

    /// The license compiled into the application (`include_str!`).
    pub fn with_embedded_license(mut self, text: impl Into<String>) -> Self {
        self.source = self.source.embedded(text);
        self
    }

    /// Makes requests with full digests (version 1, a code of about 550
    /// characters with 10 components) instead of the short ones made by
    /// default (version 2, under 300 characters; `docs/FORMAT.md` §9.6).
    pub fn with_full_requests(mut self) -> Self {
        self.request_width = DIGEST_LEN;
        self
    }

    /// Reads and compares every kind at every check, so that
    /// [`Licensed::comparison`] reports drift in every kind, also in those
    /// that could not change the verdict (by default they are not read; see
    /// [`check`](Self::check)). Costs the PCI pass: on Linux one `class`
    /// read per PCI function.
    pub fn with_full_comparison(mut self) -> Self {
        self.full_comparison = true;
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
        self.source.resolve(&self.trusted, &self.app.product)
    }

    /// This machine's current profile under `license`'s product key and policy.
    pub fn current_profile(&self, license: &License) -> Profile {
        Profile::build(
            &self.collector.collect(),
            &ProductKey::for_product(&license.product),
            license.policy.include_removable,
        )
    }

    /// Checks at the current time: the start-up check (the module
    /// documentation lists its steps). The kinds of [`READ_LAST`] are read
    /// only when they could change the verdict.
    pub fn check(&self) -> Verdict {
        self.check_at(Timestamp::now())
    }

    /// Checks as if the clock said `now`.
    pub fn check_at(&self, now: Timestamp) -> Verdict {
        let mut seen = Established::default();
        let verdict = match self.evaluate(now, &mut seen) {
            Ok(licensed) => Verdict::Licensed(Box::new(licensed)),
            Err(reason) => Verdict::ActivationRequired { reason },
        };
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = seen;
        verdict
    }

    fn forget(&self) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Established::default();
    }

    fn evaluate(&self, now: Timestamp, seen: &mut Established) -> Result<Licensed, Reason> {
        let resolved = seen.resolved.insert(self.license()?);
        let license = resolved.license.license();
        license.check_terms(&self.app, now)?;
        if let Some(s) = resolved.superseded {
            return Err(Reason::ReleaseSuperseded {
                activated_release: s.disk_release,
                current_release: s.embedded_release,
            });
        }
        let state = self.store.load().map_err(store_problem)?;
        let active = state.active.ok_or(Reason::NotActivated)?;
        let cert: ActivationCertificate =
            ActivationCertificate::open(&active.certificate, &self.trusted).map_err(store_problem)?.message;
        if cert.license_id != license.id {
            return Err(Reason::ActivationMismatch { detail: Mismatch::OtherLicense });
        }
        if cert.release_version != license.release_version {
            return Err(Reason::ReleaseSuperseded {
                activated_release: cert.release_version,
                current_release: license.release_version,
            });
        }
        if cert.activation_key != active.public_key() {
            return Err(Reason::ActivationMismatch { detail: Mismatch::OtherInstallation });
        }
        // Every install writes a mark; one that is gone or does not verify
        // was deleted or forged to reset the clock's floor.
        let mark = self.store.clock_mark(&active, &cert.activation_id).ok_or(Reason::ClockMarkMissing)?;
        let last_seen = mark.max(cert.issued_at);
        if now.plus_secs(u64::from(license.clock_tolerance_secs)) < last_seen {
            return Err(Reason::ClockSetBack { now, last_seen });
        }
        if let ActivationKind::Temporary { until } = cert.kind
            && now >= until
        {
            return Err(Reason::TemporaryEnded { at: until });
        }
        let lease_state = LeaseState::at(cert.issued_at, cert.lease_ends, license.grace_secs(), now);
        if let (LeaseState::Expired, Some(at)) = (lease_state, cert.lease_ends) {
            return Err(Reason::LeaseExpired { at });
        }
        let moved = self.store.stamp() != Some(cert.stamp);
        if moved && license.policy.invalidate_on_move {
            return Err(Reason::StoreMoved);
        }
        let comparison = self.compare_hardware(&cert.profile, license, moved, &mut seen.profile)?;
        if comparison.reactivate {
            return Err(Reason::HardwareChanged { comparison });
        }
        // Best effort: a read-only store must not stop a licensed application.
        let _ = self.store.advance_clock(&active, &cert.activation_id, Some(mark), now);
        Ok(Licensed {
            license: license.clone(),
            origin: resolved.origin,
            activation_id: cert.activation_id,
            kind: cert.kind,
            moved,
            not_read: comparison.not_read().collect(),
            comparison: comparison.drifted().then_some(comparison),
            lease_ends: cert.lease_ends,
            lease_state,
        })
    }

    /// Compares this machine's hardware with the `certified` profile: the
    /// plausibility rule, then the comparison. The kinds of [`READ_LAST`]
    /// are read only when they could change the verdict: when the other
    /// kinds make a plausible profile whose score, plus the most
    /// [`READ_LAST`] could add ([`Policy::most_added`]), stays within the
    /// tolerance, the machine is licensed whatever they are, and the
    /// comparison reports them as not read. Otherwise (and with a collector
    /// that reads every kind at once) the whole profile is read, compared
    /// and kept in `seen` for a request.
    ///
    /// [`Policy::most_added`]: crate::policy::Policy::most_added
    fn compare_hardware(
        &self,
        certified: &Profile,
        license: &License,
        moved: bool,
        seen: &mut Option<Profile>,
    ) -> Result<Comparison, Reason> {
        let policy = &license.policy;
        let key = ProductKey::for_product(&license.product);
        let first = KindSet::ALL.without(READ_LAST);
        let early = if self.full_comparison { None } else { self.collector.collect_only(first) };
        let inventory = match early {
            Some(inventory) => {
                let early = Profile::build(&inventory, &key, policy.include_removable);
                let comparison = compare_read(certified, &early, first, moved, policy);
                // A profile built on the machine never exceeds a kind's
                // plausible count, so the rule passes for the whole profile
                // when it passes for these kinds.
                let settled = comparison.score + policy.most_added(READ_LAST, moved) <= policy.tolerance;
                if settled && policy.check_profile(&early).is_ok() {
                    return Ok(comparison);
                }
                let rest = self.collector.collect_only(READ_LAST);
                inventory.merged(rest.unwrap_or_else(|| self.collector.collect().only(READ_LAST)))
            }
            None => self.collector.collect(),
        };
        let current = seen.insert(Profile::build(&inventory, &key, policy.include_removable));
        // The authority's plausibility rule, on the hardware seen now: a
        // certificate obtained with a made-up component does not validate on
        // the machine without it (nor does a 2-kind container).
        policy.check_profile(current).map_err(|detail| Reason::ImplausibleProfile { detail })?;
        Ok(compare(certified, current, moved, policy))
    }

    /// Makes an activation request for the license in force, now. Its
    /// profile is short (version 2, a code under 300 characters) unless the
    /// validator was made [`with_full_requests`](Self::with_full_requests).
    pub fn request_activation(&self, label: Option<&str>) -> Result<ActivationRequest, ActivationError> {
        self.request_activation_at(label, Timestamp::now())
    }

    /// Makes an activation request for the license in force, as of `now`.
    /// The license verified and the profile collected by the last check are
    /// reused (until something is installed); what it did not establish is
    /// done here.
    pub fn request_activation_at(
        &self,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        self.make_request(label, now, false)
    }

    /// Makes an activation request for `license_text` (an armoured license
    /// not yet installed: one a license key fetched), as of `now`, after
    /// verifying it is a license for this application. The license is
    /// installed with the answer, not before.
    pub fn request_activation_for_at(
        &self,
        license_text: &str,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        let signed = source::verify_for(license_text, &self.trusted, &self.app.product)?;
        let license = signed.license();
        license.check_terms(&self.app, now)?;
        let profile = self.current_profile(license).shortened(self.request_width);
        self.store.request(license_text, license, profile, label.map(str::to_owned), now)
    }

    /// Makes a renewal request for the activation this store holds, as of
    /// `now` ([`Store::renew`]): the authority answers with a new certificate
    /// for the same activation and seat, installed with
    /// [`install`](Self::install). Fails with
    /// [`ActivationError::NothingToRenew`] when the store holds none.
    pub fn request_renewal_at(
        &self,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<ActivationRequest, ActivationError> {
        self.make_request(label, now, true)
    }

    fn make_request(
        &self,
        label: Option<&str>,
        now: Timestamp,
        renewal: bool,
    ) -> Result<ActivationRequest, ActivationError> {
        let mut guard = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let last = &mut *guard;
        let resolved = match last.resolved.take() {
            Some(resolved) => resolved,
            None => {
                last.profile = None;
                self.license()?
            }
        };
        let resolved = last.resolved.insert(resolved);
        let license = resolved.license.license();
        license.check_terms(&self.app, now)?;
        let profile = match &last.profile {
            Some(profile) => profile.clone(),
            None => last.profile.insert(self.current_profile(license)).clone(),
        }
        .shortened(self.request_width);
        let (text, label) = (resolved.license.to_armoured(), label.map(str::to_owned));
        if renewal {
            self.store.renew(&text, license, profile, label, now)
        } else {
            self.store.request(&text, license, profile, label, now)
        }
    }

    /// Installs the authority's response: an offline code (`NLC-…`),
    /// armoured text, or the certificate's bytes.
    pub fn install(&self, response: &[u8]) -> Result<ActivationCertificate, ActivationError> {
        let bytes = ActivationCertificate::bytes_from_response(response)?;
        self.forget();
        self.store.install(&bytes, &self.trusted)
    }

    /// Installs a license file in the store after verifying it is a license
    /// for this application.
    pub fn install_license(&self, text: &str) -> Result<SignedLicense, ActivationError> {
        let signed = source::verify_for(text, &self.trusted, &self.app.product)?;
        self.forget();
        self.store.install_license(text)?;
        Ok(signed)
    }

    /// Deactivates this machine: returns the receipt to send to the vendor.
    pub fn deactivate(&self) -> Result<Vec<u8>, ActivationError> {
        self.forget();
        self.store.deactivate(Timestamp::now())
    }
}
