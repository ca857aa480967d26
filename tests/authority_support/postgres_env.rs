//! Where the PostgreSQL cases of the tests run: the server named by
//! `NODELOCK_POSTGRES_URL`, a fresh schema per test; without the variable a
//! case says plainly that it was skipped and how to run it.
#![allow(dead_code)]

/// The variable naming the PostgreSQL server the PostgreSQL cases run on.
pub const POSTGRES_VAR: &str = "NODELOCK_POSTGRES_URL";

/// The URL of the PostgreSQL server to test on, or `None` after saying
/// plainly (uncaptured, so `cargo test` shows it) that the test `name` was
/// skipped and how to run it.
pub fn postgres_url(name: &str) -> Option<String> {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to stderr, past the test harness's capture: a skipped
            // case must be seen even though it passes.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {name}: no PostgreSQL server; set {POSTGRES_VAR}=postgres://user@host:port/db \
                 (or start one with `.ci/postgres/cluster.sh start DIR`) to run it"
            );
            None
        }
    }
}

/// A schema name no other test uses.
pub fn fresh_schema() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("t_{}_{}_{}", std::process::id(), nanos % 1_000_000_000_000, NEXT.fetch_add(1, Ordering::Relaxed))
}
