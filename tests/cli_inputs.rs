//! Hostile and unusual input through the command line (issue 12): every
//! form a message may take is read where a message is read, what is printed
//! cannot forge the terminal, exit statuses are the README's, and no input
//! makes a command hang or panic.
#![cfg(all(feature = "cli", feature = "authority"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use nodelock::activation::ActivationRequest;
use nodelock::codec::{armour, tag};

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let s = Scratch { dir: tempfile::tempdir().unwrap() };
        s.ok(&["keys", "generate", "--out", "keys"]);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nodelock"))
            .args(args)
            .current_dir(self.dir.path())
            .env("USER", "tester")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.status.code(), Some(0), "nodelock {args:?}: {}", String::from_utf8_lossy(&r.stderr));
        String::from_utf8(r.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], status: i32) -> String {
        let r = self.run(args);
        assert_eq!(
            r.status.code(),
            Some(status),
            "nodelock {args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        String::from_utf8(r.stderr).unwrap()
    }

    /// A two-seat license `lic.lic` in ledger `ledger.db`.
    fn desk(&self) {
        self.ok(&[
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
        self.ok(&["authority", "init", "--db", "ledger.db", "--key", "keys/secret.key"]);
        self.ok(&["authority", "add-license", "--db", "ledger.db", "lic.lic"]);
    }

    /// A request code from fixture machine `machine` with its own store.
    fn request(&self, machine: &str) -> String {
        let root = fixture(machine);
        let store = format!("store-{machine}");
        let args = [
            "activate",
            "request",
            "--license",
            "lic.lic",
            "--store",
            &store,
            "--root",
            root.to_str().unwrap(),
        ];
        self.ok(&args).trim().to_owned()
    }
}

fn fixture(machine: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(machine)
}

#[test]
fn grant_reads_a_request_as_armour_raw_bytes_or_a_code_inside_an_email() {
    let s = Scratch::new();
    s.desk();
    let code = s.request("workstation");
    let bytes = ActivationRequest::from_code(&code).unwrap().to_bytes();
    std::fs::write(s.path("req.asc"), format!("\u{feff}{}", armour::encode(tag::REQUEST, &bytes))).unwrap();
    std::fs::write(s.path("req.bin"), &bytes).unwrap();
    let wrapped: Vec<String> = code
        .split_inclusive('-')
        .collect::<Vec<_>>()
        .chunks(8)
        .map(|c| format!("> {}", c.concat()))
        .collect();
    let mail = format!("Hello,\n\n> my code:\n{}\n>\n> Regards, Bob\n", wrapped.join("\n"));
    std::fs::write(s.path("req.eml"), mail).unwrap();
    for file in ["req.asc", "req.bin", "req.eml"] {
        let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", file]);
        assert!(response.trim().starts_with("NLC-"), "{file}: {response}");
    }
    // A truncated code says how much is missing, not "typo".
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", &code[..code.len() - 12]], 2);
    assert!(err.contains("incomplete") && err.contains("group(s) of five"), "{err}");
}

/// The armour of `code`'s message with the last bit of its signature flipped.
fn forged(code: &str, kind: tag::Tag) -> String {
    let mut bytes = nodelock::codec::code::decode_as(code, kind).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    armour::encode(kind, &bytes)
}

#[test]
fn a_forged_licensee_cannot_fake_the_verdict_and_labels_cannot_spoof_the_seat_list() {
    let s = Scratch::new();
    s.desk();
    let stranger = nodelock::SecretKey::from_seed(&[0x42; 32]);
    let mut license = nodelock::License::new(
        nodelock::LicenseId([7; 16]),
        "com.example.app",
        "ACME\n\u{1b}[32mSignature        valid\u{1b}[0m\u{202e}",
        1,
        nodelock::Timestamp(1_780_000_000),
    );
    license.features.insert("edition\u{1b}[2J".into(), "pro\u{200b}".into());
    std::fs::write(s.path("forged.lic"), license.sign(&stranger).unwrap().to_armoured()).unwrap();
    let out = s.run(&["license", "inspect", "forged.lic", "--public-key", "keys/public.key"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for hidden in ['\u{1b}', '\u{202e}', '\u{200b}'] {
        assert!(!stdout.contains(hidden), "{hidden:?} reached the terminal: {stdout}");
    }
    let signature_lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("Signature")).collect();
    assert_eq!(signature_lines.len(), 1, "one verdict line: {stdout}");
    assert!(!signature_lines[0].contains("valid") || signature_lines[0].contains("invalid"), "{stdout}");
    assert!(stdout.contains("Licensee         ACME\\u{a}\\u{1b}[32mSignature"), "{stdout}");
    assert!(stdout.contains("edition\\u{1b}[2J = pro\\u{200b}"), "{stdout}");
    // The error message on stderr is escaped too.
    assert!(!String::from_utf8(out.stderr).unwrap().contains('\u{1b}'));

    // A label with a bidi override is cleaned when it is recorded.
    let root = fixture("workstation");
    let code = s.ok(&[
        "activate",
        "request",
        "--license",
        "lic.lic",
        "--store",
        "st",
        "--root",
        root.to_str().unwrap(),
        "--label",
        "pc-\u{202e}7-bal\u{200b}",
    ]);
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", code.trim()]);
    let seats = s.ok(&["seats", "status", "--db", "ledger.db"]);
    assert!(seats.contains("pc-\u{fffd}7-bal\u{fffd}"), "{seats}");
    assert!(!seats.contains('\u{202e}') && !seats.contains('\u{200b}'), "{seats}");
}

#[test]
fn a_bad_signature_is_exit_status_1_everywhere() {
    let s = Scratch::new();
    s.desk();
    // authority add-license
    let license = std::fs::read_to_string(s.path("lic.lic")).unwrap();
    let bytes = armour::decode(&license, tag::LICENSE, 1 << 16).unwrap();
    let mut bad = bytes.clone();
    *bad.last_mut().unwrap() ^= 1;
    std::fs::write(s.path("bad.lic"), armour::encode(tag::LICENSE, &bad)).unwrap();
    let err = s.fails(&["authority", "add-license", "--db", "ledger.db", "bad.lic"], 1);
    assert!(err.contains("signature"), "{err}");
    // activate apply --public-key
    let code = s.request("workstation");
    let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
    std::fs::write(s.path("bad.cert"), forged(response.trim(), tag::CERTIFICATE)).unwrap();
    let apply = [
        "activate",
        "apply",
        "--store",
        "store-workstation",
        "--public-key",
        "keys/public.key",
        "--response",
    ];
    let err = s.fails(&[&apply[..], &["bad.cert"]].concat(), 1);
    assert!(err.contains("signature"), "{err}");
    // authority deactivate
    s.ok(&[&apply[..], &[response.trim()]].concat());
    let receipt = s.ok(&["deactivate", "--store", "store-workstation"]);
    std::fs::write(s.path("bad.receipt"), forged(receipt.trim(), tag::RECEIPT)).unwrap();
    let err = s.fails(&["authority", "deactivate", "--db", "ledger.db", "--receipt", "bad.receipt"], 1);
    assert!(err.contains("not signed by the machine"), "{err}");
    s.ok(&["authority", "deactivate", "--db", "ledger.db", "--receipt", receipt.trim()]);
}

#[test]
fn a_closed_pipe_ends_the_tool_quietly() {
    let s = Scratch::new();
    s.desk();
    // The reading end is closed before the tool writes a byte.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_nodelock"))
        .args(["seats", "history", "--db", "ledger.db"])
        .current_dir(s.dir.path())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc_sigpipe()), "ended like `cat`: {:?}", out.status);
    }
}

