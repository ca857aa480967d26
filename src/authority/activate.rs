//! Granting activations: a machine's request becomes a renewal of the seat
//! it already holds, an upgrade of its temporary activation, a free seat, a
//! temporary activation, or a refusal listing the seats.

use std::collections::HashMap;

use serde::Serialize;

use super::Authority;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::licenses::event;
use super::names;
use super::record::{ActivationRecord, ActivationState, EventKind, SeatHolder};
use crate::activation::{ActivationCertificate, ActivationId, ActivationKind, ActivationRequest};
use crate::compare::compare;
use crate::license::LicenseId;
use crate::policy::Policy;
use crate::profile::Profile;
use crate::timestamp::Timestamp;

/// How a grant came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
}

impl Grant {
    /// The offline response code (`NLC-…`) to give the customer.
    pub fn code(&self) -> String {
        ActivationCertificate::code_of(&self.bytes)
    }
}

impl<L: Ledger> Authority<L> {
    /// Answers an activation request (see the [module rules](super)).
    /// `label` names the machine in the seat list, replacing the one in the
    /// request; `actor` is recorded in the history.
    pub fn activate(
        &self,
        request: &ActivationRequest,
        label: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        self.signer()?;
        let actor = names::actor(actor)?;
        let label = names::label(label.or(request.label.as_deref()))?;
        self.ledger.transaction(&mut |tx| self.activate_in(tx, request, label.as_deref(), &actor, now))
    }

    fn activate_in(
        &self,
        tx: &mut dyn LedgerTx,
        request: &ActivationRequest,
        label: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        let id = request.license_id;
        let (record, license) = self.usable_for(tx, request, now)?;
        let policy = &license.policy;
        let active = tx.activations(&id, Which::Active)?;
        let log = |tx: &mut dyn LedgerTx, kind, activation: ActivationId, details: String| {
            let mut e = event(now, actor, kind, id, details);
            e.activation_id = Some(activation);
            tx.append_history(&e).map(drop)
        };

        // 1. This machine holds a seat: renew it.
        let permanent = active.iter().filter(|a| a.kind == ActivationKind::Permanent);
        if let Some(held) = same_machine(permanent, request, policy)? {
            let seat = tx.seat_of(&id, &held.activation_id)?.ok_or_else(|| seatless(held))?;
            let mut renewed = held.clone();
            certify(&mut renewed, request, label, now);
            tx.update_activation(&renewed)?;
            log(tx, EventKind::Renewal, renewed.activation_id, format!("seat {} renewed", seat.seat))?;
            return self.grant(GrantKind::Renewal, request, &renewed, Some(seat.seat), now);
        }

        // 2. This machine has a temporary activation: upgrade it to a free
        //    seat, or certify it again for the rest of its period.
        let free = tx.lowest_free_seat(&id)?;
        let temporary = active.iter().filter(|a| a.kind != ActivationKind::Permanent);
        if let Some(temp) = same_machine(temporary, request, policy)? {
            let mut renewed = temp.clone();
            certify(&mut renewed, request, label, now);
            if let Some(mut seat) = free {
                renewed.kind = ActivationKind::Permanent;
                tx.update_activation(&renewed)?;
                seat.holder = Some(renewed.activation_id);
                tx.update_seat(&seat)?;
                let details = format!("temporary activation took seat {}", seat.seat);
                log(tx, EventKind::Upgrade, renewed.activation_id, details)?;
                return self.grant(GrantKind::Upgrade, request, &renewed, Some(seat.seat), now);
            }
            if let ActivationKind::Temporary { until } = renewed.kind
                && now < until
            {
                tx.update_activation(&renewed)?;
                let details = format!("temporary activation renewed, still until {}", until.date_string());
                log(tx, EventKind::Renewal, renewed.activation_id, details)?;
                return self.grant(GrantKind::Renewal, request, &renewed, None, now);
            }
        }

        // 3. A free seat: this machine takes it.
        if let Some(mut seat) = free {
            let taken = new_record(request, label, ActivationKind::Permanent, now)?;
            tx.insert_activation(&taken)?;
            seat.holder = Some(taken.activation_id);
            tx.update_seat(&seat)?;
            let details = format!("seat {} of {}", seat.seat, record.total_seats);
            log(tx, EventKind::Activation, taken.activation_id, details)?;
            return self.grant(GrantKind::Seat, request, &taken, Some(seat.seat), now);
        }

        // 4. Every seat is taken and temporary activations are off.
        let holders = holders(tx, &id, &active, now)?;
        let total = record.total_seats;
        if license.temporary_days == 0 {
            return Err(AuthorityError::NoFreeSeat { license_id: id, total, holders });
        }

        // 5. One temporary period per machine: the same period again while
        //    it runs, a refusal once it has ended.
        let all = tx.activations(&id, Which::All)?;
        let had_one = all.iter().filter(|a| a.temporary_until.is_some());
        if let Some(past) = same_machine(had_one, request, policy)? {
            let until = past.temporary_until.unwrap_or(now);
            if now >= until {
                return Err(AuthorityError::TemporaryUsed { license_id: id, total, ended: until, holders });
            }
            let mut again = past.clone();
            certify(&mut again, request, label, now);
            again.kind = ActivationKind::Temporary { until };
            again.state = ActivationState::Active;
            again.ended_at = None;
            tx.update_activation(&again)?;
            let details = format!("temporary activation granted again, until {}", until.date_string());
            log(tx, EventKind::Temporary, again.activation_id, details)?;
            return self.grant(GrantKind::Temporary, request, &again, None, now);
        }

        // 6. A new temporary activation.
        let until = now.plus_days(u64::from(license.temporary_days));
        let mut temp = new_record(request, label, ActivationKind::Temporary { until }, now)?;
        temp.temporary_until = Some(until);
        tx.insert_activation(&temp)?;
        let details =
            format!("all {total} seat(s) in use: temporary activation until {}", until.date_string());
        log(tx, EventKind::Temporary, temp.activation_id, details)?;
        self.grant(GrantKind::Temporary, request, &temp, None, now)
    }

