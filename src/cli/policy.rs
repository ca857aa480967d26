//! `nodelock policy …`: choose a policy with evidence — `simulate` replays
//! machines' hardware histories over a range of tolerances and prints (and
//! plots) false reactivations and false accepts. The replay itself is
//! [`crate::simulate`]; this file parses arguments and presents the result.

use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Failure, Outcome, print_json};
use crate::policy::Policy;
use crate::simulate::{self, DEFAULT_TOLERANCES, MAX_WEIGHTS_LEN, Machine, Simulation};

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Replay machines' hardware histories at each tolerance: false
    /// reactivations, false accepts, and the recommended tolerance.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// One machine's life: a directory of `nodelock profile capture` files (*.json), taken in
    /// file-name order. Repeat for every machine.
    #[arg(long = "history", value_name = "DIR")]
    histories: Vec<PathBuf>,
    /// The product every capture must be keyed for (default: the product of the first capture).
    #[arg(long, value_name = "ID")]
    product: Option<String>,
    /// A weight table {"mac": {"default": 3, "partial": 1, "moved": 3}, …}; omitted kinds keep the
    /// DeployLX defaults.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// One tolerance N, or a range A..B (both ends included) [default: 0..10].
    #[arg(long, value_name = "N|A..B", value_parser = tolerances)]
    tolerance: Option<RangeInclusive<u32>>,
    /// Compare as if the license store had been moved (apply the moved weights).
    #[arg(long)]
    moved: bool,
    /// JSON output: {"tolerances": [...], "recommended": t or null}.
    #[arg(long)]
    json: bool,
    /// Also write an SVG chart of both curves against the tolerance.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Replay the certified profiles an activation ledger recorded for each seat of --license,
    /// instead of capture files.
    #[cfg(feature = "authority")]
    #[arg(long, value_name = "FILE", requires = "license", conflicts_with_all = ["histories", "product"])]
    db: Option<PathBuf>,
    /// The license whose seats --db replays.
    #[cfg(feature = "authority")]
    #[arg(long, value_name = "ID", requires = "db")]
    license: Option<String>,
}

fn tolerances(text: &str) -> Result<RangeInclusive<u32>, String> {
    simulate::parse_tolerances(text)
        .ok_or_else(|| format!("`{text}` is neither a tolerance N nor a range A..B of whole numbers"))
}

pub(crate) fn run(command: PolicyCommand) -> Outcome {
    match command {
        PolicyCommand::Simulate(args) => simulate_command(args),
    }
}

fn simulate_command(args: SimulateArgs) -> Outcome {
    let mut policy = Policy::default();
    if let Some(path) = &args.weights {
        let text = super::read_text(path, MAX_WEIGHTS_LEN as u64)?;
        policy.weights = simulate::weights_from_json(text.as_bytes())
            .map_err(|e| Failure::input_about(path.display(), e))?;
    }
    let (machines, source) = machines(&args, &policy)?;
    let tolerances = args.tolerance.clone().unwrap_or(DEFAULT_TOLERANCES);
    let result = simulate::simulate(&machines, &policy, args.moved, tolerances).map_err(Failure::input)?;
    if let Some(path) = &args.plot {
        let svg = plot(&result)?;
        crate::fsio::write_atomic(path, svg.as_bytes(), false)
            .map_err(|e| Failure::input_about(format!("cannot write {}", path.display()), e))?;
        eprintln!("plot written to {}", path.display());
    }
    if args.json {
        return print_json(&result);
    }
    let weights = if args.weights.is_some() { "the weights given" } else { "the default weights" };
    let moved = if args.moved { ", moved weights" } else { "" };
    println!(
        "{} machine(s) from {source}: {} hardware event(s) replayed, {weights}{moved}.",
        machines.len(),
        result.replayed
    );
    print!("{}", table(&result));
    Ok(())
}

/// The machines to replay, and where they came from (for the report).
fn machines(args: &SimulateArgs, policy: &Policy) -> Result<(Vec<Machine>, String), Failure> {
    #[cfg(feature = "authority")]
    if let (Some(db), Some(license)) = (&args.db, &args.license) {
        let id = super::authority::license_id(license)?;
        let ledger = crate::authority::DbLedger::open_existing(db).map_err(Failure::input)?;
        let machines = crate::authority::seat_histories(&ledger, &id).map_err(Failure::input)?;
        return Ok((machines, format!("the seats of license {id} in {}", ledger.describe())));
    }
    if args.histories.is_empty() {
        return Err(Failure::input(
            "give the machines to replay: --history DIR for each machine (a directory of captures)",
        ));
    }
    let histories = args
        .histories
        .iter()
        .map(|dir| simulate::load_history(dir))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::input)?;
    let product = simulate::one_product(&histories, args.product.as_deref()).map_err(Failure::input)?;
    let machines =
        histories.iter().map(|h| h.machine(policy)).collect::<Result<_, _>>().map_err(Failure::input)?;
    Ok((machines, format!("captures for product {product}")))
}

/// The table of a simulation, and the recommendation in words.
fn table(result: &Simulation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>9}  {:>13}  {:>20}  {:>13}  {:>11}",
        "Tolerance", "Reactivations", "Machines reactivated", "False accepts", "Comparisons"
    );
    for r in &result.tolerances {
        let _ = writeln!(
            out,
            "{:>9}  {:>13}  {:>20}  {:>13}  {:>11}",
            r.tolerance, r.reactivations, r.machines_reactivated, r.false_accepts, r.comparisons
        );
    }
    let range = match (result.tolerances.first(), result.tolerances.last()) {
        (Some(a), Some(b)) => format!("{} to {}", a.tolerance, b.tolerance),
        _ => String::new(),
    };
    let _ = match result.recommended {
        Some(t) => writeln!(
            out,
            "Recommended tolerance: {t} (the largest from {range} at which no machine is accepted as another)"
        ),
        None => writeln!(
            out,
            "Recommended tolerance: none. At every tolerance from {range} some machine is accepted as another; \
             raise the weights of the kinds that tell these machines apart, or try lower tolerances"
        ),
    };
    out
}

/// An SVG chart of both curves, in percent: false reactivations of the
/// hardware events replayed, false accepts of the cross-machine comparisons.
fn plot(result: &Simulation) -> Result<String, Failure> {
    use plotters::prelude::*;
    let percent = |n: u64, of: u64| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
    let reactivations: Vec<(f64, f64)> = result
        .tolerances
        .iter()
        .map(|r| (f64::from(r.tolerance), percent(r.reactivations, result.replayed)))
        .collect();
    let accepts: Vec<(f64, f64)> = result
        .tolerances
        .iter()
        .map(|r| (f64::from(r.tolerance), percent(r.false_accepts, r.comparisons)))
        .collect();
    let first = reactivations.first().map_or(0.0, |p| p.0);
    let last = reactivations.last().map_or(0.0, |p| p.0).max(first + 1.0);
    let failed = |e: &dyn std::fmt::Display| Failure::input(format!("cannot draw the plot: {e}"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption("nodelock policy simulate: errors against the tolerance", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(first..last, 0.0..100.0)
            .map_err(|e| failed(&e))?;
        chart
            .configure_mesh()
            .x_desc("tolerance")
            .y_desc("percent")
            .x_labels(result.tolerances.len().clamp(2, 21))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .draw()
            .map_err(|e| failed(&e))?;
        let curves = [
            ("false reactivations (% of hardware events replayed)", reactivations, RED),
            ("false accepts (% of cross-machine comparisons)", accepts, BLUE),
        ];
        for (label, points, colour) in curves {
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| failed(&e))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    Ok(svg)
}
