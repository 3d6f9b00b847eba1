# Shared by the SIP integration tests (sourced, not run): a fresh lab namespace
# with sipedge on net_tap and sipp peers on the kernel side, counters read from
# sipedge's final printout, and a teardown that leaves nothing behind.
#
# Addresses: sipedge 198.51.100.1:5060, UAC 198.51.100.2:5061, UAS 198.51.100.3:5060.
# Callers set: sipedge, scripts (paths) and TEST_NAME before sourcing, and may set
# DP_PREFIX ("/24") for sipedge's subnet on the lab port (default: all on-link).

if [ "$(id -u)" -ne 0 ]; then
    echo "$TEST_NAME: needs root (namespaces, TAP); skipped"
    exit 77
fi
command -v sipp >/dev/null || { echo "$TEST_NAME: sipp missing (scripts/deps installs sip-tester)"; exit 1; }

export LAB_NS="se-${TEST_NAME:0:8}-$$"
lab_iface="dt$$"
lab_iface=${lab_iface:0:15}
lab_dir=$(mktemp -d)
dp_log="$lab_dir/sipedge.log"
dp_pid=""
DP_IP=198.51.100.1
UAC_IP=198.51.100.2
UAS_IP=198.51.100.3

lab_cleanup() {
    [ -n "$dp_pid" ] && kill -TERM "$dp_pid" 2>/dev/null || true
    "$scripts/lab" down >/dev/null 2>&1 || true
    rm -rf "/var/run/dpdk/$LAB_NS" # DPDK's runtime directory (telemetry socket) of this run
    if [ -n "${KEEP_LAB_DIR:-}" ]; then echo "$TEST_NAME: logs kept in $lab_dir"; else rm -rf "$lab_dir"; fi
}
trap lab_cleanup EXIT

fail() {
    echo "$TEST_NAME: FAIL: $*"
    echo "---- sipedge output (tail) ----"
    tail -80 "$dp_log" 2>/dev/null || true
    for f in "$lab_dir"/*errors.log "$lab_dir"/*.out; do
        [ -f "$f" ] || continue
        echo "---- $(basename "$f") (tail) ----"
        tail -25 "$f"
    done
    exit 1
}

# start_sipedge ARGS...: starts sipedge in the lab and waits until it runs.
start_sipedge() {
    "$scripts/lab" up >/dev/null
    "$scripts/lab" exec "$sipedge" --instance "$LAB_NS" --port "net_tap0,iface=$lab_iface" --ip "$DP_IP${DP_PREFIX:-}" "$@" \
        >"$dp_log" 2>&1 &
    dp_pid=$!
    "$scripts/lab" attach "$lab_iface" >/dev/null
    if [ -n "${LAB_CAPTURE:-}" ]; then
        in_lab tcpdump -i "$lab_iface" -w "$lab_dir/capture.pcap" -s 0 udp >/dev/null 2>&1 &
    fi
    local waited=0
    until grep -q "sipedge: running" "$dp_log"; do
        kill -0 "$dp_pid" 2>/dev/null || fail "sipedge exited during start-up"
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt 300 ] || fail "sipedge did not start within 30 s"
    done
}

# stop_sipedge: SIGTERM, expects exit 0 and the final counters in the log.
stop_sipedge() {
    kill -TERM "$dp_pid"
    local rc=0
    wait "$dp_pid" || rc=$?
    dp_pid=""
    [ "$rc" -eq 0 ] || fail "sipedge exited with status $rc on SIGTERM"
}

# counter NAME: the total of a counter from sipedge's final printout (0 if absent).
counter() {
    sed -n '/final counters/,$p' "$dp_log" | awk -v n="$1" '$1 == n {v = $NF} END {print v + 0}'
}

in_lab() { ip netns exec "$LAB_NS" "$@"; }

# telemetry_counter NAME: a counter's total read live through DPDK telemetry.
telemetry_counter() {
    python3 - "/var/run/dpdk/$LAB_NS/dpdk_telemetry.v2" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
json.loads(s.recv(16384))
s.send(b"/sipedge/counters")
print(json.loads(s.recv(65536))["/sipedge/counters"][sys.argv[2]])
PY
}

# start_uas [SCENARIO-ARGS...]: a sipp UAS at UAS_IP:5060 in the background.
start_uas() {
    [ "$#" -gt 0 ] || set -- -sn uas
    # sipp -bg exits 99 once the background copy runs.
    local rc=0
    (cd "$lab_dir" && in_lab timeout 600 sipp -i "$UAS_IP" -p 5060 -bg -nostdin \
        -trace_err -error_file "$lab_dir/uas_errors.log" "$@" >"$lab_dir/uas.out" 2>&1) || rc=$?
    [ "$rc" -eq 99 ] || fail "sipp UAS did not start (exit $rc)"
}

# run_uac CALLS RATE [EXTRA-SIPP-ARGS...]: calls to the UAS through sipedge;
# sets uac_ok, uac_failed, uac_unexpected, uac_retrans from sipp's statistics.
run_uac() {
    local calls=$1 rate=$2
    shift 2
    local stat="$lab_dir/uac_stat.csv"
    local rc=0
    (cd "$lab_dir" && in_lab timeout 600 sipp "$UAS_IP:5060" -rsa "$DP_IP:5060" -i "$UAC_IP" \
        -p 5061 -m "$calls" -r "$rate" -nostdin -timeout 300 -timeout_error \
        -trace_stat -stf "$stat" -fd 1 -trace_err -error_file "$lab_dir/uac_errors.log" \
        "$@" >"$lab_dir/uac.out" 2>&1) || rc=$?
    [ -s "$stat" ] || fail "sipp UAC wrote no statistics (exit $rc)"
    stat_field() {
        awk -F';' -v n="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == n) c = i}
                             END {print (c ? $c : "missing")}' "$stat"
    }
    uac_ok=$(stat_field "SuccessfulCall(C)")
    uac_failed=$(stat_field "FailedCall(C)")
    uac_unexpected=$(stat_field "FailedUnexpectedMessage(C)")
    uac_retrans=$(stat_field "Retransmissions(C)")
    uac_exit=$rc
}

stop_uas() {
    in_lab pkill -TERM -f "sipp -i $UAS_IP" 2>/dev/null || true
}
