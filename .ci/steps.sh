#!/usr/bin/env bash
# Run `make STEP` for each STEP in order, stop at the first failure, print a timed summary.
# usage: steps.sh STEP...   (MAKE may name the make binary)
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
    summary
    echo "make test: FAILED at step '$step' (exit $rc); later steps not run." >&2
    exit "$rc"
  fi
done
summary
echo "make test: all ${#names[@]} steps passed"
