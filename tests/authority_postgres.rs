//! What only the PostgreSQL ledger has: migrations with a version table
//! (several servers opening one new database at once), conflicts between
//! concurrent serializable transactions run again, and the database's own
//! refusals for writes that go around nodelock. Needs `NODELOCK_POSTGRES_URL`
//! (every test says SKIPPED without it); `.ci/run` starts a throwaway cluster.
#![cfg(feature = "postgres")]

mod authority_support;

use std::sync::{Arc, Barrier};

use authority_support::*;
use nodelock::authority::postgres::SCHEMA_VERSION;
use nodelock::authority::{Authority, AuthorityError, Ledger, LedgerError, PostgresLedger};

fn url(name: &str) -> Option<String> {
    postgres_url(name)
}

#[test]
fn servers_opening_one_new_database_together_migrate_it_once() {
    let Some(url) = url("servers_opening_one_new_database_together_migrate_it_once") else { return };
    let schema = fresh_schema();
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, schema, start) = (url.clone(), schema.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                PostgresLedger::open_in_schema(&url, &schema).map(|l| l.schema_version().unwrap())
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), SCHEMA_VERSION);
    }
    let again = PostgresLedger::open_in_schema(&url, &schema).unwrap();
    assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_serialization_failure_runs_the_operation_again() {
    let Some(url) = url("a_serialization_failure_runs_the_operation_again") else { return };
    let schema = fresh_schema();
    let a = Authority::new(vendor(), PostgresLedger::open_in_schema(&url, &schema).unwrap());
    a.issue(&license(1, 2), ADMIN, t0()).unwrap();
    let other = PostgresLedger::open_in_schema(&url, &schema).unwrap();
    let id = license(1, 2).id;
    let mut attempts = 0;
    let kept = a
        .ledger()
        .transaction(&mut |tx| {
            attempts += 1;
            let mut record = tx.license(&id)?.expect("issued");
            if attempts == 1 {
                // Another server changes the row after this snapshot was taken.
                other.transaction(&mut |tx2| {
                    let mut r = tx2.license(&id)?.expect("issued");
                    r.transfers_per_seat += 1;
                    tx2.update_license(&r)
                })?;
            }
            record.transfers_per_seat += 10;
            tx.update_license(&record)?;
            Ok(record.transfers_per_seat)
        })
        .unwrap();
    assert_eq!(attempts, 2, "the conflict (SQLSTATE 40001) ran the operation once more");
    let stored = a.ledger().read(&mut |tx| Ok(tx.license(&id)?.expect("issued").transfers_per_seat)).unwrap();
    assert_eq!(stored, kept, "the second attempt saw the other server's change and kept both");
    assert_eq!(stored, license(1, 2).transfers_per_seat + 11);
}

