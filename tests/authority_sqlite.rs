//! The SQLite ledger's file: it reopens with everything in it, checks
//! clean, refuses schemas it does not know, and — even written to directly
//! with SQL, bypassing nodelock — refuses over-allocation and history edits.
#![cfg(feature = "authority")]

mod authority_support;

use authority_support::*;
use nodelock::activation::ActivationId;
use nodelock::authority::{
    Authority, AuthorityError, Damage, LedgerError, SqliteLedger, sqlite::SCHEMA_VERSION,
};
use rusqlite::Connection;

/// A ledger file with license 1 (2 seats): machine 1 holds seat 1, machine
/// 2's activation was released, and seat 2 is free.
fn populated() -> (tempfile::TempDir, std::path::PathBuf, [Vec<u8>; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let a = Authority::new(vendor(), SqliteLedger::open(&path).unwrap());
    a.issue(&license(1, 2), ADMIN, t0()).unwrap();
    let id = license(1, 2).id;
    let g1 = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    let g2 = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap();
    a.release(g2.certificate.activation_id, ADMIN, t0()).unwrap();
    let ids = [g1.certificate.activation_id.0.to_vec(), g2.certificate.activation_id.0.to_vec()];
    (dir, path, ids)
}

fn raw(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn
}

#[test]
fn the_file_reopens_checks_clean_and_is_in_wal_mode() {
    let (_dir, path, _) = populated();
    let ledger = SqliteLedger::open_existing(&path).unwrap();
    assert_eq!(ledger.check().unwrap(), Vec::<String>::new());
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let a = Authority::new(vendor(), ledger);
    let s = a.status(None, t0()).unwrap();
    assert_eq!((s.licenses[0].total, s.licenses[0].in_use), (2, 1));
    assert_eq!(a.history(None).unwrap().len(), 4);
    let conn = raw(&path);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn settings_hold_the_key_location_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = SqliteLedger::open(dir.path().join("l.db")).unwrap();
    assert_eq!(ledger.setting("secret_key_path").unwrap(), None);
    ledger.set_setting("secret_key_path", "/keys/secret.key").unwrap();
    ledger.set_setting("secret_key_path", "/keys/other.key").unwrap();
    assert_eq!(ledger.setting("secret_key_path").unwrap().as_deref(), Some("/keys/other.key"));
}

#[test]
fn missing_files_and_newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let err = SqliteLedger::open_existing(&missing).unwrap_err();
    assert!(err.to_string().contains("authority init"), "{err}");
    assert!(!missing.exists(), "a mistyped path creates nothing");
    let (_dir, path, _) = populated();
    raw(&path).execute_batch("PRAGMA user_version = 99").unwrap();
    let err = SqliteLedger::open(&path).unwrap_err();
    assert!(matches!(err, AuthorityError::SchemaTooNew { found: 99, .. }), "{err}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x42; 8192]).unwrap();
    assert!(SqliteLedger::open(&junk).is_err());
}

/// Runs `sql` directly on the file and expects the schema to refuse it.
fn refused(path: &std::path::Path, sql: &str, params: &[&dyn rusqlite::ToSql]) -> String {
    match raw(path).execute(sql, params) {
        Ok(n) => panic!("the database accepted `{sql}` ({n} rows)"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_schema_itself_refuses_over_allocation() {
    let (_dir, path, [held, released]) = populated();
    let lic = license(1, 2).id.0.to_vec();
    // A third seat row for a two-seat license.
    let e = refused(&path, "INSERT INTO seats (license_id, seat, pack) VALUES (?1, 3, 1)", &[&lic]);
    assert!(e.contains("over-allocation"), "{e}");
    // Lowering the allowance below the seats that exist.
    let e = refused(&path, "UPDATE licenses SET total_seats = 1 WHERE license_id = ?1", &[&lic]);
    assert!(e.contains("allowance"), "{e}");
    // One activation holding two seats.
    let e = refused(&path, "UPDATE seats SET activation_id = ?1 WHERE seat = 2", &[&held]);
    assert!(e.contains("UNIQUE"), "{e}");
    // A released activation holding a seat again.
    let e = refused(&path, "UPDATE seats SET activation_id = ?1 WHERE seat = 2", &[&released]);
    assert!(e.contains("active permanent"), "{e}");
    // An activation ending, or turning temporary, while it holds its seat.
    let e = refused(
        &path,
        "UPDATE activations SET state = 'released', ended_at = 1 WHERE activation_id = ?1",
        &[&held],
    );
    assert!(e.contains("give it up"), "{e}");
    let e = refused(
        &path,
        "UPDATE activations SET kind = 'temporary', temporary_until = 1 WHERE activation_id = ?1",
        &[&held],
    );
    assert!(e.contains("give it up"), "{e}");
    // A held seat deleted; transfers beyond the allowance or counted down.
    let e = refused(&path, "DELETE FROM seats WHERE activation_id = ?1", &[&held]);
    assert!(e.contains("held seat"), "{e}");
    let e = refused(&path, "UPDATE seats SET transfers_used = 2 WHERE seat = 1", &[]);
    assert!(e.contains("transfers"), "{e}");
    // A seat of another license holding this license's activation.
    let mut other = lic.clone();
    other[0] ^= 1;
    let e = refused(&path, "UPDATE seats SET license_id = ?1 WHERE seat = 2", &[&other]);
    assert!(e.contains("keeps its license"), "{e}");
    // Activations and licenses are never deleted.
    assert!(
        refused(&path, "DELETE FROM activations WHERE activation_id = ?1", &[&released])
            .contains("never deleted")
    );
    assert!(refused(&path, "DELETE FROM licenses", &[]).contains("never deleted"));
    // Nothing changed.
    let ledger = SqliteLedger::open_existing(&path).unwrap();
    assert!(ledger.check().unwrap().is_empty());
    let s = Authority::new(vendor(), ledger).status(None, t0()).unwrap();
    assert_eq!((s.licenses[0].total, s.licenses[0].in_use), (2, 1));
}

#[test]
fn the_history_refuses_every_update_and_delete() {
    let (_dir, path, _) = populated();
    let e = refused(&path, "UPDATE history SET actor = 'nobody'", &[]);
    assert!(e.contains("append-only"), "{e}");
    let e = refused(&path, "DELETE FROM history WHERE seq = 1", &[]);
    assert!(e.contains("append-only"), "{e}");
    let n: i64 = raw(&path).query_row("SELECT count(*) FROM history", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 4);
}

#[test]
fn a_damaged_row_is_reported_not_trusted() {
    let (_dir, path, [held, _]) = populated();
    // Someone edits a profile by hand: the authority says the ledger is damaged.
    raw(&path).execute("UPDATE activations SET profile = X'FFFF' WHERE activation_id = ?1", [&held]).unwrap();
    let a = Authority::new(vendor(), SqliteLedger::open_existing(&path).unwrap());
    let err = a.activate(&Machine::new(3).request(license(1, 2).id), None, "desk", t0()).unwrap_err();
    let held = ActivationId(held.try_into().unwrap());
    assert!(
        matches!(err, AuthorityError::Corrupt(Damage::Profile { activation_id, .. }) if activation_id == held),
        "{err:?}"
    );
    assert!(err.to_string().contains("damaged"), "{err}");
}

#[test]
fn a_value_that_does_not_fit_its_type_is_named_by_what_it_should_be() {
    let (_dir, path, [held, _]) = populated();
    // Hand-edited past the schema's CHECK: a negative release cannot be read
    // back as a release number.
    let conn = raw(&path);
    conn.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    conn.execute("UPDATE activations SET release_version = -1 WHERE activation_id = ?1", [&held]).unwrap();
    drop(conn);
    let a = Authority::new(vendor(), SqliteLedger::open_existing(&path).unwrap());
    let err = a.status(None, t0()).unwrap_err();
    assert!(
        matches!(
            err,
            AuthorityError::Corrupt(Damage::Storage(LedgerError::BadValue { what: "release version" }))
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid release version"), "{err}");
}

#[test]
fn a_missing_ledger_is_a_typed_storage_error_naming_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let err = SqliteLedger::open_existing(&path).unwrap_err();
    assert!(
        matches!(&err, AuthorityError::Storage(LedgerError::NoLedger { path: p }) if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("authority init"), "{err}");
    assert!(!path.exists());
}

/// A ledger written by schema version 1 (before stores were recorded) is
/// migrated in place: each activation becomes one store with the key of its
/// latest certificate (so that store's receipt still frees the seat), the
/// history keeps every row and position and stays append-only, and accepts
/// the new `fork` entries.
#[test]
fn a_version_1_ledger_is_migrated_with_its_stores_and_history() {
    use nodelock::SecretKey;
    use nodelock::activation::{DeactivationReceipt, Nonce};
    use nodelock::authority::{Deactivation, sqlite::schema::MIGRATIONS};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let terms = license(1, 1);
    let id = terms.id;
    let store_secret = SecretKey::from_seed(&[0x42; 32]);
    let (activation, nonce) = (ActivationId([7; 16]), Nonce([9; 16]));
    {
        let conn = raw(&path);
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        let signed = terms.sign(&vendor()).unwrap();
        conn.execute(
            "INSERT INTO licenses VALUES (?1, ?2, 1, ?3, 1, 1, 0, NULL)",
            rusqlite::params![&id.0[..], PRODUCT, signed.as_bytes()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO activations VALUES (?1, ?2, 'active', 'permanent', NULL, 1, ?3, 'fp', 'old pc', \
             ?4, ?5, ?6, 100, 200, NULL)",
            rusqlite::params![
                &activation.0[..],
                &id.0[..],
                hardware(1).to_bytes(),
                &[0xa5u8; 16][..],
                &store_secret.public_key().to_bytes()[..],
                &nonce.0[..]
            ],
        )
        .unwrap();
        conn.execute("INSERT INTO seats VALUES (?1, 1, 1, 0, NULL)", [&id.0[..]]).unwrap();
        conn.execute("UPDATE seats SET activation_id = ?1", [&activation.0[..]]).unwrap();
        conn.execute(
            "INSERT INTO history (at, actor, kind, license_id, activation_id, details) \
             VALUES (100, 'admin', 'activation', ?1, ?2, 'seat 1 of 1')",
            [&id.0[..], &activation.0[..]],
        )
        .unwrap();
    }
    let ledger = SqliteLedger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let a = Authority::new(vendor(), ledger);
    // (Version 5) the activation's lineage starts with its certified profile.
    let lineage = nodelock::authority::seat_histories(a.ledger(), &id).unwrap();
    assert_eq!(lineage[0].profiles, [hardware(1)], "the certified profile is the lineage's first step");
    let e = refused(&path, "UPDATE certified_profiles SET at = 0", &[]);
    assert!(e.contains("a certified profile is never changed"), "{e}");
    let s = a.status(Some(id), t0()).unwrap().licenses.remove(0);
    assert_eq!((s.in_use, s.activations[0].certificates.len()), (1, 1), "{s:?}");
    assert!(!s.activations[0].forked);
    // A machine within tolerance is recognised against the migrated profile.
    let err = a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap_err();
    assert!(matches!(err, AuthorityError::NoFreeSeat { .. }), "{err}");
    // The migrated store's receipt frees the seat.
    let receipt =
        DeactivationReceipt { activation_id: activation, license_id: id, nonce, deactivated_at: t0() }
            .sign(&store_secret);
    let done = a.deactivate(&receipt, "customer", t0()).unwrap();
    assert!(matches!(done, Deactivation::Deactivated(f) if f.seat == Some(1)), "{done:?}");
    let history = a.history(Some(id)).unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2], "positions kept and continued");
    assert_eq!(history[0].event.details, "seat 1 of 1");
    let e = refused(&path, "UPDATE history SET actor = 'nobody'", &[]);
    assert!(e.contains("append-only"), "{e}");
    let e = refused(&path, "DELETE FROM stores", &[]);
    assert!(e.contains("stores are never deleted"), "{e}");
    raw(&path)
        .execute("INSERT INTO history (at, actor, kind, details) VALUES (1, 'x', 'fork', 'y')", [])
        .unwrap();
}

/// The seat count the allowance is checked against is the database's own:
/// edited by hand it is refused, so it cannot be lowered to make room.
#[test]
fn the_seat_count_cannot_be_edited_to_make_room() {
    let (_dir, path, _) = populated();
    let e = refused(&path, "UPDATE licenses SET seat_rows = 0", &[]);
    assert!(e.contains("the seat count is kept by the database"), "{e}");
    let rows: i64 = raw(&path).query_row("SELECT seat_rows FROM licenses", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 2, "kept by the inserts");
}

/// A version 3 ledger (before license keys and culling) is migrated in
/// place: its licenses have no key digest until the key is first asked for
/// (then it is recorded, unique, and never changes), the history keeps every
/// row and position, stays append-only and accepts `culled` entries, and the
/// file never holds a key in clear.
#[test]
fn a_version_3_ledger_is_migrated_to_license_keys_and_culling() {
    use nodelock::authority::sqlite::schema::MIGRATIONS;
    use nodelock::license::LicenseKey;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let terms = license(1, 1);
    let id = terms.id;
    {
        let conn = raw(&path);
        for (n, m) in MIGRATIONS[..3].iter().enumerate() {
            conn.execute_batch(m).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {}", n + 1)).unwrap();
        }
        let signed = terms.sign(&vendor()).unwrap();
        conn.execute(
            "INSERT INTO licenses (license_id, product, release_version, signed, total_seats, \
             transfers_per_seat, added_at, revoked_at) VALUES (?1, ?2, 1, ?3, 1, 1, 0, NULL)",
            rusqlite::params![&id.0[..], PRODUCT, signed.as_bytes()],
        )
        .unwrap();
        conn.execute("INSERT INTO seats VALUES (?1, 1, 1, 0, NULL)", [&id.0[..]]).unwrap();
        conn.execute(
            "INSERT INTO history (at, actor, kind, license_id, activation_id, details) \
             VALUES (100, 'admin', 'issue', ?1, NULL, 'release 1')",
            [&id.0[..]],
        )
        .unwrap();
        let e = conn
            .execute("INSERT INTO history (at, actor, kind, details) VALUES (1, 'x', 'culled', 'y')", [])
            .unwrap_err();
        assert!(e.to_string().contains("CHECK"), "version 3 has no culled entries: {e}");
    }
    let ledger = SqliteLedger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 7);
    let a = Authority::new(vendor(), ledger);
    let key = LicenseKey::derive(&vendor(), id);
    let err = a.license_for_key(&key).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownLicenseKey), "no digest before it is asked for: {err}");
    assert_eq!(a.license_key(id).unwrap(), key);
    assert_eq!(a.license_for_key(&key).unwrap().license().id, id);
    let history = a.history(Some(id)).unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [1], "positions kept");
    assert_eq!(history[0].event.details, "release 1");
    let e = refused(&path, "UPDATE history SET actor = 'nobody'", &[]);
    assert!(e.contains("append-only"), "{e}");
    let e = refused(&path, "UPDATE licenses SET key_digest = zeroblob(32)", &[]);
    assert!(e.contains("a license keeps its key"), "{e}");
    let e = refused(&path, "UPDATE licenses SET key_digest = NULL", &[]);
    assert!(e.contains("a license keeps its key"), "{e}");
    raw(&path)
        .execute("INSERT INTO history (at, actor, kind, details) VALUES (1, 'x', 'culled', 'y')", [])
        .unwrap();
    // A second license with the same digest is refused by the unique index.
    let e = refused(
        &path,
        "INSERT INTO licenses (license_id, product, release_version, signed, total_seats, transfers_per_seat, \
         added_at, key_digest) SELECT zeroblob(16), product, 1, signed, 1, 1, 0, key_digest FROM licenses",
        &[],
    );
    assert!(e.contains("UNIQUE"), "{e}");
    drop(a);
    let bytes = std::fs::read(&path).unwrap();
    let text = key.to_string();
    let bare: String = text[3..].chars().filter(|c| *c != '-').collect();
    for needle in [text.as_bytes(), bare.as_bytes()] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the file holds the key");
    }
    assert!(bytes.windows(32).any(|w| w == key.digest()), "it holds the digest");
}

