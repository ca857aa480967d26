//! The rules the authority's operations share, written once: which license
//! a request may use, **machine identity** (whether a request comes from a
//! machine the ledger already knows), the seat list, temporary periods,
//! signing the certificate, and the history entry every change appends.
//!
//! The operation files (`activate.rs`, `seats.rs`, `licenses.rs`,
//! `status.rs`) are leaves over this one: none imports another, so each
//! operation reads top to bottom in its own file plus this one. New rules
//! about what a machine *is* (leases, lineage, fork detection) belong here,
//! next to [`recognise`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Authority;
use super::candidates::candidates;
use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::lineage;
use super::record::{
    ActivationRecord, ActivationState, Event, EventKind, LicenseRecord, SeatHolder, SeatRecord, StoreRecord,
};
use crate::activation::short::{self, ShortResponse};
use crate::activation::{ActivationCertificate, ActivationId, ActivationKind, ActivationRequest};
use crate::codec::{code, tag};
use crate::license::{License, LicenseId, SignedLicense};
use crate::policy::Policy;
use crate::timestamp::Timestamp;

/// The most seats a license may have, packs included.
pub const MAX_TOTAL_SEATS: u32 = 1_000_000;

// ---------------------------------------------------------------------------
// Licenses: which license a request may use.

/// The recorded license `id`.
pub(super) fn known(tx: &mut dyn LedgerTx, id: &LicenseId) -> Result<LicenseRecord, AuthorityError> {
    tx.license(id)?.ok_or(AuthorityError::UnknownLicense { license_id: *id })
}

impl<L: Ledger> Authority<L> {
    /// The terms of a recorded license, verified again with the trusted keys.
    pub(super) fn terms(&self, record: &LicenseRecord) -> Result<License, AuthorityError> {
        SignedLicense::from_bytes(&record.signed, &self.trusted).map(|s| s.license().clone()).map_err(
            |source| AuthorityError::Corrupt(Damage::License { license_id: record.license_id, source }),
        )
    }

    /// A recorded license that may be activated at `now`, with its terms:
    /// known, not revoked, not expired.
    pub(super) fn usable(
        &self,
        tx: &mut dyn LedgerTx,
        id: &LicenseId,
        now: Timestamp,
    ) -> Result<(LicenseRecord, License), AuthorityError> {
        let record = known(tx, id)?;
        if let Some(at) = record.revoked_at {
            return Err(AuthorityError::LicenseRevoked { license_id: *id, at });
        }
        let license = self.terms(&record)?;
        if let Some(at) = license.expires_at.filter(|_| license.is_expired(now)) {
            return Err(AuthorityError::LicenseExpired { license_id: *id, at });
        }
        Ok((record, license))
    }

    /// The license a request names, usable now, and the request fit for it:
    /// for its current release, with a profile that can be one real machine's
    /// under its policy ([`Policy::check_profile`]: no made-up components, no
    /// union of two machines' single-instance kinds, `min_kinds`).
    /// Every operation that certifies a machine starts here.
    pub(super) fn usable_for(
        &self,
        tx: &mut dyn LedgerTx,
        request: &ActivationRequest,
        now: Timestamp,
    ) -> Result<(LicenseRecord, License), AuthorityError> {
        let id = request.license_id;
        let (record, license) = self.usable(tx, &id, now)?;
        if request.release_version != record.release_version {
            return Err(AuthorityError::ReleaseMismatch {
                license_id: id,
                requested: request.release_version,
                current: record.release_version,
            });
        }
        // The one plausibility rule the validator applies to the current profile.
        license.policy.check_profile(&request.profile)?;
        Ok((record, license))
    }
}

// ---------------------------------------------------------------------------
// Machine identity: is this request from a machine the ledger knows?

/// What the ledger already holds for the machine that made a request.
#[derive(Debug)]
pub(super) enum Recognised {
    /// It holds this seat with this active permanent activation.
    Seated(ActivationRecord, SeatRecord),
    /// It holds this active temporary activation (possibly past its end).
    Temporary(ActivationRecord),
    /// Nothing active: a new machine (or an anonymised one).
    New,
}