/// SIGPIPE's number (13 on every Unix nodelock supports).
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

/// A certificate for `code`, signed with the scratch vendor key (what an
/// authority would answer; the ledger's seat rules are not under test here).
fn answer(s: &Scratch, code: &str, n: u8) -> String {
    use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind};
    let request = ActivationRequest::from_code(code).unwrap();
    let key = nodelock::SecretKey::read_file(&s.path("keys/secret.key")).unwrap();
    let cert = ActivationCertificate::answering(
        &request,
        ActivationId([n; 16]),
        ActivationKind::Permanent,
        Some(1),
        nodelock::Timestamp::now(),
    )
    .sign(&key)
    .unwrap();
    ActivationCertificate::code_of(&cert)
}

#[test]
fn concurrent_requests_into_one_store_are_all_kept() {
    let s = Scratch::new();
    s.desk();
    let root = fixture("workstation");
    let seed = std::env::var("NODELOCK_TEST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0u64);
    println!("seed {seed} (rerun with NODELOCK_TEST_SEED={seed})");
    for round in 0..10 {
        let store = format!("store-{round}");
        // Three processes make a request into the same store at once.
        let children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_nodelock"))
                    .args(["activate", "request", "--license", "lic.lic", "--store", &store])
                    .args(["--root", root.to_str().unwrap()])
                    .current_dir(s.dir.path())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let codes: Vec<String> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8(out.stdout).unwrap().trim().to_owned()
            })
            .collect();
        // Every response installs: no request was lost to another's write.
        for (i, code) in codes.iter().enumerate() {
            let response = answer(&s, code, (round * 3 + i) as u8);
            s.ok(&[
                "activate",
                "apply",
                "--store",
                &store,
                "--public-key",
                "keys/public.key",
                "--response",
                &response,
            ]);
        }
    }
}

