//! Where a certificate's lease stands at a check: [`LeaseState`], the
//! `lease_state` of `nodelock status --json`, and the warning a prompt shows
//! while a lease needs renewing.

use serde::Serialize;

use crate::timestamp::Timestamp;

/// Where a certificate's lease stands at a check (`lease_state` in
/// `nodelock status --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseState {
    /// A perpetual certificate (the license's `lease_days` is 0).
    None,
    /// Inside the first two thirds of the lease.
    Current,
    /// Inside the last third of the lease: time to renew.
    RenewalDue,
    /// Past the end of the lease but inside the grace: still licensed, with
    /// a warning ([`LeaseState::warning`]).
    Overdue,
    /// Past the end and the grace: the check answers
    /// [`Reason::LeaseExpired`](super::Reason::LeaseExpired) instead (never in a [`Licensed`](super::Licensed)).
    Expired,
}

impl LeaseState {
    /// The state at `now` of a lease from `issued_at` to `ends`, with
    /// `grace_secs` after it.
    pub fn at(issued_at: Timestamp, ends: Option<Timestamp>, grace_secs: u64, now: Timestamp) -> LeaseState {
        let Some(ends) = ends else { return LeaseState::None };
        let third = ends.0.saturating_sub(issued_at.0) / 3;
        if now >= ends.plus_secs(grace_secs) {
            LeaseState::Expired
        } else if now >= ends {
            LeaseState::Overdue
        } else if now.0 >= ends.0.saturating_sub(third) {
            LeaseState::RenewalDue
        } else {
            LeaseState::Current
        }
    }

    /// The warning a prompt can show, when the lease needs attention.
    pub fn warning(self, ends: Option<Timestamp>) -> Option<String> {
        let ends = ends?.date_string();
        match self {
            LeaseState::RenewalDue => Some(format!(
                "the activation's lease ends on {ends}; renew it (online, or `nodelock activate renew`)."
            )),
            LeaseState::Overdue => Some(format!(
                "the activation's lease ended on {ends} and runs on only for its grace period; renew it now \
                 (online, or `nodelock activate renew`)."
            )),
            LeaseState::None | LeaseState::Current | LeaseState::Expired => None,
        }
    }
}
