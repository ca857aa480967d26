#!/usr/bin/env bash
# Instructions per steady-state start-up check, by callgrind (see
# benches/startup_instructions.rs): total(N=101) - total(N=1), divided by 100.
# Usage: benches/instructions.sh   (needs valgrind; builds the bench in release)
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
printf '| configuration | instructions per check |\n|---|---:|\n'
for config in ${NODELOCK_CONFIGS:-readme disk lease hourly nics1 nics16 nics64}; do
    one=$(total "$config" 1)
    many=$(total "$config" 101)
    printf '| `%s` | %s |\n' "$config" "$(( (many - one) / 100 ))"
done
rm -rf "$out"
