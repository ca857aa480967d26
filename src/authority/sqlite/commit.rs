//! Group commit: concurrent operations on one [`SqliteLedger`](super::SqliteLedger)
//! share a write transaction and its single durable flush.
//!
//! A durable commit costs one `fsync` of the write-ahead log (about 2 ms on
//! the virtual disk this was measured on), so committing every operation on
//! its own caps a ledger at a few hundred operations a second however many
//! clients are waiting. Instead, while other threads wait to write, the
//! thread that finished its operation leaves the transaction open and
//! waits; the next thread runs its operation in the same transaction; the
//! last one (or the one that fills the batch) commits for all and wakes them.
//!
//! What each operation still gets:
//!
//! - **atomicity**: it runs inside its own `SAVEPOINT`; if it fails (or
//!   panics) it is rolled back alone, and the others in the batch are kept;
//! - **isolation**: operations run one at a time, in the order they got the
//!   connection, each seeing everything the previous ones wrote;
//! - **durability**: no operation returns before the commit that contains
//!   it is on disk; if that commit fails, every operation in it fails with
//!   [`AuthorityError::CommitFailed`], sharing the one cause.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::{sql_error, tx::SqliteTx};
use crate::authority::LedgerError;
use crate::authority::error::AuthorityError;
use crate::authority::ledger::LedgerTx;

/// The most operations one commit carries, bounding how long the first
/// operation of a batch waits for its flush.
const MAX_BATCH: usize = 128;

/// The connection and the batch open on it.
pub(super) struct State {
    /// The connection; without an open batch it is in autocommit mode.
    pub(super) conn: Connection,
    /// The batch whose transaction is open, if any.
    open: Option<u64>,
    /// Operations in the open batch.
    ops: usize,
    /// The number of the next batch.
    next: u64,
    /// Every batch up to this one has been committed or has failed.
    done: u64,
    /// Failed batches: why, and how many of their operations have not yet
    /// collected the failure.
    failures: HashMap<u64, (Arc<AuthorityError>, usize)>,
}

/// A connection shared by the threads writing through one ledger.
pub(super) struct GroupCommit {
    state: Mutex<State>,
    committed: Condvar,
    waiting: AtomicUsize,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").field("waiting", &self.waiting.load(Ordering::Relaxed)).finish()
    }
}

impl GroupCommit {
    pub(super) fn new(conn: Connection) -> Self {
        let state = State { conn, open: None, ops: 0, next: 1, done: 0, failures: HashMap::new() };
        GroupCommit { state: Mutex::new(state), committed: Condvar::new(), waiting: AtomicUsize::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Operations run under catch_unwind, so a poisoned lock only means a
        // panic in this file's own bookkeeping; the state is still coherent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection with no batch open (an open one is committed first),
    /// for reads and maintenance.
    pub(super) fn idle(&self) -> MutexGuard<'_, State> {
        let mut state = self.lock();
        if state.open.is_some() {
            self.finish(&mut state, None);
        }
        state
    }

    /// Runs one write operation in the current batch and returns once the
    /// batch is durably committed (or has failed).
    pub(super) fn write<R>(
        &self,
        f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
    ) -> Result<R, AuthorityError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut state = self.lock();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let epoch = match state.open {
            Some(epoch) => epoch,
            None => {
                state.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql_error)?;
                let epoch = state.next;
                state.next += 1;
                state.open = Some(epoch);
                epoch
            }
        };
        state.ops += 1;
        let (result, panic) = run_operation(&state.conn, f);
        let result = if state.conn.is_autocommit() {
            // SQLite rolled the whole transaction back (I/O error, full
            // disk…): every operation of the batch is lost, this one
            // included, and they all report this operation's error.
            let cause = result.err().unwrap_or(AuthorityError::Storage(LedgerError::RolledBack));
            self.finish(&mut state, Some(Arc::new(cause)));
            None
        } else {
            if self.waiting.load(Ordering::SeqCst) == 0 || state.ops >= MAX_BATCH {
                self.finish(&mut state, None);
            } else {
                state = self
                    .committed
                    .wait_while(state, |s| s.done < epoch)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            Some(result)
        };
        let failed = take_failure(&mut state, epoch);
        drop(state);
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
        match (result, failed) {
            (Some(Err(e)), _) => Err(e),
            (_, Some(cause)) => Err(AuthorityError::CommitFailed(cause)),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(AuthorityError::Storage(LedgerError::RolledBack)),
        }
    }

    /// Ends the open batch: commits it, or records `failure` for its
    /// operations; wakes everyone waiting for it.
    fn finish(&self, state: &mut State, failure: Option<Arc<AuthorityError>>) {
        let Some(epoch) = state.open.take() else { return };
        let failure =
            failure.or_else(|| state.conn.execute_batch("COMMIT").map_err(|e| Arc::new(sql_error(e))).err());
        if let Some(why) = failure {
            if !state.conn.is_autocommit() {
                let _ = state.conn.execute_batch("ROLLBACK");
            }
            state.failures.insert(epoch, (why, state.ops));
        }
        state.ops = 0;
        state.done = epoch;
        self.committed.notify_all();
    }
}

/// Runs `f` inside a savepoint: released when it succeeds, rolled back when
/// it fails or panics (the panic is returned to be resumed once the batch
/// is settled).
#[allow(clippy::type_complexity)]
fn run_operation<R>(
    conn: &Connection,
    f: &mut dyn FnMut(&mut dyn LedgerTx) -> Result<R, AuthorityError>,
) -> (Result<R, AuthorityError>, Option<Box<dyn std::any::Any + Send>>) {
    if let Err(e) = conn.execute_batch("SAVEPOINT operation") {
        return (Err(sql_error(e)), None);
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut SqliteTx::new(conn))));
    let (result, panic) = match outcome {
        Ok(result) => (result, None),
        Err(payload) => (Err(AuthorityError::Storage(LedgerError::Panicked)), Some(payload)),
    };
    if conn.is_autocommit() {
        return (result, panic);
    }
    let end = match result {
        Ok(_) => conn.execute_batch("RELEASE operation"),
        Err(_) => conn.execute_batch("ROLLBACK TO operation; RELEASE operation"),
    };
    match (result, end) {
        (Ok(_), Err(e)) => {
            // Not released: undo the operation rather than commit half of it.
            let _ = conn.execute_batch("ROLLBACK TO operation; RELEASE operation");
            (Err(sql_error(e)), panic)
        }
        (result, _) => (result, panic),
    }
}

/// Whether batch `epoch` failed; each of its operations collects it once.
fn take_failure(state: &mut State, epoch: u64) -> Option<Arc<AuthorityError>> {
    let (why, left) = state.failures.get_mut(&epoch)?;
    let why = why.clone();
    *left = left.saturating_sub(1);
    if *left == 0 {
        state.failures.remove(&epoch);
    }
    Some(why)
}
