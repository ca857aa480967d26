//! Crash atomicity of the license store: a writer process is killed with
//! SIGKILL at random moments, over and over; every load afterwards must see a
//! complete old or new state, never a torn file. The child marks the start
//! and end of every write on its stdout, so the test shows that kills did
//! land in the middle of writes. The kill delays come from a seed, taken from
//! `NODELOCK_TEST_SEED` when set and printed either way.
#![cfg(all(unix, feature = "client"))]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use nodelock::activation::Store;
use nodelock::profile::{ProductKey, Profile};

const DIR_VAR: &str = "NODELOCK_CRASH_STORE";

/// Two license texts of different sizes, so a torn write would show.
fn texts() -> [String; 2] {
    let small = license().sign(&vendor()).unwrap().to_armoured();
    let mut big = license();
    big.licensee = "A licensee with a much longer name, to change the file size".repeat(4);
    [small, big.sign(&vendor()).unwrap().to_armoured()]
}

/// The child: rewrites the store as fast as it can until it is killed.
#[test]
#[ignore = "run by crash_at_random_moments_never_tears_the_store as a child process"]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(DIR_VAR) else { return };
    let store = Store::new(dir);
    let texts = texts();
    let profile =
        Profile::build(&machine(), &ProductKey::for_product(PRODUCT), license().policy.include_removable);
    for i in 0u64.. {
        let text = &texts[(i % 2) as usize];
        println!("start license {i}");
        store.install_license(text).unwrap();
        println!("done license {i}");
        println!("start state {i}");
        store
            .request(text, &license(), profile.clone(), Some(format!("machine {i}")), ts("2026-07-01"))
            .unwrap();
        println!("done state {i}");
        if i == 0 {
            println!("wrote");
        }
    }
}

/// The seed of the kill delays: `NODELOCK_TEST_SEED`, or a fresh random one.
fn seed() -> u64 {
    let seed = match std::env::var("NODELOCK_TEST_SEED") {
        Ok(text) => {
            text.trim().parse().unwrap_or_else(|_| panic!("NODELOCK_TEST_SEED={text:?} is not a decimal u64"))
        }
        Err(_) => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).unwrap();
            u64::from_le_bytes(bytes)
        }
    };
    eprintln!("seed {seed} (rerun with NODELOCK_TEST_SEED={seed})");
    seed
}

/// A small deterministic generator for the kill delays.
fn delays(seed: u64) -> impl Iterator<Item = u64> {
    let mut x = seed;
    std::iter::from_fn(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Some(x % 20_000)
    })
}

#[test]
fn crash_at_random_moments_never_tears_the_store() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("store");
    let texts = texts();
    // xorshift needs a non-zero state.
    let seed = seed();
    let mut mid_write = 0;
    for delay_us in delays(seed | 1).take(40) {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_writer_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(DIR_VAR, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.trim_end().ends_with("wrote") => break,
                Some(_) => continue,
                None => panic!("the writer child exited before its first write"),
            }
        }
        // It has written once; let it write for a random while more, then
        // kill it mid-flight.
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        child.kill().unwrap();
        child.wait().unwrap();
        // What the child said last before it died: a "start" without its
        // "done" means the kill landed in the middle of that write.
        let last =
            lines.map_while(Result::ok).filter(|l| l.starts_with("start") || l.starts_with("done")).last();
        if last.as_deref().is_some_and(|l| l.starts_with("start")) {
            mid_write += 1;
        }

        let store = Store::new(&dir);
        let state = store.load().unwrap_or_else(|e| panic!("after a kill at {delay_us} µs: {e}"));
        assert!(!state.pending.is_empty(), "a completed write was lost after a kill at {delay_us} µs");
        assert!(state.pending.len() <= 4);
        for p in &state.pending {
            assert!(texts.contains(&p.license_text), "a pending request holds a torn license");
        }
        if let Ok(text) = std::fs::read_to_string(store.license_path()) {
            assert!(texts.contains(&text), "license.lic is torn after a kill at {delay_us} µs");
        }
        let leftovers = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.')
                && !["anchor", "anchor.next", "license.lic", "activation", "lock"].contains(&name.as_ref())
        });
        assert_eq!(leftovers.count(), 0, "only the store's own files (and temporary dot-files) exist");
    }
    assert!(mid_write > 0, "no kill landed in the middle of a write (seed {seed}); the test proved nothing");
    eprintln!("{mid_write} of 40 kills landed in the middle of a write");
}
