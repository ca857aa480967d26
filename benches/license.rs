//! Loading a license: armoured text → `SignedLicense::from_armoured` with the
//! trusted keys (armour, envelope framing, Ed25519 `verify_strict`, payload
//! decoding and validation), for the minimal and the full license vectors.
//!
//! Budget (issue 4): ≤ 150 µs median.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use nodelock::{SignedLicense, TrustedKeys};

fn license(c: &mut criterion::Criterion) {
    let vectors = common::root().join("tests/vectors");
    let read = |name: &str| std::fs::read_to_string(vectors.join(name)).unwrap();
    let trusted = TrustedKeys::from_armoured([read("vendor.public.key").as_str()]).unwrap();
    let minimal = read("license_minimal.lic");
    let full = read("license_full.lic");
    SignedLicense::from_armoured(&full, &trusted).expect("the full vector verifies");

    let mut group = c.benchmark_group("license");
    group.bench_function("load_verify_minimal", |b| {
        b.iter(|| black_box(SignedLicense::from_armoured(black_box(&minimal), &trusted)))
    });
    group.bench_function("load_verify_full", |b| {
        b.iter(|| black_box(SignedLicense::from_armoured(black_box(&full), &trusted)))
    });
    group.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = license }
criterion_main!(benches);
