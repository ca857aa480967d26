//! The tolerance simulator (`nodelock::simulate`, `nodelock policy simulate`):
//! counts for small hand-built histories worked out by hand (each event's
//! score written beside it), the JSON keys contract, the SVG plot, loading
//! capture directories and refusing a mix of products, and the command run
//! as a user runs it, on the corpus and on a ledger.

use std::path::{Path, PathBuf};

use nodelock::capture::Capture;
use nodelock::hardware::{Component, ComponentKind, Environment, Inventory};
use nodelock::profile::{Digest, Profile};
use nodelock::simulate::{self, Machine, SimulateError, ToleranceResult};
use nodelock::{Policy, Timestamp};

use ComponentKind::{Cpu, Mac, Memory, SystemDrive, Video};

fn profile(digests: &[(ComponentKind, u8)]) -> Profile {
    Profile::from_digests(digests.iter().map(|(k, n)| (*k, Digest([*n; 16])))).unwrap()
}

/// Machine A: two NICs, a CPU, a drive, memory; one NIC replaced, then the
/// drive, then the memory. Machine B: the same CPU and memory as A, its own
/// NIC and drive; a GPU added.
fn machines() -> Vec<Machine> {
    let a1 = profile(&[(Mac, 1), (Mac, 2), (Cpu, 10), (SystemDrive, 20), (Memory, 30)]);
    let a2 = profile(&[(Mac, 1), (Mac, 3), (Cpu, 10), (SystemDrive, 20), (Memory, 30)]);
    let a3 = profile(&[(Mac, 1), (Mac, 3), (Cpu, 10), (SystemDrive, 21), (Memory, 30)]);
    let a4 = profile(&[(Mac, 1), (Mac, 3), (Cpu, 10), (SystemDrive, 21), (Memory, 31)]);
    let b1 = profile(&[(Mac, 5), (Cpu, 10), (SystemDrive, 40), (Memory, 30)]);
    let b2 = profile(&[(Mac, 5), (Cpu, 10), (SystemDrive, 40), (Memory, 30), (Video, 50)]);
    vec![
        Machine { name: "A".into(), profiles: vec![a1, a2, a3, a4] },
        Machine { name: "B".into(), profiles: vec![b1, b2] },
    ]
}

fn row(tolerance: u32, reactivations: u64, machines: u64, false_accepts: u64) -> ToleranceResult {
    ToleranceResult {
        tolerance,
        reactivations,
        machines_reactivated: machines,
        false_accepts,
        comparisons: 6,
    }
}

#[test]
fn hand_built_histories_give_the_hand_counted_results() {
    // Scores with the default weights (Mac 3/1/3, Cpu 1/1/2, SystemDrive 3/2/3, Memory 1/1/1, Video 1/1/1):
    //   A2 vs A1: one of two NICs replaced, Mac partial                = 1
    //   A3 vs A1: Mac partial 1 + drive replaced, SystemDrive default 3 = 4
    //   A3 vs A2: drive replaced                                        = 3
    //   A4 vs A1: 4 + memory changed, Memory default 1                  = 5
    //   A4 vs A3: memory changed                                        = 1
    //   B2 vs B1: a GPU added (nothing of Video matched): Video default = 1
    // Replay of A: t = 0: A2 (1 > 0) reactivates, A3 vs A2 (3), A4 vs A3 (1): 3 reactivations.
    //              t = 1..3: A2 (1) stays; A3 vs A1 (4) reactivates; A4 vs A3 (1) stays: 1.
    //              t = 4: A2 (1), A3 (4) stay; A4 vs A1 (5) reactivates: 1.   t >= 5: 0.
    // Replay of B: t = 0: B2 (1) reactivates: 1.   t >= 1: 0.
    // Cross-machine, 6 comparisons:
    //   A1 vs B1: Mac {1,2} vs {5} nothing matches 3 + drive 3            = 6
    //   A1 vs B2: 6 + Video added 1                                        = 7
    //   B1 vs A1, A2, A3: Mac 3 + drive 3                                  = 6, 6, 6
    //   B1 vs A4: 6 + memory 1                                             = 7
    //   so 0 false accepts below 6, 4 at 6, all 6 at 7.
    let got = simulate::simulate(&machines(), &Policy::default(), false, 0..=7).unwrap();
    let want = vec![
        row(0, 3 + 1, 2, 0),
        row(1, 1, 1, 0),
        row(2, 1, 1, 0),
        row(3, 1, 1, 0),
        row(4, 1, 1, 0),
        row(5, 0, 0, 0),
        row(6, 0, 0, 4),
        row(7, 0, 0, 6),
    ];
    assert_eq!(got.tolerances, want);
    assert_eq!(got.recommended, Some(5), "the largest tolerance with no false accept");
    assert_eq!(got.replayed, 3 + 1, "every profile after each machine's first");
    assert_eq!(got.at(6).map(|r| r.false_accepts), Some(4));
}

