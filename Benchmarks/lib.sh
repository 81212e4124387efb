# Sourced by the benchmark scripts: release builds, free ports, medians, a seatd on a free port,
# and a throwaway PostgreSQL cluster. Each script sets `work` (a temporary directory) before
# calling these, and stops what it started in its EXIT trap (stop_seatd, stop_postgres).
source scripts/toolchain.sh

# Builds release products quietly, printing the log only if it fails (swift build reports
# errors on standard output).
build_release() {
    local product
    for product in "$@"; do
        swift build -c release --product "$product" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
    done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Starts the release seatd on data directory $1 with the remaining arguments, logging to
# $work/seatd.log; sets seatd_pid, port, and start_ms (milliseconds until it listened).
seatd_pid=
start_seatd() {
    local data=$1 started
    shift
    rm -f "$work/port"
    started=$(date +%s%N)
    SEATD_API_KEYS="admin:bench" "$(swift build -c release --show-bin-path)/seatd" serve --port 0 --port-file "$work/port" \
        --no-metrics --data-dir "$data" "$@" > "$work/seatd.log" 2>&1 &
    seatd_pid=$!
    for _ in $(seq 1 6000); do [[ -s "$work/port" ]] && break; sleep 0.01; done
    [[ -s "$work/port" ]] || { cat "$work/seatd.log"; exit 1; }
    start_ms=$((($(date +%s%N) - started) / 1000000))
    port=$(cat "$work/port")
}
stop_seatd() {
    [[ -n $seatd_pid ]] || return 0
    kill "$seatd_pid" 2> /dev/null || true
    wait "$seatd_pid" || true
    seatd_pid=
}

# A throwaway PostgreSQL 15 cluster in $work/postgres, run as the postgres user (it refuses
# root) on a free loopback port; sets postgres_url. Settings are the defaults (fsync and
# synchronous_commit on) but for the socket directory and the address.
postgres_bin=/usr/lib/postgresql/15/bin
init_postgres() {
    mkdir -p "$work/postgres"
    chown postgres "$work" "$work/postgres"
    (cd "$work/postgres" && runuser -u postgres -- "$postgres_bin/initdb" -D "$work/postgres/data" -U postgres \
        --auth=trust > "$work/postgres/initdb.log" 2>&1) || { cat "$work/postgres/initdb.log"; exit 1; }
    postgres_port=$(free_port)
    postgres_url="postgresql://postgres@127.0.0.1:$postgres_port/postgres"
}
start_postgres() {
    (cd "$work/postgres" && runuser -u postgres -- "$postgres_bin/pg_ctl" -D "$work/postgres/data" -l "$work/postgres/log" -w \
        -o "-p $postgres_port -k $work/postgres -c listen_addresses=127.0.0.1" start > /dev/null) ||
        { cat "$work/postgres/log"; exit 1; }
}
stop_postgres() {
    [[ -d $work/postgres/data && -f $work/postgres/data/postmaster.pid ]] || return 0
    (cd "$work/postgres" && runuser -u postgres -- "$postgres_bin/pg_ctl" -D "$work/postgres/data" -m fast -w stop > /dev/null)
}
