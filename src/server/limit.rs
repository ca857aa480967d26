//! Rate limiting of wrong license keys, per client address: a key has at
//! least 80 random bits, so guessing is hopeless anyway; the limit keeps the
//! service from being used as an oracle at network speed and makes a
//! brute-force run visible in the log.
//!
//! Each address may name `allowed` unknown (or mistyped) keys in a window of
//! `window` seconds; past that, every key request from it is answered 429
//! with `Retry-After` until its window ends — a correct key included, so the
//! limit cannot be probed. Time is the service's clock (injected in tests).
//! The table is bounded: when it is full, windows that ended are dropped, and
//! when none has ended every address is counted in one shared window (a
//! flood from many addresses slows every key request rather than growing
//! memory).

use std::collections::HashMap;
use std::net::IpAddr;

use crate::timestamp::Timestamp;

/// The most addresses tracked one by one.
const MAX_TRACKED: usize = 10_000;

/// The limiter (see the module documentation).
#[derive(Debug)]
pub struct KeyLimiter {
    allowed: u32,
    window: u64,
    windows: HashMap<Option<IpAddr>, Window>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Timestamp,
    failures: u32,
}

impl KeyLimiter {
    /// `allowed` wrong keys per address every `window_secs` seconds.
    pub fn new(allowed: u32, window_secs: u64) -> KeyLimiter {
        KeyLimiter { allowed, window: window_secs.max(1), windows: HashMap::new() }
    }

    /// `Some(seconds to wait)` when `addr` is over its limit at `now`.
    pub fn blocked(&self, addr: IpAddr, now: Timestamp) -> Option<u64> {
        let w = self.windows.get(&self.slot(addr))?;
        let ends = w.start.0.saturating_add(self.window);
        (w.failures >= self.allowed && now.0 < ends).then(|| ends - now.0)
    }

    /// Counts a wrong key from `addr` at `now`.
    pub fn failed(&mut self, addr: IpAddr, now: Timestamp) {
        if self.windows.len() >= MAX_TRACKED && !self.windows.contains_key(&Some(addr)) {
            let window = self.window;
            self.windows.retain(|_, w| now.0 < w.start.0.saturating_add(window));
        }
        let slot = self.slot(addr);
        let window = self.window;
        let w = self.windows.entry(slot).or_insert(Window { start: now, failures: 0 });
        if now.0 >= w.start.0.saturating_add(window) {
            *w = Window { start: now, failures: 0 };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// The table entry `addr` is counted in.
    fn slot(&self, addr: IpAddr) -> Option<IpAddr> {
        if self.windows.contains_key(&Some(addr)) || self.windows.len() < MAX_TRACKED {
            Some(addr)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn an_address_is_blocked_after_its_allowance_until_its_window_ends() {
        let mut l = KeyLimiter::new(3, 60);
        let t = Timestamp(1_000);
        for i in 0..3 {
            assert_eq!(l.blocked(A, t.plus_secs(i)), None, "attempt {i} is allowed");
            l.failed(A, t.plus_secs(i));
        }
        assert_eq!(l.blocked(A, t.plus_secs(10)), Some(50));
        assert_eq!(l.blocked(B, t.plus_secs(10)), None, "another address is not affected");
        assert_eq!(l.blocked(A, t.plus_secs(60)), None, "the window ended");
        l.failed(A, t.plus_secs(60));
        assert_eq!(l.blocked(A, t.plus_secs(61)), None, "a new window counts from one");
    }

    #[test]
    fn a_flood_of_addresses_shares_one_window_instead_of_growing_the_table() {
        let mut l = KeyLimiter::new(2, 60);
        let t = Timestamp(5_000);
        for i in 0..MAX_TRACKED as u32 + 50 {
            l.failed(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), t);
        }
        assert!(l.windows.len() <= MAX_TRACKED + 1);
        let newcomer = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));
        assert!(l.blocked(newcomer, t).is_some(), "the shared window is over its allowance");
        // Once the windows end, the table makes room again.
        l.failed(newcomer, t.plus_secs(61));
        assert_eq!(l.blocked(newcomer, t.plus_secs(62)), None);
        assert!(l.windows.len() < 10);
    }
}
