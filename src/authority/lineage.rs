//! Machine identity by **lineage**: what an activation is, so that one seat
//! is one machine however its certificates are renewed, copied or surrendered.
//!
//! - An activation remembers the profile it was **first certified** with
//!   ([`ActivationRecord::profile`]; renewals never move it). A request is
//!   the same machine when it is within the license's tolerance of that
//!   profile, by the client's own comparison with **normal weights**: the
//!   certificate a request gets is installed at the location the request
//!   names, so the client checks it with normal weights too. A chain of
//!   renewals, each close to the one before, cannot walk a seat to another
//!   machine: drift beyond tolerance of the certified profile is a new
//!   machine (a free seat, a temporary period, or the vendor's counted
//!   transfer), never a silent renewal. The trade-off: an honest machine
//!   upgraded piece by piece beyond tolerance needs a transfer, once.
//! - A **store** is one activation key: a client store keeps its key for
//!   every request and renewal until it deactivates. Every certificate the
//!   authority grants is recorded against its store ([`StoreRecord`]); an
//!   activation may have several stores (one machine, several OS users). A
//!   store's receipt retires all of its certificates; the seat is free when
//!   no store of the activation holds a live certificate.
//! - A **fork**: a store's renewal out of tolerance of the certified profile
//!   while the activation's certificates still run within it (another live
//!   store, or the same store renewing from within it again after it
//!   diverged) means one activation runs on two machines. The activation is
//!   marked forked, the history names both branches, and the diverging
//!   branch is only ever answered as a new machine.

use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::LedgerTx;
use super::record::{ActivationRecord, Event, EventKind, StoreRecord};
use crate::activation::{ActivationKind, ActivationRequest};
use crate::codec::hex;
use crate::compare::compare;
use crate::license::License;
use crate::policy::Policy;
use crate::profile::Profile;
use crate::timestamp::Timestamp;

/// The score of `request` against `record`'s certified profile when the
/// client would accept it there (normal weights), `None` when it is another
/// machine or the record was anonymised. A short profile (a version 2
/// request, or a machine first certified by one) and a full one are compared
/// at the shorter digest width, as the client compares them ([`compare`]), so
/// a machine that asked long and renews short — or the reverse — is one
/// machine.
pub(super) fn within(
    record: &ActivationRecord,
    request: &ActivationRequest,
    policy: &Policy,
) -> Result<Option<u32>, AuthorityError> {
    let Some(bytes) = &record.profile else { return Ok(None) };
    let certified = Profile::from_bytes(bytes).map_err(|source| {
        AuthorityError::Corrupt(Damage::Profile { activation_id: record.activation_id, source })
    })?;
    let comparison = compare(&certified, &request.profile, false, policy);
    Ok((!comparison.reactivate).then_some(comparison.score))
}

/// The request's store in each activation of its license that granted it a
/// certificate (more than one when the store drifted to a new machine).
pub(super) fn keyed(
    tx: &mut dyn LedgerTx,
    request: &ActivationRequest,
) -> Result<Vec<(ActivationRecord, StoreRecord)>, AuthorityError> {
    let mut found = Vec::new();
    for store in tx.stores_with_key(&request.license_id, &request.activation_key)? {
        let record = tx.activation(&store.activation_id)?.ok_or(AuthorityError::Corrupt(
            Damage::StoreWithoutActivation { activation_id: store.activation_id },
        ))?;
        found.push((record, store));
    }
    Ok(found)
}

