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
