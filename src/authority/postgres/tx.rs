//! [`LedgerTx`] on a PostgreSQL transaction: rows to records and back.
//! Every value read is checked (lengths, ranges, names), so a hand-edited
//! database gives [`AuthorityError::Corrupt`], never a panic.

use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::activation_row::{ACTIVATION_COLUMNS, activation_row};
use super::values::{bytes, corrupt, count, get, one_row, opt_bytes, opt_time, sql_opt_time, sql_time, time};
use super::{pg_error, prefixes, profiles, stores};
use crate::activation::{ActivationId, ActivationKind};
use crate::authority::error::AuthorityError;
use crate::authority::ledger::{LedgerTx, Which};
use crate::authority::record::{
    ActivationRecord, Event, EventKind, HistoryEntry, LicenseRecord, SeatRecord, StoreRecord,
};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// The primitives on one open transaction.
pub(super) struct PostgresTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
}

impl<'a, 'b> PostgresTx<'a, 'b> {
    pub(super) fn new(tx: &'a mut Transaction<'b>) -> Self {
        PostgresTx { tx }
    }

    fn rows(&mut self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, AuthorityError> {
        self.tx.query(sql, args).map_err(pg_error)
    }

    fn opt_row(&mut self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>, AuthorityError> {
        self.tx.query_opt(sql, args).map_err(pg_error)
    }

    fn exec(
        &mut self,
        sql: &str,
        args: &[&(dyn ToSql + Sync)],
        missing: &'static str,
    ) -> Result<(), AuthorityError> {
        self.tx.execute(sql, args).map_err(pg_error).and_then(|n| one_row(n, missing))
    }
}

const LICENSE_COLUMNS: &str =
    "license_id, product, release_version, signed, total_seats, transfers_per_seat, added_at, revoked_at";
const SEAT_COLUMNS: &str = "license_id, seat, pack, transfers_used, activation_id";
fn license_row(row: &Row) -> Result<LicenseRecord, AuthorityError> {
    Ok(LicenseRecord {
        license_id: LicenseId(bytes(row, 0, "license id")?),
        product: get(row, 1)?,
        release_version: count(row, 2, "release version")?,
        signed: get(row, 3)?,
        total_seats: count(row, 4, "seat count")?,
        transfers_per_seat: count(row, 5, "transfer count")?,
        added_at: time(row, 6)?,
        revoked_at: opt_time(row, 7)?,
    })
}

fn seat_row(row: &Row) -> Result<SeatRecord, AuthorityError> {
    Ok(SeatRecord {
        license_id: LicenseId(bytes(row, 0, "license id")?),
        seat: count(row, 1, "seat number")?,
        pack: count(row, 2, "pack number")?,
        transfers_used: count(row, 3, "transfer count")?,
        holder: opt_bytes(row, 4, "activation id")?.map(ActivationId),
    })
}

fn history_row(row: &Row) -> Result<HistoryEntry, AuthorityError> {
    let seq: i64 = get(row, 0)?;
    let kind: String = get(row, 3)?;
    Ok(HistoryEntry {
        seq: u64::try_from(seq).map_err(|_| corrupt("history position"))?,
        event: Event {
            at: time(row, 1)?,
            actor: get(row, 2)?,
            kind: EventKind::from_name(&kind).ok_or_else(|| corrupt("history entry kind"))?,
            license_id: opt_bytes(row, 4, "license id")?.map(LicenseId),
            activation_id: opt_bytes(row, 5, "activation id")?.map(ActivationId),
            details: get(row, 6)?,
        },
    })
}

fn all<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T, AuthorityError>) -> Result<Vec<T>, AuthorityError> {
    rows.iter().map(f).collect()
}

/// The license's columns as parameters `$1`…`$8`.
fn license_args(r: &LicenseRecord) -> Result<LicenseArgs, AuthorityError> {
    Ok(LicenseArgs {
        id: r.license_id.0.to_vec(),
        release: i64::from(r.release_version),
        seats: i64::from(r.total_seats),
        transfers: i64::from(r.transfers_per_seat),
        added: sql_time(r.added_at)?,
        revoked: sql_opt_time(r.revoked_at)?,
    })
}

struct LicenseArgs {
    id: Vec<u8>,
    release: i64,
    seats: i64,
    transfers: i64,
    added: i64,
    revoked: Option<i64>,
}

/// An activation's columns, in [`ACTIVATION_COLUMNS`] order.
struct ActivationArgs {
    id: Vec<u8>,
    license: Vec<u8>,
    state: &'static str,
    kind: &'static str,
    temporary_until: Option<i64>,
    release: i64,
    stamp: Option<Vec<u8>>,
    since: i64,
    renewed: i64,
    ended: Option<i64>,
    forked: Option<i64>,
}

fn activation_args(r: &ActivationRecord) -> Result<ActivationArgs, AuthorityError> {
    let (kind, temporary_until) = match r.kind {
        ActivationKind::Permanent => ("permanent", r.temporary_until),
        ActivationKind::Temporary { until } => ("temporary", Some(until)),
    };
    Ok(ActivationArgs {
        id: r.activation_id.0.to_vec(),
        license: r.license_id.0.to_vec(),
        state: r.state.name(),
        kind,
        temporary_until: sql_opt_time(temporary_until)?,
        release: i64::from(r.release_version),
        stamp: r.stamp.map(|s| s.0.to_vec()),
        since: sql_time(r.since)?,
        renewed: sql_time(r.renewed_at)?,
        ended: sql_opt_time(r.ended_at)?,
        forked: sql_opt_time(r.forked_at)?,
    })
}

impl PostgresTx<'_, '_> {
    fn write_activation(&mut self, sql: &str, r: &ActivationRecord) -> Result<(), AuthorityError> {
        let a = activation_args(r)?;
        let key = r.activation_key.to_vec();
        let nonce = r.nonce.0.to_vec();
        self.exec(
            sql,
            &[
                &a.id,
                &a.license,
                &a.state,
                &a.kind,
                &a.temporary_until,
                &a.release,
                &r.profile,
                &r.fingerprint,
                &r.label,
                &a.stamp,
                &key,
                &nonce,
                &a.since,
                &a.renewed,
                &a.ended,
                &a.forked,
            ],
            "no such activation",
        )
    }

