# shellcheck shell=bash
# Shared set-up of scripts/run and scripts/test: system packages, virtual environment, PostGIS database.
# Every step checks first and only does what is missing, so running it again is safe and quick.

set -euo pipefail
# (A pipe into "grep -q" would fail under pipefail when grep exits before the writer is done: SIGPIPE.)

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV_DIR="${PLATFORM_VENV:-$PROJECT_DIR/.venv}"
PYTHON="$VENV_DIR/bin/python"
DB_NAME="${PLATFORM_DB_NAME:-platform}"
DB_USER="${PLATFORM_DB_USER:-platform}"
DB_PASSWORD="${PLATFORM_DB_PASSWORD:-platform}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "root or sudo is needed to run: $*"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

# --- system packages -------------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing system packages (${missing[*]}) and no apt-get to install them"
  if [ "$APT_UPDATED" = 0 ]; then
    log "Updating the package lists"
    as_root apt-get update -q >&2
    APT_UPDATED=1
  fi
  log "Installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# PostgreSQL 15 where the distribution has it (Debian 12), else the newest the distribution ships.
pg_version() {
  if [ -n "${PLATFORM_PG_VERSION:-}" ]; then echo "$PLATFORM_PG_VERSION"; return; fi
  for v in 15 16 17; do
    if dpkg-query -W -f='${Status}' "postgresql-$v-postgis-3" 2>/dev/null | grep "install ok installed" >/dev/null; then
      echo "$v"; return
    fi
  done
  if [ "$APT_UPDATED" = 0 ] && ! apt-cache policy postgresql-15-postgis-3 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
    as_root apt-get update -q >&2
    APT_UPDATED=1
  fi
  for v in 15 16 17; do
    if apt-cache policy "postgresql-$v-postgis-3" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
      echo "$v"; return
    fi
  done
  die "no postgresql-N-postgis-3 package (N = 15, 16 or 17) is available from apt"
}

ensure_system_packages() {
  # GeoDjango needs GDAL, GEOS and PROJ; gettext compiles the translations; python3-venv makes the venv.
  local packages=(gdal-bin binutils libproj-dev gettext ca-certificates)
  # Debian splits venv/ensurepip out of its python3 into python3-venv.
  if [ "$(command -v python3 || true)" = /usr/bin/python3 ] || ! command -v python3 >/dev/null 2>&1; then
    packages+=(python3 python3-venv)
  fi
  if [ -z "${DATABASE_URL:-}" ]; then
    PG_VERSION="$(pg_version)"
    packages+=("postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" postgresql-client)
  fi
  apt_install "${packages[@]}" "$@"
}

# --- Python ----------------------------------------------------------------------------------------------

ensure_venv() {
  local requirements="$PROJECT_DIR/requirements/$1.txt"
  local stamp="$VENV_DIR/.installed-$1"
  command -v python3 >/dev/null 2>&1 || apt_install python3
  python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || log "warning: the platform is built for Python 3.11, found $(python3 --version)"
  if [ ! -x "$PYTHON" ]; then
    log "Creating the virtual environment in $VENV_DIR"
    python3 -m venv "$VENV_DIR"
  fi
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "Installing Python packages from requirements/$1.txt"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
    echo "$want" >"$stamp"
  fi
}

# --- PostGIS ---------------------------------------------------------------------------------------------

# Start (or create) the distribution's cluster and print its port. PostgreSQL refuses to run as root, so the
# cluster runs as the postgres system user, started through Debian's cluster tools.
ensure_cluster() {
  local version="$1" line port status
  line="$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"' | head -n1)"
  if [ -z "$line" ]; then
    log "Creating PostgreSQL $version cluster 'main'"
    as_root pg_createcluster "$version" main >&2
    line="$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main"' | head -n1)"
  fi
  port="$(awk '{print $3}' <<<"$line")"
  status="$(awk '{print $4}' <<<"$line")"
  if [ "$status" != "online" ]; then
    log "Starting PostgreSQL $version on port $port"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  fi
  for _ in $(seq 1 30); do
    as_postgres psql -p "$port" -d postgres -tAc 'select 1' >/dev/null 2>&1 && { echo "$port"; return; }
    sleep 1
  done
  die "PostgreSQL $version on port $port did not come up"
}

ensure_database() {
  if [ -n "${DATABASE_URL:-}" ]; then
    log "Using DATABASE_URL from the environment"
    export DATABASE_URL
    return
  fi
  local port
  port="$(ensure_cluster "${PG_VERSION:-$(pg_version)}")"
  # The local role may create databases and extensions: the test run creates its own database with PostGIS.
  as_postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
  END IF;
END\$\$;
SQL
  if ! as_postgres psql -p "$port" -d postgres -tAc "select 1 from pg_database where datname = '$DB_NAME'" | grep 1 >/dev/null; then
    log "Creating database $DB_NAME"
    as_postgres createdb -p "$port" -O "$DB_USER" "$DB_NAME"
  fi
  as_postgres psql -p "$port" -d "$DB_NAME" -qc 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
  export DATABASE_URL="postgis://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
}

manage() { "$PYTHON" "$PROJECT_DIR/manage.py" "$@"; }

# The city whose data the platform loads: a folder with a city.json manifest (see docs/operations.md).
CITY_DIR="${PLATFORM_CITY_DIR:-$PROJECT_DIR/districts/data/cities/wolfsburg}"

prepare_platform() {
  cd "$PROJECT_DIR"
  manage compilemessages --ignore '.venv' -v 0
  manage migrate --no-input -v 0
  manage createcachetable -v 0
  manage import_city "$CITY_DIR/city.json"
  # The Mängelmelder's categories (city-agnostic), then the city's responsibilities, if it ships any.
  manage load_categories "$PROJECT_DIR/defects/data/categories.json"
  if [ -f "$CITY_DIR/responsibilities.json" ]; then
    manage load_responsibilities "$CITY_DIR/responsibilities.json"
  fi
}
