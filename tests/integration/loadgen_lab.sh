# Sourced by the loadgen lab tests (loadgen_test.sh, loadgen_register_test.sh,
# loadgen_tap_kamailio_test.sh).
# The caller sets TEST_NAME and dir (its temporary folder, where the logs and
# the loadgen's JSON report, loadgen.json, are written).

# fail WHY: prints WHY and the tail of every log, exits 1.
fail() {
    echo "$TEST_NAME: FAIL: $*"
    for f in "$dir"/*.log "$dir"/*.err "$dir"/*.json; do
        [ -f "$f" ] || continue
        echo "---- $(basename "$f") (tail) ----"
        tail -30 "$f"
    done
    exit 1
}

# field NAME[.NAME]: a value of the loadgen's final JSON report.
field() {
    python3 - "$dir/loadgen.json" "$1" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
final = [r for r in final if r.get("type") == "final"]
value = final[-1] if final else "missing"
for key in sys.argv[2].split("."):
    value = value.get(key, "missing") if isinstance(value, dict) else "missing"
print(value)
PY
}

# wait_for_output PATTERN FILE PID [TENTHS]: returns once PATTERN (grep) is in
# FILE, or PID has exited, or TENTHS tenths of a second have passed (default
# 2400); the caller checks which.
wait_for_output() {
    local pattern=$1 file=$2 pid=$3 limit=${4:-2400} waited=0
    until grep -q "$pattern" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt "$limit" ] || return 0
    done
}

# require_running LOG PID: fails unless "sipedge: running" is in LOG (after
# wait_for_output), saying whether sipedge exited (and with which status) or is
# still starting. Clears dp_pid when it has exited.
require_running() {
    local log=$1 pid=$2 rc=0
    grep -q "sipedge: running" "$log" && return 0
    kill -0 "$pid" 2>/dev/null && fail "sipedge did not start (within 30 s)"
    wait "$pid" || rc=$?
    dp_pid=""
    fail "sipedge exited with status $rc before it was running"
}

# check_calls MIN_RESPONSES_PER_CALL: the final report shows every one of $calls
# calls done, the loadgen having exited with $lg_rc.
check_calls() {
    local per_call=$1
    [ "$(field type)" = "final" ] || fail "no final report from the loadgen (exit $lg_rc)"
    echo "$TEST_NAME: loadgen: $(field calls_succeeded)/$(field calls_attempted) calls," \
        "$(field calls_failed) failed, $(field msgs_sent) sent, $(field msgs_received) received," \
        "$(field retrans_sent) retransmissions, $(field unexpected) unexpected," \
        "setup latency p99 $(field setup_latency_ms.p99) ms"
    [ "$lg_rc" -eq 0 ] || fail "loadgen exited with $lg_rc (verdict: $(field verdict))"
    [ "$(field calls_attempted)" = "$calls" ] || fail "attempted $(field calls_attempted) calls, not $calls"
    [ "$(field calls_succeeded)" = "$calls" ] || fail "$(field calls_succeeded) of $calls calls succeeded"
    [ "$(field calls_failed)" = "0" ] || fail "$(field calls_failed) calls failed"
    [ "$(field unexpected)" = "0" ] || fail "$(field unexpected) unexpected messages"
    [ "$(field parse_errors)" = "0" ] || fail "$(field parse_errors) datagrams did not parse"
    [ "$(field uas_answered)" = "$calls" ] || fail "the UAS answered $(field uas_answered) INVITEs for $calls calls"
    [ "$(field uas_ended)" = "$calls" ] || fail "the UAS ended $(field uas_ended) calls of $calls"
    # INVITE, ACK, BYE out of the UAC; 180, 200, 200 out of the UAS; at least.
    [ "$(field requests_sent)" -ge $((3 * calls)) ] || fail "only $(field requests_sent) requests sent"
    [ "$(field responses_received)" -ge $((per_call * calls)) ] ||
        fail "only $(field responses_received) responses received for $calls calls"
    [ "$(field verdict)" = "pass" ] || fail "verdict: $(field verdict)"
}
