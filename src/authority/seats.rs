//! Seat reclaim and reallocation: deactivation receipts, an administrator's
//! release, one-time transfers, seat packs, and anonymising a machine.
//!
//! Each operation reads top to bottom here; what it shares with the others
//! (recognising the machine, which license a request may use, signing, the
//! history) is in `rules.rs`.

use super::Authority;
use super::candidates::candidates;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::lineage;
use super::names;
use super::record::{ActivationRecord, ActivationState, EventKind, StoreRecord};
use super::rules::{self, Grant, GrantKind, MAX_TOTAL_SEATS, Recognised, seatless};
use crate::activation::{ActivationId, ActivationKind, ActivationRequest, DeactivationReceipt};
use crate::license::{License, LicenseId};
use crate::timestamp::Timestamp;

/// The most seats one pack may add.
pub const MAX_PACK_SEATS: u32 = 100_000;

/// An activation that ended; its seat, if it held one, is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freed {
    /// The activation.
    pub activation_id: ActivationId,
    /// Its license.
    pub license_id: LicenseId,
    /// The seat freed; `None` for a temporary activation.
    pub seat: Option<u32>,
}

/// What a deactivation receipt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deactivation {
    /// The activation ended now.
    Deactivated(Freed),
    /// The store's certificates are retired, but the activation keeps its
    /// seat: another store (another OS user of the machine) still holds a
    /// live certificate of it. A replay of this receipt changes nothing.
    StillHeld {
        /// The activation.
        activation_id: ActivationId,
        /// Its seat; `None` for a temporary activation.
        seat: Option<u32>,
        /// How many other stores still hold a live certificate of it.
        stores: u32,
    },
    /// It had ended before (a replayed receipt, or a release or transfer
    /// came first); nothing changed.
    AlreadyEnded {
        /// The activation.
        activation_id: ActivationId,
        /// How it ended.
        state: ActivationState,
    },
}

/// A seat pack granted by [`Authority::reissue_seats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatPack {
    /// The license.
    pub license_id: LicenseId,
    /// The pack number (the license's own seats are pack 1).
    pub pack: u32,
    /// The first new seat number.
    pub first_seat: u32,
    /// How many seats it adds.
    pub seats: u32,
}

impl SeatPack {
    /// The last new seat number.
    pub fn last_seat(&self) -> u32 {
        self.first_seat.saturating_add(self.seats.saturating_sub(1))
    }
}

impl<L: Ledger> Authority<L> {
    /// Accepts a deactivation receipt (an `NLD-` code, armoured text or its
    /// bytes), signed with the activation key of one of the activation's
    /// stores: it proves that store's key is gone, so **every** certificate
    /// the store was granted — earlier ones, and later ones it never
    /// installed, under any activation of the license — is retired. An
    /// activation whose stores have all surrendered (or whose other stores'
    /// leases ran out) ends and frees its seat; one that another store still
    /// holds keeps it ([`Deactivation::StillHeld`]). A receipt for an
    /// activation that has already ended changes nothing.
    pub fn deactivate(
        &self,
        receipt: &[u8],
        actor: &str,
        now: Timestamp,
    ) -> Result<Deactivation, AuthorityError> {
        let actor = names::actor(actor)?;
        let bytes = DeactivationReceipt::bytes_from(receipt)?;
        let claimed = DeactivationReceipt::peek(&bytes)?;
        let activation_id = claimed.activation_id;
        self.ledger.transaction(&mut |tx| {
            let record = tx
                .activation(&activation_id)?
                .filter(|r| r.license_id == claimed.license_id)
                .ok_or(AuthorityError::UnknownActivation { activation_id })?;
            let store = tx
                .stores_of(&activation_id)?
                .into_iter()
                .find(|s| DeactivationReceipt::open(&bytes, &s.activation_key).is_ok())
                .ok_or(AuthorityError::ReceiptNotValid { activation_id })?;
            let terms = self.terms(&rules::known(tx, &record.license_id)?)?;
            if record.state != ActivationState::Active {
                // Released or transferred first: the seat is already free,
                // but the store's certificates, still running out, retire now.
                retire(tx, &record.license_id, &store.activation_key, now)?;
                return Ok(Deactivation::AlreadyEnded { activation_id, state: record.state });
            }
            let mut answer = None;
            for mut held in tx.stores_with_key(&record.license_id, &store.activation_key)? {
                if held.surrendered_at.is_some() {
                    continue;
                }
                held.surrendered_at = Some(now);
                tx.update_store(&held)?;
                let Some(of) =
                    tx.activation(&held.activation_id)?.filter(|a| a.state == ActivationState::Active)
                else {
                    continue;
                };
                let outcome = surrender(tx, of, &terms, &actor, &held, now)?;
                if held.activation_id == activation_id {
                    answer = Some(outcome);
                }
            }
            // The store had surrendered before (a replay): nothing changed.
            match answer {
                Some(outcome) => Ok(outcome),
                None => {
                    let stores = lineage::live_stores(tx, &record, &terms, now)?.len() as u32;
                    let seat = tx.seat_of(&record.license_id, &activation_id)?.map(|s| s.seat);
                    Ok(Deactivation::StillHeld { activation_id, seat, stores })
                }
            }
        })
    }

