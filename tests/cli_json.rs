//! `--json` on every command that prints a result, and
//! `{"error": {"code", "message"}}` on stdout for a failure under `--json`,
//! with the same exit status as without it; the README's table of codes is
//! exactly `nodelock::codes::ErrorCode::ALL`.
#![cfg(all(feature = "cli", feature = "authority"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nodelock::codes::ErrorCode;
use serde_json::Value;

fn fixture(machine: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(machine).to_str().unwrap().to_owned()
}

struct Run {
    dir: PathBuf,
}

impl Run {
    fn out(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(&self.dir).output().unwrap()
    }

    /// Runs with `--json`: exit status 0 and one JSON object on stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.out(&all);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Runs with and without `--json`: the same exit status `status`, and
    /// under `--json` the error object on stdout with `code`.
    fn fails(&self, args: &[&str], status: i32, code: &str) -> String {
        let plain = self.out(args);
        assert_eq!(plain.status.code(), Some(status), "{args:?}: {}", String::from_utf8_lossy(&plain.stderr));
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.out(&all);
        assert_eq!(out.status.code(), Some(status), "{args:?} --json");
        let value: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(value["error"]["code"], code, "{args:?}: {value}");
        let message = value["error"]["message"].as_str().expect("a message").to_owned();
        assert!(!message.is_empty());
        message
    }
}

#[test]
fn every_result_command_speaks_json_and_failures_carry_stable_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Run { dir: tmp.path().to_owned() };
    let (laptop, workstation) = (fixture("laptop"), fixture("workstation"));

    let keys = r.json(&["keys", "generate", "--out", "keys"]);
    assert_eq!(keys["key_id"].as_str().unwrap().len(), 16, "{keys}");
    let issued = r.json(&[
        "license",
        "issue",
        "--key",
        "keys/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "ACME",
        "--seats",
        "1",
        "--out",
        "acme.lic",
    ]);
    assert_eq!((issued["seats"].as_u64(), issued["file"].as_str()), (Some(1), Some("acme.lic")), "{issued}");
    let license = issued["license_id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json(&["authority", "init", "--db", "l.db", "--key", "keys/secret.key"])["result"],
        "created"
    );
    assert_eq!(
        r.json(&["authority", "add-license", "--db", "l.db", "acme.lic"])["license_id"],
        license.as_str()
    );

    let request =
        r.json(&["activate", "request", "--license", "acme.lic", "--store", "s1", "--root", &laptop]);
    let request_code = request["code"].as_str().unwrap().to_owned();
    assert!(request_code.starts_with("NLR-"), "{request}");
    let grant = r.json(&["authority", "grant", "--db", "l.db", "--request", &request_code]);
    assert_eq!((grant["kind"].as_str(), grant["seat"].as_u64()), (Some("seat"), Some(1)), "{grant}");
    let response = grant["code"].as_str().unwrap().to_owned();
    let applied = r.json(&["activate", "apply", "--store", "s1", "--response", &response]);
    assert_eq!(applied["activation_id"], grant["activation_id"], "{applied}");
    let activation = applied["activation_id"].as_str().unwrap().to_owned();

    // A refusal (exit 1) and bad input (exit 2), each with its code.
    let other =
        r.json(&["activate", "request", "--license", "acme.lic", "--store", "s2", "--root", &workstation]);
    let other_code = other["code"].as_str().unwrap().to_owned();
    r.fails(&["authority", "grant", "--db", "l.db", "--request", &other_code], 1, "no_free_seat");
    let mut typo = request_code.clone().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'0' { b'1' } else { b'0' };
    let typo = String::from_utf8(typo).unwrap();
    r.fails(&["authority", "grant", "--db", "l.db", "--request", &typo], 2, "code_checksum");
    r.fails(&["seats", "status", "--db", "missing.db"], 2, "no_ledger");
    r.fails(&["license", "issue", "--key", "keys/secret.key"], 2, "usage");

    let renew = r.json(&["activate", "renew", "--license", "acme.lic", "--store", "s1", "--root", &laptop]);
    assert!(renew["code"].as_str().unwrap().starts_with("NLR-"), "{renew}");
    let moved = r.json(&["seats", "transfer", "--db", "l.db", &activation, "--request", &other_code]);
    assert_eq!((moved["kind"].as_str(), moved["seat"].as_u64()), (Some("transfer"), Some(1)), "{moved}");
    assert!(moved["code"].as_str().unwrap().starts_with("NLC-"), "{moved}");
    let released = r.json(&["seats", "release", "--db", "l.db", moved["activation_id"].as_str().unwrap()]);
    assert_eq!(released["seat"].as_u64(), Some(1), "{released}");
    let pack = r.json(&["seats", "reissue", "--db", "l.db", "--license", &license, "--seats", "2"]);
    assert_eq!((pack["first_seat"].as_u64(), pack["last_seat"].as_u64()), (Some(2), Some(3)), "{pack}");
    let receipt = r.json(&["deactivate", "--store", "s1"]);
    let receipt = receipt["receipt"].as_str().unwrap().to_owned();
    assert!(receipt.starts_with("NLD-"), "{receipt}");
    let ended = r.json(&["authority", "deactivate", "--db", "l.db", "--receipt", &receipt]);
    assert_eq!(ended["result"], "already_ended", "the seat was transferred first: {ended}");
    assert_eq!(r.json(&["authority", "revoke", "--db", "l.db", "--license", &license])["revoked_now"], true);
    let capture = r.json(&["profile", "capture", "--root", &laptop, "--out", "a.json"]);
    assert_eq!(capture["file"], "a.json", "{capture}");
}

#[test]
fn the_readme_lists_every_error_code_in_order() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = &readme[readme.find("| code | meaning |").expect("the README's table of codes")..];
    let listed: Vec<&str> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .map(|l| l.trim_start_matches("| `").split('`').next().unwrap())
        .collect();
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, codes);
}

#[test]
fn activate_request_qr_draws_the_code_it_prints() {
    use qrcode::render::unicode::Dense1x2;
    let tmp = tempfile::tempdir().unwrap();
    let r = Run { dir: tmp.path().to_owned() };
    r.json(&["keys", "generate", "--out", "keys"]);
    r.json(&[
        "license",
        "issue",
        "--key",
        "keys/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "ACME",
        "--seats",
        "1",
        "--out",
        "acme.lic",
    ]);
    let out = r.out(&[
        "activate",
        "request",
        "--license",
        "acme.lic",
        "--store",
        "s",
        "--root",
        &fixture("laptop"),
        "--qr",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap();
    let code = code.trim();
    assert!(code.starts_with("NLR-") && !code.contains('\u{2580}'), "stdout keeps the code alone: {code}");
    let expected = qrcode::QrCode::new(code.as_bytes())
        .unwrap()
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&expected), "stderr draws exactly the printed code:\n{stderr}");
}
