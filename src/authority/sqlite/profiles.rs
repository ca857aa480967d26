//! The `certified_profiles` table (schema version 5): every profile an
//! activation was certified for, in order — its lineage, which the
//! tolerance simulator replays (`policy simulate --db`). Erased with the
//! activation's other machine data when it is anonymised.

use rusqlite::Connection;

use super::sql_error;
use super::values::{map_read, sql_time, time};
use crate::activation::ActivationId;
use crate::authority::error::AuthorityError;
use crate::timestamp::Timestamp;

/// The largest profile the table gives back (a profile's own cap).
const MAX_PROFILE: usize = 64 * 1024;

pub(super) fn append(
    tx: &Connection,
    activation: &ActivationId,
    at: Timestamp,
    profile: &[u8],
) -> Result<(), AuthorityError> {
    tx.execute(
        "INSERT INTO certified_profiles (activation_id, at, profile) VALUES (?1, ?2, ?3)",
        rusqlite::params![&activation.0[..], sql_time(at)?, profile],
    )
    .map_err(sql_error)
    .map(drop)
}

pub(super) fn of(
    tx: &Connection,
    activation: &ActivationId,
) -> Result<Vec<(Timestamp, Vec<u8>)>, AuthorityError> {
    let mut stmt = tx
        .prepare("SELECT at, profile FROM certified_profiles WHERE activation_id = ?1 ORDER BY seq")
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([&activation.0[..]], |row| {
            let profile: Vec<u8> = row.get(1)?;
            if profile.len() > MAX_PROFILE {
                return Err(super::values::corrupt("a certified profile over its size cap"));
            }
            Ok((time(row, 0)?, profile))
        })
        .map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(map_read)
}

pub(super) fn erase(tx: &Connection, activation: &ActivationId) -> Result<(), AuthorityError> {
    tx.execute("DELETE FROM certified_profiles WHERE activation_id = ?1", [&activation.0[..]])
        .map_err(sql_error)
        .map(drop)
}
