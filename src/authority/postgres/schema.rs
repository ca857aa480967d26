//! The PostgreSQL ledger's schema and its migrations.
//!
//! The table `nodelock_schema` holds the schema version (one row);
//! [`MIGRATIONS`]`[n]` takes a database from version `n` to `n + 1`, inside
//! the transaction that bumps the version (PostgreSQL's DDL is
//! transactional), so a crash leaves either version. Two servers starting
//! together take an advisory lock first, so one migrates and the other
//! finds the work done.
//!
//! Version 1 is the SQLite ledger's version 5 in PostgreSQL's words: the
//! same columns, the same `CHECK`s, and triggers that refuse the same
//! writes with the same messages (the SQLite schema's
//! [`RULES`](crate::authority::sqlite::schema::RULES), raised with SQLSTATE
//! 23000 so the ledger maps them to
//! [`LedgerError::Rule`](crate::authority::LedgerError::Rule)):
//!
//! - the seat allowance against a per-license count of seat rows the
//!   database keeps itself (`seat_rows`), so no caller can write a seat over
//!   the allowance and issuing stays linear in the seats;
//! - a seat has at most one holder, an activation holds at most one seat,
//!   the holder is an active permanent activation of the same license;
//! - transfer counts only grow, within the allowance; held seats, licenses,
//!   activations and stores are never deleted;
//! - a license's key digest is unique and never changes once recorded;
//! - the history refuses every `UPDATE`, `DELETE` and `TRUNCATE`;
//! - a certified profile (an activation's lineage) is never changed, only
//!   erased by anonymising.
//!
//! Version 2 is the SQLite ledger's version 6: the digest-prefix index
//! (`profile_prefixes`, key `-1` marking an activation written with a new
//! profile and not yet indexed) and the index of free seats.
//!
//! Version 3 is the SQLite ledger's version 7 (an index of running
//! temporary activations).
//!
//! Version 4 counts seat rows once per statement instead of once per row:
//! a row trigger bumping `seat_rows` updated the license row once for each
//! seat, and PostgreSQL keeps every version of a row updated in one
//! transaction, so issuing N seats cost O(N²) (a 100,001-seat license was
//! unfinished after minutes). Statement triggers with transition tables add
//! each statement's count at once and check that new seats start free; the
//! allowance (`seat_rows ≤ total_seats`) is checked on the license row
//! then, so a set-based insert over the allowance is refused whole, with the
//! same rule, and no trigger runs per seat row. `seat_rows`
//! changes only from the counting triggers (`pg_trigger_depth() > 1`),
//! never by a caller's `UPDATE`.
//!
//! Version 5 checks a seat's references once per statement too: the
//! per-row foreign keys from `seats` (to its license, and to its holder)
//! queued one check for every seat written, most of what was left of
//! issuing a large license (1,000,000 seats: 17 s, of which the license key
//! check alone was about half). The counting trigger now refuses seats of a
//! license that does not exist, the update trigger refuses a holder from
//! another license, a license with seats keeps its id, and `TRUNCATE` of
//! licenses, activations, stores and seats is refused like their `DELETE`s
//! (a foreign key had refused some of them by accident). These raise
//! SQLSTATE 23503 (a foreign key violation, as before) with a message that
//! says which reference. The holder's uniqueness is a partial index over
//! held seats only, so a free seat adds no entry to it. The seats table is
//! vacuumed after every 1,000 changed rows: a taken seat's entry in the
//! free-seat index stays until then, and finding the lowest free seat
//! steps over it.
//!
//! Texts that are ordered (`product`) use the `"C"` collation, so lists come
//! in the same byte order as on SQLite whatever the database's locale.

/// The migrations, oldest first; the schema version is their count.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

/// The version whose migration also indexes the existing certified profiles
/// in Rust (`prefixes::index_pending`): SQL cannot read a profile.
pub const PREFIX_INDEX_VERSION: u32 = 2;

const V1: &str = r#"
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE licenses (
    license_id         BYTEA PRIMARY KEY CHECK (length(license_id) = 16),
    product            TEXT COLLATE "C" NOT NULL CHECK (length(product) > 0),
    release_version    BIGINT NOT NULL CHECK (release_version >= 1),
    signed             BYTEA NOT NULL,
    total_seats        BIGINT NOT NULL CHECK (total_seats BETWEEN 1 AND 1000000),
    transfers_per_seat BIGINT NOT NULL CHECK (transfers_per_seat >= 0),
    added_at           BIGINT NOT NULL,
    revoked_at         BIGINT,
    seat_rows          BIGINT NOT NULL DEFAULT 0 CHECK (seat_rows >= 0),
    key_digest         BYTEA CHECK (key_digest IS NULL OR length(key_digest) = 32)
);

