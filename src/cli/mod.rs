//! The `nodelock` command-line tool (feature `cli`).
//!
//! Argument parsing and presentation only: every command is a thin shell
//! over the library. One file per command group. Exit statuses: 0 success
//! (licensed, within tolerance, signature valid), 1 a negative answer
//! (activation required, reactivation needed, signature does not verify),
//! 2 bad usage or unreadable input — always with a message on stderr that
//! says what to do.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::codes::ErrorCode;

mod activate;
#[cfg(feature = "authority")]
mod authority;
mod keys;
mod license;
mod machine;
#[cfg(feature = "online")]
mod online;
mod policy;
mod profile;
#[cfg(feature = "server")]
mod serve;
mod terminal;

pub(crate) use terminal::say;

/// The `nodelock` tool.
#[derive(Debug, Parser)]
#[command(
    name = "nodelock",
    version,
    about = "Node-locked licensing: keys, licenses, hardware profiles, activation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Vendor signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Issue, re-issue and inspect signed licenses.
    #[command(subcommand)]
    License(license::LicenseCommand),
    /// This machine's hardware profile: show, capture, compare.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Choose a policy with evidence: simulate tolerances on machines' hardware histories.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Activate this machine: make a request, install the response.
    #[command(subcommand)]
    Activate(activate::ActivateCommand),
    /// Is this copy licensed on this machine, and if not, why?
    Status(activate::StatusArgs),
    /// Give up this machine's activation and print the receipt for the vendor.
    Deactivate(activate::DeactivateArgs),
    /// The vendor's activation authority and its ledger.
    #[cfg(feature = "authority")]
    #[command(subcommand)]
    Authority(authority::AuthorityCommand),
    /// Seats of a license: status, release, transfer, reissue, history.
    #[cfg(feature = "authority")]
    #[command(subcommand)]
    Seats(authority::SeatsCommand),
    /// Run the HTTP activation service over a ledger (feature `server`).
    #[cfg(feature = "server")]
    Serve(serve::ServeArgs),
}

/// A command's failure: the exit status, its stable code and what to tell the user.
#[derive(Debug)]
pub(crate) struct Failure {
    status: u8,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

/// The stable code of `value` when it is one of the library's errors.
fn code_of<T: fmt::Display + 'static>(value: &T, otherwise: ErrorCode) -> ErrorCode {
    macro_rules! as_error {
        ($($ty:ty),*) => {
            $(if let Some(e) = (value as &dyn std::any::Any).downcast_ref::<$ty>() {
                return crate::codes::error_code(e);
            })*
        };
    }
    as_error!(
        crate::activation::ActivationError,
        crate::license::LicenseError,
        crate::license::LicenseKeyError,
        crate::signed::SignatureError,
        crate::keys::KeyError,
        crate::codec::CodecError,
        crate::codec::CodeError,
        crate::capture::CaptureError,
        crate::compare::CompareError,
        crate::policy::PolicyError,
        crate::simulate::SimulateError,
        crate::authority::AuthorityError,
        std::io::Error
    );
    otherwise
}

impl Failure {
    /// Bad usage or unreadable input (exit status 2); a library error keeps its code.
    pub(crate) fn input<T: fmt::Display + 'static>(message: T) -> Self {
        Failure { status: 2, code: code_of(&message, ErrorCode::BadInput), message: message.to_string() }
    }

    /// A negative answer (exit status 1); a library error keeps its code.
    pub(crate) fn negative<T: fmt::Display + 'static>(message: T) -> Self {
        Failure { status: 1, code: code_of(&message, ErrorCode::Refused), message: message.to_string() }
    }

    /// Bad input (exit status 2) about `context` (a file, say), keeping the code of `error`.
    pub(crate) fn input_about<T: fmt::Display + 'static>(context: impl fmt::Display, error: T) -> Self {
        Failure {
            status: 2,
            code: code_of(&error, ErrorCode::BadInput),
            message: format!("{context}: {error}"),
        }
    }

    /// The same failure under a more precise code.
    pub(crate) fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = code;
        self
    }

    /// A negative answer already printed (exit status 1, nothing more to say).
    pub(crate) fn quiet_negative() -> Self {
        Failure { status: 1, code: ErrorCode::Refused, message: String::new() }
    }
}

