//! [`LedgerTx`] on a SQLite transaction: rows to records and back. Every
//! value read is checked (lengths, ranges, names), so a damaged or
//! hand-edited file gives [`AuthorityError::Corrupt`], never a panic.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::activation_row::{ACTIVATION_COLUMNS, activation_row};
use super::values::{
    bytes, corrupt, count, map_read, one_row, opt_bytes, opt_time, sql_opt_time, sql_time, time,
};
use super::{prefixes, profiles, sql_error, stores};
use crate::activation::{ActivationId, ActivationKind};
use crate::authority::LedgerError;
use crate::authority::damage::Damage;
use crate::authority::error::AuthorityError;
use crate::authority::ledger::{LedgerTx, Which};
use crate::authority::record::{
    ActivationRecord, Event, EventKind, HistoryEntry, LicenseRecord, SeatRecord, StoreRecord,
};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// The primitives on a connection inside a transaction (or savepoint).
pub(super) struct SqliteTx<'a> {
    tx: &'a Connection,
}

impl<'a> SqliteTx<'a> {
    pub(super) fn new(tx: &'a Connection) -> Self {
        SqliteTx { tx }
    }
}

const LICENSE_COLUMNS: &str =
    "license_id, product, release_version, signed, total_seats, transfers_per_seat, added_at, revoked_at";
const SEAT_COLUMNS: &str = "license_id, seat, pack, transfers_used, activation_id";
fn license_row(row: &Row<'_>) -> rusqlite::Result<LicenseRecord> {
    Ok(LicenseRecord {
        license_id: LicenseId(bytes(row, 0, "license id")?),
        product: row.get(1)?,
        release_version: count(row, 2, "release version")?,
        signed: row.get(3)?,
        total_seats: count(row, 4, "seat count")?,
        transfers_per_seat: count(row, 5, "transfer count")?,
        added_at: time(row, 6)?,
        revoked_at: opt_time(row, 7)?,
    })
}

fn seat_row(row: &Row<'_>) -> rusqlite::Result<SeatRecord> {
    Ok(SeatRecord {
        license_id: LicenseId(bytes(row, 0, "license id")?),
        seat: count(row, 1, "seat number")?,
        pack: count(row, 2, "pack number")?,
        transfers_used: count(row, 3, "transfer count")?,
        holder: opt_bytes(row, 4, "activation id")?.map(ActivationId),
    })
}

fn history_row(row: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let seq: i64 = row.get(0)?;
    let kind: String = row.get(3)?;
    Ok(HistoryEntry {
        seq: u64::try_from(seq).map_err(|_| corrupt("history position"))?,
        event: Event {
            at: time(row, 1)?,
            actor: row.get(2)?,
            kind: EventKind::from_name(&kind).ok_or_else(|| corrupt("history entry kind"))?,
            license_id: opt_bytes(row, 4, "license id")?.map(LicenseId),
            activation_id: opt_bytes(row, 5, "activation id")?.map(ActivationId),
            details: row.get(6)?,
        },
    })
}

fn activation_values(r: &ActivationRecord) -> Result<[Value; 16], AuthorityError> {
    let kind = match r.kind {
        ActivationKind::Permanent => "permanent",
        ActivationKind::Temporary { .. } => "temporary",
    };
    let temporary_until = match r.kind {
        ActivationKind::Temporary { until } => Some(until),
        ActivationKind::Permanent => r.temporary_until,
    };
    let blob = |b: &[u8]| Value::Blob(b.to_vec());
    let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
    Ok([
        blob(&r.activation_id.0),
        blob(&r.license_id.0),
        Value::Text(r.state.name().to_owned()),
        Value::Text(kind.to_owned()),
        opt(sql_opt_time(temporary_until)?.map(Value::Integer)),
        Value::Integer(i64::from(r.release_version)),
        opt(r.profile.as_deref().map(blob)),
        opt(r.fingerprint.clone().map(Value::Text)),
        opt(r.label.clone().map(Value::Text)),
        opt(r.stamp.map(|s| blob(&s.0))),
        blob(&r.activation_key),
        blob(&r.nonce.0),
        Value::Integer(sql_time(r.since)?),
        Value::Integer(sql_time(r.renewed_at)?),
        opt(sql_opt_time(r.ended_at)?.map(Value::Integer)),
        opt(sql_opt_time(r.forked_at)?.map(Value::Integer)),
    ])
}

