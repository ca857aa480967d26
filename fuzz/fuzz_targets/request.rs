//! Activation requests as the authority receives them: `from_bytes` (online),
//! `from_code` (offline) and `from_code_or_bytes` never panic; a request
//! that reads writes back — as bytes and as a code — to the same request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::{ActivationRequest, code};

fn round_trip(request: &ActivationRequest) {
    let bytes = request.to_bytes();
    assert_eq!(ActivationRequest::from_bytes(&bytes).as_ref().ok(), Some(request), "bytes round trip");
    let code = request.to_code();
    assert_eq!(ActivationRequest::from_code(&code).as_ref().ok(), Some(request), "code round trip");
    assert_eq!(ActivationRequest::from_code_or_bytes(code.as_bytes()).as_ref().ok(), Some(request));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = ActivationRequest::from_bytes(data) {
        round_trip(&request);
    }
    let either = ActivationRequest::from_code_or_bytes(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(request) = ActivationRequest::from_code(text)
    {
        if code::looks_like_code(text) {
            assert_eq!(either.as_ref().ok(), Some(&request), "a code is read as a code");
        }
        round_trip(&request);
    }
    if let Ok(request) = either {
        round_trip(&request);
    }
});