    /// Releases an activation as an administrator (the machine is dead,
    /// stolen or re-imaged): its seat is free at once.
    pub fn release(
        &self,
        activation_id: ActivationId,
        actor: &str,
        now: Timestamp,
    ) -> Result<Freed, AuthorityError> {
        let actor = names::actor(actor)?;
        self.ledger.transaction(&mut |tx| {
            let record = active(tx, activation_id)?;
            let freed = end(tx, record, ActivationState::Released, now)?;
            let details = match freed.seat {
                Some(seat) => format!("seat {seat} released by an administrator"),
                None => "temporary activation released by an administrator".to_owned(),
            };
            log(tx, now, &actor, EventKind::Release, &freed, details)?;
            Ok(freed)
        })
    }

    /// Moves the seat of `activation_id` permanently to the machine that made
    /// `request`, counting one of the seat's transfers; the old activation
    /// ends as transferred. Returns the new machine's certificate.
    pub fn transfer(
        &self,
        activation_id: ActivationId,
        request: &ActivationRequest,
        label: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        self.signer()?;
        let actor = names::actor(actor)?;
        let label = names::label(label.or(request.label.as_deref()))?;
        self.ledger.transaction(&mut |tx| {
            self.transfer_in(tx, activation_id, request, label.as_deref(), &actor, now)
        })
    }

