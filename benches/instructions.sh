#!/usr/bin/env bash
# Instructions and system calls per steady-state start-up check, and per pass
# of its floor (see benches/startup_instructions.rs): callgrind's
# total(N=101) - total(N=1), divided by 100, and strace's count of system
# calls the same way (N=21 - N=1, divided by 20). Neither moves with the
# machine's load, so check / floor can be read off one table.
# Usage: benches/instructions.sh   (needs valgrind and strace; builds the bench in release)
#        NODELOCK_CONFIGS="disk floor" benches/instructions.sh   (some configurations only)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --bench startup_instructions --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "startup_instructions" and m.get("executable"):
        print(m["executable"])')
out=$(mktemp -d)
total() { # config n -> instructions of the whole run
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1.$2" "$bin" "$1" "$2" >/dev/null 2>&1
    awk '/^summary:/ {print $2}' "$out/cg.$1.$2"
}
calls() { # config n -> system calls of the whole run
    strace -f -c -o "$out/st.$1.$2" "$bin" "$1" "$2" >/dev/null 2>&1
    awk '$NF == "total" {print $4}' "$out/st.$1.$2"
}
printf '| configuration | instructions per check | system calls per check |\n|---|---:|---:|\n'
for config in ${NODELOCK_CONFIGS:-readme disk lease hourly floor nics1 floor_nics1 nics16 floor_nics16 nics64 floor_nics64 veths64 floor_veths64}; do
    one=$(total "$config" 1)
    many=$(total "$config" 101)
    c1=$(calls "$config" 1)
    c21=$(calls "$config" 21)
    printf '| `%s` | %s | %s |\n' "$config" "$(( (many - one) / 100 ))" "$(( (c21 - c1) / 20 ))"
done
rm -rf "$out"
