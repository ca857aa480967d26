//! The seed corpora of the fuzz targets (`fuzz/corpus/<target>/seed-*`).
//!
//! Every seed is a real message made by the crate from fixed inputs — the
//! license vectors of `tests/vectors/`, and a request, certificate, receipt,
//! offline codes, a store state, profiles and captures of the fixture
//! machines — so each fuzz target starts from inputs its decoder accepts.
//! The keys are those of `fuzz/src/lib.rs`: the vectors' vendor key (seed
//! `0x00..=0x1f`) signs licenses and certificates, the activation key (seed
//! `0x33` × 32) signs the receipt.
//!
//! This test checks that the committed seeds are exactly what the crate
//! makes today, so they never go stale after a format change; rewrite them
//! with `NODELOCK_WRITE_SEEDS=1 cargo test --test fuzz_seeds` (or
//! `fuzz/run.sh --write-seeds`). Files named `seed-regression-*` are inputs
//! that once crashed a target; they are kept as they are.
#![cfg(feature = "client")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nodelock::activation::ShortResponse;
use nodelock::activation::clock::{CLOCK_SLOT_LEN, ClockMark, decode_clock_slots};
use nodelock::activation::short::derived_activation_id;
use nodelock::activation::store::decode_state_bytes;
use nodelock::activation::{
    ActivationCertificate, ActivationId, ActivationKind, ActivationRequest, DeactivationReceipt,
    LocationStamp, Nonce,
};
use nodelock::capture::Capture;
use nodelock::codec::{Framed, armour, code, tag};
use nodelock::hardware::linux::LinuxCollector;
use nodelock::license::{LicenseId, LicenseV2, MAX_LICENSE_LEN, SignedLicense};
use nodelock::profile::{ProductKey, Profile};
use nodelock::{Collector, Inventory, SecretKey, Timestamp, TrustedKeys};
use serde::Serialize;

const PRODUCT: &str = "com.example.app";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vendor_key() -> SecretKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8;
    }
    SecretKey::from_seed(&seed)
}

