//! The `profile_prefixes` table (schema version 2): the digest-prefix index
//! that finds the activations a request may be (`authority::candidates`)
//! without reading the license's other activations. The schema's trigger
//! marks an activation written with a new profile as not yet indexed (key
//! `-1`); [`index`] replaces the mark with the profile's keys.

use postgres::Transaction;

use super::activation_row::{ACTIVATION_COLUMNS, activation_row};
use super::pg_error;
use super::values::get;
use crate::activation::ActivationId;
use crate::authority::candidates::prefixes_of_bytes;
use crate::authority::error::AuthorityError;
use crate::authority::ledger::Which;
use crate::authority::record::ActivationRecord;
use crate::license::LicenseId;

/// The key of an activation whose profile is not (yet) indexed.
pub(super) const UNINDEXED: i64 = -1;

/// Indexes `activation`'s profile `profile` if the database marked it not
/// yet indexed (it was just written with a new profile). A profile that is
/// not a profile keeps the mark: it stays a candidate for every request.
pub(super) fn index(
    tx: &mut Transaction<'_>,
    license: &[u8],
    activation: &ActivationId,
    profile: Option<&[u8]>,
) -> Result<(), AuthorityError> {
    let Some(profile) = profile else { return Ok(()) };
    let marked = tx
        .execute(
            "DELETE FROM profile_prefixes WHERE activation_id = $1 AND prefix = $2",
            &[&&activation.0[..], &UNINDEXED],
        )
        .map_err(pg_error)?;
    if marked == 0 {
        return Ok(());
    }
    let keys: Vec<i64> = match prefixes_of_bytes(profile) {
        Some(keys) => keys.into_iter().map(i64::from).collect(),
        None => vec![UNINDEXED],
    };
    tx.execute(
        "INSERT INTO profile_prefixes (license_id, prefix, activation_id) \
         SELECT $1, k, $3 FROM unnest($2::BIGINT[]) AS k ON CONFLICT DO NOTHING",
        &[&license, &keys, &&activation.0[..]],
    )
    .map_err(pg_error)
    .map(drop)
}

/// Indexes every activation marked not yet indexed (the migration to
/// version 2 marks every existing one).
pub(super) fn index_pending(tx: &mut Transaction<'_>) -> Result<(), AuthorityError> {
    let rows = tx
        .query(
            "SELECT a.license_id, a.activation_id, a.profile FROM profile_prefixes p \
             JOIN activations a ON a.activation_id = p.activation_id WHERE p.prefix = $1",
            &[&UNINDEXED],
        )
        .map_err(pg_error)?;
    for row in rows {
        let license: Vec<u8> = get(&row, 0)?;
        let id: Vec<u8> = get(&row, 1)?;
        let profile: Option<Vec<u8>> = get(&row, 2)?;
        let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
        index(tx, &license, &ActivationId(id), profile.as_deref())?;
    }
    Ok(())
}

/// The activations of `license` (active ones, or all) indexed under one of
/// `keys` or not yet indexed, by `since` then id.
pub(super) fn sharing(
    tx: &mut Transaction<'_>,
    license: &LicenseId,
    which: Which,
    keys: &[u32],
) -> Result<Vec<ActivationRecord>, AuthorityError> {
    let filter = match which {
        Which::Active => "AND state = 'active'",
        Which::All => "",
    };
    let sql = format!(
        "SELECT {ACTIVATION_COLUMNS} FROM activations WHERE activation_id IN \
         (SELECT activation_id FROM profile_prefixes WHERE license_id = $1 AND prefix = ANY($2)) \
         {filter} ORDER BY since, activation_id"
    );
    let mut wanted: Vec<i64> = vec![UNINDEXED];
    wanted.extend(keys.iter().map(|&k| i64::from(k)));
    let rows = tx.query(&sql, &[&&license.0[..], &wanted]).map_err(pg_error)?;
    rows.iter().map(activation_row).collect()
}
