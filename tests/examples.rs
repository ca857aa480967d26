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

#[test]
#[cfg(all(feature = "client", target_os = "linux"))]
fn profile_helper_has_help_and_refuses_a_wrong_root() {
    let help = Command::new(example("profile_helper")).arg("--help").output().expect("run profile_helper");
    assert!(help.status.success(), "{}", String::from_utf8_lossy(&help.stderr));
    let text = String::from_utf8_lossy(&help.stdout);
    for usage in ["profile_helper capture FILE", "profile_helper compare OLD NEW", "Exit status"] {
        assert!(text.contains(usage), "{text}");
    }

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    let wrong = Command::new(example("profile_helper"))
        .args(["capture", out.to_str().unwrap(), "--root", "/nonexistent"])
        .output()
        .expect("run profile_helper");
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("--root /nonexistent: no sys/ or proc/ directory there"), "{stderr}");
    assert!(!out.exists(), "no all-unreadable capture is written");

    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/laptop");
    let good = Command::new(example("profile_helper"))
        .args(["capture", out.to_str().unwrap(), "--root", fixture.to_str().unwrap()])
        .output()
        .expect("run profile_helper");
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert!(out.exists());
}

/// A tmux session on a private server (its socket inside the test's
/// temporary directory, so nothing outlives the test), driven like a user at
/// a terminal. Each session gets a server of its own (`<socket>.<n>`): a
/// server exits when its last session ends, and a new session started on
/// that socket while it is still exiting fails with "server exited
/// unexpectedly" (seen under load).
#[cfg(all(unix, feature = "cli", feature = "online", feature = "server"))]
struct Tmux {
    socket: PathBuf,
    session: std::cell::Cell<u32>,
}

