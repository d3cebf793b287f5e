#!/usr/bin/env bash
# make demo: the triage playbook against the bundled Mimecast API simulator, start to finish.
#
#   make demo                    (or: bash scripts/demo.sh)
#   DEMO_KEEP_SIM=1 make demo    leave the simulator running afterwards (prints how to use and stop it)
#
# 1. builds .venv if it is missing (make venv) and stages the collection into .build/demo/collections
# 2. starts the simulator on a free loopback port with seeded held messages (DEMO_HELD, DEMO_SEED)
# 3. runs secops.mimecast.triage with docs/rules-examples/demo-rules.yml (JSON report in demo-output/)
# 4. runs secops.mimecast.report into demo-output/ (JSON, HTML, Markdown)
# 5. prints the outcome (released, rejected, kept; the managed senders the rules permitted and blocked)
#    and the simulator's counts
# 6. runs the triage a second time and checks it changed nothing (changed=0)
# 7. checks the demo rules against their cases (secops.mimecast.rules_test, a JUnit file; no API request)
# 8. back-tests the demo rules against the release log: what people released and rejected in the console before
#    the triage ran (the simulator's seeded history, DEMO_HISTORY entries over 45 days, both record shapes mixed),
#    then lists every report
# 9. stops the simulator (a trap does it whatever happens, unless DEMO_KEEP_SIM=1)
#
# The simulator's credentials are its documented demo values; they are read from its env file and
# never printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
OUT="${DEMO_OUTPUT:-$ROOT/demo-output}"
RULES="$ROOT/docs/rules-examples/demo-rules.yml"
CASES="$ROOT/docs/rules-examples/cases/demo-rules.yml"
HELD="${DEMO_HELD:-200}"
HISTORY="${DEMO_HISTORY:-600}"
SEED="${DEMO_SEED:-42}"
KEEP_SIM="${DEMO_KEEP_SIM:-0}"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"

# ---------------------------------------------------------------- 1. tools and the collection
if [ ! -x "$VENV/bin/ansible-playbook" ] || ! compgen -G "$VENV/.installed-*" >/dev/null; then
  step "Building $VENV (make venv)"
  make -s -C "$ROOT" venv
fi
export PATH="$VENV/bin:$PATH"

step "Staging the collection into .build/demo/collections"
STAGED="$("$PY" "$ROOT/.ci/stage.py" --dest "$ROOT/.build/demo/collections" 2>/dev/null)"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.build/demo/collections"
# localhost only: no inventory needed, so no warnings about one
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_RETRY_FILES_ENABLED=false
echo "secops.mimecast staged at ${STAGED#"$ROOT"/}"

# ---------------------------------------------------------------- 2. the simulator
SIM_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mimecast-demo.XXXXXX")"
SIM_PID=""

stop_sim() {
  local rc=$?
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    if [ "$KEEP_SIM" = "1" ] && [ "$rc" -eq 0 ]; then
      printf '\nThe simulator is still running (DEMO_KEEP_SIM=1), PID %s, at %s\n' "$SIM_PID" "${MIMECAST_BASE_URL:-?}"
      printf '  use it:   (. %s/sim.env && ANSIBLE_COLLECTIONS_PATH=%s %s/bin/ansible-playbook -i localhost, secops.mimecast.triage -e @%s --check --diff)\n' \
        "$SIM_DIR" "$ANSIBLE_COLLECTIONS_PATH" "$VENV" "$RULES"
      printf '  stop it:  kill %s && rm -rf %s\n' "$SIM_PID" "$SIM_DIR"
      return
    fi
    kill -TERM "$SIM_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    echo "Simulator stopped."
  fi
  if [ "$rc" -ne 0 ] && [ -s "$SIM_DIR/sim.log" ]; then
    echo "--- simulator output (last lines) ---" >&2
    tail -n 20 "$SIM_DIR/sim.log" >&2 || true
  fi
  rm -rf "$SIM_DIR"
}
trap stop_sim EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Starting the Mimecast API simulator ($HELD held messages, $HISTORY earlier releases and rejections, seed $SEED)"
(
  cd "$STAGED/simulator"
  exec env PYTHONPATH="$STAGED/simulator" "$PY" -m mimecast_sim --port 0 --held "$HELD" --seed "$SEED" \
    --release-history "$HISTORY" --release-history-days 45 --release-log-operator mixed --release-log-address mixed \
    --ready-file "$SIM_DIR/ready" --env-file "$SIM_DIR/sim.env" --log-file "$SIM_DIR/access.log"
) >"$SIM_DIR/sim.log" 2>&1 </dev/null &
SIM_PID=$!

for _ in $(seq 300); do
  [ -s "$SIM_DIR/ready" ] && break
  kill -0 "$SIM_PID" 2>/dev/null || die "the simulator exited before it was ready (its output follows)"
  sleep 0.1
