#!/usr/bin/env bash
# Sets up everything `make run` and `make test` need, and does nothing when it is all there already:
#   1. a Python >= 3.11 that can make a venv ($PYTHON, default python3);
#   2. the Debian/Ubuntu packages in scripts/system-packages.txt (Qt runtime libraries, a CJK font,
#      espeak-ng, pdftoppm, Xvfb), checked with one cheap dpkg-query call;
#   3. .venv with the project installed from pyproject.toml: pip install -e '.[dev,postgresql]',
#      re-run only when pyproject.toml is newer than the stamp file .venv/.cstrainer-installed.
# Missing system packages are installed with apt-get when running as root; otherwise the script prints
# the exact `sudo apt-get install -y ...` command and exits 1.
#
# Usage: scripts/setup.sh [--check]
#   --check   only check Python and the system packages (never writes anything, works as any user)
# Environment:
#   PYTHON=python3.12             interpreter used to create .venv
#   SETUP_FORCE_NONROOT=1         behave as a non-root user even as root (to test that path)
#   SETUP_SKIP_SYSTEM_PACKAGES=1  skip step 2 (you installed the libraries some other way)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.cstrainer-installed
EXTRAS=dev,postgresql
PACKAGE_LIST=scripts/system-packages.txt
export PIP_DISABLE_PIP_VERSION_CHECK=1

mode=setup
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option: $1 (try --help)" >&2; exit 2 ;;
esac

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ] && [ -z "${SETUP_FORCE_NONROOT:-}" ]; }

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

missing=()   # system packages to install

# --- 1. Python (only needed when .venv has to be made) -------------------------------------------
need_venv=0
if ! venv_ok; then
    need_venv=1
    command -v "$PYTHON" >/dev/null 2>&1 ||
        die "'$PYTHON' not found. Install Python 3.11 or newer (Debian 12: sudo apt-get install -y python3), or point PYTHON at one: make test PYTHON=/path/to/python3.11"
    version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
        die "'$PYTHON' does not run"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "cstrainer needs Python >= 3.11, but '$PYTHON' is $version. Install a newer one and run again with PYTHON=python3.11 (or newer)"
    if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
        # Debian and Ubuntu ship venv's ensurepip in a separate package.
        if [ "$("$PYTHON" -c 'import sys; print(sys.base_prefix)')" = /usr ] && command -v dpkg-query >/dev/null; then
            missing+=("python$version-venv")
        else
            die "'$PYTHON -m venv' does not work here (no ensurepip). Install your distribution's venv support for Python $version, or use another PYTHON"
        fi
    fi
fi

# --- 2. System packages ---------------------------------------------------------------------------
if [ -n "${SETUP_SKIP_SYSTEM_PACKAGES:-}" ]; then
    :
elif ! command -v dpkg-query >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: skipping the system package check (see $PACKAGE_LIST for what Qt, the CJK font and espeak-ng need)"
else
    mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$PACKAGE_LIST")
    # One dpkg-query for all of them; unknown packages only print to stderr.
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null |
        awk '$2 == "install" && $4 == "installed" { print $1 }' || true)
    for pkg in "${wanted[@]}"; do
        grep -qxF -- "$pkg" <<<"$installed" || missing+=("$pkg")
    done
fi

if [ ${#missing[@]} -gt 0 ]; then
    if is_root && [ "$mode" = setup ]; then
        say "installing missing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y "${missing[@]}"
    else
        {
            echo "setup: these system packages are missing: ${missing[*]}"
            echo "setup: install them with this command, then run make again:"
            echo
            echo "    sudo apt-get install -y ${missing[*]}"
            echo
            echo "setup: (if apt-get cannot find one of them, run 'sudo apt-get update' first)"
        } >&2
        exit 1
    fi
fi

if [ "$mode" = check ]; then
    say "Python and system packages OK"
    exit 0
fi

# --- 3. .venv and the project ---------------------------------------------------------------------
if [ "$need_venv" = 1 ]; then
    if [ -e "$VENV" ]; then
        say "$VENV is broken or too old; making it again"
        rm -rf "$VENV"
    fi
    say "creating $VENV with $PYTHON ($("$PYTHON" -c 'import sys; print(sys.version.split()[0])'))"
    "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ ! -x "$VENV/bin/cstrainer" ]; then
    say "installing the project into $VENV: pip install -e '.[$EXTRAS]'"
    # The stamp gets the time from before the install, so an edit made meanwhile is not lost.
    : >"$STAMP.new"
    "$VENV/bin/python" -m pip install --progress-bar off -e ".[$EXTRAS]"
    mv -f "$STAMP.new" "$STAMP"
fi

say "ready ($VENV up to date, system packages present)"
