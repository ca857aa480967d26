//! Row values of the SQLite ledger, read and written the one way: fixed-size
//! blobs, counts, times, and the error for a value that does not fit (a
//! damaged or hand-edited file is [`AuthorityError::Corrupt`], never a panic).

use rusqlite::Row;
use rusqlite::types::Type;

use super::sql_error;
use crate::authority::LedgerError;
use crate::authority::damage::Damage;
use crate::authority::error::AuthorityError;
use crate::timestamp::Timestamp;

/// A row value that does not fit its type: the file is damaged. The typed
/// [`LedgerError::BadValue`] rides through rusqlite's row mapping and is
/// taken out again by [`map_read`].
pub(super) fn corrupt(what: &'static str) -> rusqlite::Error {
    // The column index and type are not read back: `map_read` unwraps the cause.
    rusqlite::Error::FromSqlConversionFailure(0, Type::Null, Box::new(LedgerError::BadValue { what }))
}

pub(super) fn map_read(e: rusqlite::Error) -> AuthorityError {
    let damaged = |e| AuthorityError::Corrupt(Damage::Storage(e));
    match e {
        rusqlite::Error::FromSqlConversionFailure(i, ty, err) => match err.downcast::<LedgerError>() {
            Ok(bad) => damaged(*bad),
            Err(err) => damaged(LedgerError::Sqlite(rusqlite::Error::FromSqlConversionFailure(i, ty, err))),
        },
        e @ rusqlite::Error::InvalidColumnType(..) => damaged(LedgerError::Sqlite(e)),
        other => sql_error(other),
    }
}

pub(super) fn bytes<const N: usize>(
    row: &Row<'_>,
    i: usize,
    what: &'static str,
) -> rusqlite::Result<[u8; N]> {
    let v: Vec<u8> = row.get(i)?;
    v.try_into().map_err(|_| corrupt(what))
}

pub(super) fn opt_bytes<const N: usize>(
    row: &Row<'_>,
    i: usize,
    what: &'static str,
) -> rusqlite::Result<Option<[u8; N]>> {
    let v: Option<Vec<u8>> = row.get(i)?;
    v.map(|v| v.try_into().map_err(|_| corrupt(what))).transpose()
}

pub(super) fn count(row: &Row<'_>, i: usize, what: &'static str) -> rusqlite::Result<u32> {
    let v: i64 = row.get(i)?;
    u32::try_from(v).map_err(|_| corrupt(what))
}

pub(super) fn time(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map(Timestamp).map_err(|_| corrupt("time"))
}

pub(super) fn opt_time(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    let v: Option<i64> = row.get(i)?;
    v.map(|v| u64::try_from(v).map(Timestamp).map_err(|_| corrupt("time"))).transpose()
}

/// A time as SQLite stores it.
pub(super) fn sql_time(t: Timestamp) -> Result<i64, AuthorityError> {
    i64::try_from(t.0).map_err(|_| AuthorityError::Storage(LedgerError::TimeOutOfRange(t)))
}

pub(super) fn sql_opt_time(t: Option<Timestamp>) -> Result<Option<i64>, AuthorityError> {
    t.map(sql_time).transpose()
}

/// Fails unless exactly one row changed, naming the rule (`no such seat`).
pub(super) fn one_row(changed: usize, missing: &'static str) -> Result<(), AuthorityError> {
    if changed == 1 { Ok(()) } else { Err(AuthorityError::LedgerRefused(LedgerError::Rule(missing))) }
}
