//! The tolerance simulator: replays machines' hardware histories against a
//! policy and counts, per tolerance, **false reactivations** (an honest
//! machine asked to activate again) and **false accepts** (a different
//! machine accepted as the same one), so a vendor chooses a tolerance with
//! evidence.
//!
//! Plain data in, plain data out: [`simulate`] takes [`Machine`]s (a name and
//! its profiles, oldest first) and a [`Policy`], and uses [`compare()`] — the
//! very rule the client applies — for every comparison.
//!
//! - **Replay** (false reactivations), per machine and tolerance `t`: the
//!   first profile is certified; each later profile is compared with the
//!   certified one; when it would require reactivation, that is one
//!   reactivation, and the later profile becomes the certified one, as the
//!   customer would have reactivated.
//! - **Cross-machine** (false accepts): for every ordered pair of distinct
//!   machines (A, B), A's first profile, as certified, is compared with every
//!   profile of B; each comparison that stays licensed is a false accept.
//! - The **recommended** tolerance is the largest one of the range with zero
//!   false accepts, if any has.
//!
//! Where histories come from: [`load_history`] reads a directory of Profile
//! Helper captures (`nodelock profile capture`) in file-name order, and
//! [`one_product`] checks that a set of histories was keyed for one product;
//! [`profile_under`] leaves removable devices out of a capture that holds its
//! raw values, as a license's policy would.
//! With the `authority` feature, `authority::seat_histories` reads the ledger's
//! certified profiles per seat. The policy's `min_kinds` is not applied: a
//! profile too weak to be activated at all is still compared.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::capture::{Capture, CaptureError, MAX_CAPTURE_LEN};
use crate::compare::compare;
use crate::hardware::Inventory;
use crate::policy::{KindWeights, Policy, PolicyError};
use crate::profile::{ProductKey, Profile};

/// The tolerances simulated unless told otherwise: 0 to 10.
pub const DEFAULT_TOLERANCES: RangeInclusive<u32> = 0..=10;
/// The most tolerances one simulation covers.
pub const MAX_TOLERANCES: u32 = 1001;
/// The most capture files read from one history directory.
pub const MAX_CAPTURES: usize = 10_000;
/// The largest weights file read.
pub const MAX_WEIGHTS_LEN: usize = 64 * 1024;

/// One machine's life: its profiles, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// A name for people (the history directory, the seat).
    pub name: String,
    /// Its profiles in the order they were taken; the first is the one first
    /// certified.
    pub profiles: Vec<Profile>,
}

/// The counts of one tolerance (the JSON keys are a contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ToleranceResult {
    /// The tolerance simulated.
    pub tolerance: u32,
    /// Reactivations the replay needed, over all machines.
    pub reactivations: u64,
    /// Machines that had to reactivate at least once.
    pub machines_reactivated: u64,
    /// Cross-machine comparisons that stayed licensed.
    pub false_accepts: u64,
    /// Cross-machine comparisons made (the false accepts are out of these).
    pub comparisons: u64,
}

/// The result of a simulation (the JSON keys are a contract).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Simulation {
    /// One entry per tolerance, increasing.
    pub tolerances: Vec<ToleranceResult>,
    /// The largest tolerance with zero false accepts; `None` when every
    /// tolerance of the range accepts some other machine.
    pub recommended: Option<u32>,
    /// Profiles the replay compared with a certified one: every profile after
    /// each machine's first (the hardware events a reactivation is out of).
    #[serde(skip)]
    pub replayed: u64,
}

impl Simulation {
    /// The entry of `tolerance`, if it was simulated.
    pub fn at(&self, tolerance: u32) -> Option<&ToleranceResult> {
        self.tolerances.iter().find(|r| r.tolerance == tolerance)
    }
}

