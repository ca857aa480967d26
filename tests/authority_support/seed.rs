//! The seed of a random test: `NODELOCK_TEST_SEED` (a decimal u64) when
//! set, else a fresh random one; printed either way, so a failing run can be
//! repeated exactly.
#![allow(dead_code)]

/// The environment variable that fixes a random test's seed.
pub const SEED_VAR: &str = "NODELOCK_TEST_SEED";

/// The seed for `what`, printed as `seed N (rerun with NODELOCK_TEST_SEED=N)`.
pub fn test_seed(what: &str) -> u64 {
    test_seed_or(what, None)
}

/// Like [`test_seed`], with `fallback` (say, a seed another tool was given)
/// used when `NODELOCK_TEST_SEED` is not set.
pub fn test_seed_or(what: &str, fallback: Option<u64>) -> u64 {
    let seed = match std::env::var(SEED_VAR) {
        Ok(text) => {
            text.trim().parse().unwrap_or_else(|_| panic!("{SEED_VAR} must be a decimal u64, not `{text}`"))
        }
        Err(_) => fallback.unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("the operating system's random source");
            u64::from_le_bytes(bytes)
        }),
    };
    eprintln!("{what}: seed {seed} (rerun with {SEED_VAR}={seed})");
    seed
}

/// xorshift64, started from any seed (zero included).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64's finaliser spreads nearby seeds; xorshift needs a non-zero state.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
