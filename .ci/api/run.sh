#!/usr/bin/env bash
# The running activation service checked against docs/openapi.yaml with
# schemathesis (a property-based API tester, installed from PyPI into a
# throwaway virtualenv): every operation gets generated valid and invalid
# requests, and the run fails on any 5xx, any answer outside the schema
# (status, content type, headers, body), invalid data that is accepted, a
# method the spec does not list that is not answered 405, or an
# administrator endpoint that answers without its token. Bounded: at most
# NODELOCK_API_EXAMPLES cases an operation (default 50) and
# NODELOCK_API_SECONDS for the whole run (default 120).
#
# Not checked: `positive_data_acceptance` (a schema-valid request is not
# necessarily a valid signed message: random base64 is rightly refused) and
# the stateful checks (the API has no create/delete resources).
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${NODELOCK_API_EXAMPLES:-50}
seconds=${NODELOCK_API_SECONDS:-120}
work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if ! python3 -m venv "$work/venv" 2>/dev/null; then
    apt-get update && apt-get install -y python3-venv
    python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5'
"$work/venv/bin/schemathesis" --version

cargo build --quiet --features cli,server --bin nodelock
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/nodelock

# A vendor with one license with leases and temporaries, and an administrator token.
"$bin" keys generate --out "$work/keys" >/dev/null
"$bin" license issue --key "$work/keys/secret.key" --product com.example.app --licensee ACME --seats 2 \
    --lease-days 30 --temporary-days 90 --out "$work/acme.lic" >/dev/null
"$bin" authority init --db "$work/ledger.db" --key "$work/keys/secret.key" >/dev/null
"$bin" authority add-license --db "$work/ledger.db" "$work/acme.lic" >/dev/null
head -c 32 /dev/urandom | base64 > "$work/token"

"$bin" serve --db "$work/ledger.db" --listen 127.0.0.1:0 --admin-token-file "$work/token" \
    >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
# Readiness: the service prints its address once it listens.
for _ in $(seq 1 100); do
    if grep -q '^listening on ' "$work/serve.out"; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/serve.log"; exit 1; fi
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
echo "service at $url"

status=0
timeout $((seconds + 60)) "$work/venv/bin/schemathesis" run docs/openapi.yaml --url "$url" \
    -H "Authorization: Bearer $(cat "$work/token")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,unsupported_method,ignored_auth,missing_required_header \
    --max-examples "$examples" --max-time "$seconds" --seed 1 --no-color || status=$?

# Graceful shutdown: SIGTERM, and the service says it stopped.
kill -TERM "$server_pid"
wait "$server_pid" || { echo "nodelock serve did not exit cleanly on SIGTERM"; status=1; }
server_pid=
grep -q 'stopped' "$work/serve.log" || { echo "no shutdown line in the service's log"; status=1; }
echo "service log: $(wc -l < "$work/serve.log") lines, $(grep -c ' 5[0-9][0-9] ' "$work/serve.log" || true) with a 5xx status"
exit $status
