//! The ledger's SQL schema and its migrations.
//!
//! `PRAGMA user_version` is the schema version; [`MIGRATIONS`]`[n]` takes a
//! database from version `n` to `n + 1`, inside the same write transaction
//! that bumps the version, so a crash leaves either version.
//!
//! The schema itself refuses over-allocation, whatever the code above it
//! does:
//!
//! - a license has one `seats` row per seat, and a trigger refuses a row
//!   beyond the license's `total_seats`; `total_seats` cannot drop below the
//!   rows that exist;
//! - a seat names at most one activation and an activation holds at most one
//!   seat (`activation_id UNIQUE`); the composite foreign key keeps the seat
//!   and its holder in the same license; a trigger refuses a holder that is
//!   not active and permanent;
//! - an activation cannot end, or become temporary, while it holds a seat;
//! - a seat's transfer count only grows, and never beyond the license's
//!   allowance;
//! - a held seat cannot be deleted; licenses and activations are never
//!   deleted;
//! - the history refuses every `UPDATE` and `DELETE`;
//! - (version 3) the seat allowance is checked against a per-license count
//!   of seat rows that the database keeps itself (`seat_rows`, one step per
//!   inserted or deleted seat), so adding a seat costs the same whatever the
//!   license's size: issuing is linear in its seats, not quadratic;
//! - (version 4) a license's key digest is unique (an index) and, once
//!   recorded, never changes; the history accepts `culled` entries;
//! - (version 5) a certified profile names an activation and is never
//!   changed (only erased, by anonymising);
//! - (version 6) the digest-prefix index (`profile_prefixes`) follows every
//!   activation's profile: the database marks an activation written with a
//!   new profile as not yet indexed (key `-1`, a candidate for every
//!   request), and the ledger replaces the mark with the profile's keys —
//!   so a row edited by hand is still compared (and its damage reported),
//!   never silently missed; erasing the profile drops its keys. Free seats
//!   have an index of their own, so the lowest free seat costs the same in
//!   a full license as in an empty one.
//! - (version 7) running temporary activations have an index of their own,
//!   so a refusal counts them without reading the license's activations;
//! - (version 2) a store row names an activation of its own license, starts
//!   unsurrendered, keeps its activation, license and key, never changes once
//!   surrendered, and is never deleted.

/// The migrations, oldest first; the schema version is their count.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The version whose migration also indexes the existing certified profiles
/// in Rust (`prefixes::index_pending`): SQL cannot read a profile.
pub const PREFIX_INDEX_VERSION: u32 = 6;

/// The rules the schema's triggers enforce, word for word as they refuse
/// (`RAISE(ABORT, …)`), so a refusal names its rule as a `&'static str`.
pub const RULES: &[&str] = &[
    "over-allocation: the license has no seat left to add",
    "the seat allowance cannot drop below the seats that exist",
    "a new seat starts free",
    "only an active permanent activation can hold a seat",
    "a seat keeps its license, number and pack",
    "transfers are counted up, within the allowance",
    "a held seat cannot be removed",
    "an activation that holds a seat must give it up before it ends",
    "an activation keeps its id and license",
    "activations are never deleted; anonymise them instead",
    "licenses are never deleted; revoke them instead",
    "the history is append-only",
    "a store belongs to an activation of its license",
    "a new store holds its certificate",
    "a store keeps its activation, license and key",
    "a surrendered store is never granted again",
    "stores are never deleted",
    "the seat count is kept by the database",
    "a license keeps its key",
    "a license key opens one license",
    "a certified profile is never changed",
];

const V1: &str = r#"
CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE licenses (
    license_id         BLOB PRIMARY KEY NOT NULL CHECK (length(license_id) = 16),
    product            TEXT NOT NULL CHECK (length(product) > 0),
    release_version    INTEGER NOT NULL CHECK (release_version >= 1),
    signed             BLOB NOT NULL,
    total_seats        INTEGER NOT NULL CHECK (total_seats BETWEEN 1 AND 1000000),
    transfers_per_seat INTEGER NOT NULL CHECK (transfers_per_seat >= 0),
    added_at           INTEGER NOT NULL,
    revoked_at         INTEGER
) STRICT;

