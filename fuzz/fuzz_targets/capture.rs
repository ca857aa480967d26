//! `Capture::from_json`: never panics; a capture that is accepted writes
//! back to JSON that reads as the same capture (and still passes the
//! fingerprint check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::capture::{CAPTURE_VERSION, Capture};

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = Capture::from_json(data) else { return };
    assert_eq!(capture.format, CAPTURE_VERSION);
    assert_eq!(capture.fingerprint, capture.profile.fingerprint());
    let json = capture.to_json();
    let again = Capture::from_json(json.as_bytes()).expect("a capture's own JSON reads back");
    assert_eq!(again, capture);
});
