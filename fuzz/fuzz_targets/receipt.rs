//! Deactivation receipts as the authority receives them: `bytes_from`
//! (offline code, armour or raw bytes), `peek`, and `open` with a fixed
//! activation key never panic; whatever opens also peeks to the same
//! receipt; a receipt that peeks travels as a code back to the same bytes
//! and re-signs, opens and peeks to the same receipt.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::activation::DeactivationReceipt;
use nodelock_fuzz::ACTIVATION;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = DeactivationReceipt::bytes_from(data) else { return };
    let key = ACTIVATION.public_key().to_bytes();
    let opened = DeactivationReceipt::open(&bytes, &key);
    // A key that is not a valid point is refused, not a panic.
    let _ = DeactivationReceipt::open(&bytes, &[0xff; 32]);
    let peeked = DeactivationReceipt::peek(&bytes);
    if let Ok(opened) = &opened {
        assert_eq!(peeked.as_ref().ok(), Some(opened), "open and peek disagree");
    }
    let Ok(receipt) = peeked else { return };
    let code = DeactivationReceipt::code_of(&bytes);
    assert_eq!(
        DeactivationReceipt::bytes_from(code.as_bytes()).ok().as_ref(),
        Some(&bytes),
        "code round trip"
    );
    let signed = receipt.sign(&ACTIVATION);
    assert_eq!(DeactivationReceipt::open(&signed, &key).ok().as_ref(), Some(&receipt), "receipt round trip");
    assert_eq!(DeactivationReceipt::peek(&signed).ok().as_ref(), Some(&receipt));
});
