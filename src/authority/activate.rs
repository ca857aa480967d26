//! Granting activations: a machine's request becomes a renewal of the seat
//! it already holds, an upgrade of its temporary activation, a free seat, a
//! temporary activation, or a refusal listing the seats. A request from a
//! store the ledger knows (its activation key: `nodelock activate renew`, or
//! any later request of that store) renews the activation whose certified
//! profile it is within tolerance of; it is refused when that activation was
//! released, transferred or deactivated, when the store surrendered its key,
//! and when the license expired or was revoked. From a machine out of
//! tolerance it is a new machine (and may reveal a fork: `lineage.rs`).
//!
//! [`Authority::activate`] reads top to bottom here; what it shares with the
//! other operations (which license a request may use, recognising the
//! machine, temporary periods, signing, the history) is in `rules.rs`.

use super::Authority;
use super::candidates::candidates;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::lineage;
use super::names;
use super::record::{ActivationState, EventKind};
use super::refusal;
use super::rules::{self, Grant, GrantKind, Recognised};
use crate::activation::{ActivationKind, ActivationRequest};
use crate::timestamp::Timestamp;

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
        // A refusal after a fork was recorded keeps the record: the
        // transaction commits what lineage learnt, then the refusal is returned.
        self.ledger
            .transaction(&mut |tx| {
                let mut learnt = false;
                match self.activate_in(tx, request, label.as_deref(), &actor, now, &mut learnt) {
                    Err(refusal) if learnt && refusal.is_refusal() => Ok(Err(refusal)),
                    other => other.map(Ok),
                }
            })
            .and_then(|answer| answer)
    }

    fn activate_in(
        &self,
        tx: &mut dyn LedgerTx,
        request: &ActivationRequest,
        label: Option<&str>,
        actor: &str,
        now: Timestamp,
        learnt: &mut bool,
    ) -> Result<Grant, AuthorityError> {
        let id = request.license_id;
        let (record, license) = self.usable_for(tx, request, now)?;
        let policy = &license.policy;
        let log = |tx: &mut dyn LedgerTx, kind, activation, details: String| {
            rules::log_activation(tx, now, actor, kind, id, activation, details)
        };
        // 0. A store the ledger knows: renew the activation whose certified
        //    profile the request is within tolerance of — unless it lost its
        //    seat, or the store surrendered its key; from out of tolerance,
        //    the request is a new machine (and the store's branch diverged).
        let keyed = lineage::keyed(tx, request)?;
        if let Some((record, store)) = keyed.iter().find(|(_, s)| s.surrendered_at.is_some()) {
            return Err(AuthorityError::KeySurrendered {
                license_id: id,
                activation_id: record.activation_id,
                at: store.surrendered_at.unwrap_or(now),
            });
        }
        let mut renewing = None;
        for (record, store) in &keyed {
            if let Some(score) = lineage::within(record, request, policy)?
                && renewing.as_ref().is_none_or(|(s, _, _)| score < *s)
            {
                renewing = Some((score, record.clone(), store.clone()));
            }
        }
        if renewing.is_none()
            && let Some((ended, _)) = keyed.iter().find(|(r, _)| r.state != ActivationState::Active)
        {
            // A diverged branch of a reclaimed activation must not come back
            // as a new machine under the key whose seat was reclaimed.
            return Err(AuthorityError::RenewalRefused {
                license_id: id,
                activation_id: ended.activation_id,
                state: ended.state,
            });
        }
        let recognised = match renewing {
            Some((_, record, _)) if record.state != ActivationState::Active => {
                return Err(AuthorityError::RenewalRefused {
                    license_id: id,
                    activation_id: record.activation_id,
                    state: record.state,
                });
            }
            // The request the store's last certificate answered, again: a
            // retry or a replay gets that certificate and changes nothing.
            Some((_, record, store)) if store.nonce == request.nonce && store.diverged_at.is_none() => {
                return self.repeat(tx, request, &record, &store);
            }
            Some((_, mut record, store)) => {
                lineage::rejoined(tx, &mut record, &store, actor, now)?;
                *learnt |= record.forked_at.is_some();
                match record.kind {
                    ActivationKind::Permanent => {
                        let seat = tx
                            .seat_of(&id, &record.activation_id)?
                            .ok_or_else(|| rules::seatless(&record))?;
                        Recognised::Seated(record, seat)
                    }
                    ActivationKind::Temporary { .. } => Recognised::Temporary(record),
                }
            }
            None => {
                for (record, store) in keyed {
                    let mut record = record;
                    lineage::diverged(tx, &mut record, store, &license, actor, now)?;
                    *learnt = true;
                }
                let active = candidates(tx, &id, &request.profile, policy, Which::Active)?;
                rules::recognise(tx, &active, request, policy)?
            }
        };

        // 1. This machine holds a seat: renew it.
        if let Recognised::Seated(held, seat) = &recognised {
            let mut renewed = held.clone();
            rules::certify(&mut renewed, request, label, now);
            tx.update_activation(&renewed)?;
            log(tx, EventKind::Renewal, renewed.activation_id, format!("seat {} renewed", seat.seat))?;
            return self.grant(tx, GrantKind::Renewal, request, &renewed, &license, now);
        }

        // 2. This machine has a temporary activation: upgrade it to a free
        //    seat, or certify it again for the rest of its period.
        let free = tx.lowest_free_seat(&id)?;
        if let Recognised::Temporary(temp) = recognised {
            let mut renewed = temp;
            rules::certify(&mut renewed, request, label, now);
            if let Some(mut seat) = free {
                renewed.kind = ActivationKind::Permanent;
                tx.update_activation(&renewed)?;
                seat.holder = Some(renewed.activation_id);
                tx.update_seat(&seat)?;
                let details = format!("temporary activation took seat {}", seat.seat);
                log(tx, EventKind::Upgrade, renewed.activation_id, details)?;
                return self.grant(tx, GrantKind::Upgrade, request, &renewed, &license, now);
            }
            if let ActivationKind::Temporary { until } = renewed.kind
                && now < until
            {
                tx.update_activation(&renewed)?;
                let details = format!("temporary activation renewed, still until {}", until.date_string());
                log(tx, EventKind::Renewal, renewed.activation_id, details)?;
                return self.grant(tx, GrantKind::Renewal, request, &renewed, &license, now);
            }
        }

        // 3. A free seat: this machine takes it.
        if let Some(mut seat) = free {
            let taken = rules::new_record(tx, request, label, ActivationKind::Permanent, now)?;
            tx.insert_activation(&taken)?;
            seat.holder = Some(taken.activation_id);
            tx.update_seat(&seat)?;
            let details = format!("seat {} of {}", seat.seat, record.total_seats);
            log(tx, EventKind::Activation, taken.activation_id, details)?;
            return self.grant(tx, GrantKind::Seat, request, &taken, &license, now);
        }

        // 4. Every seat is taken and temporary activations are off.
        //    (No seat is free: every seat row is held.)
        let total = record.total_seats;
        if license.temporary_days == 0 {
            let (holders, holding) = refusal::holders(tx, &id, total, now)?;
            return Err(AuthorityError::NoFreeSeat { license_id: id, total, holders, holding });
        }

        // 5. One temporary period per machine: the same period again while
        //    it runs, a refusal once it has ended.
        if let Some(past) = rules::earlier_temporary(tx, request, policy)? {
            let until = past.temporary_until.unwrap_or(now);
            if now >= until {
                let (holders, holding) = refusal::holders(tx, &id, total, now)?;
                return Err(AuthorityError::TemporaryUsed {
                    license_id: id,
                    total,
                    ended: until,
                    holders,
                    holding,
                });
            }
            let mut again = past;
            rules::certify(&mut again, request, label, now);
            again.kind = ActivationKind::Temporary { until };
            again.state = ActivationState::Active;
            again.ended_at = None;
            tx.update_activation(&again)?;
            let details = format!("temporary activation granted again, until {}", until.date_string());
            log(tx, EventKind::Temporary, again.activation_id, details)?;
            return self.grant(tx, GrantKind::Temporary, request, &again, &license, now);
        }

        // 6. A new temporary activation.
        let until = rules::temporary_end(&license, now);
        let mut temp = rules::new_record(tx, request, label, ActivationKind::Temporary { until }, now)?;
        temp.temporary_until = Some(until);
        tx.insert_activation(&temp)?;
        let details =
            format!("all {total} seat(s) in use: temporary activation until {}", until.date_string());
        log(tx, EventKind::Temporary, temp.activation_id, details)?;
        self.grant(tx, GrantKind::Temporary, request, &temp, &license, now)
    }
}
