//! The `certified_profiles` table: every profile an activation was
//! certified for, in order — its lineage, which the tolerance simulator
//! replays (`policy simulate --db`). Erased with the activation's other
//! machine data when it is anonymised.

use postgres::Transaction;

use super::pg_error;
use super::values::{corrupt, get, sql_time, time};
use crate::activation::ActivationId;
use crate::authority::error::AuthorityError;
use crate::timestamp::Timestamp;

/// The largest profile the table gives back (a profile's own cap).
const MAX_PROFILE: usize = 64 * 1024;

pub(super) fn append(
    tx: &mut Transaction<'_>,
    activation: &ActivationId,
    at: Timestamp,
    profile: &[u8],
) -> Result<(), AuthorityError> {
    tx.execute(
        "INSERT INTO certified_profiles (activation_id, at, profile) VALUES ($1, $2, $3)",
        &[&&activation.0[..], &sql_time(at)?, &profile],
    )
    .map_err(pg_error)
    .map(drop)
}

pub(super) fn of(
    tx: &mut Transaction<'_>,
    activation: &ActivationId,
) -> Result<Vec<(Timestamp, Vec<u8>)>, AuthorityError> {
    let rows = tx
        .query(
            "SELECT at, profile FROM certified_profiles WHERE activation_id = $1 ORDER BY seq",
            &[&&activation.0[..]],
        )
        .map_err(pg_error)?;
    rows.iter()
        .map(|row| {
            let profile: Vec<u8> = get(row, 1)?;
            if profile.len() > MAX_PROFILE {
                return Err(corrupt("a certified profile over its size cap"));
            }
            Ok((time(row, 0)?, profile))
        })
        .collect()
}

pub(super) fn erase(tx: &mut Transaction<'_>, activation: &ActivationId) -> Result<(), AuthorityError> {
    tx.execute("DELETE FROM certified_profiles WHERE activation_id = $1", &[&&activation.0[..]])
        .map_err(pg_error)
        .map(drop)
}
