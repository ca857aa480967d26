-- SQLite ledger, version 7: an index of running temporary activations.

CREATE INDEX activations_temporary ON activations (license_id, temporary_until)
WHERE state = 'active' AND kind = 'temporary';