CREATE UNIQUE INDEX licenses_by_key_digest ON licenses (key_digest);

CREATE TABLE activations (
    activation_id   BYTEA PRIMARY KEY CHECK (length(activation_id) = 16),
    license_id      BYTEA NOT NULL REFERENCES licenses (license_id),
    state           TEXT NOT NULL
                    CHECK (state IN ('active', 'deactivated', 'released', 'transferred')),
    kind            TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary')),
    temporary_until BIGINT,
    release_version BIGINT NOT NULL CHECK (release_version >= 1),
    profile         BYTEA,
    fingerprint     TEXT,
    label           TEXT CHECK (label IS NULL OR octet_length(label) BETWEEN 1 AND 256),
    stamp           BYTEA CHECK (stamp IS NULL OR length(stamp) = 16),
    activation_key  BYTEA NOT NULL CHECK (length(activation_key) = 32),
    nonce           BYTEA NOT NULL CHECK (length(nonce) = 16),
    since           BIGINT NOT NULL,
    renewed_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    forked_at       BIGINT,
    CHECK (kind = 'permanent' OR temporary_until IS NOT NULL),
    CHECK ((state = 'active') = (ended_at IS NULL)),
    UNIQUE (license_id, activation_id)
);

CREATE INDEX activations_by_license ON activations (license_id, state, since);

CREATE TABLE seats (
    license_id     BYTEA NOT NULL REFERENCES licenses (license_id),
    seat           BIGINT NOT NULL CHECK (seat >= 1),
    pack           BIGINT NOT NULL CHECK (pack >= 1),
    transfers_used BIGINT NOT NULL DEFAULT 0 CHECK (transfers_used >= 0),
    activation_id  BYTEA UNIQUE,
    PRIMARY KEY (license_id, seat),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
);

CREATE TABLE stores (
    activation_id  BYTEA NOT NULL,
    license_id     BYTEA NOT NULL,
    activation_key BYTEA NOT NULL CHECK (length(activation_key) = 32),
    first_granted  BIGINT NOT NULL,
    last_granted   BIGINT NOT NULL CHECK (last_granted >= first_granted),
    certificates   BIGINT NOT NULL CHECK (certificates >= 1),
    nonce          BYTEA NOT NULL CHECK (length(nonce) = 16),
    lease_ends     BIGINT,
    diverged_at    BIGINT,
    surrendered_at BIGINT,
    PRIMARY KEY (activation_id, activation_key),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
);

CREATE INDEX stores_by_key ON stores (license_id, activation_key);

CREATE TABLE history (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL CHECK (length(actor) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('issue', 'reissue', 'activation', 'renewal',
                  'temporary', 'upgrade', 'deactivation', 'release', 'transfer', 'seat_reissue',
                  'revoke', 'anonymise', 'fork', 'culled')),
    license_id    BYTEA,
    activation_id BYTEA,
    details       TEXT NOT NULL
);

CREATE INDEX history_by_license ON history (license_id, seq);

CREATE TABLE certified_profiles (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activation_id BYTEA NOT NULL REFERENCES activations (activation_id),
    at            BIGINT NOT NULL,
    profile       BYTEA NOT NULL
);

CREATE INDEX certified_profiles_by_activation ON certified_profiles (activation_id, seq);

CREATE FUNCTION nodelock_refuse(rule TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = rule, ERRCODE = '23000';
END $$;

CREATE FUNCTION seats_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT seat_rows >= total_seats FROM licenses WHERE license_id = NEW.license_id) THEN
        PERFORM nodelock_refuse('over-allocation: the license has no seat left to add');
    END IF;
    IF NEW.activation_id IS NOT NULL THEN
        PERFORM nodelock_refuse('a new seat starts free');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER seats_before_insert BEFORE INSERT ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_insert();

