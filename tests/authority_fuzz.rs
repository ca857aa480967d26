//! Runs the authority fuzz harness (see `authority_fuzz/harness.rs`, also
//! the cargo-fuzz target `authority_input`) over random bytes and over
//! damaged copies of valid requests, receipts, licenses and ids, so
//! `cargo test` exercises it: no panic, and no refused input changes the ledger.
#![cfg(feature = "authority")]

#[path = "authority_fuzz/harness.rs"]
mod harness;
#[path = "authority_support/seed.rs"]
mod seed;

use seed::{Rng, test_seed};

/// The inputs' generator, from `NODELOCK_TEST_SEED` or a printed fresh seed.
fn rng(what: &str) -> Rng {
    Rng::new(test_seed(what))
}

#[test]
fn valid_inputs_are_accepted_consistently() {
    for seed in harness::seeds() {
        harness::check(&seed);
    }
}

#[test]
fn text_with_a_character_across_the_code_prefix_is_not_a_code() {
    // Found by this harness: `looks_like_code` sliced at byte 3 inside 'é'.
    for text in ["ab\u{e9}-1234", "NL\u{e9}-ABCD", "\u{1f600}-ABCD-EFGH"] {
        harness::check(text.as_bytes());
    }
}

#[test]
fn random_bytes_never_panic_or_change_the_ledger() {
    let mut rng = rng("random_bytes_never_panic_or_change_the_ledger");
    for _ in 0..2_000 {
        let len = rng.below(300);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        harness::check(&data);
    }
}

#[test]
fn damaged_valid_inputs_never_panic_or_change_the_ledger() {
    let mut rng = rng("damaged_valid_inputs_never_panic_or_change_the_ledger");
    for seed in harness::seeds() {
        // A damaged offline code costs the decoder's typo search (every
        // symbol × every correction), so codes get fewer variants than bytes.
        let is_code = seed.starts_with(b"NL");
        let (step, variants) = if is_code { (250, 4) } else { (3, 400) };
        for cut in (0..seed.len()).step_by(step) {
            harness::check(&seed[..cut]);
        }
        for _ in 0..variants {
            let mut data = seed.clone();
            match rng.below(4) {
                0 => {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(data.len());
                    data[i] = rng.next() as u8;
                }
                2 => {
                    let i = rng.below(data.len() + 1);
                    data.insert(i, rng.next() as u8);
                }
                _ => {
                    // Offline codes: a typo with a character from the code alphabet.
                    let i = rng.below(data.len());
                    data[i] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ-"[rng.below(33)];
                }
            }
            harness::check(&data);
        }
    }
}
