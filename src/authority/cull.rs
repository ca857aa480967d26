//! Culling dead machines: the automated form of an administrator's release
//! for a machine that stopped renewing. [`Authority::cull`] reclaims the
//! seat of every activation whose every certificate — every store's lease —
//! ended more than the license's grace before now; a service runs it on a
//! schedule, `nodelock seats cull` by hand.
//!
//! - A culled activation ends as **released** (its seat is free at once),
//!   with a `culled` entry in the history instead of `release`. Its
//!   certificates no longer validate anywhere (that is why it was culled),
//!   so nothing runs out after it.
//! - **Perpetual** certificates (`lease_days = 0`, a store without a lease
//!   end) never end, so their machines are never culled; nor are temporary
//!   activations, which hold no seat and stop counting at their end anyway.
//!   Revoked licenses are culled like the others (bookkeeping only).
//! - A culled machine that comes back is answered by the existing rules:
//!   its store's renewal is refused as released
//!   ([`AuthorityError::RenewalRefused`]), and a request from a fresh store
//!   is a new machine (a free seat, a temporary period, or a refusal).
//! - **One transaction per license**, not per run: the service culls while it
//!   serves activations, and a run over a large ledger must not hold the
//!   single write lock for all of it. Each license is first scanned on a
//!   read snapshot (readers never block the writer); only a license with
//!   something due gets a write transaction, which scans again inside it, so
//!   a machine that renewed in between is never culled. When a license
//!   fails, those before it stay culled (their history entries say so) and
//!   the error is returned.

use serde::Serialize;

use super::Authority;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::names;
use super::record::{ActivationRecord, ActivationState, EventKind};
use super::rules::{self, known};
use crate::activation::{ActivationId, ActivationKind};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// An activation [`Authority::cull`] reclaimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Culled {
    /// Its license.
    pub license_id: LicenseId,
    /// The activation, now released.
    pub activation_id: ActivationId,
    /// The seat freed.
    pub seat: Option<u32>,
}

impl<L: Ledger> Authority<L> {
    /// Reclaims the seat of every activation whose every certificate ended
    /// (lease end plus the license's grace) before `now`, as an
    /// administrator's release would, with a `culled` history entry by
    /// `actor`. Returns what it reclaimed, license by license (see the
    /// module documentation for the rules and the transactions).
    pub fn cull(&self, actor: &str, now: Timestamp) -> Result<Vec<Culled>, AuthorityError> {
        let actor = names::actor(actor)?;
        let licenses = self.ledger.read(&mut |tx| tx.licenses())?;
        let mut culled = Vec::new();
        for license in licenses {
            let id = license.license_id;
            if self.ledger.read(&mut |tx| self.due(tx, &id, now))?.is_empty() {
                continue;
            }
            let done = self.ledger.transaction(&mut |tx| {
                let mut done = Vec::new();
                for (record, last_end) in self.due(tx, &id, now)? {
                    let activation_id = record.activation_id;
                    let seat = rules::end_activation(tx, record, ActivationState::Released, now)?;
                    let details = format!(
                        "seat {} reclaimed: every certificate of the machine ended on {} (lease end plus \
                         grace) without a renewal",
                        seat.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                        last_end.date_string()
                    );
                    rules::log_activation(tx, now, &actor, EventKind::Culled, id, activation_id, details)?;
                    done.push(Culled { license_id: id, activation_id, seat });
                }
                Ok(done)
            })?;
            culled.extend(done);
        }
        Ok(culled)
    }

    /// The active permanent activations of license `id` due for culling at
    /// `now`, each with the moment its last certificate stopped validating.
    fn due(
        &self,
        tx: &mut dyn LedgerTx,
        id: &LicenseId,
        now: Timestamp,
    ) -> Result<Vec<(ActivationRecord, Timestamp)>, AuthorityError> {
        let terms = self.terms(&known(tx, id)?)?;
        let grace = terms.grace_secs();
        let mut due = Vec::new();
        for record in tx.activations(id, Which::Active)? {
            if record.kind != ActivationKind::Permanent {
                continue;
            }
            let stores = tx.stores_of(&record.activation_id)?;
            // A store still live, or perpetual (no lease end), keeps the
            // seat; so does an activation with no store recorded at all.
            let mut last_end: Option<Timestamp> = None;
            let mut dead = !stores.is_empty();
            for store in &stores {
                match store.lease_ends {
                    _ if store.surrendered_at.is_some() => {}
                    Some(end) if !store.is_live(now, grace) => {
                        let stopped = end.plus_secs(grace);
                        last_end = Some(last_end.map_or(stopped, |l| l.max(stopped)));
                    }
                    _ => dead = false,
                }
            }
            if let (true, Some(last_end)) = (dead, last_end) {
                due.push((record, last_end));
            }
        }
        Ok(due)
    }
}