/// Recognises the machine behind `request` among a license's `active`
/// activations: a seat holder first, then a temporary one. A permanent
/// activation without a seat is a damaged ledger.
pub(super) fn recognise(
    tx: &mut dyn LedgerTx,
    active: &[ActivationRecord],
    request: &ActivationRequest,
    policy: &Policy,
) -> Result<Recognised, AuthorityError> {
    let permanent = active.iter().filter(|a| a.kind == ActivationKind::Permanent);
    if let Some(held) = same_machine(permanent, request, policy)? {
        let seat = tx.seat_of(&request.license_id, &held.activation_id)?.ok_or_else(|| seatless(held))?;
        return Ok(Recognised::Seated(held.clone(), seat));
    }
    let temporary = active.iter().filter(|a| a.kind != ActivationKind::Permanent);
    Ok(match same_machine(temporary, request, policy)? {
        Some(temp) => Recognised::Temporary(temp.clone()),
        None => Recognised::New,
    })
}

/// The record among `candidates` whose **certified** profile the request is
/// within tolerance of (the lowest score; the earliest on a tie), by the
/// client's comparison with normal weights ([`lineage::within`]).
/// Anonymised records cannot be recognised.
pub(super) fn same_machine<'a>(
    candidates: impl Iterator<Item = &'a ActivationRecord>,
    request: &ActivationRequest,
    policy: &Policy,
) -> Result<Option<&'a ActivationRecord>, AuthorityError> {
    let mut best: Option<(u32, &ActivationRecord)> = None;
    for record in candidates {
        if let Some(score) = lineage::within(record, request, policy)?
            && best.is_none_or(|(s, _)| score < s)
        {
            best = Some((score, record));
        }
    }
    Ok(best.map(|(_, r)| r))
}

/// Records what a new certificate of `record` certifies: its location, key
/// and nonce. The certified profile stays the one the activation was first
/// certified with ([`new_record`]): machine identity is by lineage.
pub(super) fn certify(
    record: &mut ActivationRecord,
    request: &ActivationRequest,
    label: Option<&str>,
    now: Timestamp,
) {
    record.release_version = request.release_version;
    record.stamp = Some(request.stamp);
    record.activation_key = request.activation_key;
    record.nonce = request.nonce;
    record.renewed_at = now;
    if let Some(label) = label {
        record.label = Some(label.to_owned());
    }
}

/// A new active activation for the requesting machine, with a fresh id.
pub(super) fn new_record(
    tx: &mut dyn LedgerTx,
    request: &ActivationRequest,
    label: Option<&str>,
    kind: ActivationKind,
    now: Timestamp,
) -> Result<ActivationRecord, AuthorityError> {
    // Derived from the request, so the machine can compute it and a short
    // response need not carry it; a replayed request whose id is taken gets a
    // random one (and a full response).
    let derived = short::derived_activation_id(&request.license_id, &request.nonce, &request.activation_key);
    let activation_id = match tx.activation(&derived)? {
        None => derived,
        Some(_) => ActivationId::generate().map_err(AuthorityError::Issue)?,
    };
    let mut record = ActivationRecord {
        activation_id,
        license_id: request.license_id,
        state: ActivationState::Active,
        kind,
        temporary_until: None,
        release_version: request.release_version,
        profile: None,
        fingerprint: None,
        label: None,
        stamp: None,
        activation_key: request.activation_key,
        nonce: request.nonce,
        since: now,
        renewed_at: now,
        ended_at: None,
        forked_at: None,
    };
    record.profile = Some(request.profile.to_bytes());
    record.fingerprint = Some(request.profile.fingerprint().code());
    certify(&mut record, request, label, now);
    Ok(record)
}

// ---------------------------------------------------------------------------
// Temporary periods: one per machine and license.

/// The earlier activation (active or ended) in which the machine behind
/// `request` was granted its one temporary period, if it was.
pub(super) fn earlier_temporary(
    tx: &mut dyn LedgerTx,
    request: &ActivationRequest,
    policy: &Policy,
) -> Result<Option<ActivationRecord>, AuthorityError> {
    let all = candidates(tx, &request.license_id, &request.profile, policy, Which::All)?;
    let had_one = all.iter().filter(|a| a.temporary_until.is_some());
    Ok(same_machine(had_one, request, policy)?.cloned())
}

/// The end of a temporary period granted at `now` under `license`.
pub(super) fn temporary_end(license: &License, now: Timestamp) -> Timestamp {
    now.plus_days(u64::from(license.temporary_days))
}

// ---------------------------------------------------------------------------
// Seats.