fn activation_key() -> SecretKey {
    SecretKey::from_seed(&[0x33; 32])
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

fn machine(name: &str) -> Inventory {
    LinuxCollector::with_root(root().join("tests/fixtures").join(name)).collect()
}

fn profile(name: &str) -> Profile {
    Profile::build(&machine(name), &ProductKey::for_product(PRODUCT), false)
}

/// The store's activation file as the store writes it (`store.rs`): the
/// field layout of `State`, `Pending` and `Active`, whose secrets cannot be
/// built from outside the crate.
#[derive(Serialize)]
struct Pending {
    nonce: Nonce,
    secret: [u8; 32],
    license_text: String,
    license_id: LicenseId,
    release_version: u32,
    created_at: Timestamp,
}

#[derive(Serialize)]
struct Active {
    certificate: Vec<u8>,
    secret: [u8; 32],
}

#[derive(Serialize)]
struct State {
    pending: Vec<Pending>,
    active: Option<Active>,
    last_receipt: Option<Vec<u8>>,
}

fn state_file(state: &State) -> Vec<u8> {
    nodelock::codec::frame::encode(tag::STORE_STATE, &postcard::to_allocvec(state).unwrap())
}

/// Every seed: target → file name (without `seed-`) → bytes.
fn seeds() -> BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> {
    let vendor = vendor_key();
    let trusted = TrustedKeys::single(vendor.public_key().clone());
    let activation = activation_key();
    let now = ts("2026-07-01T10:00:00Z");
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        assert!(out.entry(target).or_default().insert(name.to_owned(), bytes).is_none(), "{target}/{name}");
    };

    // Licenses and keys: the vectors themselves.
    let vector_names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(root().join("tests/vectors"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".lic") || n.ends_with(".key"))
            .collect();
        v.sort();
        v
    };
    for name in &vector_names {
        let text = read(&format!("tests/vectors/{name}"));
        let stem = name.rsplit_once('.').unwrap().0.replace('.', "-");
        // The armour target reads its first byte as the cap; 3 picks 16 KiB.
        add("armour", &stem, [&[3u8][..], text.as_bytes()].concat());
        if name.ends_with(".key") {
            add("keys", &stem, text.clone().into_bytes());
            continue;
        }
        if let Ok(bytes) = armour::decode(&text, tag::LICENSE, MAX_LICENSE_LEN) {
            add("envelope", &stem, bytes);
        }
    }
    add("keys", "vendor-secret-binary", vendor.to_file_bytes().to_vec());
    for name in ["license_minimal", "license_full"] {
        let signed =
            SignedLicense::from_armoured(&read(&format!("tests/vectors/{name}.lic")), &trusted).unwrap();
        add("license_payload", name, postcard::to_allocvec(signed.license()).unwrap());
    }
    // The leased license's v2 payload (the target also reads its bytes as v2).
    let leased = SignedLicense::from_armoured(&read("tests/vectors/license_lease.lic"), &trusted).unwrap();
    add(
        "license_payload",
        "license_lease-v2",
        postcard::to_allocvec(&LicenseV2::of(leased.license().clone())).unwrap(),
    );

    // Profiles and captures of the fixture machines.
    for name in ["laptop", "workstation", "cloud-vm", "container"] {
        add("profile", name, profile(name).to_bytes());
        let capture = Capture::new(&machine(name), PRODUCT, name == "workstation", now);
        add("capture", name, capture.to_json().into_bytes());
    }
    add("profile", "empty", Profile::default().to_bytes());
    add("profile", "workstation-short", profile("workstation").shortened(4).to_bytes());

    // The activation exchange: request, certificate, receipt, codes.
    let mut license_id = [0u8; 16];
    for (i, b) in license_id.iter_mut().enumerate() {
        *b = 0xa0 + i as u8;
    }
    let request = ActivationRequest {
        license_id: LicenseId(license_id),
        release_version: 1,
        profile: profile("workstation"),
        stamp: LocationStamp([0x5c; 16]),
        nonce: Nonce([0x4e; 16]),
        activation_key: activation.public_key().to_bytes(),
        label: Some("Alice's workstation".to_owned()),
        client_time: now,
    };
    let request_code = request.to_code();
    add("request", "bytes", request.to_bytes());
    add("request", "code", request_code.clone().into_bytes());
    let unlabelled = ActivationRequest { label: None, profile: profile("container"), ..request.clone() };
    add("request", "container-bytes", unlabelled.to_bytes());
    // Version 2 (§9.6): the request with its profile cut to 4 (and 15) bytes.
    let short_request = request.clone().shortened(4);
    add("request", "short-code", short_request.to_code().into_bytes());
    let short_bytes = short_request.to_bytes();
    add("short_request", "bytes", short_bytes.clone());
    add("short_request", "payload", short_bytes[1 + tag::REQUEST_V2.tag.len() + 4..].to_vec());
    add("short_request", "width-15", request.clone().shortened(15).to_bytes());
    add("short_request", "stored-profile", profile("laptop").shortened(4).to_bytes());

    let activation_id = ActivationId([0x77; 16]);
    let permanent =
        ActivationCertificate::answering(&request, activation_id, ActivationKind::Permanent, Some(1), now)
            .sign(&vendor)
            .unwrap();
    let temporary = ActivationCertificate::answering(
        &request,
        activation_id,
        ActivationKind::Temporary { until: now.plus_days(90) },
        None,
        now,
    )
    .sign(&vendor)
    .unwrap();
    let certificate_code = ActivationCertificate::code_of(&permanent);
    add("certificate", "bytes", permanent.clone());
    add("certificate", "code", certificate_code.clone().into_bytes());
    add("certificate", "armoured", ActivationCertificate::armour_of(&permanent).into_bytes());
    add("certificate", "temporary-bytes", temporary.clone());
    add("envelope", "certificate", permanent.clone());
    add("envelope", "certificate-temporary", temporary);
    // Version 2: a certificate with a lease end, as bytes and as its code.
    let leased =
        ActivationCertificate::answering(&request, activation_id, ActivationKind::Permanent, Some(1), now)
            .with_lease_end(Some(now.plus_days(30)))
            .sign(&vendor)
            .unwrap();
    add("certificate", "lease-bytes", leased.clone());
    // Short responses (§10.4) of certificates with the derived id, as codes.
    let derived = derived_activation_id(&request.license_id, &request.nonce, &request.activation_key);
    for (name, cert) in [
        (
            "permanent",
            ActivationCertificate::answering(&request, derived, ActivationKind::Permanent, Some(1), now),
        ),
        (
            "temporary-lease",
            ActivationCertificate::answering(
                &request,
                derived,
                ActivationKind::Temporary { until: now.plus_days(14) },
                None,
                now,
            )
            .with_lease_end(Some(now.plus_days(30))),
        ),
    ] {
        let short = ShortResponse::of_certificate(&cert.sign(&vendor).unwrap()).unwrap();
        add("short_response", name, code::encode_as(tag::CERTIFICATE, &short).into_bytes());
    }
    add("certificate", "lease-code", ActivationCertificate::code_of(&leased).into_bytes());

    let receipt = DeactivationReceipt {
        activation_id,
        license_id: LicenseId(license_id),
        nonce: request.nonce,
        deactivated_at: now.plus_days(30),
    }
    .sign(&activation);
    let receipt_code = DeactivationReceipt::code_of(&receipt);
    add("receipt", "bytes", receipt.clone());
    add("receipt", "code", receipt_code.clone().into_bytes());
    add("receipt", "armoured", armour::encode(tag::RECEIPT, &receipt).into_bytes());
    add("envelope", "receipt", receipt.clone());

    // The one text reader: each text form of each message type.
    add("text_reader", "license-armoured", read("tests/vectors/license_minimal.lic").into_bytes());
    add("text_reader", "request-code", request_code.clone().into_bytes());
    add("text_reader", "request-armoured", armour::encode(tag::REQUEST, &request.to_bytes()).into_bytes());
    add("text_reader", "certificate-code", certificate_code.clone().into_bytes());
    add("text_reader", "receipt-code", receipt_code.clone().into_bytes());

    // License keys (FORMAT.md §7.8): the vector's key, as printed and as typed.
    let key = read("tests/vectors/license_key.txt")
        .lines()
        .find_map(|l| l.strip_prefix("key ").map(str::to_owned))
        .unwrap();
    add("license_key", "canonical", key.clone().into_bytes());
    add("license_key", "typed", key[3..].to_lowercase().replace('-', " ").into_bytes());

    // The online service's bodies (src/wire.rs): each with a real message.
    let b64 = nodelock::wire::to_base64;
    let body = |v: serde_json::Value| v.to_string().into_bytes();
    add("wire_bodies", "activate", body(serde_json::json!({ "request": b64(&request.to_bytes()) })));
    add(
        "wire_bodies",
        "activate-with-key",
        body(serde_json::json!({ "request": b64(&request.to_bytes()), "license_key": key })),
    );
    add("wire_bodies", "deactivate", body(serde_json::json!({ "receipt": b64(&receipt) })));
    add("wire_bodies", "license", body(serde_json::json!({ "license_key": key })));
    add("wire_bodies", "seat-page-query", b"limit=100&after=250".to_vec());

    add("offline_code", "request", request_code.into_bytes());
    add("offline_code", "certificate", certificate_code.into_bytes());
    add("offline_code", "receipt", receipt_code.clone().into_bytes());
    add("offline_code", "receipt-sloppy", receipt_code.to_lowercase().replace('-', " ").into_bytes());

    // The store's activation file: a pending request, an active activation
    // and the receipt of an earlier deactivation; and an empty one.
    let license_text = read("tests/vectors/license_minimal.lic");
    let state = State {
        pending: vec![Pending {
            nonce: Nonce([0x4f; 16]),
            secret: [0x34; 32],
            license_text,
            license_id: LicenseId(license_id),
            release_version: 1,
            created_at: now,
        }],
        active: Some(Active { certificate: permanent, secret: [0x33; 32] }),
        last_receipt: Some(receipt),
    };
    add("store_state", "activated", state_file(&state));
    add("store_state", "empty", state_file(&State { pending: vec![], active: None, last_receipt: None }));

    // Clock mark files (FORMAT §11.3): the one unpadded frame an install
    // writes, and two padded slots after a check advanced the mark.
    let install = ClockMark { seen: now, mac: [0x5c; 32] }.encode();
    add("clock_slots", "install", install.clone());
    let slot = |seen: Timestamp, mac: u8| {
        let mut bytes = ClockMark { seen, mac: [mac; 32] }.encode();
        bytes.resize(CLOCK_SLOT_LEN, 0);
        bytes
    };
    let mut two = slot(now, 0x5c);
    two.extend(slot(now.plus_secs(2 * 3600), 0xa3));
    add("clock_slots", "two_slots", two);
    out
}