/// Why a simulation cannot run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// No machine to replay.
    #[error(
        "there is no machine history to replay; give at least one --history DIR (or --db with --license)"
    )]
    NoMachines,
    /// A history holds no profile.
    #[error(
        "the history `{name}` holds no capture; put the captures of one machine in it, in file-name order"
    )]
    EmptyHistory {
        /// The history (its directory).
        name: PathBuf,
    },
    /// A history directory or file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A history has more captures than are read.
    #[error("{dir} holds more than {MAX_CAPTURES} captures; split the history or thin it out")]
    TooManyCaptures {
        /// The directory.
        dir: PathBuf,
    },
    /// A file in a history is not a usable capture.
    #[error("{path}: {source}")]
    Capture {
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        source: CaptureError,
    },
    /// The captures were keyed for different products: their digests are unrelated.
    #[error(
        "{first} was captured for product `{first_product}` but {other} for `{other_product}`; digests of \
         different products cannot be compared: capture every machine with the same --product"
    )]
    MixedProducts {
        /// The first capture read.
        first: PathBuf,
        /// Its product.
        first_product: String,
        /// A capture of another product.
        other: PathBuf,
        /// Its product.
        other_product: String,
    },
    /// A capture was keyed for another product than the one asked for.
    #[error(
        "{path} was captured for product `{found}`, not `{expected}`; capture it again with --product {expected}"
    )]
    WrongProduct {
        /// The capture.
        path: PathBuf,
        /// Its product.
        found: String,
        /// The product asked for.
        expected: String,
    },
    /// A capture's raw values are not those its digests were made of.
    #[error(
        "the raw component values in {path} are not the ones its digests were made of; the file was edited: \
         capture the machine again"
    )]
    RawMismatch {
        /// The capture.
        path: PathBuf,
    },
    /// The weights file is not a weight table.
    #[error(
        "the weights are not a table like {{\"mac\": {{\"default\": 3, \"partial\": 1, \"moved\": 3}}}} ({0})"
    )]
    Weights(#[source] serde_json::Error),
    /// The weights make an incoherent policy.
    #[error("the weights cannot be used: {0}")]
    Policy(#[from] PolicyError),
    /// The tolerance range is empty or too large.
    #[error(
        "the tolerance range {start}..{end} is {reason}; give A..B with A <= B and at most {MAX_TOLERANCES} tolerances"
    )]
    BadRange {
        /// Its start.
        start: u32,
        /// Its end.
        end: u32,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Replays `machines` under `policy` (its tolerance is ignored: every
/// tolerance of `tolerances` is simulated), with the moved weights when
/// `moved`.
pub fn simulate(
    machines: &[Machine],
    policy: &Policy,
    moved: bool,
    tolerances: RangeInclusive<u32>,
) -> Result<Simulation, SimulateError> {
    check_range(&tolerances)?;
    if machines.is_empty() {
        return Err(SimulateError::NoMachines);
    }
    if let Some(empty) = machines.iter().find(|m| m.profiles.is_empty()) {
        return Err(SimulateError::EmptyHistory { name: PathBuf::from(&empty.name) });
    }
    // A cross-machine comparison does not depend on the tolerance: score it once.
    let mut cross_scores = Vec::new();
    for (a, first) in machines.iter().enumerate().map(|(i, m)| (i, &m.profiles[0])) {
        for (b, other) in machines.iter().enumerate() {
            if a != b {
                cross_scores.extend(other.profiles.iter().map(|p| compare(first, p, moved, policy).score));
            }
        }
    }
    let mut results = Vec::new();
    for tolerance in tolerances {
        let policy = policy.clone().with_tolerance(tolerance);
        let (mut reactivations, mut machines_reactivated) = (0u64, 0u64);
        for machine in machines {
            let n = replay(&machine.profiles, &policy, moved);
            reactivations += n;
            machines_reactivated += u64::from(n > 0);
        }
        let false_accepts = cross_scores.iter().filter(|s| **s <= tolerance).count() as u64;
        results.push(ToleranceResult {
            tolerance,
            reactivations,
            machines_reactivated,
            false_accepts,
            comparisons: cross_scores.len() as u64,
        });
    }
    let recommended = results.iter().rev().find(|r| r.false_accepts == 0).map(|r| r.tolerance);
    let replayed = machines.iter().map(|m| m.profiles.len() as u64 - 1).sum();
    Ok(Simulation { tolerances: results, recommended, replayed })
}

/// The reactivations one machine's life needs under `policy`.
fn replay(profiles: &[Profile], policy: &Policy, moved: bool) -> u64 {
    let Some(mut certified) = profiles.first() else { return 0 };
    let mut reactivations = 0;
    for current in &profiles[1..] {
        if compare(certified, current, moved, policy).reactivate {
            reactivations += 1;
            certified = current;
        }
    }
    reactivations
}

fn check_range(range: &RangeInclusive<u32>) -> Result<(), SimulateError> {
    let (start, end) = (*range.start(), *range.end());
    let reason = if start > end {
        "empty"
    } else if end - start >= MAX_TOLERANCES {
        "too large"
    } else {
        return Ok(());
    };
    Err(SimulateError::BadRange { start, end, reason })
}

/// Parses `A..B` (both ends included) or a single tolerance `N`.
pub fn parse_tolerances(text: &str) -> Option<RangeInclusive<u32>> {
    let range = match text.split_once("..") {
        Some((a, b)) => a.trim().parse().ok()?..=b.trim().parse().ok()?,
        None => {
            let t = text.trim().parse().ok()?;
            t..=t
        }
    };
    Some(range)
}

/// Reads a weight table `{"mac": {"default": 3, "partial": 1, "moved": 3}, …}`:
/// the DeployLX defaults for the kinds it omits, refused when incoherent
/// ([`Policy::validate`]).
pub fn weights_from_json(text: &[u8]) -> Result<KindWeights, SimulateError> {
    #[derive(Deserialize)]
    #[serde(transparent)]
    struct Table(#[serde(with = "crate::policy::weights_serde")] KindWeights);
    let Table(weights) = serde_json::from_slice(text).map_err(SimulateError::Weights)?;
    Policy { weights, ..Policy::default() }.validate()?;
    Ok(weights)
}

/// One machine's captures, read from a history directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureHistory {
    /// The directory.
    pub dir: PathBuf,
    /// Its capture files in file-name order, with what they hold.
    pub captures: Vec<(PathBuf, Capture)>,
}

impl CaptureHistory {
    /// The machine this history describes, named after its directory, with
    /// each capture's profile as `policy` would build it ([`profile_under`]).
    pub fn machine(&self, policy: &Policy) -> Result<Machine, SimulateError> {
        let profiles = self
            .captures
            .iter()
            .map(|(path, capture)| profile_under(path, capture, policy))
            .collect::<Result<_, _>>()?;
        Ok(Machine { name: self.dir.display().to_string(), profiles })
    }
}

/// The profile a license with `policy` would certify for the machine of
/// `capture`. A capture's digests include removable devices (it shows all
/// that was seen) without saying which they are; when the capture also holds
/// its raw values (`--raw`), the profile is built again from them so that
/// removable devices are left out unless `policy.include_removable`, after
/// checking that the raw values are the ones the digests were made of.
/// Without raw values the digests are used as they are, removable devices
/// included.
pub fn profile_under(path: &Path, capture: &Capture, policy: &Policy) -> Result<Profile, SimulateError> {
    let Some(raw) = &capture.raw_components else { return Ok(capture.profile.clone()) };
    let inventory =
        Inventory { environment: capture.environment, components: raw.clone(), unreadable: Vec::new() };
    let key = ProductKey::for_product(&capture.product);
    if Profile::build(&inventory, &key, true) != capture.profile {
        return Err(SimulateError::RawMismatch { path: path.to_path_buf() });
    }
    Ok(Profile::build(&inventory, &key, policy.include_removable))
}

/// Reads the history in `dir`: every `*.json` file in it, in file-name
/// order, as a capture ([`Capture::from_json`]). Other files (a README) are
/// left alone.
pub fn load_history(dir: &Path) -> Result<CaptureHistory, SimulateError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimulateError::Read { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error(dir))? {
        let path = entry.map_err(read_error(dir))?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            if paths.len() == MAX_CAPTURES {
                return Err(SimulateError::TooManyCaptures { dir: dir.to_path_buf() });
            }
            paths.push(path);
        }
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let mut captures = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = crate::fsio::read_capped(&path, MAX_CAPTURE_LEN as u64).map_err(read_error(&path))?;
        let capture = Capture::from_json(&bytes)
            .map_err(|source| SimulateError::Capture { path: path.clone(), source })?;
        captures.push((path, capture));
    }
    if captures.is_empty() {
        return Err(SimulateError::EmptyHistory { name: dir.to_path_buf() });
    }
    Ok(CaptureHistory { dir: dir.to_path_buf(), captures })
}

/// The one product every capture of `histories` was keyed for (`expected`
/// when given); a mix is refused, naming a file of each product.
pub fn one_product(histories: &[CaptureHistory], expected: Option<&str>) -> Result<String, SimulateError> {
    let mut all = histories.iter().flat_map(|h| h.captures.iter());
    let Some((first, first_capture)) = all.next() else { return Err(SimulateError::NoMachines) };
    let product = &first_capture.product;
    if let Some(expected) = expected.filter(|e| e != product) {
        return Err(wrong(first, product, expected));
    }
    match all.find(|(_, c)| &c.product != product) {
        Some((other, c)) if expected.is_some() => Err(wrong(other, &c.product, product)),
        Some((other, c)) => Err(SimulateError::MixedProducts {
            first: first.clone(),
            first_product: product.clone(),
            other: other.clone(),
            other_product: c.product.clone(),
        }),
        None => Ok(product.clone()),
    }
}

fn wrong(path: &Path, found: &str, expected: &str) -> SimulateError {
    SimulateError::WrongProduct {
        path: path.to_path_buf(),
        found: found.to_owned(),
        expected: expected.to_owned(),
    }
}