done
[ -s "$SIM_DIR/ready" ] || die "the simulator was not ready after 30 s"

# API 1.0 credentials and the URL, into this shell's environment only (never printed)
# shellcheck disable=SC1091
. "$SIM_DIR/sim.env"
echo "Simulator listening on $MIMECAST_BASE_URL (PID $SIM_PID)"

sim_get() {  # GET a simulator control endpoint, print the JSON
  "$PY" - "$MIMECAST_BASE_URL$1" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as resp:
    sys.stdout.write(resp.read().decode('utf-8'))
EOF
}

counts() {  # one line: what the simulator holds, released and rejected
  sim_get /_sim/state | "$PY" -c '
import json, sys
state = json.load(sys.stdin)
c = state["counts"]
types = [e.get("type") for e in state.get("managed_senders", [])]
print("held %d, released %d, rejected %d; managed senders: permit %d, block %d" % (
    c.get("held", 0), c.get("released", 0), c.get("rejected", 0), types.count("Permit"), types.count("Block")))'
}

echo "Simulator before triage: $(counts)"

# ---------------------------------------------------------------- 3. triage
mkdir -p "$OUT"
rm -f "$OUT"/triage-report.* "$OUT"/triage-rerun-report.* "$OUT"/backtest.* "$OUT"/rules-test.xml
# the back-test (step 8) looks at what people did before this run's triage, not at what the triage does
BEFORE_TRIAGE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
step "Triage: ansible-playbook -i localhost, secops.mimecast.triage -e @${RULES#"$ROOT"/}"
ansible-playbook -i localhost, secops.mimecast.triage -e "@$RULES" -e "mimecast_triage_report=$OUT/triage-report.json"

# ---------------------------------------------------------------- 4. report
step "Held-queue report: ansible-playbook -i localhost, secops.mimecast.report -e mimecast_report_dir=${OUT#"$ROOT"/}"
ansible-playbook -i localhost, secops.mimecast.report -e "mimecast_report_dir=$OUT" >"$SIM_DIR/report.log" 2>&1 || {
  cat "$SIM_DIR/report.log" >&2; die "the report playbook failed"; }
grep -E '^localhost +:' "$SIM_DIR/report.log" || true
"$PY" - "$OUT/held-report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1], encoding='utf-8'))
print('Held now: %d' % report['total'])
log = report.get('recent_releases')
if log and log.get('available'):
    counts = dict((item['name'], item['count']) for item in log['by_status'])
    print('Recent releases and rejections (release log): released %d, rejected %d; operators %d'
          % (counts.get('released', 0), counts.get('rejected', 0), len(log['by_operator'])))
elif log:
    print('Recent releases and rejections: %s' % log.get('warning'))
EOF

# ---------------------------------------------------------------- 5. outcome
step "Outcome"
"$PY" - "$OUT/triage-report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1], encoding='utf-8'))
t = report['totals']
print('Held messages in the window: %d' % t['held'])
print('  released %d, rejected %d, kept %d, failed %d%s' % (
    t['released'], t['rejected'], t['kept'], t['failed'], ' (check mode)' if report.get('check_mode') else ''))
if 'permitted' in t:
    # the rules' sender_policy: the console's "release and permit sender" and "reject and block sender"
    print('  managed senders: permitted %d, blocked %d, not set %d (released and permitted, rejected and blocked)'
          % (t['permitted'], t['blocked'], t.get('sender_failed', 0)))
print('By rule:')
for rule in report.get('rules', []):
    policy = rule.get('sender_policy')
    senders = ' (%s %d sender-recipient pairs)' % ({'permit': 'permitted', 'block': 'blocked'}.get(policy, policy),
                                                   len(rule.get('senders', []))) if policy else ''
    print('  %-45s %-8s %4d%s' % (rule['name'], rule['action'], rule['matched'], senders))
EOF
echo
echo "Simulator after triage: $(counts)"

# ---------------------------------------------------------------- 6. second run
step "Second triage run against the same simulator (must change nothing)"
rerun_rc=0
ansible-playbook -i localhost, secops.mimecast.triage -e "@$RULES" -e "mimecast_triage_report=$OUT/triage-rerun-report.json" \
  >"$SIM_DIR/rerun.log" 2>&1 || rerun_rc=$?
recap="$(grep -E '^localhost +:' "$SIM_DIR/rerun.log" || true)"
if [ "$rerun_rc" -ne 0 ] || [ -z "$recap" ]; then
  cat "$SIM_DIR/rerun.log" >&2
  die "the second triage run failed (rc $rerun_rc)"
fi
echo "$recap"
changed="$(sed -n 's/.*changed=\([0-9]*\).*/\1/p' <<<"$recap")"
if [ "$changed" != "0" ]; then
  cat "$SIM_DIR/rerun.log" >&2
  die "the second triage run changed something (changed=$changed): it should be idempotent"
