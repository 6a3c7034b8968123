#!/usr/bin/env bash
# Set up everything the product and its tests need on a Debian / Raspberry Pi OS machine.
# Idempotent: what is already there is left alone. Run as root for the system packages;
# without root, missing system packages are reported and the Python part still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

want_system="${SETUP_SYSTEM:-1}"
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need python3 python3
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
need mosquitto mosquitto
need mcopy mtools
need mkfs.vfat dosfstools
need sfdisk fdisk
need shellcheck shellcheck
need systemd-analyze systemd
need pg_ctlcluster postgresql
need nft nftables
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ] && [ "$want_system" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2046
    apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
  else
    echo "setup: missing system packages (install them as root): ${missing[*]}" >&2
  fi
fi

# The system broker is not ours to use, but a fresh install starts one through systemd; leave it.

# PostgreSQL for the central-store tests: start the cluster when it is installed but not running.
if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    ver=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V | tail -n1 || true)
    if [ -n "$ver" ]; then
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start >/dev/null 2>&1 || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    fi
  fi
fi

# Python: a virtual environment in .venv with the project installed in editable mode.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c 'import edge, textual, paho.mqtt, orjson, zstandard, holidays'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
