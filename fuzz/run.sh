#!/usr/bin/env bash
# Bounded fuzzing of every nodelock decoder, as CI runs it.
#
#   fuzz/run.sh [SECONDS] [TARGET...]   build every target once, then fuzz each
#                                       TARGET (default: all) for at most SECONDS
#                                       (default 30, at most 60); fails if any crashes
#   fuzz/run.sh --write-seeds           regenerate fuzz/corpus/*/seed-* from the crate
#
# Each run starts from a scratch copy of the committed seed corpus, so the
# repository is never dirtied; a crashing input is kept in
# fuzz/artifacts/<target>/ (ignored by git) and its path is printed. Targets
# run FUZZ_JOBS at a time (default: the number of CPUs), one core each.
# FUZZ_SANITIZER=address builds with AddressSanitizer (default none: the
# crate's decoders are safe Rust, and the build is much faster without it).
# Needs no nightly toolchain: without one, the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 for cargo-fuzz's -Z flags.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

if [[ ${1:-} == --write-seeds ]]; then
    NODELOCK_WRITE_SEEDS=1 cargo test --test fuzz_seeds
    exit 0
fi

seconds=${1:-30}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1 || seconds > 60)); then
    echo "usage: fuzz/run.sh [SECONDS (1..60)] [TARGET...]" >&2
    exit 2
fi
sanitizer=${FUZZ_SANITIZER:-none}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
start=$SECONDS

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "=== installing cargo-fuzz ==="
    cargo install cargo-fuzz --locked
fi

fuzz=(cargo fuzz)
if [[ ${FUZZ_TOOLCHAIN:-} != stable ]] && rustup run nightly rustc --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    # cargo-fuzz passes -Z flags (sanitizer, coverage instrumentation options).
    export RUSTC_BOOTSTRAP=1
fi
host=$(rustc -vV | sed -n 's/^host: //p')

# Every [[bin]] of fuzz/Cargo.toml is a target.
mapfile -t all < <(awk '/^\[\[bin\]\]/ { bin = 1; next } /^\[/ { bin = 0 } bin && /^name = / { gsub(/"/, "", $3); print $3 }' fuzz/Cargo.toml)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

echo "=== building ${#all[@]} fuzz targets (${fuzz[*]}, sanitizer $sanitizer) ==="
"${fuzz[@]}" build --sanitizer "$sanitizer" --debug-assertions --target "$host"
bin_dir=fuzz/target/$host/release
echo "built in $((SECONDS - start)) s"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nodelock-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p fuzz/artifacts

run_one() {
    local target=$1 corpus=$scratch/corpus/$1
    mkdir -p "$corpus" "fuzz/artifacts/$target"
    cp fuzz/corpus/"$target"/seed-* "$corpus"/ 2>/dev/null || true
    "$bin_dir/$target" "$corpus" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" >"$scratch/$target.log" 2>&1
}

echo "=== fuzzing ${#targets[@]} targets for up to ${seconds} s each, $jobs at a time ==="
running=0
for target in "${targets[@]}"; do
    [[ -x $bin_dir/$target ]] || { echo "no such fuzz target: $target" >&2; exit 2; }
done
for target in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    (if run_one "$target"; then echo 0; else echo $?; fi >"$scratch/$target.rc") &
    running=$((running + 1))
done
wait

failed=()
printf '%-18s %-8s %12s %9s %7s\n' target result runs exec/s corpus
for target in "${targets[@]}"; do
    rc=$(cat "$scratch/$target.rc")
    if [[ $rc == 0 ]]; then result=ok; else result="FAILED($rc)"; failed+=("$target"); fi
    log=$scratch/$target.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "$scratch/corpus/$target" -type f | wc -l)
    printf '%-18s %-8s %12s %9s %7s\n' "$target" "$result" "${runs:--}" "${speed:--}" "$corpus"
done

for target in "${failed[@]}"; do
    echo
    echo "=== $target failed; the end of its log: ==="
    tail -n 60 "$scratch/$target.log"
    echo "reproduce: ${fuzz[*]} run --sanitizer $sanitizer --debug-assertions $target fuzz/artifacts/$target/<crash-file>"
done
echo
echo "fuzzing took $((SECONDS - start)) s in all"
((${#failed[@]} == 0))