CREATE FUNCTION seats_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id OR NEW.seat IS DISTINCT FROM OLD.seat
       OR NEW.pack IS DISTINCT FROM OLD.pack THEN
        PERFORM nodelock_refuse('a seat keeps its license, number and pack');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND state = 'active' AND kind = 'permanent') THEN
        PERFORM nodelock_refuse('only an active permanent activation can hold a seat');
    END IF;
    IF NEW.transfers_used < OLD.transfers_used
       OR (NEW.transfers_used > OLD.transfers_used AND NEW.transfers_used >
           (SELECT transfers_per_seat FROM licenses WHERE license_id = NEW.license_id)) THEN
        PERFORM nodelock_refuse('transfers are counted up, within the allowance');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER seats_before_update BEFORE UPDATE ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_update();

CREATE FUNCTION seats_before_delete() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.activation_id IS NOT NULL THEN
        PERFORM nodelock_refuse('a held seat cannot be removed');
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER seats_before_delete BEFORE DELETE ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_delete();

CREATE FUNCTION seat_rows_counted() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE licenses SET seat_rows = seat_rows + 1 WHERE license_id = NEW.license_id;
        RETURN NEW;
    END IF;
    UPDATE licenses SET seat_rows = seat_rows - 1 WHERE license_id = OLD.license_id;
    RETURN OLD;
END $$;
CREATE TRIGGER seat_rows_counted AFTER INSERT OR DELETE ON seats
    FOR EACH ROW EXECUTE FUNCTION seat_rows_counted();

CREATE FUNCTION licenses_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows <> 0 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER licenses_before_insert BEFORE INSERT ON licenses
    FOR EACH ROW EXECUTE FUNCTION licenses_before_insert();

CREATE FUNCTION licenses_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows IS DISTINCT FROM OLD.seat_rows
       AND NEW.seat_rows IS DISTINCT FROM OLD.seat_rows + 1
       AND NEW.seat_rows IS DISTINCT FROM OLD.seat_rows - 1 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
    END IF;
    IF NEW.total_seats < OLD.seat_rows THEN
        PERFORM nodelock_refuse('the seat allowance cannot drop below the seats that exist');
    END IF;
    IF OLD.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest THEN
        PERFORM nodelock_refuse('a license keeps its key');
    END IF;
    IF NEW.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest AND EXISTS (
        SELECT 1 FROM licenses WHERE key_digest = NEW.key_digest AND license_id <> NEW.license_id) THEN
        PERFORM nodelock_refuse('a license key opens one license');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER licenses_before_update BEFORE UPDATE ON licenses
    FOR EACH ROW EXECUTE FUNCTION licenses_before_update();

CREATE FUNCTION activations_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id
       OR NEW.activation_id IS DISTINCT FROM OLD.activation_id THEN
        PERFORM nodelock_refuse('an activation keeps its id and license');
    END IF;
    IF (NEW.state <> 'active' OR NEW.kind <> 'permanent')
       AND EXISTS (SELECT 1 FROM seats WHERE activation_id = NEW.activation_id) THEN
        PERFORM nodelock_refuse('an activation that holds a seat must give it up before it ends');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER activations_before_update BEFORE UPDATE ON activations
    FOR EACH ROW EXECUTE FUNCTION activations_before_update();

CREATE FUNCTION stores_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM activations
                   WHERE activation_id = NEW.activation_id AND license_id = NEW.license_id) THEN
        PERFORM nodelock_refuse('a store belongs to an activation of its license');
    END IF;
    IF NEW.surrendered_at IS NOT NULL THEN
        PERFORM nodelock_refuse('a new store holds its certificate');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stores_before_insert BEFORE INSERT ON stores
    FOR EACH ROW EXECUTE FUNCTION stores_before_insert();

CREATE FUNCTION stores_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.activation_id IS DISTINCT FROM OLD.activation_id OR NEW.license_id IS DISTINCT FROM OLD.license_id
       OR NEW.activation_key IS DISTINCT FROM OLD.activation_key THEN
        PERFORM nodelock_refuse('a store keeps its activation, license and key');
    END IF;
    IF OLD.surrendered_at IS NOT NULL THEN
        PERFORM nodelock_refuse('a surrendered store is never granted again');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stores_before_update BEFORE UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION stores_before_update();

CREATE FUNCTION refuse_delete() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nodelock_refuse(TG_ARGV[0]);
    RETURN NULL;
