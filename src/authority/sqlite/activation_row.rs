//! The activations table's columns and one of its rows read as an
//! [`ActivationRecord`], every value checked (a damaged or hand-edited file
//! is [`AuthorityError::Corrupt`](crate::authority::AuthorityError), never a
//! panic): shared by the transaction primitives (`tx.rs`) and the
//! digest-prefix index (`prefixes.rs`).

use rusqlite::Row;

use super::values::{bytes, corrupt, count, opt_bytes, opt_time, time};
use crate::activation::{ActivationId, ActivationKind, LocationStamp, Nonce};
use crate::authority::record::{ActivationRecord, ActivationState};
use crate::license::LicenseId;

/// The columns [`activation_row`] reads, in its order.
pub(super) const ACTIVATION_COLUMNS: &str = "activation_id, license_id, state, kind, temporary_until, release_version, \
     profile, fingerprint, label, stamp, activation_key, nonce, since, renewed_at, ended_at, forked_at";

/// A row of [`ACTIVATION_COLUMNS`] as a record.
pub(super) fn activation_row(row: &Row<'_>) -> rusqlite::Result<ActivationRecord> {
    let state: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let temporary_until = opt_time(row, 4)?;
    let kind = match (kind.as_str(), temporary_until) {
        ("permanent", _) => ActivationKind::Permanent,
        ("temporary", Some(until)) => ActivationKind::Temporary { until },
        _ => return Err(corrupt("activation kind")),
    };
    Ok(ActivationRecord {
        activation_id: ActivationId(bytes(row, 0, "activation id")?),
        license_id: LicenseId(bytes(row, 1, "license id")?),
        state: ActivationState::from_name(&state).ok_or_else(|| corrupt("activation state"))?,
        kind,
        temporary_until,
        release_version: count(row, 5, "release version")?,
        profile: row.get(6)?,
        fingerprint: row.get(7)?,
        label: row.get(8)?,
        stamp: opt_bytes(row, 9, "location stamp")?.map(LocationStamp),
        activation_key: bytes(row, 10, "activation key")?,
        nonce: Nonce(bytes(row, 11, "nonce")?),
        since: time(row, 12)?,
        renewed_at: time(row, 13)?,
        ended_at: opt_time(row, 14)?,
        forked_at: opt_time(row, 15)?,
    })
}