#[test]
fn the_database_refuses_writes_that_go_around_nodelock() {
    let Some(url) = url("the_database_refuses_writes_that_go_around_nodelock") else { return };
    let schema = fresh_schema();
    let (_a, _) = authority(
        Backend { ledger: PostgresLedger::open_in_schema(&url, &schema).unwrap(), dir: None },
        &[license(1, 1)],
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("SET search_path TO {schema}")).unwrap();
    let refused = |client: &mut postgres::Client, sql: &str| {
        let e = client.batch_execute(sql).unwrap_err();
        e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_default()
    };
    assert_eq!(
        refused(
            &mut client,
            "INSERT INTO seats (license_id, seat, pack) SELECT license_id, 2, 1 FROM licenses"
        ),
        "over-allocation: the license has no seat left to add"
    );
    assert_eq!(refused(&mut client, "UPDATE history SET actor = 'x'"), "the history is append-only");
    assert_eq!(refused(&mut client, "DELETE FROM history"), "the history is append-only");
    assert_eq!(refused(&mut client, "TRUNCATE history"), "the history is append-only");
    assert_eq!(
        refused(&mut client, "UPDATE licenses SET seat_rows = seat_rows + 5"),
        "the seat count is kept by the database"
    );
    // Not even by one: only the counting triggers move it.
    assert_eq!(
        refused(&mut client, "UPDATE licenses SET seat_rows = seat_rows + 1, total_seats = total_seats + 1"),
        "the seat count is kept by the database"
    );
    // A set-based insert over the allowance is refused whole (seats are
    // counted per statement): with room for one more seat, two are refused
    // and neither is kept; one is then accepted and counted.
    client.batch_execute("UPDATE licenses SET total_seats = total_seats + 1").unwrap();
    assert_eq!(
        refused(
            &mut client,
            "INSERT INTO seats (license_id, seat, pack) SELECT license_id, g, 1 FROM licenses, generate_series(2, 3) g"
        ),
        "over-allocation: the license has no seat left to add"
    );
    let rows = |client: &mut postgres::Client| -> (i64, i64) {
        let r =
            client.query_one("SELECT (SELECT count(*) FROM seats), (SELECT seat_rows FROM licenses)", &[]);
        let r = r.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(rows(&mut client), (1, 1));
    client
        .batch_execute("INSERT INTO seats (license_id, seat, pack) SELECT license_id, 2, 1 FROM licenses")
        .unwrap();
    assert_eq!(rows(&mut client), (2, 2));
    client.batch_execute("DELETE FROM seats WHERE seat = 2").unwrap();
    assert_eq!(rows(&mut client), (1, 1), "a removed seat is counted out");
    assert_eq!(
        refused(&mut client, "DELETE FROM licenses"),
        "licenses are never deleted; revoke them instead"
    );
}

/// Version 5 checks a seat's references per statement instead of with
/// per-row foreign keys: each reference a foreign key guarded is still
/// refused by the database (SQLSTATE 23503, as a foreign key would), and a
/// `TRUNCATE`, which no row trigger sees, is refused like a `DELETE`.
#[test]
fn a_seat_keeps_its_references_without_foreign_keys() {
    let Some(url) = url("a_seat_keeps_its_references_without_foreign_keys") else { return };
    let schema = fresh_schema();
    let (a, _) = authority(
        Backend { ledger: PostgresLedger::open_in_schema(&url, &schema).unwrap(), dir: None },
        &[license(1, 2), license(2, 2)],
    );
    let holder_of_2 = a.activate(&Machine::new(7).request(license(2, 2).id), None, "desk", t0()).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("SET search_path TO {schema}")).unwrap();
    let refused =
        |client: &mut postgres::Client, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
            let e = client.execute(sql, params).unwrap_err();
            let db = e.as_db_error().expect("refused by the database");
            (db.code().code().to_owned(), db.message().to_owned())
        };
    let one = &license(1, 2).id.0[..];
    let nowhere = &[0xeeu8; 16][..];
    let dangling = |m: &str| ("23503".to_owned(), m.to_owned());
    assert_eq!(
        refused(&mut client, "INSERT INTO seats (license_id, seat, pack) VALUES ($1, 1, 1)", &[&nowhere]),
        dangling("a seat belongs to a license of the ledger")
    );
    // A set-based insert naming one real and one missing license is refused whole.
    assert_eq!(
        refused(
            &mut client,
            "INSERT INTO seats (license_id, seat, pack) VALUES ($1, 9, 1), ($2, 9, 1)",
            &[&one, &nowhere]
        ),
        dangling("a seat belongs to a license of the ledger")
    );
    assert_eq!(
        refused(
            &mut client,
            "UPDATE seats SET activation_id = $2 WHERE license_id = $1 AND seat = 1",
            &[&one, &&holder_of_2.certificate.activation_id.0[..]]
        ),
        dangling("a seat is held by an activation of its own license")
    );
    assert_eq!(
        refused(&mut client, "UPDATE licenses SET license_id = $2 WHERE license_id = $1", &[&one, &nowhere]),
        dangling("a license with seats keeps its id")
    );
    for (table, rule) in [
        ("seats", "the seat count is kept by the database"),
        ("licenses CASCADE", "licenses are never deleted; revoke them instead"),
        ("stores", "stores are never deleted"),
        ("activations CASCADE", "activations are never deleted; anonymise them instead"),
    ] {
        let (code, message) = refused(&mut client, &format!("TRUNCATE {table}"), &[]);
        assert_eq!((code.as_str(), message.as_str()), ("23000", rule), "TRUNCATE {table}");
    }
    let kept = client
        .query_one(
            "SELECT (SELECT count(*) FROM seats), (SELECT sum(seat_rows) FROM licenses)::BIGINT, \
             (SELECT count(*) FROM seats WHERE activation_id IS NOT NULL)",
            &[],
        )
        .unwrap();
    assert_eq!((kept.get::<_, i64>(0), kept.get::<_, i64>(1), kept.get::<_, i64>(2)), (4, 4, 1));
    // The holder's uniqueness (a partial index now) still refuses a second seat.
    let e = client
        .execute(
            "UPDATE seats SET activation_id = $1 WHERE license_id = $2 AND activation_id IS NULL",
            &[&&holder_of_2.certificate.activation_id.0[..], &&license(2, 2).id.0[..]],
        )
        .unwrap_err();
    assert_eq!(e.code(), Some(&postgres::error::SqlState::UNIQUE_VIOLATION), "{e}");
}

#[test]
fn another_programs_schema_is_refused_and_left_alone() {
    let Some(url) = url("another_programs_schema_is_refused_and_left_alone") else { return };
    let schema = fresh_schema();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE SCHEMA {schema}; CREATE TABLE {schema}.licenses (x int)")).unwrap();
    let err = PostgresLedger::open_in_schema(&url, &schema).unwrap_err();
    assert!(matches!(err, AuthorityError::NotALedger(LedgerError::ForeignPostgresSchema)), "{err:?}");
    let tables: i64 =
        client.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = $1", &[&schema]).unwrap().get(0);
    assert_eq!(tables, 1, "nothing was created");
}

