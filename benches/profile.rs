//! Profiles: building one from a realistic inventory (the workstation
//! fixture: 2 NICs, CPU, SATA drive, memory, optical drive, 2 GPUs, AHCI,
//! RAID), and comparing two realistic profiles.
//!
//! Budget (issue 3, SPEC §3): compare ≤ 5 µs.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use nodelock::hardware::linux::LinuxCollector;
use nodelock::{Collector, ComponentKind, Inventory, Policy, ProductKey, Profile, compare};

/// `inventory` with the first instance of `kind` given another value.
fn replaced(mut inventory: Inventory, kind: ComponentKind, value: &str) -> Inventory {
    if let Some(c) = inventory.components.iter_mut().find(|c| c.kind == kind) {
        c.value = value.to_owned();
    }
    inventory.finish()
}

fn profile(c: &mut criterion::Criterion) {
    let inventory = LinuxCollector::with_root(common::root().join("tests/fixtures/workstation")).collect();
    let key = ProductKey::for_product("com.example.app");
    let policy = Policy::default();
    let stored = Profile::build(&inventory, &key, policy.include_removable);
    // The same machine a year later: one NIC replaced (partial) and a new GPU.
    let later = replaced(
        replaced(inventory.clone(), ComponentKind::Mac, "a0:36:9f:00:00:01"),
        ComponentKind::Video,
        "10de:2531",
    );
    let current = Profile::build(&later, &key, policy.include_removable);
    let drift = compare(&stored, &current, false, &policy);
    assert!(!drift.reactivate && drift.score > 0, "{drift}");

    let mut group = c.benchmark_group("profile");
    group.bench_function("build_workstation", |b| {
        b.iter(|| black_box(Profile::build(&inventory, &key, policy.include_removable)))
    });
    group.bench_function("compare_identical", |b| {
        b.iter(|| black_box(compare(black_box(&stored), black_box(&stored), false, &policy)))
    });
    group.bench_function("compare_drifted", |b| {
        b.iter(|| black_box(compare(black_box(&stored), black_box(&current), false, &policy)))
    });
    group.bench_function("compare_drifted_moved", |b| {
        b.iter(|| black_box(compare(black_box(&stored), black_box(&current), true, &policy)))
    });
    group.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = profile }
criterion_main!(benches);
