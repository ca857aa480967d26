//! The README's command-line block, run as written: each line of the `sh`
//! block under "Command line" runs in a shell, in one empty directory, with
//! the `nodelock` binary this build made first on `PATH` (for the block's
//! `cargo install` line) and a private home (so the per-user store, the
//! default of `--store`, is inside the test's directory). Every line must
//! succeed, and the machine ends up licensed.
#![cfg(all(feature = "cli", feature = "authority"))]

use std::path::Path;
use std::process::Command;

/// The lines of the first `sh` block after the "Command line" heading,
/// without comments and blank lines.
fn readme_block() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("\n## Command line").expect("a Command line section")..];
    let start = section.find("```sh\n").expect("an sh block") + "```sh\n".len();
    let end = start + section[start..].find("```").expect("the block ends");
    section[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Whether this machine shows enough hardware to be activated (a minimal
/// container may not: the authority refuses a profile of fewer than 3 kinds).
fn machine_is_activatable() -> bool {
    let inventory = nodelock::hardware::collect();
    nodelock::ComponentKind::ALL.iter().filter(|k| inventory.of_kind(**k).any(|c| !c.flags.removable)).count()
        >= 3
}

#[test]
fn the_readme_command_line_block_runs_as_written() {
    let lines = readme_block();
    assert!(lines.len() >= 10, "the block: {lines:#?}");
    assert_eq!(lines[0], "cargo install --path . --features cli,authority", "the block starts by installing");
    for needed in ["authority init", "authority add-license", "authority grant", "activate apply"] {
        assert!(lines.iter().any(|l| l.contains(needed)), "the block runs `{needed}`");
    }

    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_nodelock")).parent().unwrap().to_owned();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    // A machine too bare to be locked to runs the machine's lines on the
    // laptop fixture; the block itself stays as the reader sees it.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/laptop");
    let simulate = !machine_is_activatable();
    for line in &lines[1..] {
        let mut line = line.clone();
        if simulate
            && ["profile show", "profile capture", "activate request", "activate renew", "status --license"]
                .iter()
                .any(|c| line.contains(c))
        {
            let (command, redirect) =
                line.split_once(" > ").map_or((line.as_str(), None), |(c, r)| (c, Some(r)));
            line = format!(
                "{command} --root {}{}",
                fixture.display(),
                redirect.map_or(String::new(), |r| format!(" > {r}"))
            );
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{line}` failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // What the block leaves: codes in the files it named, an activation in
    // the per-user store of the license's product.
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(read("request.txt").starts_with("NLR-"), "{}", read("request.txt"));
    assert!(read("response.txt").starts_with("NLC-"), "{}", read("response.txt"));
    assert!(read("renewal.txt").starts_with("NLR-"), "{}", read("renewal.txt"));
    let store = home.join(".local/share/nodelock/com.example.app");
    #[cfg(target_os = "linux")]
    assert!(store.join("activation").exists(), "the default store holds the activation: {}", store.display());
}