/// A version 5 ledger (before the digest-prefix index) is migrated in place:
/// its activations are indexed by the migration, so a machine is found by
/// its hardware (a reinstall with a new store renews its seat), and no
/// activation is left marked as not indexed. The version 5 file is the
/// current one without version 6's table, triggers and index.
#[test]
fn a_version_5_ledger_is_migrated_with_its_activations_indexed() {
    use nodelock::authority::{GrantKind, Ledger, Which, digest_prefixes};

    let (_dir, path, [held, released]) = populated();
    raw(&path)
        .execute_batch(
            "DROP TRIGGER profile_prefixes_on_insert; DROP TRIGGER profile_prefixes_on_update; \
             DROP TABLE profile_prefixes; DROP INDEX seats_free; DROP INDEX activations_temporary; \
             PRAGMA user_version = 5;",
        )
        .unwrap();
    let ledger = SqliteLedger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let marks: i64 = raw(&path)
        .query_row("SELECT count(*) FROM profile_prefixes WHERE prefix = -1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marks, 0, "every migrated profile is indexed");
    let id = license(1, 2).id;
    let found = |which, n| {
        ledger
            .read(&mut |tx| tx.activations_sharing(&id, which, &digest_prefixes(&hardware(n))))
            .unwrap()
            .iter()
            .map(|r| r.activation_id.0.to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(found(Which::Active, 1), std::slice::from_ref(&held));
    assert_eq!(found(Which::All, 2), [released]);
    assert!(found(Which::Active, 2).is_empty());
    let a = Authority::new(vendor(), ledger);
    let again = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    assert_eq!((again.kind, again.certificate.activation_id.0.to_vec()), (GrantKind::Renewal, held));
}