    /// Signs the certificate answering `request` for `record`.
    pub(super) fn grant(
        &self,
        kind: GrantKind,
        request: &ActivationRequest,
        record: &ActivationRecord,
        seat: Option<u32>,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        let certificate =
            ActivationCertificate::answering(request, record.activation_id, record.kind, seat, now);
        let bytes = certificate.sign(self.signer()?).map_err(|e| AuthorityError::Issue(e.to_string()))?;
        Ok(Grant { kind, certificate, bytes })
    }
}

/// The record among `candidates` whose recorded profile is within the
/// policy's tolerance of the request's (the lowest score; the earliest on a
/// tie). Anonymised records cannot be recognised.
pub(super) fn same_machine<'a>(
    candidates: impl Iterator<Item = &'a ActivationRecord>,
    request: &ActivationRequest,
    policy: &Policy,
) -> Result<Option<&'a ActivationRecord>, AuthorityError> {
    let mut best: Option<(u32, &ActivationRecord)> = None;
    for record in candidates {
        let Some(bytes) = &record.profile else { continue };
        let stored = Profile::from_bytes(bytes).map_err(|e| {
            AuthorityError::Corrupt(format!(
                "the recorded profile of activation {} cannot be read ({e})",
                record.activation_id
            ))
        })?;
        let moved = record.stamp != Some(request.stamp);
        let comparison = compare(&stored, &request.profile, moved, policy);
        if !comparison.reactivate && best.is_none_or(|(score, _)| comparison.score < score) {
            best = Some((comparison.score, record));
        }
    }
    Ok(best.map(|(_, r)| r))
}

/// Records what the new certificate certifies.
pub(super) fn certify(
    record: &mut ActivationRecord,
    request: &ActivationRequest,
    label: Option<&str>,
    now: Timestamp,
) {
    record.release_version = request.release_version;
    record.profile = Some(request.profile.to_bytes());
    record.fingerprint = Some(request.profile.fingerprint().code());
    record.stamp = Some(request.stamp);
    record.activation_key = request.activation_key;
    record.nonce = request.nonce;
    record.renewed_at = now;
    if let Some(label) = label {
        record.label = Some(label.to_owned());
    }
}

/// A new active activation for the requesting machine.
pub(super) fn new_record(
    request: &ActivationRequest,
    label: Option<&str>,
    kind: ActivationKind,
    now: Timestamp,
) -> Result<ActivationRecord, AuthorityError> {
    let activation_id = ActivationId::generate().map_err(|e| AuthorityError::Issue(e.to_string()))?;
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
    };
    certify(&mut record, request, label, now);
    Ok(record)
}

/// The live holders of `license`'s seats and temporary activations.
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

/// The error for a permanent activation without a seat (a damaged ledger).
pub(super) fn seatless(record: &ActivationRecord) -> AuthorityError {
    AuthorityError::Corrupt(format!("activation {} is permanent but holds no seat", record.activation_id))
}
