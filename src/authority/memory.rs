//! [`MemoryLedger`]: a ledger in memory, for tests, examples and fuzzing.
//!
//! A transaction works on a copy of the state under a mutex and replaces the
//! state only when it succeeds, so failed operations leave nothing behind.
//! It refuses the same inconsistent writes as the SQLite schema (a seat
//! beyond the allowance, a seat held by an ended or temporary activation, a
//! seat given up while held, transfers beyond the allowance), so a bug in
//! the shared rules shows on both backends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use super::LedgerError;
use super::candidates::prefixes_of_bytes;
use super::error::AuthorityError;
use super::ledger::{Ledger, LedgerTx, Which};
use super::record::{
    ActivationRecord, ActivationState, Event, HistoryEntry, LicenseRecord, SeatRecord, StoreRecord,
};
use crate::activation::{ActivationId, ActivationKind};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, Default)]
struct State {
    licenses: BTreeMap<LicenseId, LicenseRecord>,
    key_digests: BTreeMap<LicenseId, [u8; 32]>,
    by_key_digest: BTreeMap<[u8; 32], LicenseId>,
    seats: BTreeMap<(LicenseId, u32), SeatRecord>,
    activations: BTreeMap<ActivationId, ActivationRecord>,
    stores: BTreeMap<(ActivationId, [u8; 32]), StoreRecord>,
    certified: BTreeMap<ActivationId, Vec<(Timestamp, Vec<u8>)>>,
    /// The digest-prefix index: (license, key, activation); key `None` for
    /// a profile that is not a profile (always a candidate).
    prefixes: BTreeSet<(LicenseId, Option<u32>, ActivationId)>,
    history: Vec<HistoryEntry>,
}

/// The index keys of `record`'s certified profile.
fn index_keys(record: &ActivationRecord) -> Vec<Option<u32>> {
    match &record.profile {
        None => Vec::new(),
        Some(bytes) => match prefixes_of_bytes(bytes) {
            Some(keys) => keys.into_iter().map(Some).collect(),
            None => vec![None],
        },
    }
}

/// A ledger held in memory; it is lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clone for MemoryLedger {
    /// An independent copy of the ledger as it is now.
    fn clone(&self) -> Self {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner).clone();
        MemoryLedger { state: Mutex::new(state) }
    }
}

impl Ledger for MemoryLedger {
    fn transaction<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        // A panic inside `f` only ever poisons the lock between whole
        // transactions: the state itself is replaced only on success.
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut work = guard.clone();
        let result = f(&mut MemoryTx { state: &mut work, writable: true })?;
        *guard = work;
        Ok(result)
    }

    fn read<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut MemoryTx { state: &mut guard, writable: false })
    }
}

struct MemoryTx<'a> {
    state: &'a mut State,
    writable: bool,
}

fn refuse<T>(rule: &'static str) -> Result<T, AuthorityError> {
    Err(AuthorityError::LedgerRefused(LedgerError::Rule(rule)))
}

impl MemoryTx<'_> {
    fn writing(&self) -> Result<(), AuthorityError> {
        if self.writable { Ok(()) } else { refuse("a read-only transaction cannot write") }
    }

    fn seat_count(&self, license: &LicenseId) -> usize {
        self.state.seats.range((*license, 0)..=(*license, u32::MAX)).count()
    }

    fn check_holder(&self, seat: &SeatRecord) -> Result<(), AuthorityError> {
        let Some(holder) = seat.holder else { return Ok(()) };
        match self.state.activations.get(&holder) {
            Some(a)
                if a.license_id == seat.license_id
                    && a.state == ActivationState::Active
                    && a.kind == ActivationKind::Permanent => {}
            _ => return refuse("only an active permanent activation of the license can hold a seat"),
        }
        let elsewhere = self
            .state
            .seats
            .values()
            .any(|s| s.holder == Some(holder) && (s.license_id, s.seat) != (seat.license_id, seat.seat));
        if elsewhere { refuse("an activation holds at most one seat") } else { Ok(()) }
    }

    fn index(&mut self, record: &ActivationRecord) {
        for key in index_keys(record) {
            self.state.prefixes.insert((record.license_id, key, record.activation_id));
        }
    }

    fn unindex(&mut self, record: &ActivationRecord) {
        for key in index_keys(record) {
            self.state.prefixes.remove(&(record.license_id, key, record.activation_id));
        }
    }

    fn holds_seat(&self, activation: &ActivationId) -> bool {
        self.state.seats.values().any(|s| s.holder.as_ref() == Some(activation))
    }
}