#[test]
fn an_unreachable_server_names_it_without_the_password() {
    let err = PostgresLedger::open("postgres://nodelock:secret@127.0.0.1:1/ledger").unwrap_err();
    assert!(matches!(err, AuthorityError::Storage(LedgerError::PostgresConnect { .. })), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("postgres://nodelock@127.0.0.1:1/ledger"), "{text}");
    assert!(!text.contains("secret"), "{text}");
    let bad = PostgresLedger::open_in_schema("postgres://127.0.0.1:1/x", "Robert'); DROP").unwrap_err();
    assert!(matches!(bad, AuthorityError::Storage(LedgerError::BadSchemaName { .. })), "{bad:?}");
}

/// A version 1 database (before the digest-prefix index) is migrated in
/// place: its activations are indexed by the migration, so a machine is
/// found by its hardware (a reinstall with a new store renews its seat),
/// and none is left marked as not indexed; version 4 replaces the row
/// trigger that counted seats and keeps the count, and version 5 drops the
/// seats' foreign keys. The version 1 schema is the current one without
/// version 2's table, trigger and index, version 3's index, version 5's
/// triggers and index, and with version 1's counting trigger and foreign
/// keys instead of version 4's and 5's.
#[test]
fn a_version_1_database_is_migrated_with_its_activations_indexed() {
    use nodelock::authority::{GrantKind, Which, digest_prefixes};

    let Some(url) = url("a_version_1_database_is_migrated_with_its_activations_indexed") else { return };
    let schema = fresh_schema();
    let id = license(1, 3).id;
    let held = {
        let (a, _) = authority(
            Backend { ledger: PostgresLedger::open_in_schema(&url, &schema).unwrap(), dir: None },
            &[license(1, 3)],
        );
        a.activate(&Machine::new(2).request(id), None, "desk", t0()).unwrap();
        a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap().certificate.activation_id
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "SET search_path TO {schema}; DROP TRIGGER profile_prefixes_marked ON activations; \
             DROP FUNCTION profile_prefixes_marked(); DROP TABLE profile_prefixes; DROP INDEX seats_free; \
             DROP INDEX activations_temporary; \
             DROP TRIGGER seat_rows_added ON seats; DROP TRIGGER seat_rows_removed ON seats; \
             CREATE FUNCTION seat_rows_counted() RETURNS TRIGGER LANGUAGE plpgsql AS $$ BEGIN \
               IF TG_OP = 'INSERT' THEN UPDATE licenses SET seat_rows = seat_rows + 1 WHERE license_id = NEW.license_id; RETURN NEW; END IF; \
               UPDATE licenses SET seat_rows = seat_rows - 1 WHERE license_id = OLD.license_id; RETURN OLD; END $$; \
             CREATE TRIGGER seat_rows_counted AFTER INSERT OR DELETE ON seats FOR EACH ROW EXECUTE FUNCTION seat_rows_counted(); \
             DROP TRIGGER licenses_keep_id ON licenses; DROP FUNCTION licenses_keep_id(); \
             DROP TRIGGER licenses_not_truncated ON licenses; DROP TRIGGER activations_not_truncated ON activations; \
             DROP TRIGGER stores_not_truncated ON stores; DROP TRIGGER seats_not_truncated ON seats; \
             DROP FUNCTION nodelock_dangling(TEXT); DROP INDEX seats_by_holder; \
             ALTER TABLE seats ADD FOREIGN KEY (license_id) REFERENCES licenses (license_id), \
               ADD FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id), \
               ADD UNIQUE (activation_id); \
             ALTER TABLE seats RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold); \
             UPDATE nodelock_schema SET version = 1;"
        ))
        .unwrap();
    let ledger = PostgresLedger::open_in_schema(&url, &schema).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    // Version 4: the row trigger that counted seats is gone, the count kept.
    let counted = "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = 'seat_rows_counted' AND tgrelid = 'seats'::regclass), \
                   (SELECT seat_rows FROM licenses), (SELECT count(*) FROM seats)";
    let row = client.query_one(counted, &[]).unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2)), (0, 3, 3));
    // Version 5: no per-row foreign key is left on the seats.
    let keys: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'seats'::regclass AND contype = 'f'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(keys, 0, "the seats' references are checked per statement");
    let options: Vec<String> = client
        .query_one("SELECT reloptions FROM pg_class WHERE oid = 'seats'::regclass", &[])
        .unwrap()
        .get(0);
    assert!(options.contains(&"autovacuum_vacuum_threshold=1000".to_owned()), "{options:?}");
    let marks: i64 =
        client.query_one("SELECT count(*) FROM profile_prefixes WHERE prefix = -1", &[]).unwrap().get(0);
    assert_eq!(marks, 0, "every migrated profile is indexed");
    let found = ledger
        .read(&mut |tx| tx.activations_sharing(&id, Which::Active, &digest_prefixes(&hardware(1))))
        .unwrap();
    assert_eq!(found.iter().map(|r| r.activation_id).collect::<Vec<_>>(), [held]);
    let a = Authority::new(vendor(), ledger);
    let again = a.activate(&Machine::new(1).request(id), None, "desk", t0()).unwrap();
    assert_eq!((again.kind, again.certificate.activation_id), (GrantKind::Renewal, held));
}
