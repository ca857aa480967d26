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
