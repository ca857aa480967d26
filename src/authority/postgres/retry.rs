//! Running a transaction again after PostgreSQL aborted it for a conflict
//! with a concurrent one (SQLSTATE 40001 serialization failure, 40P01
//! deadlock): bounded, with a jittered exponential back-off, and
//! [`AuthorityError::Busy`] once the attempts are spent.

use std::time::Duration;

use crate::authority::error::AuthorityError;

/// How many times one operation is tried before the ledger reports
/// [`AuthorityError::Busy`].
pub const MAX_ATTEMPTS: u32 = 32;

/// The pause before attempt `attempt + 1`: ½ ms doubling up to 32 ms, plus
/// `jitter_micros`.
pub(super) fn backoff(attempt: u32, jitter_micros: u64) -> Duration {
    Duration::from_micros((500u64 << attempt.min(6)) + jitter_micros)
}

/// Runs `run(attempt)` until it succeeds, fails with an error that is not a
/// conflict, or has failed [`MAX_ATTEMPTS`] times with conflicts (then
/// [`AuthorityError::Busy`]); `pause(attempt)` between attempts.
pub(super) fn retrying<R>(
    mut run: impl FnMut(u32) -> Result<R, AuthorityError>,
    is_conflict: impl Fn(&AuthorityError) -> bool,
    mut pause: impl FnMut(u32),
) -> Result<R, AuthorityError> {
    let mut attempt = 0;
    loop {
        match run(attempt) {
            Err(e) if is_conflict(&e) => {
                attempt += 1;
                if attempt >= MAX_ATTEMPTS {
                    return Err(AuthorityError::Busy);
                }
                pause(attempt);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(e: &AuthorityError) -> bool {
        matches!(e, AuthorityError::NoKeyPath)
    }

    #[test]
    fn a_conflict_is_tried_again_and_the_first_success_returned() {
        let mut pauses = Vec::new();
        let got = retrying(
            |attempt| if attempt < 3 { Err(AuthorityError::NoKeyPath) } else { Ok(attempt) },
            conflict,
            |a| pauses.push(a),
        );
        assert_eq!(got.unwrap(), 3);
        assert_eq!(pauses, [1, 2, 3]);
    }

    #[test]
    fn endless_conflicts_stop_after_max_attempts_as_busy() {
        let mut runs = 0;
        let got: Result<(), _> = retrying(
            |_| {
                runs += 1;
                Err(AuthorityError::NoKeyPath)
            },
            conflict,
            |_| {},
        );
        assert!(matches!(got, Err(AuthorityError::Busy)), "{got:?}");
        assert_eq!(runs, MAX_ATTEMPTS);
    }

    #[test]
    fn another_error_is_returned_at_once() {
        let mut runs = 0;
        let got: Result<(), _> = retrying(
            |_| {
                runs += 1;
                Err(AuthorityError::NoSigningKey)
            },
            conflict,
            |_| {},
        );
        assert!(matches!(got, Err(AuthorityError::NoSigningKey)));
        assert_eq!(runs, 1);
    }

    #[test]
    fn the_backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 0), Duration::from_micros(1_000));
        assert_eq!(backoff(6, 0), Duration::from_micros(32_000));
        assert_eq!(backoff(30, 7), Duration::from_micros(32_007));
    }
}
