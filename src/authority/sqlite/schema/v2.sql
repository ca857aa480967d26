-- SQLite ledger, version 2: machine identity by lineage — stores, forked activations,
-- and the history rebuilt to accept `fork` entries.

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
