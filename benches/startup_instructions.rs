//! Instructions per start-up check, counted by callgrind rather than timed:
//! instruction counts are stable on a shared, noisy machine where wall-clock
//! medians move 10–25 % from run to run.
//!
//! `startup_instructions CONFIG N` activates a store (as `benches/startup.rs`
//! does), then runs `N` checks of `CONFIG` — `readme` (embedded license plus
//! its identical disk copy), `disk` (disk copy only) or `lease` (the README
//! configuration with a 30-day lease on the certificate), `hourly` (every
//! check two hours after the last, so each advances the clock mark),
//! `nicsN` (a fixture machine with N adapters, `common::machines`) or
//! `vethsN` (the workstation with N veths besides, a container host's
//! shape), or the floor of a check (`common::floor`) beside them: `floor`
//! (this host, the `disk` store), `floor_nicsN` and `floor_vethsN` (the
//! fixture machines). Run it under
//! `valgrind --tool=callgrind` with N = 1 and N = 101: the difference of the
//! two totals divided by 100 is the cost of one steady-state check, setup
//! excluded. `benches/instructions.sh` does exactly that for both
//! configurations and prints the table BENCHMARKS.md quotes.
//!
//! Under `cargo bench` (no arguments but criterion's flags) it runs a few
//! checks of each configuration and prints their verdicts, so it stays
//! exercised.

mod common;

use std::hint::black_box;

use common::activated::{activated, activated_on, activated_perpetual};
use common::floor::Floor;
use nodelock::Timestamp;
use nodelock::hardware::linux::LinuxCollector;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let a = activated(Timestamp::now());
    let runs: Vec<(&str, usize)> = match args.as_slice() {
        [config, n] => vec![(config.as_str(), n.parse().expect("N is a whole number of checks"))],
        _ => vec![("readme", 3), ("disk", 3), ("lease", 3), ("hourly", 3), ("nics16", 3)],
    };
    for (config, n) in runs {
        if config == "hourly" {
            // Every check two hours after the last: each one advances the mark.
            let (_store, validator) = activated_perpetual(Timestamp::now());
            let mut now = Timestamp::now();
            for _ in 0..n {
                now = now.plus_secs(2 * 3600);
                assert!(black_box(validator.check_at(now)).is_licensed());
            }
            println!("{config}: {n} checks, all licensed, each advancing the clock mark");
            continue;
        }
        if config == "floor" {
            let live = LinuxCollector::live();
            let floor = Floor::new(a.store.path(), &a.public_text, std::path::Path::new("/"), &live);
            run_floor(config, &floor, n);
            continue;
        }
        let machine = |config: &str| match (config.strip_prefix("nics"), config.strip_prefix("veths")) {
            (Some(n), _) => n.parse::<usize>().ok().map(common::machines::nic_machine),
            (_, Some(n)) => n.parse::<usize>().ok().map(common::machines::veth_machine),
            _ => None,
        };
        if let Some(root) = config.strip_prefix("floor_").and_then(machine) {
            let (store, _validator, key) = activated_on(root.path(), root.path(), Timestamp::now());
            let floor = Floor::new(store.path(), &key, root.path(), &LinuxCollector::with_root(root.path()));
            run_floor(config, &floor, n);
            continue;
        }
        if let Some(root) = machine(config) {
            // A fixture machine with that many adapters (or veths), activated on itself.
            let (_store, validator, _) = activated_on(root.path(), root.path(), Timestamp::now());
            let mut licensed = 0;
            for _ in 0..n {
                licensed += usize::from(black_box(validator.check()).is_licensed());
            }
            assert_eq!(licensed, n, "every check of the activated store is licensed");
            println!("{config}: {n} checks, {licensed} licensed");
            continue;
        }
        let validator = match config {
            "readme" => &a.readme,
            "disk" => &a.disk,
            "lease" => &a.lease,
            other => panic!(
                "unknown configuration `{other}`: use readme, disk, lease, hourly, nicsN, vethsN, floor, floor_nicsN or floor_vethsN"
            ),
        };
        let mut licensed = 0;
        for _ in 0..n {
            licensed += usize::from(black_box(validator.check()).is_licensed());
        }
        assert_eq!(licensed, n, "every check of the activated store is licensed");
        println!("{config}: {n} checks, all licensed");
    }
}

/// `n` passes of `floor`, each of which must verify what a check verifies.
fn run_floor(config: &str, floor: &Floor, n: usize) {
    let verified = (0..n).filter(|_| black_box(floor.run())).count();
    assert_eq!(verified, n, "the floor verifies what the check verifies");
    println!("{config}: {n} passes");
}
