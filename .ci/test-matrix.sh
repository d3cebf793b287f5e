#!/usr/bin/env bash
# units + integration under the oldest and the two newest supported ansible-core, each in its own
# venv (.venv-core-X.Y) with the test dependencies pinned in requirements-dev.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
# core series : python : exact ansible-core (latest of the series on PyPI when pinned)
if [ -n "${TEST_MATRIX:-}" ]; then
  read -r -a MATRIX <<< "$TEST_MATRIX"
else
  MATRIX=("2.15:3.11:2.15.13" "2.21:3.12:2.21.5")
fi
TEST_DEPS='^(pytest|pytest-xdist|hypothesis|requests|aiohttp|cryptography|psutil|ansible-runner|openpyxl|junitparser)=='
declare -a summary=()
rc=0
for entry in "${MATRIX[@]}"; do
  IFS=: read -r series pyver core <<<"$entry"
  venv="$root/.venv-core-$series"
  reqs="$(printf 'ansible-core==%s\n' "$core"; grep -E "$TEST_DEPS" requirements-dev.txt)"
  stamp="$venv/.installed-$(printf '%s' "$reqs" | sha256sum | cut -c1-16)"
  echo "################ ansible-core $core on Python $pyver ($venv)"
  if [ ! -e "$stamp" ]; then
    py="$(.ci/find-python "$pyver")"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    printf '%s\n' "$reqs" >"$venv/requirements.txt"
    "$venv/bin/python" -m pip install -q -r "$venv/requirements.txt" 2>&1 | { grep -v -E "Location '[^']*' is ignored" || true; }
    touch "$stamp"
  fi
  "$venv/bin/ansible" --version 2>/dev/null | sed -n 1p
  t0=$SECONDS
  # -k: run the integration tests even when a unit test fails
  if make -k --no-print-directory _units _integration TEST_VENV="$venv"; then
    summary+=("ansible-core $core / py$pyver: ok ($((SECONDS - t0))s)")
  else
    summary+=("ansible-core $core / py$pyver: FAILED ($((SECONDS - t0))s)"); rc=1
  fi
done
echo "================ test-matrix summary"
printf '  %s\n' "${summary[@]}"
exit $rc