#[test]
fn moved_weights_apply_to_every_comparison() {
    // Moved weights: Mac 3, SystemDrive 3, Memory 1. At t = 2:
    //   A2 vs A1: Mac moved 3 > 2 reactivates; A3 vs A2: drive 3 reactivates; A4 vs A3: memory 1 stays.
    //   B2 vs B1: Video moved 1 stays.   Cross scores are as unmoved (every weight used is 3 or 1 either way).
    let got = simulate::simulate(&machines(), &Policy::default(), true, 2..=2).unwrap();
    assert_eq!(got.tolerances, vec![row(2, 2, 1, 0)]);
    assert_eq!(got.recommended, Some(2));
}

#[test]
fn no_tolerance_without_false_accepts_is_said_plainly() {
    let got = simulate::simulate(&machines(), &Policy::default(), false, 6..=7).unwrap();
    assert_eq!(got.recommended, None);
    let json = serde_json::to_value(&got).unwrap();
    assert!(json["recommended"].is_null(), "{json}");
}

#[test]
fn the_json_keys_are_the_contract() {
    let got = simulate::simulate(&machines(), &Policy::default(), false, 3..=4).unwrap();
    let json = serde_json::to_value(&got).unwrap();
    let top: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["recommended", "tolerances"]);
    let entry: Vec<&str> = json["tolerances"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(entry, ["comparisons", "false_accepts", "machines_reactivated", "reactivations", "tolerance"]);
    assert_eq!(json["tolerances"][1]["tolerance"], 4);
    assert_eq!(json["recommended"], 4);
}

#[test]
fn bad_inputs_are_refused_with_their_reason() {
    let policy = Policy::default();
    assert!(matches!(simulate::simulate(&[], &policy, false, 0..=3), Err(SimulateError::NoMachines)));
    let empty = [Machine { name: "nothing".into(), profiles: vec![] }];
    assert!(matches!(
        simulate::simulate(&empty, &policy, false, 0..=3),
        Err(SimulateError::EmptyHistory { name }) if name == Path::new("nothing")
    ));
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = simulate::simulate(&machines(), &policy, false, 5..=2);
    assert!(matches!(backwards, Err(SimulateError::BadRange { start: 5, end: 2, reason: "empty" })));
    let huge = simulate::simulate(&machines(), &policy, false, 0..=u32::MAX);
    assert!(matches!(huge, Err(SimulateError::BadRange { reason: "too large", .. })));
    assert_eq!(simulate::parse_tolerances("0..10"), Some(0..=10));
    assert_eq!(simulate::parse_tolerances("4"), Some(4..=4));
    assert_eq!(simulate::parse_tolerances("a..3"), None);
}