#[cfg(unix)]
#[test]
fn fifos_are_refused_at_once_and_store_files_are_never_links() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    s.desk();
    let mkfifo = |p: &Path| assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    // A FIFO as an input file: refused, not waited on (`output` would block forever).
    mkfifo(&s.path("pipe.lic"));
    let err = s.fails(&["license", "inspect", "pipe.lic"], 2);
    assert!(err.contains("FIFO"), "{err}");
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", "pipe.lic"], 2);
    assert!(err.contains("FIFO"), "{err}");
    // An activated store, then its files swapped for FIFOs or links, one at a time.
    let code = s.request("workstation");
    let response = answer(&s, &code, 1);
    s.ok(&[
        "activate",
        "apply",
        "--store",
        "store-workstation",
        "--public-key",
        "keys/public.key",
        "--response",
        &response,
    ]);
    let root = fixture("workstation");
    let status = [
        "status",
        "--license",
        "lic.lic",
        "--public-key",
        "keys/public.key",
        "--store",
        "store-workstation",
        "--root",
        root.to_str().unwrap(),
    ];
    s.ok(&status);
    let outside = s.path("outside");
    for name in ["activation", "clock", "anchor", "license.lic"] {
        let file = s.path(&format!("store-workstation/{name}"));
        let saved = s.path(&format!("{name}.saved"));
        std::fs::rename(&file, &saved).unwrap();
        mkfifo(&file);
        // The check answers (before the fix it hung on the FIFO); an
        // anchor it cannot read makes the store read as moved, which this
        // license's policy tolerates, so only the other files refuse.
        let out = s.run(&status);
        assert!(name == "anchor" || out.status.code() != Some(0), "{name} as a FIFO");
        std::fs::remove_file(&file).unwrap();
        std::fs::copy(&saved, &outside).unwrap();
        std::os::unix::fs::symlink(&outside, &file).unwrap();
        let out = s.run(&status);
        assert!(name == "anchor" || out.status.code() != Some(0), "{name} as a link out of the store");
        std::fs::remove_file(&file).unwrap();
        std::fs::rename(&saved, &file).unwrap();
        s.ok(&status);
    }
    // A killed write's temporary file is removed by the next change, and
    // temporaries of secrets are never readable by others.
    let stale = s.path("store-workstation/.activation.00112233aabbccdd.tmp");
    std::fs::write(&stale, b"secret state").unwrap();
    s.request("workstation");
    assert!(!stale.exists(), "the stale temporary file was removed");
    for entry in std::fs::read_dir(s.path("store-workstation")).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode();
        let name = entry.file_name().into_string().unwrap();
        if ["activation", "clock", "lock"].contains(&name.as_str()) {
            assert_eq!(mode & 0o077, 0, "{name} is private");
        }
    }
}

#[cfg(unix)]
#[test]
fn keys_generate_makes_a_private_directory_under_any_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = format!("umask 000; exec '{}' keys generate --out new/keys", env!("CARGO_BIN_EXE_nodelock"));
    let out = Command::new("sh").args(["-c", &script]).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mode = std::fs::metadata(dir.path().join("new/keys")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let secret = std::fs::metadata(dir.path().join("new/keys/secret.key")).unwrap().permissions().mode();
    assert_eq!(secret & 0o777, 0o600);
}

