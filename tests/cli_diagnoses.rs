//! The command line names the real mistake: a wrong public key, a mistyped
//! store, a file that is no ledger, an empty file, a transfer limit, a
//! fingerprint keyed for another product, terms that hurt the customer.
#![cfg(all(feature = "cli", feature = "authority"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Run {
    dir: PathBuf,
}

impl Run {
    fn new(tmp: &tempfile::TempDir) -> Run {
        let r = Run { dir: tmp.path().to_owned() };
        r.ok(&["keys", "generate", "--out", "keys"]);
        r
    }

    fn out(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(&self.dir).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.out(args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        (stdout, stderr)
    }

    /// Fails with `status`; returns stderr, and checks the `--json` code.
    fn fails(&self, args: &[&str], status: i32, code: &str) -> String {
        let out = self.out(args);
        assert_eq!(out.status.code(), Some(status), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let mut json = args.to_vec();
        json.push("--json");
        let value: Value = serde_json::from_slice(&self.out(&json).stdout).expect("JSON on stdout");
        assert_eq!(value["error"]["code"], code, "{args:?}: {value}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn issue(&self, out: &str, extra: &[&str]) -> (String, String) {
        let mut args = vec![
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
            out,
        ];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn fixture(machine: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(machine).to_str().unwrap().to_owned()
}

#[test]
fn inspect_with_the_wrong_public_key_names_both_key_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Run::new(&tmp);
    r.ok(&["keys", "generate", "--out", "other"]);
    r.issue("a.lic", &[]);
    let signer = r.ok(&["license", "inspect", "a.lic"]).0;
    let signer = signer.lines().find_map(|l| l.strip_prefix("Signed by key")).unwrap().trim().to_owned();
    let other = r.ok(&["keys", "generate", "--out", "third"]).0;
    assert!(!other.is_empty());
    let given = std::fs::read_to_string(r.path("other/public.key")).unwrap();
    assert!(!given.is_empty());
    let err = r.out(&["license", "inspect", "a.lic", "--public-key", "other/public.key"]);
    assert_eq!(err.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains(&format!("signed with key {signer}")), "{stderr}");
    assert!(stderr.contains("other/public.key holds key"), "{stderr}");
    assert!(!stderr.contains("does not trust"), "a vendor command speaks to the vendor: {stderr}");
    // Under --json: one object, the fields and the error beside them.
    let out = r.out(&["license", "inspect", "a.lic", "--public-key", "other/public.key", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        (value["signature"].as_str(), value["error"]["code"].as_str()),
        (Some("invalid"), Some("unknown_key"))
    );
}

#[test]
fn wrong_paths_get_the_right_diagnosis() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Run::new(&tmp);
    r.issue("a.lic", &[]);
    // A mistyped store: named, not "this response answers no request".
    let request = r
        .ok(&["activate", "request", "--license", "a.lic", "--store", "store", "--root", &fixture("laptop")])
        .0;
    r.ok(&["authority", "init", "--db", "l.db", "--key", "keys/secret.key"]);
    r.ok(&["authority", "add-license", "--db", "l.db", "a.lic"]);
    let response = r.ok(&["authority", "grant", "--db", "l.db", "--request", request.trim()]).0;
    let err =
        r.fails(&["activate", "apply", "--store", "stor", "--response", response.trim()], 2, "no_store");
    assert!(err.contains("no store at stor"), "{err}");
    let err = r.fails(&["deactivate", "--store", "stor"], 2, "no_store");
    assert!(err.contains("no store at stor"), "{err}");

    // A file that is no database, an empty one, another program's database.
    std::fs::write(r.path("notes.txt"), "meeting at 10\n").unwrap();
    let err = r.fails(&["seats", "status", "--db", "notes.txt"], 2, "not_a_ledger");
    assert!(err.contains("notes.txt is not a nodelock ledger") && !err.contains("damaged"), "{err}");
    std::fs::write(r.path("empty.db"), "").unwrap();
    let err = r.fails(&["seats", "status", "--db", "empty.db"], 2, "ledger_empty");
    assert!(err.contains("empty.db is empty"), "{err}");
    let other = rusqlite::Connection::open(r.path("app.db")).unwrap();
    other
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7);")
        .unwrap();
    drop(other);
    let before = std::fs::read(r.path("app.db")).unwrap();
    let err =
        r.fails(&["authority", "init", "--db", "app.db", "--key", "keys/secret.key"], 2, "not_a_ledger");
    assert!(err.contains("another program's SQLite database"), "{err}");
    assert!(std::fs::read(r.path("app.db")).unwrap() == before, "the other program's database is unchanged");

    // An empty input file says so.
    std::fs::write(r.path("empty.lic"), "").unwrap();
    let err = r.fails(&["license", "inspect", "empty.lic"], 2, "empty_file");
    assert!(err.contains("empty.lic is empty"), "{err}");
    std::fs::write(r.path("empty.txt"), "").unwrap();
    let err = r.fails(&["authority", "grant", "--db", "l.db", "--request", "empty.txt"], 2, "empty_file");
    assert!(err.contains("empty.txt is empty"), "{err}");
}

#[test]
fn the_transfer_limit_advice_leads_somewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Run::new(&tmp);
    let (id, _) = r.issue("a.lic", &["--json"]);
    let id: Value = serde_json::from_str(&id).unwrap();
    let id = id["license_id"].as_str().unwrap().to_owned();
    r.ok(&["authority", "init", "--db", "l.db", "--key", "keys/secret.key"]);
    r.ok(&["authority", "add-license", "--db", "l.db", "a.lic"]);
    let request = |machine: &str| {
        let store = format!("store-{machine}");
        let root = fixture(machine);
        r.ok(&["activate", "request", "--license", "a.lic", "--store", &store, "--root", &root])
            .0
            .trim()
            .to_owned()
    };
    let grant: Value = serde_json::from_str(
        &r.ok(&["authority", "grant", "--db", "l.db", "--request", &request("laptop"), "--json"]).0,
    )
    .unwrap();
    let moved: Value = serde_json::from_str(
        &r.ok(&[
            "seats",
            "transfer",
            "--db",
            "l.db",
            grant["activation_id"].as_str().unwrap(),
            "--request",
            &request("workstation"),
            "--json",
        ])
        .0,
    )
    .unwrap();
    let holder = moved["activation_id"].as_str().unwrap().to_owned();
    let vm = request("cloud-vm");
    let transfer = ["seats", "transfer", "--db", "l.db", holder.as_str(), "--request", vm.as_str()];
    let advice = r.fails(&transfer, 1, "transfers_exhausted");
    assert!(advice.contains("nodelock authority grant"), "the advice names what works: {advice}");
    assert!(
        advice.contains("never come back"),
        "and what a release or a seat pack does to the count: {advice}"
    );
    // Following it: a seat pack, then a grant (not the same transfer again).
    r.ok(&["seats", "reissue", "--db", "l.db", "--license", &id, "--seats", "1"]);
    let again = r.fails(&transfer, 1, "transfers_exhausted");
    assert!(again.contains("not `seats transfer`"), "{again}");
    let granted: Value =
        serde_json::from_str(&r.ok(&["authority", "grant", "--db", "l.db", "--request", &vm, "--json"]).0)
            .unwrap();
    assert_eq!((granted["kind"].as_str(), granted["seat"].as_u64()), (Some("seat"), Some(2)), "{granted}");
}

#[test]
fn issuing_terms_that_hurt_the_customer_warns_and_reissue_help_says_who_reactivates() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Run::new(&tmp);
    let (_, stderr) = r.issue("zero.lic", &["--tolerance", "0", "--min-kinds", "0"]);
    assert!(stderr.contains("warning: --tolerance 0 means any hardware change"), "{stderr}");
    assert!(stderr.contains("warning: --min-kinds 0"), "{stderr}");
    let (_, quiet) = r.issue("default.lic", &[]);
    assert!(!quiet.contains("warning"), "{quiet}");

    let help = r.ok(&["license", "reissue", "--help"]).0;
    assert!(help.contains("Every machine activated with the license must then activate again"), "{help}");
    assert!(help.contains("seats reissue") && help.contains("seats release"), "{help}");

    let show = r.ok(&["profile", "show", "--root", &fixture("laptop")]).0;
    assert!(show.contains("keyed for nodelock.diagnostics"), "{show}");
    assert!(show.contains("--product"), "says how to see the fingerprint seats status shows: {show}");
    let keyed = r.ok(&["profile", "show", "--root", &fixture("laptop"), "--product", "com.example.app"]).0;
    assert!(!keyed.contains("keyed for nodelock.diagnostics"), "{keyed}");
}