/// Whether the command line asks for JSON: `--json` anywhere before a `--`.
/// Read from the raw arguments so that even a usage error is answered in JSON.
fn wants_json(args: &[OsString]) -> bool {
    args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json")
}

/// Prints `{"error": {"code", "message"}}` on stdout.
fn print_json_error(code: ErrorCode, message: &str) {
    let value = serde_json::json!({ "error": { "code": code.as_str(), "message": message } });
    println!("{value}");
}

pub(crate) type Outcome = Result<(), Failure>;

/// Runs the tool with the process's arguments.
pub fn main() -> ExitCode {
    terminal::quiet_on_closed_pipe();
    run(std::env::args_os())
}

/// Runs the tool with `args` (the first is the program name).
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let json = wants_json(&args);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            if json && e.use_stderr() {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ");
                print_json_error(ErrorCode::Usage, first);
                return ExitCode::from(2);
            }
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Keys(c) => keys::run(c),
        Command::License(c) => license::run(c),
        Command::Profile(c) => profile::run(c),
        Command::Policy(c) => policy::run(c),
        Command::Activate(c) => activate::run(c),
        Command::Status(a) => activate::status(a),
        Command::Deactivate(a) => activate::deactivate(a),
        #[cfg(feature = "authority")]
        Command::Authority(c) => authority::run_authority(c),
        #[cfg(feature = "authority")]
        Command::Seats(c) => authority::run_seats(c),
        #[cfg(feature = "server")]
        Command::Serve(a) => serve::run(a),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if json && !f.message.is_empty() {
                print_json_error(f.code, &f.message);
            } else if !f.message.is_empty() {
                eprintln!("nodelock: {}", terminal::escaped_lines(&f.message));
            }
            ExitCode::from(f.status)
        }
    }
}

/// Reads a text file, refusing anything larger than `max` bytes.
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String, Failure> {
    let bytes = crate::fsio::read_capped(path, max)
        .map_err(|e| Failure::input_about(format!("cannot read {}", path.display()), e))?;
    if bytes.is_empty() {
        return Err(Failure::input(format!("{} is empty", path.display())).with_code(ErrorCode::EmptyFile));
    }
    String::from_utf8(bytes).map_err(|_| {
        Failure::input(format!("{} is not a text file", path.display())).with_code(ErrorCode::Malformed)
    })
}

/// An argument that is either an offline code or the path of a file holding
/// a code, armoured text or raw bytes; returns the data.
pub(crate) fn code_or_file(arg: &str, max: u64) -> Result<Vec<u8>, Failure> {
    if crate::codec::code::looks_like_code(arg) {
        return Ok(arg.as_bytes().to_vec());
    }
    let path = PathBuf::from(arg);
    if !path.exists() {
        return Err(Failure::input(format!(
            "`{arg}` is neither an offline code (NLR-…, NLC-…, NLD-…) nor an existing file"
        )));
    }
    let data = crate::fsio::read_capped(&path, max)
        .map_err(|e| Failure::input_about(format!("cannot read {arg}"), e))?;
    if data.is_empty() {
        return Err(Failure::input(format!("{arg} is empty")).with_code(ErrorCode::EmptyFile));
    }
    Ok(data)
}

/// Prints a command's result: under `--json` the object `value`, else `text`.
pub(crate) fn emit(json: bool, text: impl fmt::Display, value: serde_json::Value) -> Outcome {
    if json {
        println!("{value:#}");
    } else {
        // Input-derived text, each line escaped like every other `say!` line.
        println!("{}", terminal::escaped_lines(&text.to_string()));
    }
    Ok(())
}

/// Prints a value as pretty JSON.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Outcome {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::input(format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// The collector for `--root DIR` (a `sys/` + `proc/` tree) or the live machine.
pub(crate) fn collector_for(root: Option<&Path>) -> Box<dyn crate::hardware::Collector + Send + Sync> {
    match root {
        Some(root) => Box::new(crate::hardware::linux::LinuxCollector::with_root(root)),
        None => crate::hardware::platform_collector(),
    }
}
