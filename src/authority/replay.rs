//! The ledger's machine histories for the tolerance simulator
//! ([`crate::simulate`]): what each seat's machines were certified with, so
//! a vendor can re-tune a tolerance on what their own customers' machines did.
//!
//! **What is replayed.** For each seat of a license, its machines' lineage:
//! every profile each activation that held the seat was certified for
//! (renewals included, a step recorded when the profile changed — ledger
//! schema 5 records them), in the order the activations took the seat (a
//! first activation, an upgrade from temporary, a transfer). Which seat an
//! activation took is read from the history entries the authority wrote when
//! it took it (`activation`: "seat N of …", `upgrade`: "… took seat N",
//! `transfer`: "seat N moved to activation ID …"). Anonymised activations
//! (their profiles erased) are left out, and so are temporary activations
//! that never took a seat. An activation certified before schema 5 starts
//! with the profile it was first certified for.

use std::collections::{BTreeMap, HashMap};

use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::record::{EventKind, HistoryEntry};
use crate::activation::ActivationId;
use crate::license::LicenseId;
use crate::profile::Profile;
use crate::simulate::Machine;

/// Each seat of `license` as one machine (named `seat N`) whose profiles are
/// every profile its activations were certified for, renewals included, in
/// the order they took the seat (see the module documentation).
pub fn seat_histories(ledger: &impl Ledger, license: &LicenseId) -> Result<Vec<Machine>, AuthorityError> {
    ledger.read(&mut |tx| seat_histories_in(tx, license))
}

fn seat_histories_in(tx: &mut dyn LedgerTx, license: &LicenseId) -> Result<Vec<Machine>, AuthorityError> {
    tx.license(license)?.ok_or(AuthorityError::UnknownLicense { license_id: *license })?;
    let records: HashMap<ActivationId, _> =
        tx.activations(license, Which::All)?.into_iter().map(|r| (r.activation_id, r)).collect();
    let mut seats: BTreeMap<u32, Vec<ActivationId>> = BTreeMap::new();
    for entry in tx.history(Some(license))? {
        if let Some((seat, holder)) = seat_taken(&entry) {
            let holders = seats.entry(seat).or_default();
            if holders.last() != Some(&holder) {
                holders.push(holder);
            }
        }
    }
    let mut machines = Vec::new();
    for (seat, holders) in seats {
        let mut profiles = Vec::new();
        for id in holders {
            if records.get(&id).is_none_or(|r| r.profile.is_none()) {
                continue;
            }
            for (_, bytes) in tx.certified_profiles(&id)? {
                let profile = Profile::from_bytes(&bytes).map_err(|source| {
                    AuthorityError::Corrupt(Damage::Profile { activation_id: id, source })
                })?;
                profiles.push(profile);
            }
        }
        if !profiles.is_empty() {
            machines.push(Machine { name: format!("seat {seat}"), profiles });
        }
    }
    Ok(machines)
}

/// The seat an entry says an activation took, and that activation.
fn seat_taken(entry: &HistoryEntry) -> Option<(u32, ActivationId)> {
    let event = &entry.event;
    let details = event.details.as_str();
    match event.kind {
        EventKind::Activation | EventKind::Upgrade => {
            Some((number_after(details, "seat ")?, event.activation_id?))
        }
        EventKind::Transfer => {
            let seat = number_after(details, "seat ")?;
            let (_, rest) = details.split_once("moved to activation ")?;
            Some((seat, rest.split_whitespace().next()?.parse().ok()?))
        }
        _ => None,
    }
}

/// The number that follows the first `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<u32> {
    let (_, rest) = text.split_once(marker)?;
    let digits: &str = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::number_after;

    #[test]
    fn seat_numbers_are_read_from_the_authoritys_own_words() {
        assert_eq!(number_after("seat 3 of 5", "seat "), Some(3));
        assert_eq!(number_after("temporary activation took seat 12", "seat "), Some(12));
        assert_eq!(
            number_after("seat 2 moved to activation 00ff (transfer 1 of 1 for this seat)", "seat "),
            Some(2)
        );
        assert_eq!(number_after("all 2 seat(s) in use", "seat "), None);
    }
}
