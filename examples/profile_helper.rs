//! The Profile Helper: what a vendor's support desk asks a customer to run
//! when "the application keeps asking to reactivate" or "a component seems to
//! change each time the machine is profiled".
//!
//! ```text
//! cargo run --example profile_helper                         # profile twice, compare, explain
//! cargo run --example profile_helper -- capture FILE [--raw] [--root DIR]
//! cargo run --example profile_helper -- compare OLD NEW [--tolerance N]
//! cargo run --example profile_helper -- --help
//! ```
//!
//! A capture holds keyed digests only, unless `--raw` adds the component
//! values (which identify the hardware: share them only with the vendor).
//! `--root DIR` profiles the machine described by a `sys/` + `proc/` tree,
//! e.g. `tests/fixtures/laptop`.

use std::path::PathBuf;
use std::process::ExitCode;

use nodelock::capture::Capture;
use nodelock::hardware::{Collector, linux::LinuxCollector, platform_collector};
use nodelock::policy::Policy;
use nodelock::{Timestamp, compare_captures};

const PRODUCT: &str = "nodelock.diagnostics";

const USAGE: &str = "\
The Profile Helper: checks that this machine profiles stably and explains what changed.

Usage:
  profile_helper                                  profile this machine twice, compare, explain
  profile_helper capture FILE [--raw] [--root DIR]  save a capture (digests; --raw adds the values)
  profile_helper compare OLD NEW [--tolerance N]  compare two captures: exit 0 within tolerance, 1 not
  profile_helper --help                           this text

--root DIR profiles the machine described by a sys/ + proc/ tree (e.g. tests/fixtures/laptop).
Exit status: 0 stable / within tolerance, 1 reactivation needed, 2 bad usage or input.";

/// The collector for `--root DIR` (which must hold `sys/` or `proc/`: a
/// wrong path is an error, not a capture in which everything is unreadable)
/// or this machine's.
fn collector(root: Option<PathBuf>) -> Result<Box<dyn Collector>, String> {
    match root {
        Some(root) if !root.join("sys").is_dir() && !root.join("proc").is_dir() => Err(format!(
            "--root {}: no sys/ or proc/ directory there; give the directory that holds a machine's sys/ and proc/ trees",
            root.display()
        )),
        Some(root) => Ok(Box::new(LinuxCollector::with_root(root))),
        None => Ok(platform_collector()),
    }
}

fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned()
}

fn read(path: &str) -> Result<Capture, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Capture::from_json(&bytes).map_err(|e| format!("{path}: {e}"))
}

fn explain(old: &Capture, new: &Capture, tolerance: Option<u32>) -> Result<bool, String> {
    let mut policy = Policy::default();
    if let Some(t) = tolerance {
        policy.tolerance = t;
    }
    let comparison = compare_captures(old, new, false, &policy).map_err(|e| e.to_string())?;
    print!("{comparison}");
    for (name, capture) in [("first", old), ("second", new)] {
        for u in &capture.unreadable {
            println!("note: {} could not be read in the {name} capture: {}", u.kind.label(), u.reason);
        }
    }
    if comparison.is_exact() {
        println!("Both profiles are identical: this machine profiles stably.");
    } else {
        for k in comparison.changed() {
            println!(
                "{} differs ({}): if it changes on every run, send both captures (made with --raw) to the vendor.",
                k.kind.label(),
                k.change.name()
            );
        }
    }
    Ok(!comparison.reactivate)
}

fn run(args: &[String]) -> Result<bool, String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(true);
    }
    if args.iter().any(|a| a == "--root") && flag_value(args, "--root").is_none() {
        return Err("--root needs a DIR".into());
    }
    let root = flag_value(args, "--root").map(PathBuf::from);
    match args.first().map(String::as_str) {
        None => {
            println!("Profiling this machine twice...");
            let c = collector(root)?;
            let first = Capture::new(&c.collect(), PRODUCT, false, Timestamp::now());
            let second = Capture::new(&c.collect(), PRODUCT, false, Timestamp::now());
            println!("environment: {}, fingerprint: {}\n", first.environment, first.fingerprint.code());
            explain(&first, &second, None)
        }
        Some("capture") => {
            let out = args.get(1).filter(|a| !a.starts_with("--")).ok_or("capture needs a FILE")?;
            let raw = args.iter().any(|a| a == "--raw");
            let capture = Capture::new(&collector(root)?.collect(), PRODUCT, raw, Timestamp::now());
            std::fs::write(out, capture.to_json()).map_err(|e| format!("cannot write {out}: {e}"))?;
            println!(
                "capture {} written to {out}{}",
                capture.fingerprint.code(),
                if raw { " (with raw values)" } else { "" }
            );
            Ok(true)
        }
        Some("compare") => {
            let (Some(old), Some(new)) = (args.get(1), args.get(2)) else {
                return Err("compare needs OLD and NEW capture files".into());
            };
            let tolerance = match flag_value(args, "--tolerance") {
                Some(t) => Some(t.parse().map_err(|_| format!("--tolerance {t} is not a number"))?),
                None => None,
            };
            let (old, new) = (read(old)?, read(new)?);
            explain(&old, &new, tolerance)
        }
        Some(other) => {
            Err(format!("unknown command `{other}`; use capture or compare (or nothing); see --help"))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("profile_helper: {message}");
            ExitCode::from(2)
        }
    }
}
