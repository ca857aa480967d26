#!/usr/bin/env bash
# The Windows collector, executed (issue 14): cross-compiles the crate for
# x86_64-pc-windows-gnu with MinGW, runs the Windows collector's tests (its
# live tests and its parsers on recorded data) under Wine through cargo's
# runner, then runs `nodelock profile show --json` of the cross-built CLI
# twice under Wine and checks that it completes, that every kind is either
# collected or unreadable with a reason, that nothing panics, and that both
# runs give the same fingerprint. What Wine lacks is printed (the collector
# degrades as on a locked-down Windows: the kind is unreadable, with why).
#
# Installs MinGW and Wine from the distribution's packages when missing
# (Debian 12: gcc-mingw-w64-x86-64, wine64). If that is impossible it says
# SKIPPED loudly and exits 0, as .ci/run does for cross targets.
# Usage: .ci/wine/run.sh   (from anywhere; honours CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
target=x86_64-pc-windows-gnu
skip() {
    printf '\n!!!!!!!!\nSKIPPED: the Windows collector was NOT run under Wine: %s\n!!!!!!!!\n' "$*"
    exit 0
}

find_wine() {
    command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true
}
wine=$(find_wine)
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
[ -n "$wine" ] || need+=(wine64)
if [ ${#need[@]} -gt 0 ]; then
    t0=$(date +%s)
    as_root=()
    [ "$(id -u)" = 0 ] || as_root=(sudo)
    if "${as_root[@]}" apt-get update &&
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"; then
        echo "installed ${need[*]} in $(($(date +%s) - t0)) s"
    else
        skip "apt-get could not install ${need[*]}"
    fi
    wine=$(find_wine)
    [ -n "$wine" ] || skip "no wine binary after installing wine64"
fi
rustup target add "$target" || skip "rustup could not install the $target target"
echo "wine: $wine ($("$wine" --version 2>/dev/null || echo 'version unknown'))"

tdir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
out="$tdir/$target/debug"
export WINEPREFIX="$tdir/wine-prefix" WINEDEBUG=-all
# No debug info for this step: half the link time, nothing here needs it.
export CARGO_PROFILE_DEV_DEBUG=false
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"

# One feature set for the tests and the CLI, so dependencies build once.
cargo test --target "$target" --features cli --lib --no-run
cargo build --target "$target" --features cli --bin nodelock

# Wine 8 (Debian 12) has no bcryptprimitives.dll, whose ProcessPrng is where
# Rust's std and getrandom take randomness on Windows 10+; without it no
# binary starts. A stand-in built from .ci/wine/bcryptprimitives.c goes next
# to the binaries (Windows itself never sees it).
"$wine" cmd /c exit >/dev/null 2>&1 || true # creates the prefix
if [ -e "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    echo "wine has bcryptprimitives.dll"
else
    echo "WINE LACKS: bcryptprimitives.dll (ProcessPrng) — using the stand-in .ci/wine/bcryptprimitives.c"
    x86_64-w64-mingw32-gcc -O2 -shared -o "$out/bcryptprimitives.dll" .ci/wine/bcryptprimitives.c -lbcrypt
    cp "$out/bcryptprimitives.dll" "$out/deps/bcryptprimitives.dll"
fi

echo "--- the Windows collector's tests under Wine (its live tests print the inventory)"
cargo test --target "$target" --features cli --lib hardware::windows -- --nocapture

echo "--- nodelock profile show --json under Wine, twice"
for run in 1 2; do
    if ! "$wine" "$out/nodelock.exe" profile show --json >"$tdir/wine-show.$run.json" 2>"$tdir/wine-show.$run.err"; then
        cat "$tdir/wine-show.$run.err"
        echo "FAILED: profile show run $run exited non-zero"
        exit 1
    fi
    if grep -q "panicked" "$tdir/wine-show.$run.err"; then
        cat "$tdir/wine-show.$run.err"
        echo "FAILED: profile show run $run panicked"
        exit 1
    fi
done
python3 - "$tdir/wine-show.1.json" "$tdir/wine-show.2.json" <<'EOF'
import json, sys
runs = [json.load(open(p)) for p in sys.argv[1:]]
kinds = ["mac", "cpu", "system_drive", "memory", "cdrom", "video", "ide", "scsi"]
single = {"cpu", "system_drive", "memory"}
bad = []
for kind in kinds:
    n = sum(1 for c in runs[0]["components"] if c["kind"] == kind)
    why = [u["reason"] for u in runs[0]["unreadable"] if u["kind"] == kind]
    if why:
        status = f"unreadable: {why[0]}"
        if n:
            bad.append(f"{kind} is both collected and unreadable")
    elif n:
        status = f"collected, {n} component(s)"
    elif kind in single:
        status = "MISSING without a reason"
        bad.append(f"{kind}: neither collected nor explained")
    else:
        status = "collected, none present"
    print(f"  {kind:<13} {status}")
print(f"  environment   {runs[0]['environment']}")
print(f"  fingerprint   {runs[0]['fingerprint']} then {runs[1]['fingerprint']}")
if runs[0]["fingerprint"] != runs[1]["fingerprint"]:
    bad.append("the two runs gave different fingerprints")
for u in runs[0]["unreadable"]:
    print(f"WINE LACKS (or this machine has none): {u['kind']}: {u['reason']}")
if bad:
    print("FAILED: " + "; ".join(bad))
    sys.exit(1)
print("profile show under Wine: complete, every kind collected or explained, same fingerprint twice")
EOF
