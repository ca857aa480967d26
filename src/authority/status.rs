//! The "licenses in use" view and the history, read from one consistent
//! snapshot of the ledger (the seat list itself is `rules.rs`'s, shared
//! with the refusals that show it).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Authority;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::record::{ActivationState, HistoryEntry, LicenseRecord, LiveCertificates, RunningOut, SeatHolder};
use super::rules::{holders, known};
use crate::license::{License, LicenseId};
use crate::timestamp::Timestamp;

/// Seats of one license at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseStatus {
    /// The license.
    pub license_id: LicenseId,
    /// Its product.
    pub product: String,
    /// Its current release.
    pub release_version: u32,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// Seats, packs included.
    pub total: u32,
    /// Seats held by machines.
    pub in_use: u32,
    /// Running temporary activations (they hold no seat).
    pub temporary: u32,
    /// Free seats.
    pub available: u32,
    /// Transfers each seat allows.
    pub transfers_per_seat: u32,
    /// The machines holding seats (by seat number), then the temporary ones.
    pub activations: Vec<SeatHolder>,
    /// Activations that ended (released, transferred) whose certificates
    /// still validate until their lease plus grace ends, oldest first.
    pub running_out: Vec<RunningOut>,
}

/// Seats of every license of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductStatus {
    /// The product.
    pub product: String,
    /// How many licenses.
    pub licenses: u32,
    /// Seats of all of them.
    pub total: u64,
    /// Seats held.
    pub in_use: u64,
    /// Running temporary activations.
    pub temporary: u64,
    /// Free seats.
    pub available: u64,
}

/// The "licenses in use" view: per product and per license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The moment it describes (temporary activations run until their end).
    pub at: Timestamp,
    /// Per product, by name.
    pub products: Vec<ProductStatus>,
    /// Per license, by product then id.
    pub licenses: Vec<LicenseStatus>,
}

/// One page of a license's seat list ([`Authority::seat_page`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatPage {
    /// The license's counts (from counts, not rows), and in `activations`
    /// the holders of the page's seats, by number. Temporary activations are
    /// counted, not listed; `running_out` is empty (the whole view,
    /// [`Authority::status`], lists both).
    pub license: LicenseStatus,
    /// The `after` to ask for the next page; `None` after the last one.
    pub next_after: Option<u32>,
}

impl<L: Ledger> Authority<L> {
    /// The holders of at most `limit` seats of license `id` numbered above
    /// `after`, with the license's counts, at `now`: its cost is the page's
    /// (plus counting the held seats), not the license's.
    pub fn seat_page(
        &self,
        id: LicenseId,
        after: u32,
        limit: u32,
        now: Timestamp,
    ) -> Result<SeatPage, AuthorityError> {
        self.ledger.read(&mut |tx| {
            let record = known(tx, &id)?;
            let terms = self.terms(&record)?;
            let seats = tx.seats_after(&id, after, limit)?;
            let next_after =
                seats.last().map(|s| s.seat).filter(|_| limit > 0 && seats.len() as u32 == limit);
            let mut activations = Vec::new();
            for seat in &seats {
                let Some(holder) = seat.holder else { continue };
                if let Some(a) = tx.activation(&holder)? {
                    activations.push(SeatHolder::of(&a, Some(seat.seat)));
                }
            }
            certificates(tx, &mut activations, &terms, now)?;
            let in_use = tx.count_held_seats(&id)?;
            let temporary = tx.count_running_temporary(&id, now)?;
            let total = record.total_seats;
            let license = LicenseStatus {
                license_id: id,
                product: record.product.clone(),
                release_version: record.release_version,
                revoked_at: record.revoked_at,
                total,
                in_use,
                temporary,
                available: total.saturating_sub(in_use),
                transfers_per_seat: record.transfers_per_seat,
                activations,
                running_out: Vec::new(),
            };
            Ok(SeatPage { license, next_after })
        })
    }

    /// Every license's and product's counts at `now`, from counts, not rows:
    /// the [`status`](Self::status) view without its seat lists
    /// (`activations` and `running_out` are empty), so its cost is the
    /// number of licenses, not of machines.
    pub fn summary(&self, now: Timestamp) -> Result<Status, AuthorityError> {
        self.ledger.read(&mut |tx| {
            let mut licenses = Vec::new();
            for record in tx.licenses()? {
                let id = record.license_id;
                let in_use = tx.count_held_seats(&id)?;
                let temporary = tx.count_running_temporary(&id, now)?;
                licenses.push(LicenseStatus {
                    license_id: id,
                    product: record.product.clone(),
                    release_version: record.release_version,
                    revoked_at: record.revoked_at,
                    total: record.total_seats,
                    in_use,
                    temporary,
                    available: record.total_seats.saturating_sub(in_use),
                    transfers_per_seat: record.transfers_per_seat,
                    activations: Vec::new(),
                    running_out: Vec::new(),
                });
            }
            Ok(Status { at: now, products: by_product(&licenses), licenses })
        })
    }

