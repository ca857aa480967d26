-- SQLite ledger, version 4: a license's key digest (unique, never changed once
-- recorded), and the history rebuilt to accept `culled` entries.

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