END $$;
CREATE TRIGGER activations_kept BEFORE DELETE ON activations
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('activations are never deleted; anonymise them instead');
CREATE TRIGGER licenses_kept BEFORE DELETE ON licenses
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('licenses are never deleted; revoke them instead');
CREATE TRIGGER stores_kept BEFORE DELETE ON stores
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('stores are never deleted');
CREATE TRIGGER history_no_update BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('the history is append-only');
CREATE TRIGGER certified_profile_unchanged BEFORE UPDATE ON certified_profiles
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('a certified profile is never changed');
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('the history is append-only');
"#;

/// Version 2: machines recognised without a scan (the SQLite schema's
/// version 6, same table, same marks, same partial index of free seats).
const V2: &str = r#"
CREATE TABLE profile_prefixes (
    license_id    BYTEA NOT NULL,
    prefix        BIGINT NOT NULL CHECK (prefix BETWEEN -1 AND 4294967295),
    activation_id BYTEA NOT NULL REFERENCES activations (activation_id),
    PRIMARY KEY (license_id, prefix, activation_id)
);

CREATE INDEX profile_prefixes_by_activation ON profile_prefixes (activation_id, prefix);

CREATE FUNCTION profile_prefixes_marked() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.profile IS NOT DISTINCT FROM OLD.profile THEN
            RETURN NULL;
        END IF;
        DELETE FROM profile_prefixes WHERE activation_id = NEW.activation_id;
    END IF;
    IF NEW.profile IS NOT NULL THEN
        INSERT INTO profile_prefixes (license_id, prefix, activation_id)
        VALUES (NEW.license_id, -1, NEW.activation_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER profile_prefixes_marked AFTER INSERT OR UPDATE OF profile ON activations
    FOR EACH ROW EXECUTE FUNCTION profile_prefixes_marked();

INSERT INTO profile_prefixes (license_id, prefix, activation_id)
SELECT license_id, -1, activation_id FROM activations WHERE profile IS NOT NULL;

CREATE INDEX seats_free ON seats (license_id, seat) WHERE activation_id IS NULL;
"#;

/// Version 3: the SQLite schema's version 7 (running temporary activations
/// counted from an index).
const V3: &str = r#"
CREATE INDEX activations_temporary ON activations (license_id, temporary_until)
WHERE state = 'active' AND kind = 'temporary';
"#;

/// Version 4: seat rows counted per statement (see the module docs).
const V4: &str = r#"
DROP TRIGGER IF EXISTS seat_rows_counted ON seats;
DROP FUNCTION IF EXISTS seat_rows_counted();
DROP TRIGGER IF EXISTS seat_rows_added ON seats;
DROP TRIGGER IF EXISTS seat_rows_removed ON seats;

DROP TRIGGER IF EXISTS seats_before_insert ON seats;
DROP FUNCTION IF EXISTS seats_before_insert();

CREATE OR REPLACE FUNCTION seat_rows_added() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE activation_id IS NOT NULL) THEN
        PERFORM nodelock_refuse('a new seat starts free');
    END IF;
    UPDATE licenses l SET seat_rows = l.seat_rows + n.added
      FROM (SELECT license_id, count(*) AS added FROM inserted GROUP BY license_id) n
     WHERE l.license_id = n.license_id;
    RETURN NULL;
END $$;
CREATE TRIGGER seat_rows_added AFTER INSERT ON seats
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION seat_rows_added();

CREATE OR REPLACE FUNCTION seat_rows_removed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE licenses l SET seat_rows = l.seat_rows - n.removed
      FROM (SELECT license_id, count(*) AS removed FROM deleted GROUP BY license_id) n
     WHERE l.license_id = n.license_id;
    RETURN NULL;
END $$;
CREATE TRIGGER seat_rows_removed AFTER DELETE ON seats
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION seat_rows_removed();

CREATE OR REPLACE FUNCTION licenses_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows IS DISTINCT FROM OLD.seat_rows AND pg_trigger_depth() < 2 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
    END IF;
    IF NEW.seat_rows > NEW.total_seats THEN
        PERFORM nodelock_refuse('over-allocation: the license has no seat left to add');
    END IF;
    IF NEW.total_seats < OLD.seat_rows THEN
        PERFORM nodelock_refuse('the seat allowance cannot drop below the seats that exist');
    END IF;
    IF OLD.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest THEN
        PERFORM nodelock_refuse('a license keeps its key');
    END IF;
    IF NEW.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest AND EXISTS (
        SELECT 1 FROM licenses WHERE key_digest = NEW.key_digest AND license_id <> NEW.license_id) THEN
        PERFORM nodelock_refuse('a license key opens one license');
    END IF;
    RETURN NEW;