#[test]
fn a_weights_file_overrides_only_the_kinds_it_names() {
    let weights =
        simulate::weights_from_json(br#"{"system_drive": {"default": 5, "partial": 2, "moved": 5}}"#)
            .unwrap();
    let mut want = Policy::default();
    want.set_weights(SystemDrive, nodelock::Weights::new(5, 2, 5));
    assert_eq!(weights, want.weights);
    assert!(matches!(
        simulate::weights_from_json(br#"{"gpu": {"default": 1, "partial": 1, "moved": 1}}"#),
        Err(SimulateError::Weights(_))
    ));
    let incoherent = simulate::weights_from_json(br#"{"video": {"default": 1, "partial": 2, "moved": 1}}"#);
    assert!(matches!(incoherent, Err(SimulateError::Policy(_))), "{incoherent:?}");
}

/// Writes a capture of a one-NIC machine for `product` to `dir/name`.
fn write_capture(dir: &Path, name: &str, product: &str, mac: &str) -> PathBuf {
    let mut inventory = Inventory::new(Environment::BareMetal);
    inventory.push(Component::new(Mac, mac));
    inventory.push(Component::new(Cpu, "GenuineIntel 000806c1"));
    let capture = Capture::new(&inventory.finish(), product, false, Timestamp(0));
    let path = dir.join(name);
    std::fs::write(&path, capture.to_json()).unwrap();
    path
}

#[test]
fn a_history_directory_is_read_in_file_name_order() {
    let dir = tempfile::tempdir().unwrap();
    write_capture(dir.path(), "10-later.json", "p", "00:00:00:00:00:02");
    write_capture(dir.path(), "02-first.json", "p", "00:00:00:00:00:01");
    std::fs::write(dir.path().join("README.md"), "notes").unwrap();
    let history = simulate::load_history(dir.path()).unwrap();
    let names: Vec<_> = history.captures.iter().map(|(p, _)| p.file_name().unwrap().to_owned()).collect();
    assert_eq!(names, ["02-first.json", "10-later.json"]);
    assert_eq!(simulate::one_product(&[history], None).unwrap(), "p");
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(simulate::load_history(empty.path()), Err(SimulateError::EmptyHistory { .. })));
    std::fs::write(empty.path().join("junk.json"), "{}").unwrap();
    let err = simulate::load_history(empty.path()).unwrap_err();
    assert!(matches!(&err, SimulateError::Capture { path, .. } if path.ends_with("junk.json")), "{err}");
}

#[test]
fn removable_devices_are_left_out_of_captures_with_raw_values_as_the_policy_says() {
    let mut inventory = Inventory::new(Environment::BareMetal);
    inventory.push(Component::new(Cpu, "GenuineIntel 000806c1"));
    let mut dongle = Component::new(Mac, "00:e0:4c:68:0a:1b");
    dongle.flags.removable = true;
    inventory.push(dongle);
    let inventory = inventory.finish();
    let path = Path::new("dock.json");
    let raw = Capture::new(&inventory, "p", true, Timestamp(0));
    let digests_only = Capture::new(&inventory, "p", false, Timestamp(0));
    assert_eq!(raw.profile.digests(Mac).len(), 1, "a capture shows everything that was seen");
    let policy = Policy::default();
    assert!(!policy.include_removable);
    let left_out = simulate::profile_under(path, &raw, &policy).unwrap();
    assert!(left_out.digests(Mac).is_empty(), "the default policy leaves the dongle out");
    assert_eq!(left_out.digests(Cpu), raw.profile.digests(Cpu));
    let kept = Policy { include_removable: true, ..Policy::default() };
    assert_eq!(simulate::profile_under(path, &raw, &kept).unwrap(), raw.profile);
    // Without raw values nothing says which digest is removable: used as captured.
    assert_eq!(simulate::profile_under(path, &digests_only, &policy).unwrap(), digests_only.profile);
    // Raw values that are not those of the digests are refused.
    let mut edited = raw.clone();
    let raw_values = edited.raw_components.as_mut().unwrap();
    raw_values.iter_mut().find(|c| c.kind == Cpu).unwrap().value = "AuthenticAMD 00a00f11".into();
    let err = simulate::profile_under(path, &edited, &policy).unwrap_err();
    assert!(matches!(&err, SimulateError::RawMismatch { path: p } if p == path), "{err}");
}

#[test]
fn captures_of_different_products_are_refused_naming_the_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = write_capture(a.path(), "00.json", "com.example.app", "00:00:00:00:00:01");
    let other = write_capture(b.path(), "00.json", "com.example.other", "00:00:00:00:00:02");
    let histories = [simulate::load_history(a.path()).unwrap(), simulate::load_history(b.path()).unwrap()];
    let err = simulate::one_product(&histories, None).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, SimulateError::MixedProducts { first: f, other: o, .. } if *f == first && *o == other)
    );
    for needle in [first.to_str().unwrap(), other.to_str().unwrap(), "com.example.app", "com.example.other"] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    let err = simulate::one_product(&histories[..1], Some("com.example.other")).unwrap_err();
    assert!(matches!(&err, SimulateError::WrongProduct { path, .. } if *path == first), "{err}");
}

