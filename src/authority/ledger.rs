//! The storage interface of the authority: [`Ledger`] runs a closure inside
//! one atomic transaction, and [`LedgerTx`] is the handful of primitive reads
//! and writes that closure may use.
//!
//! A ledger is storage only. Every rule — seat limits, reactivation,
//! temporary periods, transfers — is written once, in the authority's
//! operations, on top of these primitives; so every backend behaves the same
//! and every operation is atomic on every backend. Backends may (and the
//! SQLite one does) additionally refuse writes that break an invariant, as a
//! second line of defence. [`LedgerError`] is what a backend reports when
//! its storage fails or refuses (`ledger_error.rs`).

use super::error::AuthorityError;
use super::record::{ActivationRecord, Event, HistoryEntry, LicenseRecord, SeatRecord, StoreRecord};
use crate::activation::ActivationId;
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// Which activations of a license to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Only those in state active (temporary ones possibly past their end).
    Active,
    /// Every activation ever recorded for the license.
    All,
}

/// Storage of licenses, seats, activations and history, with transactions.
pub trait Ledger: Send + Sync {
    /// Runs `f` in one write transaction: everything it wrote is kept when it
    /// returns `Ok` (durably, before this returns), nothing when it returns
    /// `Err`. Transactions of one ledger — across threads, and for a
    /// database file across processes — are serialised: each sees all the
    /// writes of those before it. A backend may flush several transactions
    /// together (group commit); each is still kept or dropped as a whole,
    /// and this returns an error if its flush fails.
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError>;

    /// Runs `f`, which only reads, on a consistent snapshot. Writes made by
    /// `f` are refused or discarded.
    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.transaction(f)
    }
}

/// The primitive reads and writes of one transaction.
///
/// `insert_*` fails when the record exists, `update_*` when it does not.
/// Lists come in a stable order: licenses by product then id, seats by
/// number, activations by `since` then id, stores by first grant then key,
/// history by `seq`.
pub trait LedgerTx {
    /// The license `id`.
    fn license(&mut self, id: &LicenseId) -> Result<Option<LicenseRecord>, AuthorityError>;
    /// Every license.
    fn licenses(&mut self) -> Result<Vec<LicenseRecord>, AuthorityError>;
    /// Records a new license.
    fn insert_license(&mut self, record: &LicenseRecord) -> Result<(), AuthorityError>;
    /// Replaces a license's record.
    fn update_license(&mut self, record: &LicenseRecord) -> Result<(), AuthorityError>;

    /// The digest of license `id`'s [key](crate::license::LicenseKey), if recorded.
    fn license_key_digest(&mut self, id: &LicenseId) -> Result<Option<[u8; 32]>, AuthorityError>;
    /// Records the digest of license `id`'s key. Refused when the license
    /// has another digest (a license keeps its key) or another license has
    /// this one (a key opens one license).
    fn set_license_key_digest(&mut self, id: &LicenseId, digest: &[u8; 32]) -> Result<(), AuthorityError>;
    /// The license whose key has `digest` (an indexed lookup).
    fn license_by_key_digest(&mut self, digest: &[u8; 32]) -> Result<Option<LicenseRecord>, AuthorityError>;

    /// Every seat of `license`.
    fn seats(&mut self, license: &LicenseId) -> Result<Vec<SeatRecord>, AuthorityError>;
    /// At most `limit` seats of `license` numbered above `after`, by number
    /// (a page: its cost is the page's, not the license's).
    fn seats_after(
        &mut self,
        license: &LicenseId,
        after: u32,
        limit: u32,
    ) -> Result<Vec<SeatRecord>, AuthorityError>;
    /// How many seats of `license` are held (a count, no rows read out).
    fn count_held_seats(&mut self, license: &LicenseId) -> Result<u32, AuthorityError>;
    /// The free seat of `license` with the lowest number.
    fn lowest_free_seat(&mut self, license: &LicenseId) -> Result<Option<SeatRecord>, AuthorityError> {
        Ok(self.seats(license)?.into_iter().find(|s| s.holder.is_none()))
    }
    /// The seat `activation` holds.
    fn seat_of(
        &mut self,
        license: &LicenseId,
        activation: &ActivationId,
    ) -> Result<Option<SeatRecord>, AuthorityError> {
        Ok(self.seats(license)?.into_iter().find(|s| s.holder.as_ref() == Some(activation)))
    }
    /// Adds a seat.
    fn insert_seat(&mut self, seat: &SeatRecord) -> Result<(), AuthorityError>;
    /// Adds the free seats numbered `first..=last` to `pack` of `license`,
    /// no transfer used: a license's seats or a seat pack in one step
    /// (one statement on the databases), so issuing is linear in its seats.
    fn insert_free_seats(
        &mut self,
        license: &LicenseId,
        pack: u32,
        first: u32,
        last: u32,
    ) -> Result<(), AuthorityError>;
    /// Changes a seat's holder or transfer count.
    fn update_seat(&mut self, seat: &SeatRecord) -> Result<(), AuthorityError>;
    /// Removes a free seat.
    fn remove_seat(&mut self, license: &LicenseId, seat: u32) -> Result<(), AuthorityError>;

