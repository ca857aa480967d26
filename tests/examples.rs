//! The examples as a newcomer runs them: `cargo run --example quickstart`
//! with no flags prints both verdicts, the comparison table with its legend,
//! and the next steps, with no Rust debug formatting.
//!
//! `cargo test` builds every example before it runs the tests; the examples'
//! executables sit in `examples/` beside the test's own `deps/` directory.

use std::path::PathBuf;
use std::process::Command;

/// The built executable of example `name`.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps/<test>");
    let path = profile.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds the examples (or run `cargo build --example {name}`)",
        path.display()
    );
    path
}

#[test]
#[cfg(feature = "client")]
fn quickstart_runs_without_flags_and_says_what_to_do_next() {
    let out = Command::new(example("quickstart")).output().expect("run the quickstart");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));

    // Both verdicts: licensed after activation, refused after the repair.
    assert!(stdout.contains("Licensed to ACME Corp"), "{stdout}");
    assert!(stdout.contains("reactivation required"), "{stdout}");
    assert!(
        stdout.contains("Activation required: the machine changed more than the license tolerates."),
        "{stdout}"
    );
    assert!(
        stdout.contains("seats: 0 in use of 2, 2 available"),
        "the deactivation freed the seat:\n{stdout}"
    );

    // The table's columns are explained in one line right after it.
    let table = stdout.lines().position(|l| l.starts_with("Component ")).expect("the comparison table");
    let legend = stdout.lines().skip(table).find(|l| l.starts_with("Columns:")).expect("the legend");
    for column in ["Stored", "Current", "Matched", "Weight", "Why"] {
        assert!(legend.contains(column), "the legend explains {column}: {legend}");
    }

    // What a vendor does next: three commands and the code to copy.
    let next = &stdout[stdout.find("Next steps").expect("a next-steps section")..];
    for command in [
        "cargo install --path . --features cli,authority",
        "nodelock keys generate --out keys",
        "nodelock license issue --key keys/secret.key",
    ] {
        assert!(next.contains(command), "next steps name `{command}`:\n{next}");
    }
    assert!(
        next.contains("Using it in an application") && next.contains("examples/activation_prompt.rs"),
        "{next}"
    );

    // No Rust debug formatting reaches a reader.
    for debug in ["Some(", "None", "Seat grant", "Renewal grant", "{ ", "\\\""] {
        assert!(!stdout.contains(debug), "debug formatting {debug:?} in:\n{stdout}");
    }
}
