//! The online service's request bodies as the service reads them: every
//! body type from the same bytes (`wire::read`, size cap first), and the
//! binary fields they carry decoded as the endpoints decode them — never a
//! panic; a body that reads re-serialises and reads back to the same value.
//! The same bytes as the seats endpoint's query string: a page that reads
//! is within its bounds and reads back the same when written out again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::receipt::MAX_RECEIPT_LEN;
use nodelock::activation::request::MAX_REQUEST_LEN;
use nodelock::activation::{ActivationRequest, DeactivationReceipt};
use nodelock::license::LicenseKey;
use nodelock::wire::{self, ActivateBody, DeactivateBody, LicenseQuery, from_base64};

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = wire::read::<ActivateBody>(data) {
        let again: ActivateBody = wire::read(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(again, body, "ActivateBody round trip");
        if let Some(bytes) = from_base64(&body.request, MAX_REQUEST_LEN) {
            let _ = ActivationRequest::from_bytes(&bytes);
        }
        if let Some(key) = &body.license_key {
            let _ = LicenseKey::parse(key);
        }
    }
    if let Ok(body) = wire::read::<DeactivateBody>(data)
        && let Some(bytes) = from_base64(&body.receipt, MAX_RECEIPT_LEN)
    {
        let _ = DeactivationReceipt::peek(&bytes);
    }
    if let Ok(body) = wire::read::<LicenseQuery>(data) {
        let _ = LicenseKey::parse(&body.license_key);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(page) = wire::seat_page_query(text)
    {
        assert!((1..=wire::MAX_SEAT_PAGE).contains(&page.limit), "limit within bounds");
        let again = wire::seat_page_query(&format!("after={}&limit={}", page.after, page.limit));
        assert_eq!(again, Ok(page), "seat page query round trip");
    }
});
