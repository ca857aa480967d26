//! Hardware collection: the live collector on this host, the Linux collector
//! on the workstation fixture tree, and the naive `sysinfo::System::new_all()`
//! fingerprint, in one group so their ratio is measured in one run.
//!
//! Budget (issue 3): collect on this machine ≤ 500 µs median.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use nodelock::Collector;
use nodelock::hardware::linux::LinuxCollector;
use nodelock::hardware::platform_collector;

fn collect(c: &mut criterion::Criterion) {
    let live = platform_collector();
    let inventory = live.collect();
    eprintln!(
        "live host: {} components, {} unreadable kinds, environment {}",
        inventory.components.len(),
        inventory.unreadable.len(),
        inventory.environment
    );
    let fixture = LinuxCollector::with_root(common::root().join("tests/fixtures/workstation"));
    assert_eq!(fixture.collect().unreadable, vec![], "the workstation fixture reads completely");

    let mut group = c.benchmark_group("collect");
    group.bench_function("live_host", |b| b.iter(|| black_box(live.collect())));
    group.bench_function("fixture_workstation", |b| b.iter(|| black_box(fixture.collect())));
    group.sample_size(20);
    group.bench_function("sysinfo_new_all_baseline", |b| b.iter(|| black_box(common::sysinfo_fingerprint())));
    group.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = collect }
criterion_main!(benches);