    fn transfer_in(
        &self,
        tx: &mut dyn LedgerTx,
        activation_id: ActivationId,
        request: &ActivationRequest,
        label: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Grant, AuthorityError> {
        let old = active(tx, activation_id)?;
        if old.kind != ActivationKind::Permanent {
            return Err(AuthorityError::NotTransferable { activation_id });
        }
        let id = old.license_id;
        if request.license_id != id {
            return Err(AuthorityError::TransferToOtherLicense {
                activation_id,
                requested: request.license_id,
            });
        }
        let (record, license) = self.usable_for(tx, request, now)?;
        let mut seat = tx.seat_of(&id, &activation_id)?.ok_or_else(|| seatless(&old))?;
        if seat.transfers_used >= record.transfers_per_seat {
            return Err(AuthorityError::TransfersExhausted {
                license_id: id,
                seat: seat.seat,
                used: seat.transfers_used,
                allowed: record.transfers_per_seat,
            });
        }
        // The new machine: already holding a seat is an error; holding a
        // temporary activation (running or ended), that activation takes the seat.
        let live = candidates(tx, &id, &request.profile, &license.policy, Which::Active)?;
        let mut target = match rules::recognise(tx, &live, request, &license.policy)? {
            Recognised::Seated(holder, held) => {
                return Err(AuthorityError::AlreadyHoldsSeat {
                    activation_id: holder.activation_id,
                    seat: held.seat,
                });
            }
            Recognised::Temporary(mut t) => {
                rules::certify(&mut t, request, label, now);
                t
            }
            Recognised::New => rules::new_record(tx, request, label, ActivationKind::Permanent, now)?,
        };
        target.kind = ActivationKind::Permanent;
        // Free the seat, end the old activation, then seat the new machine.
        seat.holder = None;
        tx.update_seat(&seat)?;
        let mut ended = old.clone();
        ended.state = ActivationState::Transferred;
        ended.ended_at = Some(now);
        tx.update_activation(&ended)?;
        if tx.activation(&target.activation_id)?.is_some() {
            tx.update_activation(&target)?;
        } else {
            tx.insert_activation(&target)?;
        }
        seat.holder = Some(target.activation_id);
        seat.transfers_used += 1;
        tx.update_seat(&seat)?;
        let details = format!(
            "seat {} moved to activation {} (transfer {} of {} for this seat)",
            seat.seat, target.activation_id, seat.transfers_used, record.transfers_per_seat
        );
        let freed = Freed { activation_id, license_id: id, seat: Some(seat.seat) };
        log(tx, now, actor, EventKind::Transfer, &freed, details)?;
        self.grant(tx, GrantKind::Transfer, request, &target, &license, now)
    }

    /// Grants a new pack of `seats` seats to a license (when its transfers
    /// are used up, or it simply needs more). In use the new seats are like
    /// the original ones; the pack shows only in the history.
    pub fn reissue_seats(
        &self,
        license_id: LicenseId,
        seats: u32,
        actor: &str,
        now: Timestamp,
    ) -> Result<SeatPack, AuthorityError> {
        let actor = names::actor(actor)?;
        if seats == 0 || seats > MAX_PACK_SEATS {
            return Err(AuthorityError::BadSeatCount {
                requested: u64::from(seats),
                reason: "a seat pack has 1 to 100,000 seats",
            });
        }
        self.ledger.transaction(&mut |tx| {
            let mut record = rules::known(tx, &license_id)?;
            if let Some(at) = record.revoked_at {
                return Err(AuthorityError::LicenseRevoked { license_id, at });
            }
            let existing = tx.seats(&license_id)?;
            let numbers_left = AuthorityError::BadSeatCount {
                requested: u64::from(seats),
                reason: "the license has run out of seat and pack numbers",
            };
            let next = |n: Option<u32>| n.unwrap_or(0).checked_add(1);
            let pack = next(existing.iter().map(|s| s.pack).max());
            let first_seat = next(existing.iter().map(|s| s.seat).max());
            let (Some(pack), Some(first_seat), Some(last_seat)) =
                (pack, first_seat, first_seat.and_then(|f| f.checked_add(seats - 1)))
            else {
                return Err(numbers_left);
            };
            record.total_seats = record.total_seats.checked_add(seats).filter(|t| *t <= MAX_TOTAL_SEATS).ok_or(
                AuthorityError::BadSeatCount {
                    requested: u64::from(seats),
                    reason: "a license has at most 1,000,000 seats, packs included",
                },
            )?;
            tx.update_license(&record)?;
            tx.insert_free_seats(&license_id, pack, first_seat, last_seat)?;
            let details = format!(
                "seat pack {pack}: {seats} seat(s), numbers {first_seat} to {}, {} transfer(s) each; {} seats in all",
                last_seat,
                record.transfers_per_seat,
                record.total_seats
            );
            tx.append_history(&rules::event(now, &actor, EventKind::SeatReissue, license_id, details))?;
            Ok(SeatPack { license_id, pack, first_seat, seats })
        })
    }

    /// Erases a machine's label, profile, fingerprint and location from the
    /// ledger for privacy. Counts, seats and history are unchanged; the
    /// machine can no longer be recognised, so its next request is a new
    /// machine. Returns `false` when it was already anonymised.
    pub fn anonymise(
        &self,
        activation_id: ActivationId,
        actor: &str,
        now: Timestamp,
    ) -> Result<bool, AuthorityError> {
        let actor = names::actor(actor)?;
        self.ledger.transaction(&mut |tx| {
            let mut record =
                tx.activation(&activation_id)?.ok_or(AuthorityError::UnknownActivation { activation_id })?;
            if record.label.is_none() && record.profile.is_none() && record.stamp.is_none() {
                return Ok(false);
            }
            record.label = None;
            record.profile = None;
            tx.erase_certified_profiles(&record.activation_id)?;
            record.fingerprint = None;
            record.stamp = None;
            tx.update_activation(&record)?;
            let freed = Freed { activation_id, license_id: record.license_id, seat: None };
            log(tx, now, &actor, EventKind::Anonymise, &freed, "label and profile erased".to_owned())?;
            Ok(true)
        })
    }
}

/// Retires every certificate of the store holding `key` in `license`'s
/// ended activations (those of active ones go through [`surrender`]).
fn retire(
    tx: &mut dyn LedgerTx,
    license: &LicenseId,
    key: &[u8; 32],
    now: Timestamp,
) -> Result<(), AuthorityError> {
    for mut held in tx.stores_with_key(license, key)? {
        let ended = tx.activation(&held.activation_id)?.is_none_or(|a| a.state != ActivationState::Active);
        if held.surrendered_at.is_none() && ended {
            held.surrendered_at = Some(now);
            tx.update_store(&held)?;
        }
    }
    Ok(())
}

/// One store of the active activation `record` surrendered: the activation
/// ends and frees its seat when no other store holds a live certificate.
fn surrender(
    tx: &mut dyn LedgerTx,
    record: ActivationRecord,
    terms: &License,
    actor: &str,
    store: &StoreRecord,
    now: Timestamp,
) -> Result<Deactivation, AuthorityError> {
    let activation_id = record.activation_id;
    let name = lineage::store_name(&store.activation_key);
    let others = lineage::live_stores(tx, &record, terms, now)?.len() as u32;
    if others > 0 {
        let seat = tx.seat_of(&record.license_id, &activation_id)?.map(|s| s.seat);
        let about = Freed { activation_id, license_id: record.license_id, seat: None };
        let details = format!(
            "store {name} gave up its certificates with a deactivation receipt; {others} other store(s) \
             still hold a live certificate, so the activation keeps its seat"
        );
        log(tx, now, actor, EventKind::Deactivation, &about, details)?;
        return Ok(Deactivation::StillHeld { activation_id, seat, stores: others });
    }
    let freed = end(tx, record, ActivationState::Deactivated, now)?;
    let details = match freed.seat {
        Some(seat) => format!("seat {seat} freed by the machine's deactivation receipt (store {name})"),
        None => format!("temporary activation ended by the machine's deactivation receipt (store {name})"),
    };
    log(tx, now, actor, EventKind::Deactivation, &freed, details)?;
    Ok(Deactivation::Deactivated(freed))
}

/// The activation `id`, which must be active.
fn active(tx: &mut dyn LedgerTx, activation_id: ActivationId) -> Result<ActivationRecord, AuthorityError> {
    let record = tx.activation(&activation_id)?.ok_or(AuthorityError::UnknownActivation { activation_id })?;
    if record.state != ActivationState::Active {
        return Err(AuthorityError::NotActive { activation_id, state: record.state });
    }
    Ok(record)
}

/// Ends an active activation as `state`, freeing its seat first.
fn end(
    tx: &mut dyn LedgerTx,
    record: ActivationRecord,
    state: ActivationState,
    now: Timestamp,
) -> Result<Freed, AuthorityError> {
    let (activation_id, license_id) = (record.activation_id, record.license_id);
    let seat = rules::end_activation(tx, record, state, now)?;
    Ok(Freed { activation_id, license_id, seat })
}

fn log(
    tx: &mut dyn LedgerTx,
    now: Timestamp,
    actor: &str,
    kind: EventKind,
    about: &Freed,
    details: String,
) -> Result<(), AuthorityError> {
    rules::log_activation(tx, now, actor, kind, about.license_id, about.activation_id, details)
}
