//! The full start-up check an application makes: `Validator::check()` on an
//! activated store (load + verify the license, load + verify the activation
//! certificate, check the clock mark and location stamp, collect this host's
//! hardware with the platform collector, compare with the certified
//! profile) — in the README's configuration (the license embedded in the
//! application *and* its byte-identical copy on disk in the store:
//! `readme_embedded_and_disk_check`) and with the disk copy only
//! (`validator_check`) — against the naive `sysinfo::System::new_all()` fingerprint, in
//! one group so the ratio is measured in one run.
//!
//! The store is activated in setup with a test issuer, as the integration
//! tests do (the authority issues the same certificate type). The bench
//! measures the steady state: the clock high-water mark is rewritten at most
//! hourly, so after the first check nothing is written — which is verified
//! by comparing the store's files (names, sizes, modification times) before
//! and after the measurements.
//!
//! Budget (issue 5, SPEC §3): median ≤ 1 ms, and ≥ 10× faster than the baseline.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::SystemTime;

use criterion::{criterion_group, criterion_main};
use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind, Validator};
use nodelock::license::{AppInfo, License, LicenseId, Version};
use nodelock::{SecretKey, Timestamp, TrustedKeys};

const PRODUCT: &str = "com.example.app";

/// Every file of the store: name, size, modification time.
fn snapshot(dir: &Path) -> Vec<(String, u64, SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (e.file_name().into_string().unwrap(), meta.len(), meta.modified().unwrap())
        })
        .collect();
    files.sort();
    files
}

fn startup(c: &mut criterion::Criterion) {
    let now = Timestamp::now();
    let vendor = SecretKey::from_seed(&[0x11; 32]);
    let public_text = vendor.public_key().to_armoured();
    let trusted = TrustedKeys::from_armoured([public_text.as_str()]).unwrap();
    let app = AppInfo::new(PRODUCT, Version::new(2, 1, 0), now.minus_secs(30 * 86_400));
    let mut license = License::new(LicenseId([0x5a; 16]), PRODUCT, "ACME Corp", 5, now.minus_secs(86_400));
    license.expires_at = Some(now.plus_days(365));
    license.max_product_version = Some(Version::parse_limit("2").unwrap());
    license.features.insert("edition".into(), "pro".into());
    license.features.insert("max_users".into(), "50".into());

    let store = tempfile::tempdir().unwrap();
    let license_text = license.sign(&vendor).unwrap().to_armoured();
    let validator = Validator::new(app.clone(), trusted.clone(), store.path());
    validator.install_license(&license_text).unwrap();
    let request = validator.request_activation_at(Some("bench host"), now).unwrap();
    let certificate = ActivationCertificate::answering(
        &request,
        ActivationId([0x77; 16]),
        ActivationKind::Permanent,
        Some(1),
        now,
    )
    .sign(&vendor)
    .unwrap();
    validator.install(&certificate).unwrap();
    // The first check writes the clock high-water mark; every later one within
    // the hour writes nothing.
    let verdict = validator.check();
    assert!(verdict.is_licensed(), "the bench store is activated: {verdict}");
    // The README's configuration: the same license embedded (`include_str!`)
    // and on disk, where activation installed it.
    let readme =
        Validator::new(app.clone(), trusted, store.path()).with_embedded_license(license_text.clone());
    assert!(readme.check().is_licensed(), "the README configuration is licensed");
    let before = snapshot(store.path());

    let mut group = c.benchmark_group("startup");
    group.bench_function("readme_embedded_and_disk_check", |b| b.iter(|| black_box(readme.check())));
    group.bench_function("validator_check", |b| b.iter(|| black_box(validator.check())));
    group.bench_function("keys_validator_check", |b| {
        b.iter(|| {
            let trusted = TrustedKeys::from_armoured([black_box(public_text.as_str())]).unwrap();
            black_box(Validator::new(app.clone(), trusted, store.path()).check())
        })
    });
    group.sample_size(20);
    group.bench_function("sysinfo_new_all_baseline", |b| b.iter(|| black_box(common::sysinfo_fingerprint())));
    group.finish();

    assert!(validator.check().is_licensed(), "still licensed after the measurements");
    assert!(readme.check().is_licensed(), "still licensed after the measurements");
    assert_eq!(snapshot(store.path()), before, "the steady-state check wrote to the store");
}

criterion_group! { name = benches; config = common::criterion(); targets = startup }
criterion_main!(benches);