/// The live holders of `license`'s seats and temporary activations, seats
/// by number first: the seat list of status views and refusals.
pub(super) fn holders(
    tx: &mut dyn LedgerTx,
    license: &LicenseId,
    active: &[ActivationRecord],
    now: Timestamp,
) -> Result<Vec<SeatHolder>, AuthorityError> {
    let seats: HashMap<ActivationId, u32> =
        tx.seats(license)?.into_iter().filter_map(|s| Some((s.holder?, s.seat))).collect();
    let mut list: Vec<SeatHolder> = active
        .iter()
        .filter(|a| a.is_live(now))
        .map(|a| SeatHolder::of(a, seats.get(&a.activation_id).copied()))
        .collect();
    list.sort_by_key(|h| (h.seat.is_none(), h.seat, h.since));
    Ok(list)
}

/// Ends the active activation `record` as `state` at `now`, freeing its
/// seat first; returns the seat it held (`None` for a temporary one).
pub(super) fn end_activation(
    tx: &mut dyn LedgerTx,
    mut record: ActivationRecord,
    state: ActivationState,
    now: Timestamp,
) -> Result<Option<u32>, AuthorityError> {
    let seat = match tx.seat_of(&record.license_id, &record.activation_id)? {
        Some(mut seat) => {
            seat.holder = None;
            tx.update_seat(&seat)?;
            Some(seat.seat)
        }
        None if record.kind == ActivationKind::Permanent => return Err(seatless(&record)),
        None => None,
    };
    record.state = state;
    record.ended_at = Some(now);
    tx.update_activation(&record)?;
    Ok(seat)
}

/// The error for a permanent activation without a seat (a damaged ledger).
pub(super) fn seatless(record: &ActivationRecord) -> AuthorityError {
    AuthorityError::Corrupt(Damage::Seatless { activation_id: record.activation_id })
}

// ---------------------------------------------------------------------------
// Certificates: what activating or transferring hands out.

/// How a grant came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GrantKind {
    /// A new machine took a free seat.
    Seat,
    /// A machine already holding a seat (or a running temporary period) was
    /// certified again; nothing more is used.
    Renewal,
    /// Every seat was taken: a temporary activation.
    Temporary,
    /// A temporary activation took a seat that had become free.
    Upgrade,
    /// A seat moved to this machine by a transfer.
    Transfer,
    /// The very request the store's last certificate answered, asked again
    /// (a retry after a lost answer, or a replay): the same certificate
    /// again, and nothing in the ledger changed.
    Repeated,
}

/// A granted activation: the certificate and its signed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// How it came about.
    pub kind: GrantKind,
    /// The certificate.
    pub certificate: ActivationCertificate,
    /// The signed certificate, to send to the machine.
    pub bytes: Vec<u8>,
    /// Whether the machine knows this certificate's activation id — derived
    /// from its request, or the one its store already holds (a store the
    /// ledger recorded for this activation) — so the certificate may be sent
    /// as a short response ([`ShortResponse`]).
    pub short_ok: bool,
}

impl Grant {
    /// The offline response code to give the customer: the short response
    /// (about 160 characters, `docs/FORMAT.md` §10.4) when the machine can
    /// rebuild the certificate from it, else the full one ([`full_code`](Self::full_code)).
    pub fn code(&self) -> String {
        self.short_code().unwrap_or_else(|| self.full_code())
    }

    /// The short response code, when this certificate can be sent short.
    pub fn short_code(&self) -> Option<String> {
        let short = ShortResponse::of_certificate(&self.bytes).filter(|_| self.short_ok)?;
        Some(code::encode_as(tag::CERTIFICATE, &short))
    }

    /// The full response code (`NLC-…` of the whole certificate), which every
    /// version of nodelock installs.
    pub fn full_code(&self) -> String {
        ActivationCertificate::code_of(&self.bytes)
    }
}

