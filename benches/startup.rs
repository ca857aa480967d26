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

use common::activated::{activated, snapshot};
use criterion::{criterion_group, criterion_main};
use nodelock::activation::Validator;
use nodelock::{Timestamp, TrustedKeys};

fn startup(c: &mut criterion::Criterion) {
    let a = activated(Timestamp::now());
    let (readme, validator, app, public_text) = (&a.readme, &a.disk, &a.app, &a.public_text);
    let store = a.store.path();
    let before = (snapshot(store), snapshot(a.lease_store.path()));

    let mut group = c.benchmark_group("startup");
    group.bench_function("readme_embedded_and_disk_check", |b| b.iter(|| black_box(readme.check())));
    group.bench_function("validator_check", |b| b.iter(|| black_box(validator.check())));
    group.bench_function("readme_lease_check", |b| b.iter(|| black_box(a.lease.check())));
    group.bench_function("keys_validator_check", |b| {
        b.iter(|| {
            let trusted = TrustedKeys::from_armoured([black_box(public_text.as_str())]).unwrap();
            black_box(Validator::new(app.clone(), trusted, store).check())
        })
    });
    group.sample_size(20);
    group.bench_function("sysinfo_new_all_baseline", |b| b.iter(|| black_box(common::sysinfo_fingerprint())));
    group.finish();

    assert!(validator.check().is_licensed(), "still licensed after the measurements");
    assert!(readme.check().is_licensed(), "still licensed after the measurements");
    assert!(a.lease.check().is_licensed(), "still licensed after the measurements");
    let after = (snapshot(store), snapshot(a.lease_store.path()));
    assert_eq!(after, before, "the steady-state check wrote to a store");
}

criterion_group! { name = benches; config = common::criterion(); targets = startup }
criterion_main!(benches);