    /// The seats of one license, or of all, at `now`.
    pub fn status(&self, license: Option<LicenseId>, now: Timestamp) -> Result<Status, AuthorityError> {
        self.ledger.read(&mut |tx| {
            let records = match &license {
                Some(id) => vec![known(tx, id)?],
                None => tx.licenses()?,
            };
            let licenses = records
                .iter()
                .map(|r| license_status(tx, r, &self.terms(r)?, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Status { at: now, products: by_product(&licenses), licenses })
        })
    }

    /// The history, of one license or all, oldest first.
    pub fn history(&self, license: Option<LicenseId>) -> Result<Vec<HistoryEntry>, AuthorityError> {
        self.ledger.read(&mut |tx| {
            if let Some(id) = &license {
                known(tx, id)?;
            }
            tx.history(license.as_ref())
        })
    }
}

fn license_status(
    tx: &mut dyn LedgerTx,
    record: &LicenseRecord,
    terms: &License,
    now: Timestamp,
) -> Result<LicenseStatus, AuthorityError> {
    let active = tx.activations(&record.license_id, Which::Active)?;
    let mut activations = holders(tx, &record.license_id, &active, now)?;
    certificates(tx, &mut activations, terms, now)?;
    let running_out = running_out(tx, &record.license_id, terms, now)?;
    let total = record.total_seats;
    let in_use = activations.iter().filter(|h| h.seat.is_some()).count() as u32;
    let temporary = activations.len() as u32 - in_use;
    Ok(LicenseStatus {
        license_id: record.license_id,
        product: record.product.clone(),
        release_version: record.release_version,
        revoked_at: record.revoked_at,
        total,
        in_use,
        temporary,
        available: total.saturating_sub(in_use),
        transfers_per_seat: record.transfers_per_seat,
        activations,
        running_out,
    })
}

/// Fills in each holder's live certificates and latest lease end.
fn certificates(
    tx: &mut dyn LedgerTx,
    holders: &mut [SeatHolder],
    terms: &License,
    now: Timestamp,
) -> Result<(), AuthorityError> {
    let grace = terms.grace_secs();
    for h in holders {
        let stores = tx.stores_of(&h.activation_id)?;
        h.certificates = stores.iter().filter(|s| s.is_live(now, grace)).map(LiveCertificates::of).collect();
        // The latest live lease; a store recorded before leases were kept
        // per store counts from the holder's last certification.
        h.lease_ends = terms
            .lease_end(h.renewed_at)
            .map(|fallback| h.certificates.iter().filter_map(|c| c.lease_ends).max().unwrap_or(fallback));
    }
    Ok(())
}

/// The ended activations of `license` with a store whose certificates still
/// validate at `now`.
fn running_out(
    tx: &mut dyn LedgerTx,
    license: &LicenseId,
    terms: &License,
    now: Timestamp,
) -> Result<Vec<RunningOut>, AuthorityError> {
    let grace = terms.grace_secs();
    let mut list = Vec::new();
    for a in tx.activations(license, Which::All)? {
        if a.state == ActivationState::Active {
            continue;
        }
        let live: Vec<_> =
            tx.stores_of(&a.activation_id)?.into_iter().filter(|s| s.is_live(now, grace)).collect();
        if live.is_empty() {
            continue;
        }
        let perpetual = live.iter().any(|s| s.lease_ends.is_none());
        let runs_until = if perpetual {
            None
        } else {
            live.iter().filter_map(|s| s.lease_ends).max().map(|end| end.plus_secs(grace))
        };
        list.push(RunningOut {
            activation_id: a.activation_id,
            state: a.state,
            ended_at: a.ended_at,
            label: a.label.clone(),
            fingerprint: a.fingerprint.clone(),
            runs_until,
            certificates: live.iter().map(LiveCertificates::of).collect(),
        });
    }
    list.sort_by_key(|r| (r.ended_at, r.activation_id));
    Ok(list)
}

fn by_product(licenses: &[LicenseStatus]) -> Vec<ProductStatus> {
    let mut products: BTreeMap<&str, ProductStatus> = BTreeMap::new();
    for l in licenses {
        let p = products.entry(&l.product).or_insert_with(|| ProductStatus {
            product: l.product.clone(),
            licenses: 0,
            total: 0,
            in_use: 0,
            temporary: 0,
            available: 0,
        });
        p.licenses += 1;
        p.total += u64::from(l.total);
        p.in_use += u64::from(l.in_use);
        p.temporary += u64::from(l.temporary);
        p.available += u64::from(l.available);
    }
    products.into_values().collect()
}
