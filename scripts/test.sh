#!/usr/bin/env bash
# The whole test suite on a fresh machine: dependencies, back ends, client tools, build, jest.
# Extra arguments go to jest (e.g. `npm test -- --selectProjects unit`, `bash scripts/test.sh --ci`).
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*"; }
die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root to run: $*"
  fi
}

# Polls `$@` once a second for up to $1 seconds; returns 1 if it never succeeds.
# (Each probe must bound its own run time: pg_isready does, the others go through `timeout`.)
wait_for() {
  local timeout=$1; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 1
  done
}

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# --- (a) node dependencies --------------------------------------------------------------------
# npm writes node_modules/.package-lock.json last, so it dates the installed tree.
# `npm install`, not `npm ci`: the registry this runs against has no packages for other platforms,
# so the lock cannot list the optional per-platform binaries (@swc/core-darwin-*, …) and `npm ci`
# rejects it as out of sync. With the lock present, `npm install` installs exactly what it pins.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing node dependencies (npm install, pinned by package-lock.json)"
  npm install --no-audit --no-fund
  touch node_modules/.package-lock.json
fi

# --- (c) Debian packages the client tests and later issues need --------------------------------
# (before the back ends: on a bare machine this is also where nothing else is half-started)
declare -A PKG_FOR_CMD=([openstack]=python3-openstackclient [podman]=podman [runc]=runc)
missing=()
for cmd in "${!PKG_FOR_CMD[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_FOR_CMD[$cmd]}")
done
# The Zun and Placement clients are plugins of the openstack CLI, not commands of their own.
/usr/bin/python3 -c 'import zunclient' >/dev/null 2>&1 || missing+=(python3-zunclient)
/usr/bin/python3 -c 'import osc_placement' >/dev/null 2>&1 || missing+=(python3-osc-placement)
# busybox-static ships /bin/busybox; the dynamic busybox package has the same path, so ask dpkg.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# --- (b) PostgreSQL and RabbitMQ ------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not answering on 127.0.0.1:5432 and pg_ctlcluster is not installed"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$version" ] || die "PostgreSQL is not answering on 127.0.0.1:5432 and no cluster is configured in /etc/postgresql"
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 60 pg_isready -q -h 127.0.0.1 -p 5432 \
    || die "PostgreSQL did not come up on 127.0.0.1:5432 within 60 s (see /var/log/postgresql/)"
fi

if ! tcp_open 127.0.0.1 5672; then
  command -v rabbitmq-server >/dev/null 2>&1 || die "RabbitMQ is not answering on 127.0.0.1:5672 and rabbitmq-server is not installed"
  if timeout 20 rabbitmqctl -q status >/dev/null 2>&1; then
    log "RabbitMQ node is running but not listening yet; waiting"
  else
    log "starting RabbitMQ"
    as_root rabbitmq-server -detached
  fi
  wait_for 90 timeout 20 rabbitmqctl -q await_startup \
    || die "RabbitMQ did not start within 90 s (see /var/log/rabbitmq/)"
  wait_for 30 tcp_open 127.0.0.1 5672 \
    || die "RabbitMQ started but does not listen on 127.0.0.1:5672"
fi

# --- (d) build: the client tests run dist/ ---------------------------------------------------------
log "building (npm run build) and type-checking the tests"
npm run --silent build
npx tsc -p tsconfig.json --noEmit

# --- (e) jest -------------------------------------------------------------------------------------
log "running jest $*"
exec npx jest "$@"
