//! Licenses in the ledger: adding a signed license (issue), replacing it
//! with a newer release (re-issue) and revoking it; a license's key (derived
//! from the signing key, its digest recorded) and the license of a key. Reading a recorded
//! license's terms back, and deciding whether a request may use it, are
//! `rules.rs`'s, shared with the other operations.

use super::Authority;
use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx};
use super::names;
use super::record::{EventKind, LicenseRecord};
use super::rules::{MAX_TOTAL_SEATS, event, known};
use crate::license::{License, LicenseId, LicenseKey, SignedLicense};
use crate::timestamp::Timestamp;

/// What [`Authority::add_license`] did, and the license's key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LicenseAdded {
    /// Issued, re-issued or unchanged.
    pub change: LicenseChange,
    /// The license's key (the same for every release), its digest recorded
    /// in the ledger. `None` when the authority has no signing key, or when
    /// the recorded key was made with another signing key (key rotation:
    /// [`Authority::license_key`] with that key prints it).
    pub license_key: Option<LicenseKey>,
}

/// How [`Authority::add_license`] changed the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LicenseChange {
    /// A license new to the ledger.
    Issued,
    /// A newer release of a recorded license.
    Reissued {
        /// The release it replaced.
        from: u32,
    },
    /// Exactly this release was already recorded; nothing changed.
    Unchanged,
}

impl<L: Ledger> Authority<L> {
    /// Records a signed license, verified against the trusted keys: a new
    /// license is issued with its seats; a newer release of a recorded one
    /// replaces it (a re-issue: new terms, seats added or — when free — taken
    /// away); the same release again changes nothing; an older or different
    /// same-numbered release is refused.
    pub fn add_license(
        &self,
        signed: &SignedLicense,
        actor: &str,
        now: Timestamp,
    ) -> Result<LicenseAdded, AuthorityError> {
        let actor = names::actor(actor)?;
        let verified = SignedLicense::from_bytes(signed.as_bytes(), &self.trusted)
            .map_err(AuthorityError::UntrustedLicense)?;
        let license = verified.license();
        if license.seats > MAX_TOTAL_SEATS {
            return Err(AuthorityError::BadSeatCount {
                requested: u64::from(license.seats),
                reason: "a license has at most 1,000,000 seats",
            });
        }
        let key = self.signer.as_ref().map(|s| LicenseKey::derive(s, license.id));
        self.ledger.transaction(&mut |tx| {
            let change = match tx.license(&license.id)? {
                None => issue_in(tx, &verified, &actor, now)?,
                Some(old) => reissue_in(tx, old, &verified, &actor, now)?,
            };
            let license_key = match &key {
                Some(key) => record_key(tx, &license.id, key)?.then(|| key.clone()),
                None => None,
            };
            Ok(LicenseAdded { change, license_key })
        })
    }

    /// The key of license `id`, derived again from the signing key (the
    /// ledger holds only its digest). Records the digest when the license
    /// has none yet (licenses added before schema version 4).
    pub fn license_key(&self, id: LicenseId) -> Result<LicenseKey, AuthorityError> {
        let key = LicenseKey::derive(self.signer()?, id);
        // Read first: a write transaction only when the digest is missing.
        let recorded = self.ledger.read(&mut |tx| known(tx, &id).and_then(|_| tx.license_key_digest(&id)))?;
        if let Some(recorded) = recorded {
            return if recorded == key.digest() {
                Ok(key)
            } else {
                Err(AuthorityError::LicenseKeyOfAnotherKey { license_id: id })
            };
        }
        self.ledger.transaction(&mut |tx| {
            known(tx, &id)?;
            if record_key(tx, &id, &key)? {
                Ok(key.clone())
            } else {
                Err(AuthorityError::LicenseKeyOfAnotherKey { license_id: id })
            }
        })
    }

    /// The signed license whose key is `key` (looked up by the key's
    /// digest, and verified with the trusted keys like every read of terms):
    /// what an end user activating with a key receives with the certificate.
    /// Refused for an unknown key ([`AuthorityError::UnknownLicenseKey`]) and
    /// a revoked license ([`AuthorityError::LicenseRevoked`]).
    pub fn license_for_key(&self, key: &LicenseKey) -> Result<SignedLicense, AuthorityError> {
        let digest = key.digest();
        let record = self
            .ledger
            .read(&mut |tx| tx.license_by_key_digest(&digest))?
            .ok_or(AuthorityError::UnknownLicenseKey)?;
        if let Some(at) = record.revoked_at {
            return Err(AuthorityError::LicenseRevoked { license_id: record.license_id, at });
        }
        SignedLicense::from_bytes(&record.signed, &self.trusted).map_err(|source| {
            AuthorityError::Corrupt(Damage::License { license_id: record.license_id, source })
        })
    }

    /// Signs `license` with the authority's key and records it.
    pub fn issue(
        &self,
        license: &License,
        actor: &str,
        now: Timestamp,
    ) -> Result<SignedLicense, AuthorityError> {
        let signed = license.sign(self.signer()?).map_err(AuthorityError::UntrustedLicense)?;
        self.add_license(&signed, actor, now)?;
        Ok(signed)
    }

    /// Re-issues a recorded license: its next release (same id, release
    /// version + 1, issued `now`) with `change` applied, signed and recorded.
    pub fn reissue_license(
        &self,
        id: LicenseId,
        actor: &str,
        now: Timestamp,
        change: impl FnOnce(&mut License),
    ) -> Result<SignedLicense, AuthorityError> {
        let record = self.ledger.read(&mut |tx| known(tx, &id))?;
        let mut next = self.terms(&record)?.reissue(now).map_err(AuthorityError::UntrustedLicense)?;
        change(&mut next);
        next.id = id;
        self.issue(&next, actor, now)
    }