END $$;
"#;

/// Version 5: a seat's references checked per statement (see the module
/// docs). The constraint names are the ones PostgreSQL gave version 1's
/// inline constraints.
const V5: &str = r#"
ALTER TABLE seats DROP CONSTRAINT seats_license_id_fkey;
ALTER TABLE seats DROP CONSTRAINT seats_license_id_activation_id_fkey;
ALTER TABLE seats DROP CONSTRAINT seats_activation_id_key;
CREATE UNIQUE INDEX seats_by_holder ON seats (activation_id) WHERE activation_id IS NOT NULL;

CREATE FUNCTION nodelock_dangling(what TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = what, ERRCODE = '23503';
END $$;

CREATE OR REPLACE FUNCTION seat_rows_added() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    n RECORD;
BEGIN
    FOR n IN SELECT license_id, count(*) AS added, bool_or(activation_id IS NOT NULL) AS held
               FROM inserted GROUP BY license_id LOOP
        IF n.held THEN
            PERFORM nodelock_refuse('a new seat starts free');
        END IF;
        UPDATE licenses SET seat_rows = seat_rows + n.added WHERE license_id = n.license_id;
        IF NOT FOUND THEN
            PERFORM nodelock_dangling('a seat belongs to a license of the ledger');
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION seats_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id OR NEW.seat IS DISTINCT FROM OLD.seat
       OR NEW.pack IS DISTINCT FROM OLD.pack THEN
        PERFORM nodelock_refuse('a seat keeps its license, number and pack');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND state = 'active' AND kind = 'permanent') THEN
        PERFORM nodelock_refuse('only an active permanent activation can hold a seat');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND license_id = NEW.license_id) THEN
        PERFORM nodelock_dangling('a seat is held by an activation of its own license');
    END IF;
    IF NEW.transfers_used < OLD.transfers_used
       OR (NEW.transfers_used > OLD.transfers_used AND NEW.transfers_used >
           (SELECT transfers_per_seat FROM licenses WHERE license_id = NEW.license_id)) THEN
        PERFORM nodelock_refuse('transfers are counted up, within the allowance');
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION licenses_keep_id() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM seats WHERE license_id = OLD.license_id) THEN
        PERFORM nodelock_dangling('a license with seats keeps its id');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER licenses_keep_id BEFORE UPDATE OF license_id ON licenses
    FOR EACH ROW WHEN (NEW.license_id IS DISTINCT FROM OLD.license_id) EXECUTE FUNCTION licenses_keep_id();

CREATE TRIGGER licenses_not_truncated BEFORE TRUNCATE ON licenses
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('licenses are never deleted; revoke them instead');
CREATE TRIGGER activations_not_truncated BEFORE TRUNCATE ON activations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('activations are never deleted; anonymise them instead');
CREATE TRIGGER stores_not_truncated BEFORE TRUNCATE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('stores are never deleted');
CREATE TRIGGER seats_not_truncated BEFORE TRUNCATE ON seats
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('the seat count is kept by the database');

-- Taking a seat leaves a dead entry in the free-seat index until the table
-- is vacuumed, and each lookup of the lowest free seat steps over them:
-- vacuum after 1,000 changed seats, not after 20 % of the table (20,000
-- dead entries in a 100,000-seat license).
ALTER TABLE seats SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::sqlite::schema::RULES;

    /// The triggers raise the SQLite schema's rules word for word, every one
    /// of them, so both ledgers refuse a write with the same `&'static str`.
    #[test]
    fn every_refusal_is_a_rule_of_the_sqlite_schema_and_every_rule_is_raised() {
        let raised: Vec<&str> = MIGRATIONS
            .iter()
            .flat_map(|m| m.split("nodelock_refuse('").skip(1).chain(m.split("refuse_delete('").skip(1)))
            .filter_map(|rest| rest.split_once("')").map(|(rule, _)| rule))
            .collect();
        for rule in &raised {
            assert!(RULES.contains(rule), "`{rule}` is raised but not in RULES");
        }
        for rule in RULES {
            assert!(raised.contains(rule), "`{rule}` is in RULES but no trigger raises it");
        }
    }
}