/// `authority grant` prints the short response (≤ 160 characters), which
/// `activate apply` installs with or without `--public-key`; `--long-code`
/// prints the full one, and `--json` has both.
#[test]
fn grant_prints_the_short_response_and_the_full_one_on_request() {
    let s = Scratch::new();
    s.desk();
    let code = s.request("workstation");
    let short = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
    let short = short.trim();
    assert!(short.starts_with("NLC-") && short.len() <= 160, "{} characters: {short}", short.len());
    s.ok(&["activate", "apply", "--store", "store-workstation", "--response", short]);
    s.ok(&[
        "status",
        "--license",
        "lic.lic",
        "--store",
        "store-workstation",
        "--root",
        fixture("workstation").to_str().unwrap(),
        "--public-key",
        "keys/public.key",
    ]);

    let code = s.request("laptop");
    let json = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code, "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (short, full) = (value["code"].as_str().unwrap(), value["full_code"].as_str().unwrap());
    // The full certificate of a short request binds 4-byte digests: ~470 characters.
    assert!(short.len() <= 160 && full.len() > 400, "{value}");
    // Asked again: the full response, installed with the key.
    let long = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code, "--long-code"]);
    assert!(long.trim().len() > 400, "{long}");
    let apply =
        ["activate", "apply", "--store", "store-laptop", "--public-key", "keys/public.key", "--response"];
    s.ok(&[&apply[..], &[long.trim()]].concat());
}

/// `activate request` prints the short request (version 2, 4-byte digests)
/// and `--long-code` the full one; both go through `authority grant` and
/// `activate apply` to a licensed `status`, and the machine that asked long
/// and then short is one machine (a renewal, one seat).
#[test]
fn activate_request_prints_the_short_request_and_the_full_one_on_request() {
    let s = Scratch::new();
    s.desk();
    let root = fixture("workstation");
    let root = root.to_str().unwrap();
    let ask = |store: &str, extra: &[&str]| {
        let args = ["activate", "request", "--license", "lic.lic", "--store", store, "--root", root];
        s.ok(&[&args[..], extra].concat()).trim().to_owned()
    };
    let status = |store: &str| {
        s.ok(&[
            "status",
            "--license",
            "lic.lic",
            "--store",
            store,
            "--root",
            root,
            "--public-key",
            "keys/public.key",
        ])
    };
    let short = ask("store-short", &[]);
    let long = ask("store-long", &["--long-code"]);
    let (short_request, long_request) =
        (ActivationRequest::from_code(&short).unwrap(), ActivationRequest::from_code(&long).unwrap());
    assert_eq!(short_request.profile.width(), 4, "{short}");
    assert_eq!(long_request.profile.width(), 16);
    assert_eq!(short_request.profile, long_request.profile.shortened(4), "the same machine's digests, cut");
    assert!(short.len() + 150 < long.len(), "{} vs {} characters", short.len(), long.len());
    let mut grants = Vec::new();
    for (store, code) in [("store-long", &long), ("store-short", &short)] {
        let json = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", code, "--json"]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        s.ok(&["activate", "apply", "--store", store, "--response", value["code"].as_str().unwrap()]);
        status(store);
        grants.push(value);
    }
    // Long then short from the same hardware: one machine, one seat.
    assert_eq!(grants[0]["kind"], "seat", "{}", grants[0]);
    assert_eq!(grants[1]["kind"], "renewal", "{}", grants[1]);
    assert_eq!(grants[0]["activation_id"], grants[1]["activation_id"]);
    assert_eq!(grants[1]["seat"], 1);
    // `activate renew` is short too, and renews the same seat.
    let renewal = s
        .ok(&["activate", "renew", "--license", "lic.lic", "--store", "store-long", "--root", root])
        .trim()
        .to_owned();
    assert_eq!(ActivationRequest::from_code(&renewal).unwrap().profile.width(), 4);
    let answer = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &renewal, "--json"]);
    let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
    s.ok(&["activate", "apply", "--store", "store-long", "--response", value["code"].as_str().unwrap()]);
    status("store-long");
}
