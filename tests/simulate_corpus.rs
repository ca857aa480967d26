//! The corpus of machine histories in `tests/fixtures/histories/`: built
//! here, deterministically, from the fixture machines of `tests/fixtures/`
//! (each collected with `LinuxCollector::with_root`, then changed the way
//! the event in its file name changes real hardware), and checked against
//! the committed files. `tests/fixtures/histories/README.md` documents every
//! event and its score.
//!
//! After changing the corpus here, rewrite the files with
//! `NODELOCK_WRITE_HISTORIES=1 cargo test --all-features --test simulate_corpus`.
#![cfg(all(feature = "client", target_os = "linux"))]

use std::path::{Path, PathBuf};

use nodelock::capture::Capture;
use nodelock::hardware::linux::LinuxCollector;
use nodelock::{Collector, Component, ComponentKind, Inventory, Timestamp};

/// The product every capture of the corpus is keyed for.
const PRODUCT: &str = "com.example.app";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn machine(name: &str) -> Inventory {
    LinuxCollector::with_root(root().join(name)).collect()
}

/// One change to an inventory.
enum Edit {
    /// The component of `kind` with this value is replaced by one with the other.
    Replace(ComponentKind, &'static str, &'static str),
    /// The component of `kind` with this value is gone.
    Remove(ComponentKind, &'static str),
    /// A new component, or one of the fixture's back again (with its flags:
    /// the dock NIC stays a removable USB device).
    Add(ComponentKind, &'static str),
}

fn apply(inventory: &Inventory, edits: &[Edit]) -> Inventory {
    apply_to(inventory, inventory, edits)
}

/// `edits` applied to `base`, a component added back taking its flags from `fixture`.
fn apply_to(fixture: &Inventory, base: &Inventory, edits: &[Edit]) -> Inventory {
    let mut out = base.clone();
    for edit in edits {
        let position = |out: &Inventory, kind, value| {
            out.components
                .iter()
                .position(|c: &Component| c.kind == kind && c.value == value)
                .unwrap_or_else(|| panic!("the fixture has no {kind:?} {value}"))
        };
        match *edit {
            Edit::Replace(kind, old, new) => {
                let i = position(&out, kind, old);
                out.components[i].value = new.to_owned();
            }
            Edit::Remove(kind, value) => {
                let i = position(&out, kind, value);
                out.components.remove(i);
            }
            Edit::Add(kind, value) => out.push(
                fixture
                    .of_kind(kind)
                    .find(|c| c.value == value)
                    .cloned()
                    .unwrap_or_else(|| Component::new(kind, value)),
            ),
        }
    }
    out.finish()
}

/// A history: directory name, fixture machine, and its events in order, each
/// a file name and the edits (cumulative: every edit so far applies).
type History = (&'static str, Inventory, Vec<(&'static str, Vec<Edit>)>);

fn corpus() -> Vec<History> {
    use ComponentKind::*;
    use Edit::*;
    let workstation = machine("workstation");
    let laptop = machine("laptop");
    let vm = machine("cloud-vm");
    let container = machine("container");
    // A second Precision 5820 of the same order: the same parts, its own
    // NIC addresses and drive serial.
    let workstation_2 = apply(
        &workstation,
        &[
            Replace(Mac, "50:3e:aa:0c:7d:92", "50:3e:aa:0c:81:17"),
            Replace(Mac, "d8:9e:f3:3a:51:7c", "d8:9e:f3:3a:6e:02"),
            Replace(SystemDrive, "S626NF0R402871K", "S626NF0R419923B"),
        ],
    );
    // A second ThinkPad X1 Carbon Gen 9 of the same order, never docked.
    let laptop_2 = apply(
        &laptop,
        &[Remove(Mac, "00:e0:4c:68:0a:1b"), Replace(SystemDrive, "S4EWNX0N123456", "S4EWNX0N771203")],
    );
    // The VM cloned from a snapshot: a new port (MAC) and a new root volume (serial).
    let vm_clone = apply(
        &vm,
        &[
            Replace(Mac, "fa:16:3e:5c:21:8d", "fa:16:3e:0b:9e:44"),
            Replace(SystemDrive, "6f1d3a2e-4b7c-4e9a-8", "b83c07d1-2f55-4c1e-9"),
        ],
    );
    vec![
        (
            "workstation",
            workstation,
            vec![
                ("00-installed", vec![]),
                ("01-nic-replaced", vec![Replace(Mac, "50:3e:aa:0c:7d:92", "50:3e:aa:12:c4:08")]),
                ("02-second-nic-added", vec![Add(Mac, "b4:96:91:a7:3c:10")]),
                ("03-gpu-upgraded", vec![Replace(Video, "1002:6981", "10de:2531")]),
                ("04-memory-upgraded", vec![Replace(Memory, "64 GiB", "128 GiB")]),
                (
                    "05-system-drive-replaced",
                    vec![Replace(SystemDrive, "S626NF0R402871K", "S6PTNM0T508842X")],
                ),
                ("06-os-reinstalled", vec![]),
            ],
        ),
        ("workstation-2", workstation_2, vec![("00-installed", vec![]), ("01-os-reinstalled", vec![])]),
        (
            "laptop",
            laptop,
            vec![
                ("00-docked", vec![]),
                ("01-undocked", vec![Remove(Mac, "00:e0:4c:68:0a:1b")]),
                ("02-docked", vec![Add(Mac, "00:e0:4c:68:0a:1b")]),
                ("03-undocked", vec![Remove(Mac, "00:e0:4c:68:0a:1b")]),
            ],
        ),
        ("laptop-2", laptop_2, vec![("00-installed", vec![]), ("01-os-reinstalled", vec![])]),
        (
            "cloud-vm",
            vm,
            vec![
                ("00-launched", vec![]),
                (
                    "01-migrated-to-another-host",
                    vec![Replace(Cpu, "GenuineIntel 00050656", "GenuineIntel 00050657")],
                ),
                ("02-rebooted", vec![]),
            ],
        ),
        ("cloud-vm-clone", vm_clone, vec![("00-cloned-from-snapshot", vec![])]),
        (
            "container",
            container,
            vec![("00-started", vec![]), ("01-rebuilt", vec![]), ("02-rebuilt", vec![])],
        ),
    ]
}

/// The capture files of the corpus: (path under histories/, JSON).
fn files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for (dir, base, events) in corpus() {
        let mut edits = Vec::new();
        for (day, (name, more)) in events.into_iter().enumerate() {
            edits.extend(more);
            let inventory = apply(&base, &edits);
            // A capture a month, from 2025-01-01.
            let at = Timestamp(1_735_689_600 + 30 * 86_400 * day as u64);
            // With raw values, so the simulator can leave the removable dock NIC
            // out as the default policy does.
            let capture = Capture::new(&inventory, PRODUCT, true, at);
            out.push((Path::new(dir).join(format!("{name}.json")), capture.to_json() + "\n"));
        }
    }
    out
}

#[test]
fn the_committed_corpus_is_the_generated_one() {
    let histories = root().join("histories");
    let write = std::env::var_os("NODELOCK_WRITE_HISTORIES").is_some();
    for (path, json) in files() {
        let full = histories.join(&path);
        if write {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &json).unwrap();
        }
        let committed = std::fs::read_to_string(&full)
            .unwrap_or_else(|e| panic!("{}: {e}; run with NODELOCK_WRITE_HISTORIES=1", full.display()));
        assert_eq!(committed, json, "{} differs from its generator", path.display());
        Capture::from_json(committed.as_bytes()).expect("a capture nodelock reads");
    }
}