    /// Revokes a license: no more activations, transfers or seat packs.
    /// Certificates already issued stay valid on their machines until they
    /// end. Returns `false` when it was already revoked.
    pub fn revoke(&self, id: LicenseId, actor: &str, now: Timestamp) -> Result<bool, AuthorityError> {
        let actor = names::actor(actor)?;
        self.ledger.transaction(&mut |tx| {
            let mut record = known(tx, &id)?;
            if record.revoked_at.is_some() {
                return Ok(false);
            }
            record.revoked_at = Some(now);
            tx.update_license(&record)?;
            let event = event(now, &actor, EventKind::Revoke, id, "license revoked".to_owned());
            tx.append_history(&event)?;
            Ok(true)
        })
    }
}

/// Records `key`'s digest for license `id` when it has none; whether the
/// recorded digest is `key`'s (`false`: made with another signing key).
fn record_key(tx: &mut dyn LedgerTx, id: &LicenseId, key: &LicenseKey) -> Result<bool, AuthorityError> {
    let digest = key.digest();
    match tx.license_key_digest(id)? {
        Some(recorded) => Ok(recorded == digest),
        None => tx.set_license_key_digest(id, &digest).map(|()| true),
    }
}

fn terms_summary(license: &License) -> String {
    let temporary = match license.temporary_days {
        0 => "no temporary activations".to_owned(),
        d => format!("temporary activations of {d} days"),
    };
    format!(
        "release {}: {} seat(s), {} transfer(s) per seat, {temporary}",
        license.release_version, license.seats, license.transfers_per_seat
    )
}

fn issue_in(
    tx: &mut dyn LedgerTx,
    signed: &SignedLicense,
    actor: &str,
    now: Timestamp,
) -> Result<LicenseChange, AuthorityError> {
    let license = signed.license();
    tx.insert_license(&LicenseRecord {
        license_id: license.id,
        product: license.product.clone(),
        release_version: license.release_version,
        signed: signed.as_bytes().to_vec(),
        total_seats: license.seats,
        transfers_per_seat: license.transfers_per_seat,
        added_at: now,
        revoked_at: None,
    })?;
    tx.insert_free_seats(&license.id, 1, 1, license.seats)?;
    tx.append_history(&event(now, actor, EventKind::Issue, license.id, terms_summary(license)))?;
    Ok(LicenseChange::Issued)
}

fn reissue_in(
    tx: &mut dyn LedgerTx,
    mut record: LicenseRecord,
    signed: &SignedLicense,
    actor: &str,
    now: Timestamp,
) -> Result<LicenseChange, AuthorityError> {
    let license = signed.license();
    if record.release_version == license.release_version && record.signed == signed.as_bytes() {
        return Ok(LicenseChange::Unchanged);
    }
    if let Some(at) = record.revoked_at {
        return Err(AuthorityError::LicenseRevoked { license_id: license.id, at });
    }
    if license.release_version <= record.release_version {
        return Err(AuthorityError::StaleRelease {
            license_id: license.id,
            recorded: record.release_version,
            offered: license.release_version,
        });
    }
    if license.product != record.product {
        return Err(AuthorityError::ProductMismatch {
            license_id: license.id,
            recorded: record.product.clone(),
            offered: license.product.clone(),
        });
    }
    let from = record.release_version;
    let seats = tx.seats(&license.id)?;
    let own = seats.iter().filter(|s| s.pack == 1).count() as u32;
    if license.seats > own {
        let added = license.seats - own;
        record.total_seats = record.total_seats.checked_add(added).filter(|t| *t <= MAX_TOTAL_SEATS).ok_or(
            AuthorityError::BadSeatCount {
                requested: u64::from(added),
                reason: "a license has at most 1,000,000 seats, packs included",
            },
        )?;
    }
    record.release_version = license.release_version;
    record.signed = signed.as_bytes().to_vec();
    record.transfers_per_seat = license.transfers_per_seat;
    if license.seats >= own {
        // Raise the allowance first: the ledger refuses seats beyond it.
        tx.update_license(&record)?;
        let highest = seats.iter().map(|s| s.seat).max().unwrap_or(0);
        let last = highest.checked_add(license.seats - own).ok_or(AuthorityError::BadSeatCount {
            requested: u64::from(license.seats),
            reason: "the license has run out of seat numbers",
        })?;
        tx.insert_free_seats(&license.id, 1, highest.saturating_add(1), last)?;
    } else {
        // Take away the highest-numbered free seats of the license's own
        // pack, then lower the allowance.
        let wanted = own - license.seats;
        let free: Vec<u32> =
            seats.iter().rev().filter(|s| s.pack == 1 && s.holder.is_none()).map(|s| s.seat).collect();
        if (free.len() as u32) < wanted {
            return Err(AuthorityError::SeatsInUse { wanted, free: free.len() as u32 });
        }
        for seat in &free[..wanted as usize] {
            tx.remove_seat(&license.id, *seat)?;
        }
        record.total_seats -= wanted;
        tx.update_license(&record)?;
    }
    let details = format!("release {from} replaced; {}", terms_summary(license));
    tx.append_history(&event(now, actor, EventKind::Reissue, license.id, details))?;
    Ok(LicenseChange::Reissued { from })
}
