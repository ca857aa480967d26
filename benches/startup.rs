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
//! Beside them (issue 14), in the same run:
//! - `floor`: the least any such check must do, with the same primitives —
//!   parse the key, read and verify the license, read the activation file and
//!   verify its certificate, read the clock mark, look at the anchor, list the
//!   network and block directories and read one sysfs attribute per component
//!   of this host's profile that decides the verdict (the PCI kinds do not,
//!   when the rest matches: `common::floor`). `keys_validator_check ÷ floor`
//!   is the overhead.
//! - `hourly_check`: a check that advances the clock mark (the clock it is
//!   given moves two hours per iteration), the once-an-hour write.
//! - `nics_{1,16,64}_check`, `_floor` and `_collect`: the same on fixture
//!   machines with 1, 16 and 64 physical adapters (`common::machines`), and
//!   their collection alone. Every one is activated on its own hardware
//!   (the 64-adapter machine's profile keeps 16 of its addresses,
//!   `profile::kept_instances`) and checks as licensed.
//!
//! The store is activated in setup with a test issuer, as the integration
//! tests do (the authority issues the same certificate type). The checks
//! other than `hourly_check` measure the steady state: the clock high-water
//! mark is rewritten at most hourly, so after the first check nothing is
//! written — which is verified by comparing the store's files (names, sizes,
//! modification times) before and after the measurements.
//!
//! Budget (issue 5, SPEC §3): median ≤ 1 ms, and ≥ 10× faster than the baseline.

mod common;

use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;

use common::activated::{activated, activated_on, activated_perpetual, snapshot};
use common::floor::Floor;
use criterion::{criterion_group, criterion_main};
use nodelock::activation::Validator;
use nodelock::hardware::linux::LinuxCollector;
use nodelock::{Collector, Timestamp, TrustedKeys};

fn startup(c: &mut criterion::Criterion) {
    let a = activated(Timestamp::now());
    let (readme, validator, app, public_text) = (&a.readme, &a.disk, &a.app, &a.public_text);
    let store = a.store.path();
    let before = (snapshot(store), snapshot(a.lease_store.path()));
    let host_floor = Floor::new(store, public_text, Path::new("/"), &LinuxCollector::live());
    assert!(host_floor.run(), "the floor verifies what the check verifies");

    // The hourly check: its own store (a license that never expires), a
    // clock two hours further each time.
    let (_hourly_store, hourly) = activated_perpetual(Timestamp::now());
    let hourly_clock = Cell::new(Timestamp::now());

    // Fixture machines with 1, 16 and 64 adapters, each its own activated store.
    let machines: Vec<_> = [1usize, 16, 64]
        .into_iter()
        .map(|n| {
            let root = common::machines::nic_machine(n);
            let (store, checked, key) = activated_on(root.path(), root.path(), Timestamp::now());
            let collector = LinuxCollector::with_root(root.path());
            let macs = collector.collect().of_kind(nodelock::ComponentKind::Mac).count();
            assert_eq!(macs, n, "the fixture machine has {n} adapters");
            let floor = Floor::new(store.path(), &key, root.path(), &collector);
            assert!(floor.run());
            let verdict = checked.check();
            assert!(verdict.is_licensed(), "{n} adapters: {verdict}");
            (n, root, store, checked, floor, collector)
        })
        .collect();

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
    group.bench_function("floor", |b| b.iter(|| black_box(host_floor.run())));
    group.bench_function("hourly_check", |b| {
        b.iter(|| {
            let now = hourly_clock.get().plus_secs(2 * 3600);
            hourly_clock.set(now);
            black_box(hourly.check_at(now))
        })
    });
    for (n, _, _, checked, floor, collector) in &machines {
        group.bench_function(format!("nics_{n}_check"), |b| b.iter(|| black_box(checked.check())));
        group.bench_function(format!("nics_{n}_floor"), |b| b.iter(|| black_box(floor.run())));
        group.bench_function(format!("nics_{n}_collect"), |b| b.iter(|| black_box(collector.collect())));
    }
    group.sample_size(20);
    group.bench_function("sysinfo_new_all_baseline", |b| b.iter(|| black_box(common::sysinfo_fingerprint())));
    group.finish();

    assert!(validator.check().is_licensed(), "still licensed after the measurements");
    assert!(readme.check().is_licensed(), "still licensed after the measurements");
    assert!(a.lease.check().is_licensed(), "still licensed after the measurements");
    assert!(hourly.check_at(hourly_clock.get()).is_licensed(), "the hourly check stays licensed");
    for (n, _, _, checked, _, _) in &machines {
        assert!(checked.check().is_licensed(), "{n} adapters: still licensed after the measurements");
    }
    let after = (snapshot(store), snapshot(a.lease_store.path()));
    assert_eq!(after, before, "the steady-state check wrote to a store");
}

criterion_group! { name = benches; config = common::criterion(); targets = startup }
criterion_main!(benches);
