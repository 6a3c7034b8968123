#!/usr/bin/env bash
# `make demo`: set up (idempotent), then the demo appliance and the kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/demo.py "$@"