fi
"$PY" - "$OUT/triage-rerun-report.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1], encoding='utf-8'))['totals']
print('Second run: %d held, released %d, rejected %d, kept %d: changed=0, nothing left to do' % (
    t['held'], t['released'], t['rejected'], t['kept']))
EOF
echo "Simulator after the second run: $(counts)"

# the simulator's own record must match the rules exactly: what they released, what they rejected
sim_get /_sim/state >"$SIM_DIR/state.json"
sim_get /_sim/audit >"$SIM_DIR/audit.json"
"$PY" - "$OUT/triage-report.json" "$SIM_DIR/state.json" "$SIM_DIR/audit.json" <<'EOF' || die "the simulator's final state does not match the rules"
import json, sys
report, state, audit = (json.load(open(p, encoding='utf-8')) for p in sys.argv[1:4])
want = {'release': set(), 'reject': set()}
for rule in report['rules']:
    if rule['action'] in want:
        want[rule['action']].update(rule['ids'])
ids = [a['id'] for a in audit]
problems = []
if set(state['released']) != want['release']:
    problems.append('released %d, the rules released %d' % (len(state['released']), len(want['release'])))
if set(state['rejected']) != want['reject']:
    problems.append('rejected %d, the rules rejected %d' % (len(state['rejected']), len(want['reject'])))
if len(ids) != len(set(ids)):
    problems.append('%d messages were acted on more than once' % (len(ids) - len(set(ids))))
totals = report['totals']
types = [e['type'] for e in state.get('managed_senders', [])]
if 'permitted' in totals and (types.count('Permit'), types.count('Block')) != (totals['permitted'], totals['blocked']):
    problems.append('managed senders permit %d, block %d; the rules permitted %d, blocked %d'
                    % (types.count('Permit'), types.count('Block'), totals['permitted'], totals['blocked']))
if problems:
    sys.exit('simulator state: ' + '; '.join(problems))
print('Simulator state matches the rules exactly: %d released, %d rejected, each once; %d still held; '
      'managed senders: permitted %d, blocked %d.'
      % (len(want['release']), len(want['reject']), len(state['held']), types.count('Permit'), types.count('Block')))
EOF

# ---------------------------------------------------------------- 7. rule cases
step "Rule cases: ansible-playbook secops.mimecast.rules_test -e @${RULES#"$ROOT"/} -e @${CASES#"$ROOT"/}"
ansible-playbook secops.mimecast.rules_test -e "@$RULES" -e "@$CASES" -e "mimecast_rules_test_junit=$OUT/rules-test.xml" \
  >"$SIM_DIR/rules-test.log" 2>&1 || { cat "$SIM_DIR/rules-test.log" >&2; die "the demo rules failed their cases"; }
grep -oE '[0-9]+ rule cases: [0-9]+ passed, [0-9]+ failed' "$SIM_DIR/rules-test.log"

# ---------------------------------------------------------------- 8. back-test
step "Back-test: ansible-playbook secops.mimecast.backtest -e @${RULES#"$ROOT"/} -e mimecast_backtest_end=$BEFORE_TRIAGE"
ansible-playbook secops.mimecast.backtest -e "@$RULES" -e "mimecast_backtest_end=$BEFORE_TRIAGE" \
  -e "mimecast_backtest_report=$OUT/backtest.json"
"$PY" - "$OUT/backtest.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1], encoding='utf-8'))
t = report['totals']
print('The demo rules against the %d releases and rejections people made in the 30 days before the triage:' % t['records'])
print('  agree %d, would release what a person rejected %d, would reject what a person released %d, left to a person %d'
      % (t['agree'], t['release_rejected'], t['reject_released'], t['kept']))
print('  coverage %.1f %%, agreement %.1f %% (the disagreements, the dangerous ones first: backtest.html)'
      % (100 * t['coverage'], 100 * t['agreement']))
EOF

step "Reports"
echo "  triage (JSON):              $OUT/triage-report.json"
echo "  triage review (HTML):       $OUT/triage-report.html"
echo "  triage review (CSV):        $OUT/triage-report.csv"
echo "  second triage run (JSON):   $OUT/triage-rerun-report.json"
echo "  second run review (HTML):   $OUT/triage-rerun-report.html"
echo "  second run review (CSV):    $OUT/triage-rerun-report.csv"
echo "  held queue (JSON):          $OUT/held-report.json"
echo "  held queue (HTML):          $OUT/held-report.html"
echo "  held queue (MD):            $OUT/held-report.md"
echo "  rule cases (JUnit XML):     $OUT/rules-test.xml"
echo "  back-test (JSON):           $OUT/backtest.json"
echo "  back-test (HTML):           $OUT/backtest.html"
echo "  back-test (CSV):            $OUT/backtest.csv"

step "Demo finished"
