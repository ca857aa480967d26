//! The seat list a refusal carries (`no_free_seat`, `temporary_used`):
//! capped, so refusing a machine costs the same in a license of a hundred
//! thousand seats as in one of three. It lists the holders of the first
//! [`MAX_LISTED_HOLDERS`] seats by number, then running temporary
//! activations while there is room, and counts every machine holding the
//! license (`holding`) without reading them.

use super::damage::Damage;
use super::error::AuthorityError;
use super::ledger::{LedgerTx, Which};
use super::ledger_error::LedgerError;
use super::record::SeatHolder;
use super::rules::seatless;
use crate::activation::ActivationKind;
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// The most machines a refusal lists.
pub const MAX_LISTED_HOLDERS: u32 = 20;

/// The machines a refusal of `license` lists (at most
/// [`MAX_LISTED_HOLDERS`]: seat holders by seat number, then running
/// temporary ones by `since`), and how many hold it in all at `now`: its
/// `held` seats plus its running temporary activations.
pub(super) fn holders(
    tx: &mut dyn LedgerTx,
    license: &LicenseId,
    held: u32,
    now: Timestamp,
) -> Result<(Vec<SeatHolder>, u32), AuthorityError> {
    let mut list = Vec::new();
    for seat in tx.seats_after(license, 0, MAX_LISTED_HOLDERS)? {
        let Some(id) = seat.holder else { continue };
        let record =
            tx.activation(&id)?.ok_or(AuthorityError::Corrupt(Damage::Storage(LedgerError::BadValue {
                what: "a seat's holder",
            })))?;
        if record.kind != ActivationKind::Permanent {
            return Err(seatless(&record));
        }
        list.push(SeatHolder::of(&record, Some(seat.seat)));
    }
    let temporary = tx.count_running_temporary(license, now)?;
    if temporary > 0 && (list.len() as u32) < MAX_LISTED_HOLDERS {
        // Only a license of fewer seats than the list holds gets here.
        let room = (MAX_LISTED_HOLDERS as usize).saturating_sub(list.len());
        let running = tx
            .activations(license, Which::Active)?
            .into_iter()
            .filter(|a| a.kind != ActivationKind::Permanent && a.is_live(now));
        list.extend(running.take(room).map(|a| SeatHolder::of(&a, None)));
    }
    Ok((list, held.saturating_add(temporary)))
}
