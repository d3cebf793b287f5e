#!/usr/bin/env bash
# Run `make STEP` for each STEP in order, stop at the first failure, print a timed summary.
# usage: steps.sh STEP...   (MAKE may name the make binary)
# KEEP_GOING=1: run every step even after a failure (to see all failures at once); exit 1 if any failed.
set -uo pipefail
make_cmd="${MAKE:-make}"
declare -a names=() results=() secs=()
summary() {
  echo
  echo "================ make test summary ================"
  local i
  for i in "${!names[@]}"; do
    printf '  %-12s %-6s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
  done
  echo "  total        $((SECONDS - start))s"
  echo "==================================================="
}
start=$SECONDS
for step in "$@"; do
  echo
  echo "################ $step ################"
  t0=$SECONDS
  if $make_cmd --no-print-directory "$step"; then
    names+=("$step"); results+=("ok"); secs+=("$((SECONDS - t0))")
  else
    rc=$?
    names+=("$step"); results+=("FAILED"); secs+=("$((SECONDS - t0))")
    if [ "${KEEP_GOING:-0}" = 1 ]; then failed=1; continue; fi
    summary
    echo "make test: FAILED at step '$step' (exit $rc); later steps not run." >&2
    exit "$rc"
  fi
done
summary
if [ "${failed:-0}" = 1 ]; then echo "make test: some steps FAILED (KEEP_GOING=1)" >&2; exit 1; fi
echo "make test: all ${#names[@]} steps passed"