impl LedgerTx for SqliteTx<'_> {
    fn license(&mut self, id: &LicenseId) -> Result<Option<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE license_id = ?1");
        self.tx.query_row(&sql, [&id.0[..]], license_row).optional().map_err(map_read)
    }

    fn licenses(&mut self) -> Result<Vec<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses ORDER BY product, license_id");
        let mut stmt = self.tx.prepare(&sql).map_err(sql_error)?;
        let rows = stmt.query_map([], license_row).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_read)
    }

    fn insert_license(&mut self, r: &LicenseRecord) -> Result<(), AuthorityError> {
        let sql = format!("INSERT INTO licenses ({LICENSE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        self.tx
            .execute(
                &sql,
                params![
                    &r.license_id.0[..],
                    r.product,
                    r.release_version,
                    r.signed,
                    r.total_seats,
                    r.transfers_per_seat,
                    sql_time(r.added_at)?,
                    sql_opt_time(r.revoked_at)?
                ],
            )
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such license"))
    }

    fn update_license(&mut self, r: &LicenseRecord) -> Result<(), AuthorityError> {
        self.tx
            .execute(
                "UPDATE licenses SET product = ?2, release_version = ?3, signed = ?4, total_seats = ?5, \
                 transfers_per_seat = ?6, added_at = ?7, revoked_at = ?8 WHERE license_id = ?1",
                params![
                    &r.license_id.0[..],
                    r.product,
                    r.release_version,
                    r.signed,
                    r.total_seats,
                    r.transfers_per_seat,
                    sql_time(r.added_at)?,
                    sql_opt_time(r.revoked_at)?
                ],
            )
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such license"))
    }

    fn license_key_digest(&mut self, id: &LicenseId) -> Result<Option<[u8; 32]>, AuthorityError> {
        let digest = self
            .tx
            .query_row("SELECT key_digest FROM licenses WHERE license_id = ?1", [&id.0[..]], |row| {
                opt_bytes(row, 0, "license key digest")
            })
            .optional()
            .map_err(map_read)?;
        Ok(digest.flatten())
    }

    fn set_license_key_digest(&mut self, id: &LicenseId, digest: &[u8; 32]) -> Result<(), AuthorityError> {
        self.tx
            .execute(
                "UPDATE licenses SET key_digest = ?2 WHERE license_id = ?1",
                params![&id.0[..], &digest[..]],
            )
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such license"))
    }

    fn license_by_key_digest(&mut self, digest: &[u8; 32]) -> Result<Option<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE key_digest = ?1");
        self.tx.query_row(&sql, [&digest[..]], license_row).optional().map_err(map_read)
    }

    fn seats(&mut self, license: &LicenseId) -> Result<Vec<SeatRecord>, AuthorityError> {
        let sql = format!("SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = ?1 ORDER BY seat");
        let mut stmt = self.tx.prepare(&sql).map_err(sql_error)?;
        let rows = stmt.query_map([&license.0[..]], seat_row).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_read)
    }

    fn seats_after(
        &mut self,
        license: &LicenseId,
        after: u32,
        limit: u32,
    ) -> Result<Vec<SeatRecord>, AuthorityError> {
        let sql = format!(
            "SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = ?1 AND seat > ?2 ORDER BY seat LIMIT ?3"
        );
        let mut stmt = self.tx.prepare(&sql).map_err(sql_error)?;
        let rows = stmt.query_map(params![&license.0[..], after, limit], seat_row).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_read)
    }

    fn count_held_seats(&mut self, license: &LicenseId) -> Result<u32, AuthorityError> {
        self.tx
            .query_row(
                "SELECT count(*) FROM seats WHERE license_id = ?1 AND activation_id IS NOT NULL",
                [&license.0[..]],
                |row| count(row, 0, "held seat count"),
            )
            .map_err(map_read)
    }

    fn lowest_free_seat(&mut self, license: &LicenseId) -> Result<Option<SeatRecord>, AuthorityError> {
        let sql = format!(
            "SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = ?1 AND activation_id IS NULL \
             ORDER BY seat LIMIT 1"
        );
        self.tx.query_row(&sql, [&license.0[..]], seat_row).optional().map_err(map_read)
    }

    fn seat_of(
        &mut self,
        license: &LicenseId,
        activation: &ActivationId,
    ) -> Result<Option<SeatRecord>, AuthorityError> {
        let sql = format!("SELECT {SEAT_COLUMNS} FROM seats WHERE activation_id = ?1 AND license_id = ?2");
        self.tx.query_row(&sql, [&activation.0[..], &license.0[..]], seat_row).optional().map_err(map_read)
    }

    fn insert_seat(&mut self, s: &SeatRecord) -> Result<(), AuthorityError> {
        let sql = format!("INSERT INTO seats ({SEAT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)");
        let holder = s.holder.map(|h| h.0.to_vec());
        self.tx
            .execute(&sql, params![&s.license_id.0[..], s.seat, s.pack, s.transfers_used, holder])
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such seat"))
    }

    fn insert_free_seats(
        &mut self,
        license: &LicenseId,
        pack: u32,
        first: u32,
        last: u32,
    ) -> Result<(), AuthorityError> {
        if first > last {
            return Ok(());
        }
        // One statement for the whole range: the schema's row triggers still
        // check (and count) every seat.
        let sql = format!(
            "WITH RECURSIVE n(seat) AS (SELECT ?2 UNION ALL SELECT seat + 1 FROM n WHERE seat < ?3) \
             INSERT INTO seats ({SEAT_COLUMNS}) SELECT ?1, seat, ?4, 0, NULL FROM n"
        );
        let added = self.tx.execute(&sql, params![&license.0[..], first, last, pack]).map_err(sql_error)?;
        if added as u64 == u64::from(last - first) + 1 { Ok(()) } else { one_row(0, "no such seat") }
    }

    fn update_seat(&mut self, s: &SeatRecord) -> Result<(), AuthorityError> {
        let holder = s.holder.map(|h| h.0.to_vec());
        self.tx
            .execute(
                "UPDATE seats SET pack = ?3, transfers_used = ?4, activation_id = ?5 \
                 WHERE license_id = ?1 AND seat = ?2",
                params![&s.license_id.0[..], s.seat, s.pack, s.transfers_used, holder],
            )
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such seat"))
    }

    fn remove_seat(&mut self, license: &LicenseId, seat: u32) -> Result<(), AuthorityError> {
        self.tx
            .execute("DELETE FROM seats WHERE license_id = ?1 AND seat = ?2", params![&license.0[..], seat])
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such seat"))
    }

    fn activation(&mut self, id: &ActivationId) -> Result<Option<ActivationRecord>, AuthorityError> {
        let sql = format!("SELECT {ACTIVATION_COLUMNS} FROM activations WHERE activation_id = ?1");
        self.tx.query_row(&sql, [&id.0[..]], activation_row).optional().map_err(map_read)
    }

    fn activations(
        &mut self,
        license: &LicenseId,
        which: Which,
    ) -> Result<Vec<ActivationRecord>, AuthorityError> {
        let filter = match which {
            Which::Active => "AND state = 'active'",
            Which::All => "",
        };
        let sql = format!(
            "SELECT {ACTIVATION_COLUMNS} FROM activations WHERE license_id = ?1 {filter} \
             ORDER BY since, activation_id"
        );
        let mut stmt = self.tx.prepare(&sql).map_err(sql_error)?;
        let rows = stmt.query_map([&license.0[..]], activation_row).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_read)
    }

    fn activations_sharing(
        &mut self,
        license: &LicenseId,
        which: Which,
        keys: &[u32],
    ) -> Result<Vec<ActivationRecord>, AuthorityError> {
        prefixes::sharing(self.tx, license, which, keys)
    }

    fn count_running_temporary(
        &mut self,
        license: &LicenseId,
        now: Timestamp,
    ) -> Result<u32, AuthorityError> {
        self.tx
            .query_row(
                "SELECT count(*) FROM activations WHERE license_id = ?1 AND state = 'active' \
                 AND kind = 'temporary' AND temporary_until > ?2",
                params![&license.0[..], sql_time(now)?],
                |row| count(row, 0, "temporary activation count"),
            )
            .map_err(map_read)
    }

    fn insert_activation(&mut self, r: &ActivationRecord) -> Result<(), AuthorityError> {
        let sql = format!(
            "INSERT INTO activations ({ACTIVATION_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        );
        let values = activation_values(r)?;
        self.tx
            .execute(&sql, rusqlite::params_from_iter(values))
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such activation"))?;
        prefixes::index(self.tx, &r.license_id.0, &r.activation_id, r.profile.as_deref())
    }

    fn update_activation(&mut self, r: &ActivationRecord) -> Result<(), AuthorityError> {
        let values = activation_values(r)?;
        self.tx
            .execute(
                "UPDATE activations SET license_id = ?2, state = ?3, kind = ?4, temporary_until = ?5, \
                 release_version = ?6, profile = ?7, fingerprint = ?8, label = ?9, stamp = ?10, \
                 activation_key = ?11, nonce = ?12, since = ?13, renewed_at = ?14, ended_at = ?15, \
                 forked_at = ?16 WHERE activation_id = ?1",
                rusqlite::params_from_iter(values),
            )
            .map_err(sql_error)
            .and_then(|n| one_row(n, "no such activation"))?;
        prefixes::index(self.tx, &r.license_id.0, &r.activation_id, r.profile.as_deref())
    }

    fn stores_of(&mut self, activation: &ActivationId) -> Result<Vec<StoreRecord>, AuthorityError> {
        stores::of(self.tx, activation)
    }

    fn stores_with_key(
        &mut self,
        license: &LicenseId,
        key: &[u8; 32],
    ) -> Result<Vec<StoreRecord>, AuthorityError> {
        stores::with_key(self.tx, license, key)
    }

    fn insert_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError> {
        stores::insert(self.tx, store)
    }

    fn update_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError> {
        stores::update(self.tx, store)
    }

    fn append_certified_profile(
        &mut self,
        activation: &ActivationId,
        at: Timestamp,
        profile: &[u8],
    ) -> Result<(), AuthorityError> {
        profiles::append(self.tx, activation, at, profile)
    }

    fn certified_profiles(
        &mut self,
        activation: &ActivationId,
    ) -> Result<Vec<(Timestamp, Vec<u8>)>, AuthorityError> {
        profiles::of(self.tx, activation)
    }

    fn erase_certified_profiles(&mut self, activation: &ActivationId) -> Result<(), AuthorityError> {
        profiles::erase(self.tx, activation)
    }

    fn append_history(&mut self, e: &Event) -> Result<u64, AuthorityError> {
        self.tx
            .execute(
                "INSERT INTO history (at, actor, kind, license_id, activation_id, details) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    sql_time(e.at)?,
                    e.actor,
                    e.kind.name(),
                    e.license_id.map(|l| l.0.to_vec()),
                    e.activation_id.map(|a| a.0.to_vec()),
                    e.details
                ],
            )
            .map_err(sql_error)?;
        u64::try_from(self.tx.last_insert_rowid()).map_err(|_| {
            AuthorityError::Corrupt(Damage::Storage(LedgerError::BadValue { what: "history position" }))
        })
    }

    fn history(&mut self, license: Option<&LicenseId>) -> Result<Vec<HistoryEntry>, AuthorityError> {
        let columns = "seq, at, actor, kind, license_id, activation_id, details";
        let (sql, args): (String, Vec<Vec<u8>>) = match license {
            Some(id) => (
                format!("SELECT {columns} FROM history WHERE license_id = ?1 ORDER BY seq"),
                vec![id.0.to_vec()],
            ),
            None => (format!("SELECT {columns} FROM history ORDER BY seq"), vec![]),
        };
        let mut stmt = self.tx.prepare(&sql).map_err(sql_error)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), history_row).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_read)
    }
}
