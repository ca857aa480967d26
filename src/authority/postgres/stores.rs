//! The `stores` table on PostgreSQL: one row per store (activation key) and
//! activation (see the authority's `lineage.rs`). Rows to [`StoreRecord`]s
//! and back, every value checked.

use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::pg_error;
use super::values::{bytes, count, one_row, opt_time, sql_opt_time, sql_time, time};
use crate::activation::{ActivationId, Nonce};
use crate::authority::error::AuthorityError;
use crate::authority::record::StoreRecord;
use crate::license::LicenseId;

const COLUMNS: &str = "activation_id, license_id, activation_key, first_granted, last_granted, certificates, \
     nonce, lease_ends, diverged_at, surrendered_at";

fn row(row: &Row) -> Result<StoreRecord, AuthorityError> {
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

fn select(
    tx: &mut Transaction<'_>,
    filter: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<Vec<StoreRecord>, AuthorityError> {
    let sql = format!("SELECT {COLUMNS} FROM stores WHERE {filter} ORDER BY first_granted, activation_key");
    tx.query(&sql, args).map_err(pg_error)?.iter().map(row).collect()
}

pub(super) fn of(
    tx: &mut Transaction<'_>,
    activation: &ActivationId,
) -> Result<Vec<StoreRecord>, AuthorityError> {
    select(tx, "activation_id = $1", &[&&activation.0[..]])
}

pub(super) fn with_key(
    tx: &mut Transaction<'_>,
    license: &LicenseId,
    key: &[u8; 32],
) -> Result<Vec<StoreRecord>, AuthorityError> {
    select(tx, "license_id = $1 AND activation_key = $2", &[&&license.0[..], &&key[..]])
}

fn write(tx: &mut Transaction<'_>, sql: &str, s: &StoreRecord) -> Result<(), AuthorityError> {
    let (first, last) = (sql_time(s.first_granted)?, sql_time(s.last_granted)?);
    let (lease, diverged, surrendered) =
        (sql_opt_time(s.lease_ends)?, sql_opt_time(s.diverged_at)?, sql_opt_time(s.surrendered_at)?);
    tx.execute(
        sql,
        &[
            &&s.activation_id.0[..],
            &&s.license_id.0[..],
            &&s.activation_key[..],
            &first,
            &last,
            &i64::from(s.certificates),
            &&s.nonce.0[..],
            &lease,
            &diverged,
            &surrendered,
        ],
    )
    .map_err(pg_error)
    .and_then(|n| one_row(n, "no such store"))
}

pub(super) fn insert(tx: &mut Transaction<'_>, s: &StoreRecord) -> Result<(), AuthorityError> {
    let sql = format!("INSERT INTO stores ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    write(tx, &sql, s)
}

pub(super) fn update(tx: &mut Transaction<'_>, s: &StoreRecord) -> Result<(), AuthorityError> {
    write(
        tx,
        "UPDATE stores SET license_id = $2, first_granted = $4, last_granted = $5, certificates = $6, \
         nonce = $7, lease_ends = $8, diverged_at = $9, surrendered_at = $10 \
         WHERE activation_id = $1 AND activation_key = $3",
        s,
    )
}
