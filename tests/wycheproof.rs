//! Every Wycheproof Ed25519 case through nodelock's own verification path.

use nodelock::PublicKey;
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// What nodelock says about one case: the key must load, the signature must
/// be 64 bytes, and `verify_strict` must accept it.
fn nodelock_accepts(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(pk): Result<&[u8; 32], _> = pk.try_into() else { return false };
    let Ok(key) = PublicKey::from_bytes(pk) else { return false };
    let Ok(sig): Result<&[u8; 64], _> = sig.try_into() else { return false };
    key.verify_strict(msg, sig)
}

#[test]
fn wycheproof_ed25519() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/wycheproof/ed25519_test.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut counted = 0;
    let mut valid = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let pk = unhex(group["publicKey"]["pk"].as_str().unwrap());
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let msg = unhex(case["msg"].as_str().unwrap());
            let sig = unhex(case["sig"].as_str().unwrap());
            let expected = match case["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("case {id}: result {other} is neither valid nor invalid"),
            };
            assert_eq!(
                nodelock_accepts(&pk, &msg, &sig),
                expected,
                "Wycheproof case {id}: {}",
                case["comment"]
            );
            counted += 1;
            valid += usize::from(expected);
        }
    }
    assert_eq!(counted, file["numberOfTests"].as_u64().unwrap() as usize, "every case ran");
    assert_eq!((counted, valid), (151, 88));
}