    /// The activation `id`.
    fn activation(&mut self, id: &ActivationId) -> Result<Option<ActivationRecord>, AuthorityError>;
    /// The activations of `license`.
    fn activations(
        &mut self,
        license: &LicenseId,
        which: Which,
    ) -> Result<Vec<ActivationRecord>, AuthorityError>;
    /// The activations of `license` (active ones, or all) whose certified
    /// profile has a digest whose first four bytes, big-endian, are one of
    /// `prefixes` ([`digest_prefixes`](super::digest_prefixes)), plus every
    /// one whose profile the ledger could not index (a damaged or hand-edited
    /// row), in the order of [`activations`](Self::activations). The ledger
    /// keeps this index itself, from the `profile` of each activation it
    /// writes (`insert_activation`, `update_activation`; erasing the profile
    /// drops its keys), so a lookup costs the candidates, not the license.
    fn activations_sharing(
        &mut self,
        license: &LicenseId,
        which: Which,
        prefixes: &[u32],
    ) -> Result<Vec<ActivationRecord>, AuthorityError>;
    /// How many temporary activations of `license` are active and running
    /// at `now` (an indexed count).
    fn count_running_temporary(&mut self, license: &LicenseId, now: Timestamp)
    -> Result<u32, AuthorityError>;
    /// Records a new activation.
    fn insert_activation(&mut self, record: &ActivationRecord) -> Result<(), AuthorityError>;
    /// Replaces an activation's record.
    fn update_activation(&mut self, record: &ActivationRecord) -> Result<(), AuthorityError>;

    /// The stores of `activation` (every store it granted a certificate), by
    /// first grant then key.
    fn stores_of(&mut self, activation: &ActivationId) -> Result<Vec<StoreRecord>, AuthorityError>;
    /// The stores of `license`'s activations holding the activation key `key`
    /// (one per activation the store was granted by), by first grant.
    fn stores_with_key(
        &mut self,
        license: &LicenseId,
        key: &[u8; 32],
    ) -> Result<Vec<StoreRecord>, AuthorityError>;
    /// Records a store's first certificate of an activation.
    fn insert_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError>;
    /// Replaces a store record (a later certificate, divergence, surrender).
    fn update_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError>;

    /// Appends a profile `activation` was certified for at `at` (its
    /// lineage: what the tolerance simulator replays).
    fn append_certified_profile(
        &mut self,
        activation: &ActivationId,
        at: Timestamp,
        profile: &[u8],
    ) -> Result<(), AuthorityError>;
    /// The profiles `activation` was certified for, oldest first.
    fn certified_profiles(
        &mut self,
        activation: &ActivationId,
    ) -> Result<Vec<(Timestamp, Vec<u8>)>, AuthorityError>;
    /// Erases them (anonymising the activation).
    fn erase_certified_profiles(&mut self, activation: &ActivationId) -> Result<(), AuthorityError>;

    /// Appends `event` to the history; returns its `seq`.
    fn append_history(&mut self, event: &Event) -> Result<u64, AuthorityError>;
    /// The history, of one license or all.
    fn history(&mut self, license: Option<&LicenseId>) -> Result<Vec<HistoryEntry>, AuthorityError>;
}

/// A borrowed ledger is a ledger: several authorities (say one with the
/// signing key, one for administration) can share one.
impl<L: Ledger> Ledger for &L {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        (**self).transaction(f)
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        (**self).read(f)
    }
}

/// A shared ledger is a ledger.
impl<L: Ledger> Ledger for std::sync::Arc<L> {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        (**self).transaction(f)
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        (**self).read(f)
    }
}