#[cfg(feature = "cli")]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    use serde_json::Value;

    fn histories() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/histories")
    }

    /// `--history DIR` for every machine of the corpus.
    fn corpus_args() -> Vec<String> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(histories())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        assert_eq!(dirs.len(), 7, "{dirs:?}");
        dirs.into_iter().flat_map(|d| ["--history".to_owned(), d.to_str().unwrap().to_owned()]).collect()
    }

    fn nodelock(dir: &Path, args: &[&str], more: &[String]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).args(more).current_dir(dir).output().unwrap()
    }

    fn ok(out: &Output) -> String {
        assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout.clone()).unwrap()
    }

    #[test]
    fn simulate_on_the_corpus_prints_the_table_and_the_recommendation() {
        let dir = tempfile::tempdir().unwrap();
        let text = ok(&nodelock(dir.path(), &["policy", "simulate"], &corpus_args()));
        assert!(text.contains("7 machine(s) from captures for product com.example.app"), "{text}");
        assert!(
            text.contains("Tolerance  Reactivations  Machines reactivated  False accepts  Comparisons"),
            "{text}"
        );
        // The rows of the README's table (tests/fixtures/histories/README.md).
        for line in [
            "        0              6                     2              0          132",
            "        2              2                     1              0          132",
            "        3              1                     1              6          132",
            "        6              0                     0             13          132",
            "       10              0                     0             31          132",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
        assert!(text.contains("Recommended tolerance: 2 "), "{text}");
        // The READMEs show this very table.
        let table = &text[text.find("Tolerance").unwrap()..];
        for readme in ["README.md", "tests/fixtures/histories/README.md"] {
            let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(readme)).unwrap();
            assert!(readme.contains(table), "the README's table is not the command's:\n{table}");
        }
    }

    #[test]
    fn simulate_json_has_exactly_the_contract_keys() {
        let dir = tempfile::tempdir().unwrap();
        let out =
            nodelock(dir.path(), &["policy", "simulate", "--json", "--tolerance", "2..3"], &corpus_args());
        let v: Value = serde_json::from_str(&ok(&out)).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["recommended", "tolerances"]);
        let rows = v["tolerances"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for row in rows {
            let keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                ["comparisons", "false_accepts", "machines_reactivated", "reactivations", "tolerance"]
            );
        }
        assert_eq!(rows[1]["tolerance"], 3);
        assert_eq!(rows[1]["false_accepts"], 6);
        assert_eq!(v["recommended"], 2);
        // A single tolerance with false accepts: no recommendation, null.
        let out = nodelock(dir.path(), &["policy", "simulate", "--json", "--tolerance", "3"], &corpus_args());
        let v: Value = serde_json::from_str(&ok(&out)).unwrap();
        assert!(v["recommended"].is_null(), "{v}");
        let text = ok(&nodelock(dir.path(), &["policy", "simulate", "--tolerance", "3"], &corpus_args()));
        assert!(text.contains("Recommended tolerance: none"), "{text}");
    }

    #[test]
    fn simulate_plots_a_well_formed_svg_naming_both_curves() {
        let dir = tempfile::tempdir().unwrap();
        ok(&nodelock(dir.path(), &["policy", "simulate", "--plot", "errors.svg"], &corpus_args()));
        let svg = std::fs::read_to_string(dir.path().join("errors.svg")).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(|t| t.trim().to_owned())
            .collect();
        for curve in ["false reactivations", "false accepts"] {
            assert!(texts.iter().any(|t| t.starts_with(curve)), "{curve} in {texts:?}");
        }
        assert!(doc.descendants().filter(|n| n.has_tag_name("polyline")).count() >= 2, "two curves drawn");
        // The README's plot is this one.
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/simulate-corpus.svg");
        assert_eq!(svg, std::fs::read_to_string(committed).unwrap(), "regenerate docs/simulate-corpus.svg");
    }

    #[test]
    fn simulate_refuses_bad_input_with_status_2() {
        let dir = tempfile::tempdir().unwrap();
        let fails = |args: &[&str], more: &[String]| {
            let out = nodelock(dir.path(), args, more);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
            String::from_utf8(out.stderr).unwrap()
        };
        let err = fails(&["policy", "simulate"], &[]);
        assert!(err.contains("--history DIR"), "{err}");
        let err = fails(&["policy", "simulate", "--tolerance", "5..2"], &corpus_args());
        assert!(err.contains("5..2") && err.contains("empty"), "{err}");
        let err = fails(&["policy", "simulate", "--history", "missing"], &[]);
        assert!(err.contains("cannot read missing"), "{err}");
        let err = fails(&["policy", "simulate", "--tolerance", "x"], &corpus_args());
        assert!(err.contains("`x`"), "{err}");
        let err = fails(&["policy", "simulate", "--product", "com.example.other"], &corpus_args());
        assert!(err.contains("com.example.other") && err.contains(".json"), "{err}");
        // A mix of products names a file of each.
        std::fs::create_dir(dir.path().join("other")).unwrap();
        let mut inventory = nodelock::Inventory::new(nodelock::Environment::BareMetal);
        inventory.push(nodelock::Component::new(nodelock::ComponentKind::Cpu, "GenuineIntel 000806c1"));
        let capture =
            nodelock::capture::Capture::new(&inventory, "com.example.other", false, nodelock::Timestamp(0));
        std::fs::write(dir.path().join("other/00-x.json"), capture.to_json()).unwrap();
        let mut args = corpus_args();
        args.extend(["--history".to_owned(), "other".to_owned()]);
        let err = fails(&["policy", "simulate"], &args);
        assert!(
            err.contains("00-x.json") && err.contains("cloud-vm") && err.contains("com.example.other"),
            "{err}"
        );
        // A weights file that is not a table.
        std::fs::write(dir.path().join("w.json"), r#"{"mac": 3}"#).unwrap();
        let err = fails(&["policy", "simulate", "--weights", "w.json"], &corpus_args());
        assert!(err.contains("w.json") && err.contains("\"default\""), "{err}");
    }

    #[test]
    fn simulate_with_a_weights_file_changes_the_scores() {
        // The drive at 4: the same-model laptops (which differ only by it) stop being
        // accepted at 3, and the heavily upgraded workstation still reactivates once.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("w.json"),
            r#"{"system_drive": {"default": 4, "partial": 2, "moved": 4}}"#,
        )
        .unwrap();
        let out = nodelock(
            dir.path(),
            &["policy", "simulate", "--weights", "w.json", "--tolerance", "3", "--json"],
            &corpus_args(),
        );
        let v: Value = serde_json::from_str(&ok(&out)).unwrap();
        assert_eq!(v["tolerances"][0]["false_accepts"], 0, "{v}");
        assert_eq!(v["tolerances"][0]["reactivations"], 1, "{v}");
        assert_eq!(v["recommended"], 3);
    }

    /// `--db`: two seats, the first transferred from the workstation to the VM.
    #[cfg(feature = "authority")]
    #[test]
    fn simulate_replays_a_ledgers_seats() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| ok(&nodelock(dir.path(), args, &[]));
        let fixture = |m: &str| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(m).to_str().unwrap().to_owned()
        };
        run(&["keys", "generate", "--out", "keys"]);
        let issued = run(&[
            "license",
            "issue",
            "--key",
            "keys/secret.key",
            "--product",
            "com.example.app",
            "--licensee",
            "ACME",
            "--seats",
            "2",
            "--out",
            "lic.lic",
        ]);
        let license = issued.split_whitespace().nth(1).unwrap().to_owned();
        run(&["authority", "init", "--db", "ledger.db", "--key", "keys/secret.key"]);
        run(&["authority", "add-license", "--db", "ledger.db", "lic.lic"]);
        let request = |machine: &str| {
            let store = format!("store-{machine}");
            let root = fixture(machine);
            run(&["activate", "request", "--license", "lic.lic", "--store", &store, "--root", &root])
                .trim()
                .to_owned()
        };
        for machine in ["workstation", "laptop"] {
            let code = request(machine);
            run(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
        }
        let status: Value =
            serde_json::from_str(&run(&["seats", "status", "--db", "ledger.db", "--json"])).unwrap();
        let first =
            status["licenses"][0]["activations"].as_array().unwrap().iter().find(|a| a["seat"] == 1).unwrap()
                ["activation_id"]
                .as_str()
                .unwrap()
                .to_owned();
        let vm = request("cloud-vm");
        run(&["seats", "transfer", "--db", "ledger.db", &first, "--request", &vm]);
        let out = run(&[
            "policy",
            "simulate",
            "--db",
            "ledger.db",
            "--license",
            &license,
            "--json",
            "--tolerance",
            "3",
        ]);
        let v: Value = serde_json::from_str(&out).unwrap();
        // Seat 1 = [workstation, cloud-vm]: the VM is nothing like the workstation, one reactivation.
        // Seat 2 = [laptop]. Cross: workstation vs laptop (1), laptop vs workstation and VM (2).
        let row = &v["tolerances"][0];
        assert_eq!(
            (
                row["reactivations"].as_u64(),
                row["machines_reactivated"].as_u64(),
                row["comparisons"].as_u64()
            ),
            (Some(1), Some(1), Some(3)),
            "{v}"
        );
        assert_eq!(row["false_accepts"], 0);
        let text = run(&["policy", "simulate", "--db", "ledger.db", "--license", &license]);
        assert!(text.contains("2 machine(s) from the seats of license"), "{text}");
        // --db needs --license, and an unknown license is bad input.
        let out = nodelock(dir.path(), &["policy", "simulate", "--db", "ledger.db"], &[]);
        assert_eq!(out.status.code(), Some(2));
        let unknown = "00000000000000000000000000000000";
        let out =
            nodelock(dir.path(), &["policy", "simulate", "--db", "ledger.db", "--license", unknown], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
