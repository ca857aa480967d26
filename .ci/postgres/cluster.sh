#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the PostgreSQL ledger.
#
#   .ci/postgres/cluster.sh start DIR   # installs PostgreSQL if missing, initdb in DIR,
#                                       # starts it on a free loopback port and prints
#                                       # the URL for NODELOCK_POSTGRES_URL
#   .ci/postgres/cluster.sh stop DIR    # stops it (fast shutdown)
#
# PostgreSQL refuses to run as root: when run as root, the cluster belongs to
# the unprivileged `postgres` user (created by the distribution's package,
# or here), and DIR is handed to it. Trust authentication, loopback only.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a directory for the cluster}

bindir() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    if [ -z "$(bindir)" ]; then
        echo "installing PostgreSQL from the distribution's packages" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    fi
    bin=$(bindir)
    [ -n "$bin" ] || { echo "no initdb under /usr/lib/postgresql/*/bin" >&2; exit 1; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home postgres
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U nodelock --auth=trust -E UTF8 --no-sync >&2
    # A loopback port nothing listens on.
    port=$((20000 + RANDOM % 20000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((20000 + RANDOM % 20000)); done
    # Serializable transactions keep predicate locks until every transaction
    # that overlapped them ends: with the suites' ledgers writing in parallel
    # beside one long transaction (a large license's issue), the default 64
    # per connection ran out ("out of shared memory", SQLSTATE 53200).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=300 -c max_pred_locks_per_transaction=1024 -c fsync=on" >&2
    echo "postgres://nodelock@127.0.0.1:$port/postgres"
    ;;
stop)
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