impl<L: Ledger> Authority<L> {
    /// Signs the certificate answering `request` for `record`, under the
    /// license `terms`: with a lease, it ends `lease_days` after `now` (a
    /// renewal's lease runs from when it is granted). The certificate is
    /// recorded against the request's store ([`lineage::bind`]); the seat is
    /// the one `record` holds in this transaction.
    pub(super) fn grant(
        &self,
        tx: &mut dyn LedgerTx,
        kind: GrantKind,
        request: &ActivationRequest,
        record: &ActivationRecord,
        terms: &License,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        // The seat as this transaction left it (callers seat the machine first).
        let seat = tx.seat_of(&record.license_id, &record.activation_id)?.map(|s| s.seat);
        // The machine knows the id if it derives it, or if its store was
        // granted this activation before (looked up before this grant binds it).
        let derived =
            short::derived_activation_id(&request.license_id, &request.nonce, &request.activation_key);
        let short_ok = record.activation_id == derived
            || tx
                .stores_of(&record.activation_id)?
                .iter()
                .any(|s| s.activation_key == request.activation_key);
        let lease_ends = terms.lease_end(now);
        let certificate =
            ActivationCertificate::answering(request, record.activation_id, record.kind, seat, now)
                .with_lease_end(lease_ends);
        lineage::bind(tx, record, request, lease_ends, now)?;
        record_profile(tx, record, request, now)?;
        let bytes = certificate.sign(self.signer()?).map_err(AuthorityError::Issue)?;
        Ok(Grant { kind, certificate, bytes, short_ok })
    }

    /// Answers again the request `store`'s last certificate answered (same
    /// key, same nonce), writing nothing: the certificate as it was issued
    /// then (its issue time and lease end), for the activation as it is now.
    pub(super) fn repeat(
        &self,
        tx: &mut dyn LedgerTx,
        request: &ActivationRequest,
        record: &ActivationRecord,
        store: &StoreRecord,
    ) -> Result<Grant, AuthorityError> {
        let seat = tx.seat_of(&record.license_id, &record.activation_id)?.map(|s| s.seat);
        let certificate = ActivationCertificate::answering(
            request,
            record.activation_id,
            record.kind,
            seat,
            store.last_granted,
        )
        .with_lease_end(store.lease_ends);
        let bytes = certificate.sign(self.signer()?).map_err(AuthorityError::Issue)?;
        // The store was granted this activation before: it knows the id.
        Ok(Grant { kind: GrantKind::Repeated, certificate, bytes, short_ok: true })
    }
}

/// Appends the request's profile to the activation's certified profiles
/// (what `policy simulate --db` replays) unless it is the one last recorded:
/// the list grows with hardware changes, not with renewals. Nothing is
/// recorded for an anonymised activation.
fn record_profile(
    tx: &mut dyn LedgerTx,
    record: &ActivationRecord,
    request: &ActivationRequest,
    now: Timestamp,
) -> Result<(), AuthorityError> {
    if record.profile.is_none() {
        return Ok(());
    }
    let profile = request.profile.to_bytes();
    let known = tx.certified_profiles(&record.activation_id)?;
    if known.last().is_some_and(|(_, last)| *last == profile) {
        return Ok(());
    }
    tx.append_certified_profile(&record.activation_id, now, &profile)
}

// ---------------------------------------------------------------------------
// History: every change appends one entry.

/// A history event about license `id`.
pub(super) fn event(at: Timestamp, actor: &str, kind: EventKind, id: LicenseId, details: String) -> Event {
    Event { at, actor: actor.to_owned(), kind, license_id: Some(id), activation_id: None, details }
}

/// Appends a history event about `activation` of `license`.
pub(super) fn log_activation(
    tx: &mut dyn LedgerTx,
    at: Timestamp,
    actor: &str,
    kind: EventKind,
    license: LicenseId,
    activation: ActivationId,
    details: String,
) -> Result<(), AuthorityError> {
    let mut e = event(at, actor, kind, license, details);
    e.activation_id = Some(activation);
    tx.append_history(&e).map(drop)
}

#[cfg(test)]
mod tests {
    /// The operation files are leaves: each may use this module, none another
    /// operation file, so an operation never needs a second one to be read.
    #[test]
    fn operation_files_import_rules_never_each_other() {
        let operations = [
            ("activate", include_str!("activate.rs")),
            ("seats", include_str!("seats.rs")),
            ("licenses", include_str!("licenses.rs")),
            ("status", include_str!("status.rs")),
            ("cull", include_str!("cull.rs")),
        ];
        for (name, text) in operations {
            for (other, _) in operations.iter().filter(|(o, _)| *o != name) {
                for path in [format!("super::{other}"), format!("authority::{other}")] {
                    assert!(
                        !text.contains(&path),
                        "{name}.rs uses {path}; share it through rules.rs instead"
                    );
                }
            }
        }
    }
}
