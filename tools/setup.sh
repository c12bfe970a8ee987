#!/usr/bin/env bash
# Create .venv and install dlgrade with its pinned dependencies (idempotent).
# Also installs bubblewrap when it is missing and we may (root with apt): grading works
# without it, with weaker isolation that every result reports. Likewise headless Chromium, which
# renders the class report in tests/test_report.py (that one test is skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) \
    || echo "setup: bubblewrap could not be installed; grading will use its fallback isolation" >&2
fi
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "setup: chromium could not be installed; the report rendering test will be skipped" >&2
fi
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# export: nbgrader, otter-grader and ipykernel, the real tools tests/test_release.py runs the release's exports with.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS:-dev,export,mutation,student}]"
