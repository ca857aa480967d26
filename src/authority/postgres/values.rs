//! Row values of the PostgreSQL ledger, read and written the one way:
//! fixed-size `bytea`s, counts and times as `bigint`, and the error for a
//! value that does not fit (a hand-edited database is
//! [`AuthorityError::Corrupt`], never a panic).

use postgres::Row;
use postgres::types::FromSql;

use super::pg_error;
use crate::authority::LedgerError;
use crate::authority::damage::Damage;
use crate::authority::error::AuthorityError;
use crate::timestamp::Timestamp;

/// A row value that does not fit its type: the database was edited by hand.
pub(super) fn corrupt(what: &'static str) -> AuthorityError {
    AuthorityError::Corrupt(Damage::Storage(LedgerError::BadValue { what }))
}

/// A column that cannot be read as its type (a `NULL`, a changed column
/// type) is damage; anything else a storage error.
pub(super) fn map_read(e: postgres::Error) -> AuthorityError {
    if e.as_db_error().is_none() && e.code().is_none() && !e.is_closed() {
        AuthorityError::Corrupt(Damage::Storage(LedgerError::Postgres(e)))
    } else {
        pg_error(e)
    }
}

pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, AuthorityError> {
    row.try_get(i).map_err(map_read)
}

pub(super) fn bytes<const N: usize>(
    row: &Row,
    i: usize,
    what: &'static str,
) -> Result<[u8; N], AuthorityError> {
    let v: Vec<u8> = get(row, i)?;
    v.try_into().map_err(|_| corrupt(what))
}

pub(super) fn opt_bytes<const N: usize>(
    row: &Row,
    i: usize,
    what: &'static str,
) -> Result<Option<[u8; N]>, AuthorityError> {
    let v: Option<Vec<u8>> = get(row, i)?;
    v.map(|v| v.try_into().map_err(|_| corrupt(what))).transpose()
}

pub(super) fn count(row: &Row, i: usize, what: &'static str) -> Result<u32, AuthorityError> {
    let v: i64 = get(row, i)?;
    u32::try_from(v).map_err(|_| corrupt(what))
}

pub(super) fn time(row: &Row, i: usize) -> Result<Timestamp, AuthorityError> {
    let v: i64 = get(row, i)?;
    u64::try_from(v).map(Timestamp).map_err(|_| corrupt("time"))
}

pub(super) fn opt_time(row: &Row, i: usize) -> Result<Option<Timestamp>, AuthorityError> {
    let v: Option<i64> = get(row, i)?;
    v.map(|v| u64::try_from(v).map(Timestamp).map_err(|_| corrupt("time"))).transpose()
}

/// A time as the database stores it.
pub(super) fn sql_time(t: Timestamp) -> Result<i64, AuthorityError> {
    i64::try_from(t.0).map_err(|_| AuthorityError::Storage(LedgerError::TimeOutOfRange(t)))
}

pub(super) fn sql_opt_time(t: Option<Timestamp>) -> Result<Option<i64>, AuthorityError> {
    t.map(sql_time).transpose()
}

/// Fails unless exactly one row changed, naming the rule (`no such seat`).
pub(super) fn one_row(changed: u64, missing: &'static str) -> Result<(), AuthorityError> {
    if changed == 1 { Ok(()) } else { Err(AuthorityError::LedgerRefused(LedgerError::Rule(missing))) }
}
