#!/usr/bin/env python3
"""Prints the criterion results of the nodelock benches as the tables of
BENCHMARKS.md: median, its 95 % confidence interval and the median absolute
deviation of every bench, the budgets with pass/fail, and the ratios of the
baselines to nodelock measured within one run.

Usage: python3 benches/summary.py [CRITERION_DIR]   (default target/criterion)
"""
import json
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")

# (group, bench): budget in ns for the median.
BUDGETS = {
    ("collect", "live_host"): 500_000,
    ("profile", "compare_identical"): 5_000,
    ("profile", "compare_drifted"): 5_000,
    ("profile", "compare_drifted_moved"): 5_000,
    ("license", "load_verify_minimal"): 150_000,
    ("license", "load_verify_full"): 150_000,
    ("startup", "validator_check"): 1_000_000,
    ("startup", "keys_validator_check"): 1_000_000,
}
# (group, baseline, measured, minimum ratio or None)
RATIOS = [
    ("startup", "sysinfo_new_all_baseline", "validator_check", 10),
    ("startup", "sysinfo_new_all_baseline", "keys_validator_check", 10),
    ("collect", "sysinfo_new_all_baseline", "live_host", None),
    ("collect", "sysinfo_new_all_baseline", "fixture_workstation", None),
]
ORDER = ["collect", "profile", "license", "startup"]


def fmt(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.0f} {unit}"
    return f"{ns:.0f} ns"


results = {}
for path in sorted(root.glob("*/*/new/estimates.json")):
    group, bench = path.parts[-4], path.parts[-3]
    est = json.loads(path.read_text())
    med = est["median"]
    results[(group, bench)] = (
        med["point_estimate"],
        med["confidence_interval"]["lower_bound"],
        med["confidence_interval"]["upper_bound"],
        est["median_abs_dev"]["point_estimate"],
    )

if not results:
    sys.exit(f"no criterion results under {root}; run `cargo bench` first")

print("| bench | median | 95 % CI of the median | MAD | budget | |")
print("|---|---:|---:|---:|---:|---|")
for (group, bench) in sorted(results, key=lambda k: (ORDER.index(k[0]) if k[0] in ORDER else 99, k[1])):
    med, lo, hi, mad = results[(group, bench)]
    budget = BUDGETS.get((group, bench))
    verdict = "" if budget is None else ("pass" if med <= budget else "**FAIL**")
    print(
        f"| `{group}/{bench}` | {fmt(med)} | {fmt(lo)} – {fmt(hi)} | {fmt(mad)} | "
        f"{'≤ ' + fmt(budget) if budget else ''} | {verdict} |"
    )

print()
print("| ratio (same run) | baseline ÷ nodelock | worst case (slowest nodelock, fastest baseline) | budget | |")
print("|---|---:|---:|---:|---|")
for group, base, bench, minimum in RATIOS:
    if (group, base) not in results or (group, bench) not in results:
        continue
    b, b_lo, _, _ = results[(group, base)]
    m, _, m_hi, _ = results[(group, bench)]
    ratio, worst = b / m, b_lo / m_hi
    verdict = "" if minimum is None else ("pass" if ratio >= minimum else "**FAIL**")
    print(
        f"| `{group}/{base}` ÷ `{group}/{bench}` | {ratio:.0f}× | {worst:.0f}× | "
        f"{'≥ ' + str(minimum) + '×' if minimum else ''} | {verdict} |"
    )
