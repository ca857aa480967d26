//! Key files: `PublicKey::from_armoured`, `SecretKey::from_armoured`,
//! `SecretKey::from_file_bytes` and `TrustedKeys::from_armoured` never panic;
//! a key that reads writes back to a file that reads as the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::{PublicKey, SecretKey, TrustedKeys};

fuzz_target!(|data: &[u8]| {
    if let Ok(secret) = SecretKey::from_file_bytes(data) {
        assert_eq!(secret.to_file_bytes().as_slice(), data, "a secret key file has one encoding");
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(public) = PublicKey::from_armoured(text) {
        assert_eq!(PublicKey::from_armoured(&public.to_armoured()).as_ref().ok(), Some(&public));
        assert_eq!(PublicKey::from_bytes(&public.to_bytes()).ok().as_ref(), Some(&public));
        let set = TrustedKeys::from_armoured([text]).expect("a readable key makes a trusted set");
        assert_eq!(set.get(public.id()), Some(&public));
    }
    if let Ok(secret) = SecretKey::from_armoured(text) {
        let again = SecretKey::from_armoured(&secret.to_armoured()).expect("a secret key reads back");
        assert_eq!(again.public_key(), secret.public_key());
        let message = b"nodelock fuzz";
        assert!(secret.public_key().verify_strict(message, &secret.sign(message)));
        assert!(TrustedKeys::from_armoured([text]).is_err(), "a secret key file is not a public key");
    }
});