#[cfg(all(unix, feature = "cli", feature = "online", feature = "server"))]
impl Tmux {
    fn new(socket: PathBuf) -> Tmux {
        Tmux { socket, session: std::cell::Cell::new(0) }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        let socket = self.socket.with_extension(format!("sock.{}", self.session.get()));
        Command::new("tmux")
            .arg("-S")
            .arg(socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    /// Starts `command` in a new session; the pane waits for a key after it
    /// ends, so its last screen and `EXIT=<status>` can be read.
    fn start(&self, command: &str) {
        let line = format!("{command}; echo EXIT=$?; read done");
        self.session.set(self.session.get() + 1);
        let out = self.tmux(&["new-session", "-d", "-s", "prompt", "-x", "200", "-y", "60", &line]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self.tmux(&["capture-pane", "-p", "-J", "-S", "-500", "-t", "prompt"]).stdout,
        )
        .into_owned()
    }

    /// Waits until the screen shows `text` (polling the pane; the deadline
    /// only bounds a hung prompt, it orders nothing).
    fn expect(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the prompt never showed {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "prompt"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    fn end(&self) {
        self.keys(&["Enter"]);
        let _ = self.tmux(&["kill-server"]);
    }
}

#[cfg(all(unix, feature = "cli", feature = "online", feature = "server"))]
impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
#[cfg(all(unix, feature = "cli", feature = "online", feature = "server"))]
fn activation_prompt_in_a_terminal() {
    let inventory = nodelock::hardware::collect();
    let kinds = nodelock::ComponentKind::ALL
        .iter()
        .filter(|k| inventory.of_kind(**k).any(|c| !c.flags.removable))
        .count();
    if kinds < 3 {
        println!("skipped: this machine shows {kinds} kinds of hardware, too few to activate");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let n = |args: &[&str]| {
        let out =
            Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    n(&["keys", "generate", "--out", "demo/keys"]);
    n(&[
        "license",
        "issue",
        "--key",
        "demo/keys/secret.key",
        "--product",
        "com.example.prompt",
        "--licensee",
        "You",
        "--seats",
        "1",
        "--out",
        "demo/app.lic",
    ]);
    n(&["authority", "init", "--db", "demo/ledger.db", "--key", "demo/keys/secret.key"]);
    n(&["authority", "add-license", "--db", "demo/ledger.db", "demo/app.lic"]);
    let exe = example("activation_prompt");
    let run = |extra: &str| format!("{} {} {extra}", exe.display(), demo.display());
    let t = Tmux::new(dir.path().join("tmux.sock"));

    // Not activated: the reason; Enter at the menu asks again instead of
    // quitting; online activation; licensed, with the offer to deactivate.
    t.start(&run(""));
    t.expect("This copy needs to be activated: this copy is not activated on this machine yet");
    t.keys(&["Enter"]);
    t.expect("Type 1, 2 or q, then Enter.");
    t.keys(&["1", "Enter"]);
    // Online is the real online client over HTTP (the demo runs the service).
    t.expect("Contacting the activation server at http://127.0.0.1:");
    t.expect("Licensed to You");
    t.expect("[d] Deactivate this machine (frees its seat)");
    t.keys(&["Enter"]);
    t.expect("The application starts.");
    t.expect("EXIT=0");
    t.end();

    // After a repair: what changed, with the comparison table; q quits, saying so.
    t.start(&run("--repair"));
    let screen = t.expect("What changed since the last activation");
    assert!(screen.contains("reactivation required"), "{screen}");
    t.keys(&["q", "Enter"]);
    t.expect("The application does not start until this copy is activated.");
    t.expect("EXIT=1");
    t.end();

    // This machine holds the seat: deactivating frees it.
    t.start(&run(""));
    t.expect("[d] Deactivate this machine");
    t.keys(&["d", "Enter"]);
    t.expect("This machine is deactivated; its seat is free for another machine.");
    t.expect("EXIT=1");
    t.end();
    // A newer release shipped with the application supersedes the activation.
    t.start(&run(""));
    t.keys(&["1", "Enter"]);
    t.expect("[d] Deactivate this machine");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();
    n(&[
        "license",
        "reissue",
        "demo/app.lic",
        "--key",
        "demo/keys/secret.key",
        "--seats",
        "2",
        "--out",
        "demo/app2.lic",
    ]);
    n(&["authority", "add-license", "--db", "demo/ledger.db", "demo/app2.lic"]);
    std::fs::rename(demo.join("app2.lic"), demo.join("app.lic")).unwrap();
    t.start(&run(""));
    let screen = t.expect("This copy needs to be activated: ");
    assert!(screen.contains("release 2"), "the reason names the new release:\n{screen}");
    t.keys(&["1", "Enter"]);
    t.expect("[d] Deactivate this machine");
    t.keys(&["d", "Enter"]);
    t.expect("This machine is deactivated");
    t.end();

    // A license that does not allow moving: the demo copied elsewhere (store
    // and all) is refused as moved.
    n(&[
        "license",
        "issue",
        "--key",
        "demo/keys/secret.key",
        "--product",
        "com.example.prompt",
        "--licensee",
        "You",
        "--seats",
        "1",
        "--invalidate-on-move",
        "--out",
        "demo/fixed.lic",
    ]);
    n(&["authority", "add-license", "--db", "demo/ledger.db", "demo/fixed.lic"]);
    let fixed = dir.path().join("fixed");
    std::fs::create_dir_all(fixed.join("keys")).unwrap();
    for file in ["keys/public.key", "keys/secret.key", "ledger.db"] {
        std::fs::copy(demo.join(file), fixed.join(file)).unwrap();
    }
    std::fs::copy(demo.join("fixed.lic"), fixed.join("app.lic")).unwrap();
    let run_fixed = |extra: &str| format!("{} {} {extra}", exe.display(), fixed.display());
    t.start(&run_fixed(""));
    t.keys(&["1", "Enter"]);
    t.expect("[d] Deactivate this machine");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();
    let copy = dir.path().join("copy");
    let status = Command::new("cp").arg("-a").arg(&fixed).arg(&copy).status().unwrap();
    assert!(status.success());
    t.start(&format!("{} {}", exe.display(), copy.display()));
    t.expect("This copy needs to be activated: the license was moved, copied or restored from a backup");
    t.keys(&["q", "Enter"]);
    t.expect("EXIT=1");
    t.end();

    let out = Command::new(env!("CARGO_BIN_EXE_nodelock"))
        .args(["seats", "status", "--db", "demo/ledger.db", "--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["licenses"][0]["in_use"], 0, "{status}");
}

/// The prompt's texts that depend on time, with the clock injected
/// (`NODELOCK_DEMO_NOW`): a lease ending in N days, a temporary activation
/// ending in N days, the clock set back; and the offline request drawn as a
/// QR code in a UTF-8 terminal wide enough, or the way to get one otherwise.
#[test]
#[cfg(all(unix, feature = "cli", feature = "online", feature = "server"))]
fn activation_prompt_tells_lease_temporary_and_clock_texts_and_draws_the_request() {
    let inventory = nodelock::hardware::collect();
    let kinds = nodelock::ComponentKind::ALL
        .iter()
        .filter(|k| inventory.of_kind(**k).any(|c| !c.flags.removable))
        .count();
    if kinds < 3 {
        println!("skipped: this machine shows {kinds} kinds of hardware, too few to activate");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n = |args: &[&str]| -> String {
        let out =
            Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // A demo directory per license: keys, the license, a ledger holding it.
    let setup = |name: &str, terms: &[&str]| -> PathBuf {
        n(&["keys", "generate", "--out", &format!("{name}/keys")]);
        let key = format!("{name}/keys/secret.key");
        let license = format!("{name}/app.lic");
        let db = format!("{name}/ledger.db");
        let issue =
            ["license", "issue", "--key", &key, "--product", "com.example.prompt", "--licensee", "You"];
        n(&[&issue[..], terms, &["--out", &license]].concat());
        n(&["authority", "init", "--db", &db, "--key", &key]);
        n(&["authority", "add-license", "--db", &db, &license]);
        dir.path().join(name)
    };
    let exe = example("activation_prompt");
    let t = Tmux::new(dir.path().join("tmux.sock"));
    // The clock of the whole test: now, to the second, and days after it.
    let t0 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let at = |demo: &std::path::Path, days: i64| {
        let secs = t0.checked_add_signed(days * 86_400).unwrap();
        format!("env NODELOCK_DEMO_NOW={secs} LC_ALL=C.UTF-8 {} {}", exe.display(), demo.display())
    };

    // A lease of 30 days: activated today, its end 25 days later is 5 days off.
    let lease = setup("lease", &["--seats", "1", "--lease-days", "30"]);
    t.start(&at(&lease, 0));
    t.expect("This copy needs to be activated: this copy is not activated on this machine yet");
    t.keys(&["1", "Enter"]);
    t.expect("The activation's lease ends in 30 days");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();
    t.start(&at(&lease, 25));
    let screen = t.expect("The activation's lease ends in 5 days");
    assert!(screen.contains("renew it"), "the renewal warning:\n{screen}");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();
    // The clock set back 28 days behind the last check.
    t.start(&at(&lease, -3));
    t.expect("This copy needs to be activated: the system clock");
    t.expect("is behind the last time this license was checked");
    t.keys(&["q", "Enter"]);
    t.expect("EXIT=1");
    t.end();

    // Every seat taken by another machine: a temporary activation of 14
    // days, 4 days from its end 10 days later.
    let temp = setup("temp", &["--seats", "1", "--temporary-days", "14"]);
    let laptop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/laptop");
    let other = n(&[
        "activate",
        "request",
        "--license",
        "temp/app.lic",
        "--store",
        "temp/other-store",
        "--root",
        laptop.to_str().unwrap(),
    ]);
    n(&["authority", "grant", "--db", "temp/ledger.db", "--request", other.trim()]);
    t.start(&at(&temp, 0));
    t.keys(&["1", "Enter"]);
    t.expect("This temporary activation ends in 14 days");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();
    t.start(&at(&temp, 10));
    t.expect("This temporary activation ends in 4 days");
    t.keys(&["Enter"]);
    t.expect("EXIT=0");
    t.end();

    // Offline: the request as a code and, in this UTF-8 terminal 200
    // columns wide, as a QR code of the same code.
    let offline = setup("offline", &["--seats", "1"]);
    t.start(&at(&offline, 0));
    t.keys(&["2", "Enter"]);
    let screen = t.expect("Paste the response code");
    assert!(screen.contains("Or scan it with a phone:"), "{screen}");
    let code =
        screen.split_whitespace().find(|w| w.starts_with("NLR-")).expect("the request code").to_owned();
    let qr = nodelock::codec::qr::render(&code).unwrap();
    let first = qr.lines().find(|l| l.contains('▄') || l.contains('▀')).unwrap().trim_end().to_owned();
    assert!(screen.lines().any(|l| l.trim_end() == first), "the QR code of the code:\n{screen}");
    t.keys(&["Enter"]);
    t.keys(&["q", "Enter"]);
    t.expect("EXIT=1");
    t.end();
    // Not a UTF-8 locale: no QR code, and how to get one.
    t.start(&at(&offline, 0).replace("LC_ALL=C.UTF-8", "LC_ALL=C"));
    t.keys(&["2", "Enter"]);
    let screen = t.expect("Paste the response code");
    assert!(screen.contains("No QR code here: the locale (C) is not UTF-8"), "{screen}");
    assert!(screen.contains("nodelock activate request --qr"), "{screen}");
    t.keys(&["Enter"]);
    t.keys(&["q", "Enter"]);
    t.expect("EXIT=1");
    t.end();
}
