//! License keys: `LicenseKey::parse` never panics on any text (it never
//! allocates, whatever the length); a key that parses prints as its
//! canonical `NL-…` text, which parses back to the same key, and its digest
//! is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::license::LicenseKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(key) = LicenseKey::parse(text) else { return };
    let canonical = key.to_string();
    assert_eq!(canonical.len(), 26);
    assert!(canonical.starts_with("NL-"));
    let again = LicenseKey::parse(&canonical).expect("the canonical text parses");
    assert_eq!(again, key, "round trip");
    assert_eq!(again.digest(), key.digest());
});