/// Records that `record` granted the request's store a certificate at `now`
/// whose lease ends at `lease_ends`: a new store, or one more certificate of
/// a known one.
pub(super) fn bind(
    tx: &mut dyn LedgerTx,
    record: &ActivationRecord,
    request: &ActivationRequest,
    lease_ends: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), AuthorityError> {
    let known =
        tx.stores_of(&record.activation_id)?.into_iter().find(|s| s.activation_key == request.activation_key);
    match known {
        Some(mut store) => {
            store.last_granted = now;
            store.certificates = store.certificates.saturating_add(1);
            store.nonce = request.nonce;
            store.lease_ends = lease_ends;
            tx.update_store(&store)
        }
        None => tx.insert_store(&StoreRecord {
            activation_id: record.activation_id,
            license_id: record.license_id,
            activation_key: request.activation_key,
            first_granted: now,
            last_granted: now,
            certificates: 1,
            nonce: request.nonce,
            lease_ends,
            diverged_at: None,
            surrendered_at: None,
        }),
    }
}

/// The stores of `record` whose certificates can still validate at `now`.
pub(super) fn live_stores(
    tx: &mut dyn LedgerTx,
    record: &ActivationRecord,
    terms: &License,
    now: Timestamp,
) -> Result<Vec<StoreRecord>, AuthorityError> {
    // A temporary activation's certificates end with its period.
    if let ActivationKind::Temporary { until } = record.kind
        && now >= until
    {
        return Ok(Vec::new());
    }
    let grace = terms.grace_secs();
    Ok(tx.stores_of(&record.activation_id)?.into_iter().filter(|s| s.is_live(now, grace)).collect())
}

/// A short name for a store in the history and the seat list: the first
/// eight bytes of its activation key, in hex (no personal data).
pub(super) fn store_name(key: &[u8; 32]) -> String {
    hex::hex(&key[..8])
}

/// The request's store renews `record` from within tolerance: when that
/// store had diverged before, both branches now run — the activation forks.
pub(super) fn rejoined(
    tx: &mut dyn LedgerTx,
    record: &mut ActivationRecord,
    store: &StoreRecord,
    actor: &str,
    now: Timestamp,
) -> Result<(), AuthorityError> {
    if let Some(at) = store.diverged_at {
        let details = format!(
            "forked: store {} renewed from the certified machine after renewing from another machine on {}",
            store_name(&store.activation_key),
            at.date_string()
        );
        mark_forked(tx, record, actor, now, details)?;
    }
    Ok(())
}

/// The request's store asks `record` for a renewal from a machine out of
/// tolerance of its certified profile: the store is marked diverged, and
/// when another store's certificate of `record` still runs, the activation
/// forks. The caller answers the request as a new machine.
pub(super) fn diverged(
    tx: &mut dyn LedgerTx,
    record: &mut ActivationRecord,
    mut store: StoreRecord,
    terms: &License,
    actor: &str,
    now: Timestamp,
) -> Result<(), AuthorityError> {
    store.diverged_at = Some(now);
    tx.update_store(&store)?;
    let others: Vec<String> = live_stores(tx, record, terms, now)?
        .iter()
        .filter(|s| s.activation_key != store.activation_key)
        .map(|s| store_name(&s.activation_key))
        .collect();
    if others.is_empty() {
        // Nothing else runs on the certified machine: an honest machine that
        // drifted (or a copy whose original stopped). The grant that answers
        // the request as a new machine records itself.
        return Ok(());
    }
    let name = store_name(&store.activation_key);
    let details = format!(
        "forked: store {name} renewed from a machine out of tolerance of the certified profile while store(s) {} \
         still run on the certified machine; the diverging branch is answered as a new machine",
        others.join(", ")
    );
    mark_forked(tx, record, actor, now, details)
}

fn mark_forked(
    tx: &mut dyn LedgerTx,
    record: &mut ActivationRecord,
    actor: &str,
    now: Timestamp,
    details: String,
) -> Result<(), AuthorityError> {
    if record.forked_at.is_none() {
        record.forked_at = Some(now);
        tx.update_activation(record)?;
    }
    // Written here rather than through `rules.rs`, which builds on this file.
    let event = Event {
        at: now,
        actor: actor.to_owned(),
        kind: EventKind::Fork,
        license_id: Some(record.license_id),
        activation_id: Some(record.activation_id),
        details,
    };
    tx.append_history(&event).map(drop)
}
