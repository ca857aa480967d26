//! The `profile_prefixes` table (schema version 6): the digest-prefix index
//! that finds the activations a request may be (`authority::candidates`)
//! without reading the license's other activations. The schema's triggers
//! mark an activation written with a new profile as not yet indexed (key
//! `-1`); [`index`] replaces the mark with the profile's keys.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::activation_row::{ACTIVATION_COLUMNS, activation_row};
use super::sql_error;
use super::values::map_read;
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
    tx: &Connection,
    license: &[u8],
    activation: &ActivationId,
    profile: Option<&[u8]>,
) -> Result<(), AuthorityError> {
    let Some(profile) = profile else { return Ok(()) };
    let marked = tx
        .prepare("DELETE FROM profile_prefixes WHERE activation_id = ?1 AND prefix = ?2")
        .and_then(|mut s| s.execute(rusqlite::params![&activation.0[..], UNINDEXED]))
        .map_err(sql_error)?;
    if marked == 0 {
        return Ok(());
    }
    let keys: Vec<i64> = match prefixes_of_bytes(profile) {
        Some(keys) => keys.into_iter().map(i64::from).collect(),
        None => vec![UNINDEXED],
    };
    let mut insert = tx
        .prepare(
            "INSERT OR IGNORE INTO profile_prefixes (license_id, prefix, activation_id) VALUES (?1, ?2, ?3)",
        )
        .map_err(sql_error)?;
    for key in keys {
        insert.execute(rusqlite::params![license, key, &activation.0[..]]).map_err(sql_error)?;
    }
    Ok(())
}

/// Indexes every activation marked not yet indexed (the migration to
/// version 6 marks every existing one).
pub(super) fn index_pending(tx: &Connection) -> Result<(), AuthorityError> {
    let mut stmt = tx
        .prepare(
            "SELECT a.license_id, a.activation_id, a.profile FROM profile_prefixes p \
             JOIN activations a ON a.activation_id = p.activation_id WHERE p.prefix = ?1",
        )
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([UNINDEXED], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, Option<Vec<u8>>>(2)?))
        })
        .map_err(sql_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(map_read)?;
    for (license, id, profile) in rows {
        let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
        index(tx, &license, &ActivationId(id), profile.as_deref())?;
    }
    Ok(())
}

/// The activations of `license` (active ones, or all) indexed under one of
/// `keys` or not yet indexed, by `since` then id.
pub(super) fn sharing(
    tx: &Connection,
    license: &LicenseId,
    which: Which,
    keys: &[u32],
) -> Result<Vec<ActivationRecord>, AuthorityError> {
    let filter = match which {
        Which::Active => "AND state = 'active'",
        Which::All => "",
    };
    let placeholders: String = (0..keys.len()).map(|i| format!(", ?{}", i + 3)).collect();
    let sql = format!(
        "SELECT {ACTIVATION_COLUMNS} FROM activations WHERE activation_id IN \
         (SELECT activation_id FROM profile_prefixes WHERE license_id = ?1 AND prefix IN (?2{placeholders})) \
         {filter} ORDER BY since, activation_id"
    );
    let mut args: Vec<Value> = vec![Value::Blob(license.0.to_vec()), Value::Integer(UNINDEXED)];
    args.extend(keys.iter().map(|&k| Value::Integer(i64::from(k))));
    let mut stmt = tx.prepare(&sql).map_err(sql_error)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), activation_row).map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(map_read)
}
