#!/usr/bin/env bash
# The tracker as it runs beyond one machine, all on this one for testing (docs/scaling.md):
#
#   deploy/cluster.sh start    PostgreSQL primary and a streaming replica (pg_basebackup -R), PgBouncer in
#                              transaction mode in front of both, Redis, two gunicorn app servers, nginx
#                              balancing them; prints the address and writes CLUSTER_DIR/env
#   deploy/cluster.sh stop     stops every process it started, by the process ids it recorded
#   deploy/cluster.sh status   which of them are running
#   deploy/cluster.sh start-replica | start-app app1|app2    bring back a part that was stopped
#
# Everything lives in CLUSTER_DIR (default: a directory `tracker-cluster` in the system's temporary directory),
# owned by the postgres OS user where PostgreSQL and PgBouncer need it. Ports: CLUSTER_PORT_BASE (default 55400)
# + 32 primary, + 33 replica, + 64 PgBouncer, + 79 Redis, + 1 and + 2 the app servers, + 80 nginx.
# Needs Debian's postgresql (15), pgbouncer, nginx and redis-server; installs pgbouncer and nginx with apt-get
# when they are missing and this is root. CLUSTER_PROPOSALS synthetic proposals are seeded (default 2000).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CLUSTER_DIR:-${TMPDIR:-/tmp}/tracker-cluster}"
BASE="${CLUSTER_PORT_BASE:-55400}"
PRIMARY_PORT=$((BASE + 32)) REPLICA_PORT=$((BASE + 33)) BOUNCER_PORT=$((BASE + 64)) REDIS_PORT=$((BASE + 79))
APP1_PORT=$((BASE + 1)) APP2_PORT=$((BASE + 2)) NGINX_PORT=$((BASE + 80))
PROPOSALS="${CLUSTER_PROPOSALS:-2000}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
PYTHON="$ROOT/.venv/bin/python"
DB=tracker

log() { printf '[cluster] %s\n' "$*"; }
as_postgres() { runuser -u postgres -- "$@"; }
alive() { [[ -f "$DIR/$1.pid" ]] && kill -0 "$(head -n1 "$DIR/$1.pid")" 2>/dev/null; }
wait_for() { # description, command...: up to 30 s
    local what="$1"; shift
    for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    log "$what did not come up; see $DIR/*.log"; return 1
}