impl LedgerTx for MemoryTx<'_> {
    fn license(&mut self, id: &LicenseId) -> Result<Option<LicenseRecord>, AuthorityError> {
        Ok(self.state.licenses.get(id).cloned())
    }

    fn licenses(&mut self) -> Result<Vec<LicenseRecord>, AuthorityError> {
        let mut all: Vec<_> = self.state.licenses.values().cloned().collect();
        all.sort_by(|a, b| (&a.product, a.license_id).cmp(&(&b.product, b.license_id)));
        Ok(all)
    }

    fn insert_license(&mut self, record: &LicenseRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        if self.state.licenses.contains_key(&record.license_id) {
            return refuse("the license is already recorded");
        }
        if record.total_seats == 0 {
            return refuse("a license has at least one seat");
        }
        self.state.licenses.insert(record.license_id, record.clone());
        Ok(())
    }

    fn update_license(&mut self, record: &LicenseRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        if !self.state.licenses.contains_key(&record.license_id) {
            return refuse("no such license");
        }
        if (record.total_seats as usize) < self.seat_count(&record.license_id) || record.total_seats == 0 {
            return refuse("the seat allowance cannot drop below the seats that exist");
        }
        self.state.licenses.insert(record.license_id, record.clone());
        Ok(())
    }

    fn license_key_digest(&mut self, id: &LicenseId) -> Result<Option<[u8; 32]>, AuthorityError> {
        Ok(self.state.key_digests.get(id).copied())
    }

    fn set_license_key_digest(&mut self, id: &LicenseId, digest: &[u8; 32]) -> Result<(), AuthorityError> {
        self.writing()?;
        if !self.state.licenses.contains_key(id) {
            return refuse("no such license");
        }
        match self.state.key_digests.get(id) {
            Some(old) if old == digest => return Ok(()),
            Some(_) => return refuse("a license keeps its key"),
            None => {}
        }
        if self.state.by_key_digest.contains_key(digest) {
            return refuse("a license key opens one license");
        }
        self.state.key_digests.insert(*id, *digest);
        self.state.by_key_digest.insert(*digest, *id);
        Ok(())
    }

    fn license_by_key_digest(&mut self, digest: &[u8; 32]) -> Result<Option<LicenseRecord>, AuthorityError> {
        Ok(self.state.by_key_digest.get(digest).and_then(|id| self.state.licenses.get(id)).cloned())
    }

    fn seats(&mut self, license: &LicenseId) -> Result<Vec<SeatRecord>, AuthorityError> {
        Ok(self.state.seats.range((*license, 0)..=(*license, u32::MAX)).map(|(_, s)| s.clone()).collect())
    }

    fn seats_after(
        &mut self,
        license: &LicenseId,
        after: u32,
        limit: u32,
    ) -> Result<Vec<SeatRecord>, AuthorityError> {
        let Some(from) = after.checked_add(1) else { return Ok(Vec::new()) };
        let range = self.state.seats.range((*license, from)..=(*license, u32::MAX));
        Ok(range.take(limit as usize).map(|(_, s)| s.clone()).collect())
    }

    fn count_held_seats(&mut self, license: &LicenseId) -> Result<u32, AuthorityError> {
        let seats = self.state.seats.range((*license, 0)..=(*license, u32::MAX));
        Ok(seats.filter(|(_, s)| s.holder.is_some()).count() as u32)
    }

    fn insert_seat(&mut self, seat: &SeatRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        let Some(license) = self.state.licenses.get(&seat.license_id) else {
            return refuse("no such license");
        };
        if self.seat_count(&seat.license_id) >= license.total_seats as usize {
            return refuse("over-allocation: the license has no seat left to add");
        }
        if seat.seat == 0 || self.state.seats.contains_key(&(seat.license_id, seat.seat)) {
            return refuse("seat numbers are unique and start at 1");
        }
        self.check_holder(seat)?;
        self.state.seats.insert((seat.license_id, seat.seat), seat.clone());
        Ok(())
    }

    fn insert_free_seats(
        &mut self,
        license: &LicenseId,
        pack: u32,
        first: u32,
        last: u32,
    ) -> Result<(), AuthorityError> {
        for seat in first..=last {
            self.insert_seat(&SeatRecord {
                license_id: *license,
                seat,
                pack,
                transfers_used: 0,
                holder: None,
            })?;
        }
        Ok(())
    }

    fn update_seat(&mut self, seat: &SeatRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        let key = (seat.license_id, seat.seat);
        let Some(old) = self.state.seats.get(&key) else { return refuse("no such seat") };
        let allowed = self.state.licenses.get(&seat.license_id).map_or(0, |l| l.transfers_per_seat);
        if seat.transfers_used < old.transfers_used || seat.transfers_used > allowed.max(old.transfers_used) {
            return refuse("transfers are counted up, within the allowance");
        }
        if seat.pack != old.pack {
            return refuse("a seat stays in its pack");
        }
        self.check_holder(seat)?;
        self.state.seats.insert(key, seat.clone());
        Ok(())
    }

    fn remove_seat(&mut self, license: &LicenseId, seat: u32) -> Result<(), AuthorityError> {
        self.writing()?;
        match self.state.seats.get(&(*license, seat)) {
            Some(s) if s.holder.is_none() => {
                self.state.seats.remove(&(*license, seat));
                Ok(())
            }
            Some(_) => refuse("a held seat cannot be removed"),
            None => refuse("no such seat"),
        }
    }

    fn activation(&mut self, id: &ActivationId) -> Result<Option<ActivationRecord>, AuthorityError> {
        Ok(self.state.activations.get(id).cloned())
    }

    fn activations(
        &mut self,
        license: &LicenseId,
        which: Which,
    ) -> Result<Vec<ActivationRecord>, AuthorityError> {
        let mut found: Vec<_> = self
            .state
            .activations
            .values()
            .filter(|a| {
                a.license_id == *license && (which == Which::All || a.state == ActivationState::Active)
            })
            .cloned()
            .collect();
        found.sort_by_key(|a| (a.since, a.activation_id));
        Ok(found)
    }

    fn activations_sharing(
        &mut self,
        license: &LicenseId,
        which: Which,
        prefixes: &[u32],
    ) -> Result<Vec<ActivationRecord>, AuthorityError> {
        let (low, high) = (ActivationId([0; 16]), ActivationId([0xff; 16]));
        let mut ids = BTreeSet::new();
        for key in std::iter::once(None).chain(prefixes.iter().copied().map(Some)) {
            let range = (*license, key, low)..=(*license, key, high);
            ids.extend(self.state.prefixes.range(range).map(|(_, _, id)| *id));
        }
        let mut found: Vec<_> = ids
            .iter()
            .filter_map(|id| self.state.activations.get(id))
            .filter(|a| which == Which::All || a.state == ActivationState::Active)
            .cloned()
            .collect();
        found.sort_by_key(|a| (a.since, a.activation_id));
        Ok(found)
    }

    fn count_running_temporary(
        &mut self,
        license: &LicenseId,
        now: Timestamp,
    ) -> Result<u32, AuthorityError> {
        let running =
            self.state.activations.values().filter(|a| {
                a.license_id == *license && a.kind != ActivationKind::Permanent && a.is_live(now)
            });
        Ok(running.count() as u32)
    }

    fn insert_activation(&mut self, record: &ActivationRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        if self.state.activations.contains_key(&record.activation_id) {
            return refuse("the activation id is already recorded");
        }
        if !self.state.licenses.contains_key(&record.license_id) {
            return refuse("no such license");
        }
        self.state.activations.insert(record.activation_id, record.clone());
        self.index(record);
        Ok(())
    }

    fn update_activation(&mut self, record: &ActivationRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        let Some(old) = self.state.activations.get(&record.activation_id) else {
            return refuse("no such activation");
        };
        if old.license_id != record.license_id {
            return refuse("an activation stays with its license");
        }
        let keeps_seat = record.state == ActivationState::Active && record.kind == ActivationKind::Permanent;
        if !keeps_seat && self.holds_seat(&record.activation_id) {
            return refuse("an activation that holds a seat must give it up before it ends");
        }
        if old.profile != record.profile {
            let old = old.clone();
            self.unindex(&old);
            self.index(record);
        }
        self.state.activations.insert(record.activation_id, record.clone());
        Ok(())
    }

    fn stores_of(&mut self, activation: &ActivationId) -> Result<Vec<StoreRecord>, AuthorityError> {
        let range = (*activation, [0; 32])..=(*activation, [0xff; 32]);
        let mut found: Vec<_> = self.state.stores.range(range).map(|(_, s)| s.clone()).collect();
        found.sort_by_key(|s| (s.first_granted, s.activation_key));
        Ok(found)
    }

    fn stores_with_key(
        &mut self,
        license: &LicenseId,
        key: &[u8; 32],
    ) -> Result<Vec<StoreRecord>, AuthorityError> {
        let mut found: Vec<_> = self
            .state
            .stores
            .values()
            .filter(|s| s.license_id == *license && s.activation_key == *key)
            .cloned()
            .collect();
        found.sort_by_key(|s| (s.first_granted, s.activation_id));
        Ok(found)
    }

    fn insert_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        match self.state.activations.get(&store.activation_id) {
            Some(a) if a.license_id == store.license_id => {}
            _ => return refuse("a store belongs to an activation of its license"),
        }
        let key = (store.activation_id, store.activation_key);
        if self.state.stores.contains_key(&key) {
            return refuse("the store is already recorded for this activation");
        }
        if store.surrendered_at.is_some() {
            return refuse("a new store holds its certificate");
        }
        self.state.stores.insert(key, store.clone());
        Ok(())
    }

    fn update_store(&mut self, store: &StoreRecord) -> Result<(), AuthorityError> {
        self.writing()?;
        let key = (store.activation_id, store.activation_key);
        let Some(old) = self.state.stores.get(&key) else { return refuse("no such store") };
        if old.license_id != store.license_id {
            return refuse("a store keeps its activation, license and key");
        }
        if old.surrendered_at.is_some() && (store.surrendered_at != old.surrendered_at || store != old) {
            return refuse("a surrendered store is never granted again");
        }
        self.state.stores.insert(key, store.clone());
        Ok(())
    }

    fn append_certified_profile(
        &mut self,
        activation: &ActivationId,
        at: Timestamp,
        profile: &[u8],
    ) -> Result<(), AuthorityError> {
        self.writing()?;
        if !self.state.activations.contains_key(activation) {
            return refuse("a certified profile belongs to an activation");
        }
        self.state.certified.entry(*activation).or_default().push((at, profile.to_vec()));
        Ok(())
    }

    fn certified_profiles(
        &mut self,
        activation: &ActivationId,
    ) -> Result<Vec<(Timestamp, Vec<u8>)>, AuthorityError> {
        Ok(self.state.certified.get(activation).cloned().unwrap_or_default())
    }

    fn erase_certified_profiles(&mut self, activation: &ActivationId) -> Result<(), AuthorityError> {
        self.writing()?;
        self.state.certified.remove(activation);
        Ok(())
    }

    fn append_history(&mut self, event: &Event) -> Result<u64, AuthorityError> {
        self.writing()?;
        let seq = self.state.history.len() as u64 + 1;
        self.state.history.push(HistoryEntry { seq, event: event.clone() });
        Ok(seq)
    }

    fn history(&mut self, license: Option<&LicenseId>) -> Result<Vec<HistoryEntry>, AuthorityError> {
        Ok(self
            .state
            .history
            .iter()
            .filter(|e| license.is_none() || e.event.license_id.as_ref() == license)
            .cloned()
            .collect())
    }
}