fn corpus() -> PathBuf {
    root().join("fuzz/corpus")
}

fn seed_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("seed-") && !n.starts_with("seed-regression-"))
        .collect();
    names.sort();
    names
}

#[test]
fn seeds_are_valid_messages() {
    let seeds = seeds();
    let trusted = TrustedKeys::single(vendor_key().public_key().clone());
    let activation = activation_key().public_key().to_bytes();
    for (name, bytes) in &seeds["profile"] {
        assert_eq!(Profile::from_bytes(bytes).unwrap().to_bytes(), *bytes, "{name}");
    }
    for (name, bytes) in &seeds["capture"] {
        Capture::from_json(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["request"] {
        ActivationRequest::from_code_or_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["certificate"] {
        let bytes = ActivationCertificate::bytes_from_response(bytes).unwrap();
        ActivationCertificate::open(&bytes, &trusted).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["receipt"] {
        let bytes = DeactivationReceipt::bytes_from(bytes).unwrap();
        DeactivationReceipt::open(&bytes, &activation).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["text_reader"] {
        // Each is the text form of a message that then verifies.
        let ok = nodelock::codec::text::read::<nodelock::License>(bytes)
            .is_ok_and(|b| SignedLicense::from_bytes(&b, &trusted).is_ok())
            || ActivationRequest::from_code_or_bytes(bytes).is_ok()
            || ActivationCertificate::bytes_from_response(bytes)
                .is_ok_and(|b| ActivationCertificate::open(&b, &trusted).is_ok())
            || DeactivationReceipt::bytes_from(bytes)
                .is_ok_and(|b| DeactivationReceipt::open(&b, &activation).is_ok());
        assert!(ok, "{name}");
    }
    for (name, bytes) in &seeds["license_key"] {
        let text = std::str::from_utf8(bytes).unwrap();
        nodelock::license::LicenseKey::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["wire_bodies"] {
        use nodelock::wire::{self, ActivateBody, DeactivateBody, LicenseQuery, from_base64};
        let ok = wire::read::<ActivateBody>(bytes)
            .is_ok_and(|b| ActivationRequest::from_bytes(&from_base64(&b.request, 8192).unwrap()).is_ok())
            || wire::read::<DeactivateBody>(bytes).is_ok_and(|b| {
                DeactivationReceipt::open(&from_base64(&b.receipt, 1024).unwrap(), &activation).is_ok()
            })
            || wire::read::<LicenseQuery>(bytes)
                .is_ok_and(|b| nodelock::license::LicenseKey::parse(&b.license_key).is_ok())
            || std::str::from_utf8(bytes).is_ok_and(|q| wire::seat_page_query(q).is_ok());
        assert!(ok, "{name}");
    }
    for (name, bytes) in &seeds["short_request"] {
        let ok = ActivationRequest::from_bytes(bytes).is_ok_and(|r| r.profile.is_short())
            || ActivationRequest::from_bytes(&nodelock::codec::frame::encode(tag::REQUEST_V2, bytes)).is_ok()
            || Profile::from_bytes(bytes).is_ok_and(|p| p.is_short());
        assert!(ok, "{name}");
    }
    for (name, bytes) in &seeds["short_response"] {
        let bytes = ActivationCertificate::bytes_from_response(bytes).unwrap();
        ShortResponse::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in &seeds["clock_slots"] {
        let [first, second] = decode_clock_slots(bytes);
        assert_eq!(first.unwrap_or_else(|e| panic!("{name}: {e}")).mac, [0x5c; 32], "{name}");
        assert_eq!(second.is_ok(), name == "two_slots", "{name}");
    }
    for (name, bytes) in &seeds["store_state"] {
        let state = decode_state_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(active) = state.active {
            assert_eq!(active.public_key(), activation);
            assert_eq!(active.certificate(&trusted).unwrap().activation_key, activation);
        }
    }
}

#[test]
fn committed_seeds_are_current() {
    let seeds = seeds();
    let write = std::env::var_os("NODELOCK_WRITE_SEEDS").is_some_and(|v| v == "1");
    if !write && !corpus().exists() {
        // A packaged crate has no fuzz/ directory.
        return;
    }
    let mut stale = Vec::new();
    for (target, files) in &seeds {
        let dir = corpus().join(target);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            for old in seed_files(&dir) {
                if !files.contains_key(&old["seed-".len()..]) {
                    std::fs::remove_file(dir.join(old)).unwrap();
                }
            }
        }
        for (name, bytes) in files {
            let path = dir.join(format!("seed-{name}"));
            if write {
                std::fs::write(&path, bytes).unwrap();
            } else if std::fs::read(&path).ok().as_ref() != Some(bytes) {
                stale.push(format!("{target}/seed-{name}"));
            }
        }
        for extra in seed_files(&dir) {
            if !files.contains_key(&extra["seed-".len()..]) {
                stale.push(format!("{target}/{extra} (no longer made)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz seeds are out of date: {stale:?}; rewrite them with NODELOCK_WRITE_SEEDS=1 cargo test --test fuzz_seeds"
    );
}
