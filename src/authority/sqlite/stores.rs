//! The `stores` table: one row per store (activation key) and activation,
//! the certificates the authority granted that store (see the authority's
//! `lineage.rs`). Rows to [`StoreRecord`]s and back, every value checked.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::sql_error;
use super::values::{bytes, count, map_read, one_row, opt_time, sql_opt_time, sql_time, time};
use crate::activation::{ActivationId, Nonce};
use crate::authority::error::AuthorityError;
use crate::authority::record::StoreRecord;
use crate::license::LicenseId;

const COLUMNS: &str = "activation_id, license_id, activation_key, first_granted, last_granted, certificates, \
     nonce, lease_ends, diverged_at, surrendered_at";

fn row(row: &Row<'_>) -> rusqlite::Result<StoreRecord> {
    Ok(StoreRecord {
        activation_id: ActivationId(bytes(row, 0, "activation id")?),
        license_id: LicenseId(bytes(row, 1, "license id")?),
        activation_key: bytes(row, 2, "activation key")?,
        first_granted: time(row, 3)?,
        last_granted: time(row, 4)?,
        certificates: count(row, 5, "certificate count")?,
        nonce: Nonce(bytes(row, 6, "nonce")?),
        lease_ends: opt_time(row, 7)?,
        diverged_at: opt_time(row, 8)?,
        surrendered_at: opt_time(row, 9)?,
    })
}

fn values(s: &StoreRecord) -> Result<[Value; 10], AuthorityError> {
    let blob = |b: &[u8]| Value::Blob(b.to_vec());
    let opt =
        |t| -> Result<Value, AuthorityError> { Ok(sql_opt_time(t)?.map_or(Value::Null, Value::Integer)) };
    Ok([
        blob(&s.activation_id.0),
        blob(&s.license_id.0),
        blob(&s.activation_key),
        Value::Integer(sql_time(s.first_granted)?),
        Value::Integer(sql_time(s.last_granted)?),
        Value::Integer(i64::from(s.certificates)),
        blob(&s.nonce.0),
        opt(s.lease_ends)?,
        opt(s.diverged_at)?,
        opt(s.surrendered_at)?,
    ])
}

fn select(tx: &Connection, filter: &str, args: &[&[u8]]) -> Result<Vec<StoreRecord>, AuthorityError> {
    let sql = format!("SELECT {COLUMNS} FROM stores WHERE {filter} ORDER BY first_granted, activation_key");
    let mut stmt = tx.prepare(&sql).map_err(sql_error)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row).map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(map_read)
}

pub(super) fn of(tx: &Connection, activation: &ActivationId) -> Result<Vec<StoreRecord>, AuthorityError> {
    select(tx, "activation_id = ?1", &[&activation.0])
}

pub(super) fn with_key(
    tx: &Connection,
    license: &LicenseId,
    key: &[u8; 32],
) -> Result<Vec<StoreRecord>, AuthorityError> {
    select(tx, "license_id = ?1 AND activation_key = ?2", &[&license.0, key])
}

pub(super) fn insert(tx: &Connection, s: &StoreRecord) -> Result<(), AuthorityError> {
    let sql = format!("INSERT INTO stores ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    tx.execute(&sql, rusqlite::params_from_iter(values(s)?))
        .map_err(sql_error)
        .and_then(|n| one_row(n, "no such store"))
}

pub(super) fn update(tx: &Connection, s: &StoreRecord) -> Result<(), AuthorityError> {
    tx.execute(
        "UPDATE stores SET license_id = ?2, first_granted = ?4, last_granted = ?5, certificates = ?6, \
         nonce = ?7, lease_ends = ?8, diverged_at = ?9, surrendered_at = ?10 \
         WHERE activation_id = ?1 AND activation_key = ?3",
        rusqlite::params_from_iter(values(s)?),
    )
    .map_err(sql_error)
    .and_then(|n| one_row(n, "no such store"))
}