    fn write_license(&mut self, sql: &str, r: &LicenseRecord) -> Result<(), AuthorityError> {
        let a = license_args(r)?;
        self.exec(
            sql,
            &[&a.id, &r.product, &a.release, &r.signed, &a.seats, &a.transfers, &a.added, &a.revoked],
            "no such license",
        )
    }
}

impl LedgerTx for PostgresTx<'_, '_> {
    fn license(&mut self, id: &LicenseId) -> Result<Option<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE license_id = $1");
        self.opt_row(&sql, &[&&id.0[..]])?.as_ref().map(license_row).transpose()
    }

    fn licenses(&mut self) -> Result<Vec<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses ORDER BY product, license_id");
        all(self.rows(&sql, &[])?, license_row)
    }

    fn insert_license(&mut self, r: &LicenseRecord) -> Result<(), AuthorityError> {
        let sql = format!("INSERT INTO licenses ({LICENSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        self.write_license(&sql, r)
    }

    fn update_license(&mut self, r: &LicenseRecord) -> Result<(), AuthorityError> {
        self.write_license(
            "UPDATE licenses SET product = $2, release_version = $3, signed = $4, total_seats = $5, \
             transfers_per_seat = $6, added_at = $7, revoked_at = $8 WHERE license_id = $1",
            r,
        )
    }

    fn license_key_digest(&mut self, id: &LicenseId) -> Result<Option<[u8; 32]>, AuthorityError> {
        let row = self.opt_row("SELECT key_digest FROM licenses WHERE license_id = $1", &[&&id.0[..]])?;
        Ok(row.as_ref().map(|r| opt_bytes(r, 0, "license key digest")).transpose()?.flatten())
    }

    fn set_license_key_digest(&mut self, id: &LicenseId, digest: &[u8; 32]) -> Result<(), AuthorityError> {
        self.exec(
            "UPDATE licenses SET key_digest = $2 WHERE license_id = $1",
            &[&&id.0[..], &&digest[..]],
            "no such license",
        )
    }

    fn license_by_key_digest(&mut self, digest: &[u8; 32]) -> Result<Option<LicenseRecord>, AuthorityError> {
        let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE key_digest = $1");
        self.opt_row(&sql, &[&&digest[..]])?.as_ref().map(license_row).transpose()
    }

    fn seats(&mut self, license: &LicenseId) -> Result<Vec<SeatRecord>, AuthorityError> {
        let sql = format!("SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = $1 ORDER BY seat");
        all(self.rows(&sql, &[&&license.0[..]])?, seat_row)
    }

    fn seats_after(
        &mut self,
        license: &LicenseId,
        after: u32,
        limit: u32,
    ) -> Result<Vec<SeatRecord>, AuthorityError> {
        let sql = format!(
            "SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = $1 AND seat > $2 ORDER BY seat LIMIT $3"
        );
        let rows = self.rows(&sql, &[&&license.0[..], &i64::from(after), &i64::from(limit)])?;
        all(rows, seat_row)
    }

    fn count_held_seats(&mut self, license: &LicenseId) -> Result<u32, AuthorityError> {
        let row = self.opt_row(
            "SELECT count(*) FROM seats WHERE license_id = $1 AND activation_id IS NOT NULL",
            &[&&license.0[..]],
        )?;
        row.as_ref().map_or(Ok(0), |r| count(r, 0, "held seat count"))
    }

    fn lowest_free_seat(&mut self, license: &LicenseId) -> Result<Option<SeatRecord>, AuthorityError> {
        let sql = format!(
            "SELECT {SEAT_COLUMNS} FROM seats WHERE license_id = $1 AND activation_id IS NULL \
             ORDER BY seat LIMIT 1"
        );
        self.opt_row(&sql, &[&&license.0[..]])?.as_ref().map(seat_row).transpose()
    }

    fn seat_of(
        &mut self,
        license: &LicenseId,
        activation: &ActivationId,
    ) -> Result<Option<SeatRecord>, AuthorityError> {
        let sql = format!("SELECT {SEAT_COLUMNS} FROM seats WHERE activation_id = $1 AND license_id = $2");
        self.opt_row(&sql, &[&&activation.0[..], &&license.0[..]])?.as_ref().map(seat_row).transpose()
    }

    fn insert_seat(&mut self, s: &SeatRecord) -> Result<(), AuthorityError> {
        let sql = format!("INSERT INTO seats ({SEAT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        let holder = s.holder.map(|h| h.0.to_vec());
        self.exec(
            &sql,
            &[
                &&s.license_id.0[..],
                &i64::from(s.seat),
                &i64::from(s.pack),
                &i64::from(s.transfers_used),
                &holder,
            ],
            "no such seat",
        )
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
        // One set-based statement: the schema's row triggers still check
        // (and count) every seat.
        let sql = format!(
            "INSERT INTO seats ({SEAT_COLUMNS}) \
             SELECT $1, g, $4, 0, NULL FROM generate_series($2::BIGINT, $3::BIGINT) AS g"
        );
        let args: [&(dyn ToSql + Sync); 4] =
            [&&license.0[..], &i64::from(first), &i64::from(last), &i64::from(pack)];
        let added = self.tx.execute(&sql, &args).map_err(pg_error)?;
        if added == u64::from(last - first) + 1 { Ok(()) } else { one_row(0, "no such seat") }
    }

    fn update_seat(&mut self, s: &SeatRecord) -> Result<(), AuthorityError> {
        let holder = s.holder.map(|h| h.0.to_vec());
        self.exec(
            "UPDATE seats SET pack = $3, transfers_used = $4, activation_id = $5 \
             WHERE license_id = $1 AND seat = $2",
            &[
                &&s.license_id.0[..],
                &i64::from(s.seat),
                &i64::from(s.pack),
                &i64::from(s.transfers_used),
                &holder,
            ],
            "no such seat",
        )
    }

    fn remove_seat(&mut self, license: &LicenseId, seat: u32) -> Result<(), AuthorityError> {
        self.exec(
            "DELETE FROM seats WHERE license_id = $1 AND seat = $2",
            &[&&license.0[..], &i64::from(seat)],
            "no such seat",
        )
    }

    fn activation(&mut self, id: &ActivationId) -> Result<Option<ActivationRecord>, AuthorityError> {
        let sql = format!("SELECT {ACTIVATION_COLUMNS} FROM activations WHERE activation_id = $1");
        self.opt_row(&sql, &[&&id.0[..]])?.as_ref().map(activation_row).transpose()
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
            "SELECT {ACTIVATION_COLUMNS} FROM activations WHERE license_id = $1 {filter} \
             ORDER BY since, activation_id"
        );
        all(self.rows(&sql, &[&&license.0[..]])?, activation_row)
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
        let row = self.opt_row(
            "SELECT count(*) FROM activations WHERE license_id = $1 AND state = 'active' \
             AND kind = 'temporary' AND temporary_until > $2",
            &[&&license.0[..], &sql_time(now)?],
        )?;
        row.as_ref().map_or(Ok(0), |r| count(r, 0, "temporary activation count"))
    }

    fn insert_activation(&mut self, r: &ActivationRecord) -> Result<(), AuthorityError> {
        let sql = format!(
            "INSERT INTO activations ({ACTIVATION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        );
        self.write_activation(&sql, r)?;
        prefixes::index(self.tx, &r.license_id.0, &r.activation_id, r.profile.as_deref())
    }

    fn update_activation(&mut self, r: &ActivationRecord) -> Result<(), AuthorityError> {
        self.write_activation(
            "UPDATE activations SET license_id = $2, state = $3, kind = $4, temporary_until = $5, \
             release_version = $6, profile = $7, fingerprint = $8, label = $9, stamp = $10, \
             activation_key = $11, nonce = $12, since = $13, renewed_at = $14, ended_at = $15, \
             forked_at = $16 WHERE activation_id = $1",
            r,
        )?;
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
        let at = sql_time(e.at)?;
        let license = e.license_id.map(|l| l.0.to_vec());
        let activation = e.activation_id.map(|a| a.0.to_vec());
        let row = self
            .tx
            .query_one(
                "INSERT INTO history (at, actor, kind, license_id, activation_id, details) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                &[&at, &e.actor, &e.kind.name(), &license, &activation, &e.details],
            )
            .map_err(pg_error)?;
        let seq: i64 = get(&row, 0)?;
        u64::try_from(seq).map_err(|_| corrupt("history position"))
    }

    fn history(&mut self, license: Option<&LicenseId>) -> Result<Vec<HistoryEntry>, AuthorityError> {
        let columns = "seq, at, actor, kind, license_id, activation_id, details";
        let rows = match license {
            Some(id) => self.rows(
                &format!("SELECT {columns} FROM history WHERE license_id = $1 ORDER BY seq"),
                &[&&id.0[..]],
            )?,
            None => self.rows(&format!("SELECT {columns} FROM history ORDER BY seq"), &[])?,
        };
        all(rows, history_row)
    }
}