install_missing() {
    local missing=()
    command -v pgbouncer >/dev/null 2>&1 || [[ -x /usr/sbin/pgbouncer ]] || missing+=(pgbouncer)
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    ((${#missing[@]})) || return 0
    [[ $(id -u) == 0 ]] || { log "missing: ${missing[*]} (install them, or run as root)"; exit 1; }
    log "installing ${missing[*]}"
    apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting: this script runs its own.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
}

start_postgres() {
    as_postgres "$PG_BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    cat >>"$DIR/primary/postgresql.conf" <<EOF
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 5
hot_standby = on
shared_buffers = 64MB
fsync = off
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/primary/pg_hba.conf"
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null
    head -n1 "$DIR/primary/postmaster.pid" >"$DIR/primary.pid"
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -qc "CREATE DATABASE $DB"
    # Behind PgBouncer the web role cannot send a statement timeout at connection time (docs/operations.md).
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -qc "CREATE ROLE tracker_web LOGIN SUPERUSER"
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -qc "ALTER ROLE tracker_web SET statement_timeout = '3s'"

    log "schema and data on the primary ($PROPOSALS synthetic proposals)"
    local direct="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
    (cd "$ROOT" && DATABASE_URL="$direct" DJANGO_DEBUG=true "$PYTHON" manage.py migrate --noinput -v0 \
        && DATABASE_URL="$direct" DJANGO_DEBUG=true "$PYTHON" manage.py seed_synthetic --proposals "$PROPOSALS" \
            --force >"$DIR/seed.log" 2>&1)

    log "replica: pg_basebackup -R from the primary"
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/replica" -R -X stream
    sed -i "s/^port = .*/port = $REPLICA_PORT/" "$DIR/replica/postgresql.conf"
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w start >/dev/null
    head -n1 "$DIR/replica/postmaster.pid" >"$DIR/replica.pid"
}

start_pgbouncer() {
    cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
$DB = host=127.0.0.1 port=$PRIMARY_PORT dbname=$DB
${DB}_replica = host=127.0.0.1 port=$REPLICA_PORT dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/pgbouncer.users
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
server_connect_timeout = 3
server_login_retry = 1
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
EOF
    printf '"tracker_web" ""\n"postgres" ""\n' >"$DIR/pgbouncer.users"
    chown postgres "$DIR/pgbouncer.ini" "$DIR/pgbouncer.users"
    as_postgres pgbouncer -d "$DIR/pgbouncer.ini"  # daemonised, it writes its own pid to pgbouncer.pid
    wait_for PgBouncer as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$BOUNCER_PORT" -U tracker_web -d $DB -Atc "select 1"
}

start_redis() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" \
        --logfile "$DIR/redis.log" >/dev/null 2>&1 &
    echo $! >"$DIR/redis.pid"
    wait_for Redis redis-cli -p "$REDIS_PORT" ping
}

start_app() { # name port
    (cd "$ROOT" && set -a && . "$DIR/env" && set +a && GUNICORN_BIND="127.0.0.1:$2" \
        exec "$ROOT/.venv/bin/gunicorn" -c tracker/gunicorn.conf.py) >"$DIR/$1.log" 2>&1 &
    echo $! >"$DIR/$1.pid"
}

start_apps() {
    cat >"$DIR/env" <<EOF
DJANGO_DEBUG=false
DJANGO_SECRET_KEY=cluster-test-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DJANGO_SECURE_SSL_REDIRECT=false
DJANGO_TRUSTED_PROXIES=1
DATABASE_URL=postgres://tracker_web@127.0.0.1:$BOUNCER_PORT/$DB
DATABASE_REPLICA_URL=postgres://tracker_web@127.0.0.1:$BOUNCER_PORT/${DB}_replica
DATABASE_PGBOUNCER=true
DATABASE_STATEMENT_TIMEOUT=0
DATABASE_WAIT_TIMEOUT=4
CACHE_URL=redis://127.0.0.1:$REDIS_PORT/0
GUNICORN_WORKERS=${CLUSTER_WORKERS:-2}
API_THROTTLE_ANON=10000000/min
API_THROTTLE_USER=10000000/min
EOF
    (cd "$ROOT" && set -a && . "$DIR/env" && set +a && DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB" \
        "$PYTHON" manage.py collectstatic --noinput -v0)
    start_app app1 "$APP1_PORT"
    start_app app2 "$APP2_PORT"
    wait_for "app server 1" curl -fsS -o /dev/null "http://127.0.0.1:$APP1_PORT/healthz"
    wait_for "app server 2" curl -fsS -o /dev/null "http://127.0.0.1:$APP2_PORT/healthz"
}

start_nginx() {
    mkdir -p "$DIR/nginx"
    cat >"$DIR/nginx.conf" <<EOF
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx/body;
    proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi;
    uwsgi_temp_path $DIR/nginx/uwsgi;
    scgi_temp_path $DIR/nginx/scgi;
    upstream tracker {
        # A server that refuses, times out or answers 502/503 (its /healthz fails when its database or cache
        # does) is taken out for fail_timeout, and the request goes to the other one.
        server 127.0.0.1:$APP1_PORT max_fails=1 fail_timeout=5s;
        server 127.0.0.1:$APP2_PORT max_fails=1 fail_timeout=5s;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://tracker;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
        location = /healthz {
            proxy_pass http://tracker;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_set_header Host \$host;
        }
    }
}
EOF
    nginx -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" -g "daemon off;" >>"$DIR/nginx-error.log" 2>&1 &
    echo $! >"$DIR/nginx.pid"
    wait_for nginx curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/healthz"
}

start() {
    if [[ -d "$DIR" ]] && ls "$DIR"/*.pid >/dev/null 2>&1; then
        log "$DIR holds a cluster already: deploy/cluster.sh stop first"; exit 1
    fi
    install_missing
    rm -rf "$DIR"
    mkdir -p "$DIR"
    chown postgres "$DIR"
    trap 'log "start failed; stopping what started"; stop' ERR
    start_postgres
    start_pgbouncer
    start_redis
    start_apps
    start_nginx
    trap - ERR
    cat >>"$DIR/env" <<EOF
CLUSTER_URL=http://127.0.0.1:$NGINX_PORT
CLUSTER_APP_PORTS=$APP1_PORT,$APP2_PORT
CLUSTER_PRIMARY_PORT=$PRIMARY_PORT
CLUSTER_REPLICA_PORT=$REPLICA_PORT
CLUSTER_DIR=$DIR
EOF
    log "up: http://127.0.0.1:$NGINX_PORT/ (app servers :$APP1_PORT :$APP2_PORT, PgBouncer :$BOUNCER_PORT," \
        "primary :$PRIMARY_PORT, replica :$REPLICA_PORT, Redis :$REDIS_PORT); settings in $DIR/env"
}

stop_pid() { # name [signal]: signal its recorded pid (TERM by default), KILL it after 10 s
    local file="$DIR/$1.pid" pid signal="${2:-TERM}"
    [[ -f "$file" ]] || return 0
    pid="$(head -n1 "$file")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -"$signal" "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
        log "stopped $1 (pid $pid)"
    fi
    rm -f "$file"
}

stop() {
    [[ -d "$DIR" ]] || { log "nothing to stop in $DIR"; return 0; }
    for name in nginx app1 app2 pgbouncer redis; do stop_pid "$name"; done
    # PostgreSQL's fast shutdown (SIGINT): it ends open sessions instead of waiting for them.
    for name in replica primary; do stop_pid "$name" INT; done
}

status() {
    for name in nginx app1 app2 pgbouncer redis replica primary; do
        if alive "$name"; then
            echo "$name running (pid $(head -n1 "$DIR/$name.pid"))"
        else
            echo "$name not running"
        fi
    done
}

case "${1:-}" in
    start) start ;;
    # Bring back one part a test stopped: the replica, or app server app1/app2.
    start-replica)
        as_postgres "$PG_BIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w start >/dev/null
        head -n1 "$DIR/replica/postmaster.pid" >"$DIR/replica.pid" ;;
    start-app)
        [[ "${2:-}" == app1 || "${2:-}" == app2 ]] || { echo "usage: $0 start-app app1|app2" >&2; exit 2; }
        port=$APP1_PORT; [[ $2 == app2 ]] && port=$APP2_PORT
        start_app "$2" "$port"
        wait_for "$2" curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status|start-replica|start-app NAME" >&2; exit 2 ;;
esac
