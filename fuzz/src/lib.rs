//! Shared fixtures of the fuzz targets: the fixed keys every target trusts.
//!
//! The seed corpora under `fuzz/corpus/` are made with these same keys by
//! the crate's `tests/fuzz_seeds.rs`, so a seed that is a valid message
//! verifies here and the fuzzer starts from the accepting paths, not only
//! from the refusals.

use std::sync::LazyLock;

use nodelock::{SecretKey, TrustedKeys};

/// [`vendor_key`], made once.
pub static VENDOR: LazyLock<SecretKey> = LazyLock::new(vendor_key);
/// [`trusted`], made once.
pub static TRUSTED: LazyLock<TrustedKeys> = LazyLock::new(trusted);
/// [`activation_key`], made once.
pub static ACTIVATION: LazyLock<SecretKey> = LazyLock::new(activation_key);

/// The vendor key of `tests/vectors/`: seed bytes `0x00..=0x1f`. It signs the
/// license vectors, and the seed certificates (standing in for the
/// authority's key).
pub fn vendor_key() -> SecretKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8;
    }
    SecretKey::from_seed(&seed)
}

/// The set of trusted keys: the vendor key only.
pub fn trusted() -> TrustedKeys {
    TrustedKeys::single(vendor_key().public_key().clone())
}

/// The activation key of the seed receipt: seed `0x33` × 32.
pub fn activation_key() -> SecretKey {
    SecretKey::from_seed(&[0x33; 32])
}

/// The public half of [`activation_key`], as a certificate carries it.
pub fn activation_public() -> [u8; 32] {
    activation_key().public_key().to_bytes()
}

/// Reads the fuzz input as text when it is UTF-8.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