CREATE TABLE activations (
    activation_id   BLOB PRIMARY KEY NOT NULL CHECK (length(activation_id) = 16),
    license_id      BLOB NOT NULL REFERENCES licenses (license_id),
    state           TEXT NOT NULL
                    CHECK (state IN ('active', 'deactivated', 'released', 'transferred')),
    kind            TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary')),
    temporary_until INTEGER,
    release_version INTEGER NOT NULL CHECK (release_version >= 1),
    profile         BLOB,
    fingerprint     TEXT,
    label           TEXT CHECK (label IS NULL OR length(CAST(label AS BLOB)) BETWEEN 1 AND 256),
    stamp           BLOB CHECK (stamp IS NULL OR length(stamp) = 16),
    activation_key  BLOB NOT NULL CHECK (length(activation_key) = 32),
    nonce           BLOB NOT NULL CHECK (length(nonce) = 16),
    since           INTEGER NOT NULL,
    renewed_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    CHECK (kind = 'permanent' OR temporary_until IS NOT NULL),
    CHECK ((state = 'active') = (ended_at IS NULL)),
    UNIQUE (license_id, activation_id)
) STRICT;

CREATE INDEX activations_by_license ON activations (license_id, state, since);

CREATE TABLE seats (
    license_id     BLOB NOT NULL REFERENCES licenses (license_id),
    seat           INTEGER NOT NULL CHECK (seat >= 1),
    pack           INTEGER NOT NULL CHECK (pack >= 1),
    transfers_used INTEGER NOT NULL DEFAULT 0 CHECK (transfers_used >= 0),
    activation_id  BLOB UNIQUE,
    PRIMARY KEY (license_id, seat),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE history (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL CHECK (length(actor) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('issue', 'reissue', 'activation', 'renewal',
                  'temporary', 'upgrade', 'deactivation', 'release', 'transfer', 'seat_reissue',
                  'revoke', 'anonymise')),
    license_id    BLOB,
    activation_id BLOB,
    details       TEXT NOT NULL
) STRICT;

CREATE INDEX history_by_license ON history (license_id, seq);

CREATE TRIGGER seats_within_allowance BEFORE INSERT ON seats
WHEN (SELECT count(*) FROM seats WHERE license_id = NEW.license_id)
     >= (SELECT total_seats FROM licenses WHERE license_id = NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'over-allocation: the license has no seat left to add');
END;

CREATE TRIGGER allowance_covers_seats BEFORE UPDATE OF total_seats ON licenses
WHEN NEW.total_seats < (SELECT count(*) FROM seats WHERE license_id = NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'the seat allowance cannot drop below the seats that exist');
END;

CREATE TRIGGER new_seat_is_free BEFORE INSERT ON seats
WHEN NEW.activation_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a new seat starts free');
END;

CREATE TRIGGER seat_holder_is_active_permanent BEFORE UPDATE OF activation_id ON seats
WHEN NEW.activation_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM activations
    WHERE activation_id = NEW.activation_id AND state = 'active' AND kind = 'permanent')
BEGIN
    SELECT RAISE(ABORT, 'only an active permanent activation can hold a seat');
END;

CREATE TRIGGER seat_stays_in_license BEFORE UPDATE OF license_id, seat, pack ON seats
WHEN NEW.license_id IS NOT OLD.license_id OR NEW.seat IS NOT OLD.seat OR NEW.pack IS NOT OLD.pack
BEGIN
    SELECT RAISE(ABORT, 'a seat keeps its license, number and pack');
END;

CREATE TRIGGER transfers_counted_within_allowance BEFORE UPDATE OF transfers_used ON seats
WHEN NEW.transfers_used < OLD.transfers_used
  OR (NEW.transfers_used > OLD.transfers_used AND NEW.transfers_used >
      (SELECT transfers_per_seat FROM licenses WHERE license_id = NEW.license_id))
BEGIN
    SELECT RAISE(ABORT, 'transfers are counted up, within the allowance');
END;

CREATE TRIGGER held_seat_kept BEFORE DELETE ON seats
WHEN OLD.activation_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a held seat cannot be removed');
END;

