-- SQLite ledger, version 1: licenses, activations, seats and the history, with the
-- triggers that refuse over-allocation and every other write the ledger never makes.

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