CREATE TRIGGER activation_gives_up_seat_first BEFORE UPDATE OF state, kind ON activations
WHEN (NEW.state != 'active' OR NEW.kind != 'permanent')
     AND EXISTS (SELECT 1 FROM seats WHERE activation_id = NEW.activation_id)
BEGIN
    SELECT RAISE(ABORT, 'an activation that holds a seat must give it up before it ends');
END;

CREATE TRIGGER activation_stays_in_license BEFORE UPDATE OF license_id, activation_id ON activations
WHEN NEW.license_id IS NOT OLD.license_id OR NEW.activation_id IS NOT OLD.activation_id
BEGIN
    SELECT RAISE(ABORT, 'an activation keeps its id and license');
END;

CREATE TRIGGER activations_kept BEFORE DELETE ON activations
BEGIN
    SELECT RAISE(ABORT, 'activations are never deleted; anonymise them instead');
END;

CREATE TRIGGER licenses_kept BEFORE DELETE ON licenses
BEGIN
    SELECT RAISE(ABORT, 'licenses are never deleted; revoke them instead');
END;

CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;

CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
"#;

/// Version 2: machine identity by lineage. Every certificate is recorded
/// against its store (`stores`); an activation can be marked forked; the
/// history accepts `fork` entries (SQLite cannot alter a CHECK constraint,
/// so the history table is rebuilt with the same rows, positions and
/// triggers). Existing activations become one store each, with the key and
/// nonce of their latest certificate; their lease end is not known
/// (`NULL`, counted as running until a receipt or release).
const V2: &str = r#"
CREATE TABLE stores (
    activation_id  BLOB NOT NULL,
    license_id     BLOB NOT NULL,
    activation_key BLOB NOT NULL CHECK (length(activation_key) = 32),
    first_granted  INTEGER NOT NULL,
    last_granted   INTEGER NOT NULL CHECK (last_granted >= first_granted),
    certificates   INTEGER NOT NULL CHECK (certificates >= 1),
    nonce          BLOB NOT NULL CHECK (length(nonce) = 16),
    lease_ends     INTEGER,
    diverged_at    INTEGER,
    surrendered_at INTEGER,
    PRIMARY KEY (activation_id, activation_key),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX stores_by_key ON stores (license_id, activation_key);

INSERT INTO stores (activation_id, license_id, activation_key, first_granted, last_granted, certificates,
                    nonce, lease_ends, diverged_at, surrendered_at)
SELECT activation_id, license_id, activation_key, renewed_at, renewed_at, 1, nonce, NULL, NULL,
       CASE WHEN state = 'deactivated' THEN ended_at END
FROM activations;

CREATE TRIGGER store_in_its_license BEFORE INSERT ON stores
WHEN NOT EXISTS (SELECT 1 FROM activations
                 WHERE activation_id = NEW.activation_id AND license_id = NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'a store belongs to an activation of its license');
END;

CREATE TRIGGER new_store_not_surrendered BEFORE INSERT ON stores
WHEN NEW.surrendered_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a new store holds its certificate');
END;

CREATE TRIGGER store_keeps_identity BEFORE UPDATE OF activation_id, license_id, activation_key ON stores
WHEN NEW.activation_id IS NOT OLD.activation_id OR NEW.license_id IS NOT OLD.license_id
     OR NEW.activation_key IS NOT OLD.activation_key
BEGIN
    SELECT RAISE(ABORT, 'a store keeps its activation, license and key');
END;

CREATE TRIGGER surrendered_store_final BEFORE UPDATE ON stores
WHEN OLD.surrendered_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a surrendered store is never granted again');
END;

CREATE TRIGGER stores_kept BEFORE DELETE ON stores
BEGIN
    SELECT RAISE(ABORT, 'stores are never deleted');
END;

ALTER TABLE activations ADD COLUMN forked_at INTEGER;

CREATE TABLE history_v2 (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL CHECK (length(actor) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('issue', 'reissue', 'activation', 'renewal',
                  'temporary', 'upgrade', 'deactivation', 'release', 'transfer', 'seat_reissue',
                  'revoke', 'anonymise', 'fork')),
    license_id    BLOB,
    activation_id BLOB,
    details       TEXT NOT NULL
) STRICT;

INSERT INTO history_v2 (seq, at, actor, kind, license_id, activation_id, details)
SELECT seq, at, actor, kind, license_id, activation_id, details FROM history ORDER BY seq;

DROP TRIGGER history_no_update;
DROP TRIGGER history_no_delete;
DROP INDEX history_by_license;
DROP TABLE history;
ALTER TABLE history_v2 RENAME TO history;

CREATE INDEX history_by_license ON history (license_id, seq);

CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;

CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
"#;

/// Version 3: the seat allowance without counting. Version 1's triggers
/// counted a license's seat rows on every insert (issuing n seats cost
/// O(n²)); the count is now a column the database keeps, one step per seat
/// row inserted or deleted, and the same two rules read it.
const V3: &str = r#"
ALTER TABLE licenses ADD COLUMN seat_rows INTEGER NOT NULL DEFAULT 0 CHECK (seat_rows >= 0);

UPDATE licenses SET seat_rows = (SELECT count(*) FROM seats WHERE seats.license_id = licenses.license_id);

DROP TRIGGER seats_within_allowance;
DROP TRIGGER allowance_covers_seats;

CREATE TRIGGER seats_within_allowance BEFORE INSERT ON seats
WHEN (SELECT seat_rows >= total_seats FROM licenses WHERE license_id = NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'over-allocation: the license has no seat left to add');
END;

CREATE TRIGGER allowance_covers_seats BEFORE UPDATE OF total_seats ON licenses
WHEN NEW.total_seats < OLD.seat_rows
BEGIN
    SELECT RAISE(ABORT, 'the seat allowance cannot drop below the seats that exist');
END;

CREATE TRIGGER seat_rows_kept BEFORE UPDATE OF seat_rows ON licenses
WHEN NEW.seat_rows IS NOT OLD.seat_rows + 1 AND NEW.seat_rows IS NOT OLD.seat_rows - 1
BEGIN
    SELECT RAISE(ABORT, 'the seat count is kept by the database');
END;

CREATE TRIGGER seat_row_added AFTER INSERT ON seats
BEGIN
    UPDATE licenses SET seat_rows = seat_rows + 1 WHERE license_id = NEW.license_id;
END;

CREATE TRIGGER seat_row_removed AFTER DELETE ON seats
BEGIN
    UPDATE licenses SET seat_rows = seat_rows - 1 WHERE license_id = OLD.license_id;
END;
"#;

/// Version 4: license keys and culling. A license records the digest of its
/// key (`key_digest`, `NULL` for licenses added before; the authority records
/// it when the key is first asked for), unique and indexed, and never changed
/// once recorded. The history accepts `culled` entries (rebuilt as in
/// version 2, same rows, positions and triggers).
const V4: &str = r#"
ALTER TABLE licenses ADD COLUMN key_digest BLOB CHECK (key_digest IS NULL OR length(key_digest) = 32);

CREATE UNIQUE INDEX licenses_by_key_digest ON licenses (key_digest);

CREATE TRIGGER license_keeps_key BEFORE UPDATE OF key_digest ON licenses
WHEN OLD.key_digest IS NOT NULL AND NEW.key_digest IS NOT OLD.key_digest
BEGIN
    SELECT RAISE(ABORT, 'a license keeps its key');
END;

CREATE TRIGGER license_key_unique BEFORE UPDATE OF key_digest ON licenses
WHEN NEW.key_digest IS NOT NULL AND EXISTS (
    SELECT 1 FROM licenses WHERE key_digest = NEW.key_digest AND license_id != NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'a license key opens one license');
END;

CREATE TABLE history_v4 (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL CHECK (length(actor) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('issue', 'reissue', 'activation', 'renewal',
                  'temporary', 'upgrade', 'deactivation', 'release', 'transfer', 'seat_reissue',
                  'revoke', 'anonymise', 'fork', 'culled')),
    license_id    BLOB,
    activation_id BLOB,
    details       TEXT NOT NULL
) STRICT;

INSERT INTO history_v4 (seq, at, actor, kind, license_id, activation_id, details)
SELECT seq, at, actor, kind, license_id, activation_id, details FROM history ORDER BY seq;

DROP TRIGGER history_no_update;
DROP TRIGGER history_no_delete;
DROP INDEX history_by_license;
DROP TABLE history;
ALTER TABLE history_v4 RENAME TO history;

CREATE INDEX history_by_license ON history (license_id, seq);

CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;

CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
"#;

/// Version 5: every profile an activation was certified for, in order (the
/// lineage `policy simulate --db` replays). Existing activations start with
/// the profile they were first certified for.
const V5: &str = r#"
CREATE TABLE certified_profiles (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    activation_id BLOB NOT NULL REFERENCES activations (activation_id),
    at            INTEGER NOT NULL,
    profile       BLOB NOT NULL
) STRICT;

CREATE INDEX certified_profiles_by_activation ON certified_profiles (activation_id, seq);

CREATE TRIGGER certified_profile_unchanged BEFORE UPDATE ON certified_profiles
BEGIN
    SELECT RAISE(ABORT, 'a certified profile is never changed');
END;

INSERT INTO certified_profiles (activation_id, at, profile)
SELECT activation_id, since, profile FROM activations WHERE profile IS NOT NULL ORDER BY since, activation_id;
"#;

/// Version 6: machines recognised without a scan. `profile_prefixes` maps
/// the first four bytes (big-endian) of each digest of an activation's
/// certified profile to the activation; triggers mark an activation written
/// with a new profile as not yet indexed (key `-1`), which the ledger
/// replaces with the profile's keys in the same transaction. Existing
/// activations are marked here and indexed by the migration
/// ([`PREFIX_INDEX_VERSION`]). Free seats get a partial index.
const V6: &str = r#"
CREATE TABLE profile_prefixes (
    license_id    BLOB NOT NULL,
    prefix        INTEGER NOT NULL CHECK (prefix BETWEEN -1 AND 4294967295),
    activation_id BLOB NOT NULL REFERENCES activations (activation_id),
    PRIMARY KEY (license_id, prefix, activation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX profile_prefixes_by_activation ON profile_prefixes (activation_id, prefix);

CREATE TRIGGER profile_prefixes_on_insert AFTER INSERT ON activations
WHEN NEW.profile IS NOT NULL
BEGIN
    INSERT INTO profile_prefixes (license_id, prefix, activation_id)
    VALUES (NEW.license_id, -1, NEW.activation_id);
END;

CREATE TRIGGER profile_prefixes_on_update AFTER UPDATE OF profile ON activations
WHEN NEW.profile IS NOT OLD.profile
BEGIN
    DELETE FROM profile_prefixes WHERE activation_id = NEW.activation_id;
    INSERT INTO profile_prefixes (license_id, prefix, activation_id)
    SELECT NEW.license_id, -1, NEW.activation_id WHERE NEW.profile IS NOT NULL;
END;

INSERT INTO profile_prefixes (license_id, prefix, activation_id)
SELECT license_id, -1, activation_id FROM activations WHERE profile IS NOT NULL;

CREATE INDEX seats_free ON seats (license_id, seat) WHERE activation_id IS NULL;
"#;

/// Version 7: running temporary activations are counted from an index (a
/// refusal says how many machines hold the license without reading them).
const V7: &str = r#"
CREATE INDEX activations_temporary ON activations (license_id, temporary_until)
WHERE state = 'active' AND kind = 'temporary';
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_refuses_with_a_listed_rule_and_every_rule_is_raised() {
        let raised: Vec<&str> = MIGRATIONS
            .iter()
            .flat_map(|m| m.split("RAISE(ABORT, '").skip(1))
            .filter_map(|rest| rest.split_once("')").map(|(rule, _)| rule))
            .collect();
        assert_eq!(raised.len(), 28);
        for rule in &raised {
            assert!(RULES.contains(rule), "`{rule}` is raised but not in RULES");
        }
        for rule in RULES {
            assert!(raised.contains(rule), "`{rule}` is in RULES but no trigger raises it");
        }
    }
}
