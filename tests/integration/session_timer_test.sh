#!/bin/bash
# RFC 4028 session timers in the lab (issue 8): sipp UAC -> sipedge -> sipp UAS
# with custom scenarios (tests/integration/scenarios/st_*.xml) that check the
# headers at each end with ereg check_it.
#   flow:   sipedge with Min-SE 3600; the seed's flow for one proxy: INVITE SE 90
#           -> 422 Min-SE 3600 -> ACK -> INVITE SE 3600 (reaches the UAS with SE and
#           Min-SE 3600) -> 200 from a UAS without timers gets SE 3600;refresher=uac
#           + Require: timer -> ACK -> UPDATE refresh -> BYE.
#   flow2:  the seed's flow with two sipedges: P1 (Min-SE 3600, 198.51.100.1) routes
#           biloxi.example.com to P2 (Min-SE 4000, 203.0.113.1, on a second TAP in
#           the same namespace; the kernel forwards between the two links) in front
#           of the UAS at 203.0.113.3: 422 from P1, then 422 Min-SE 4000 from P2,
#           then SE 4000 end to end; P2 inserts refresher=uac, both proxies time the
#           dialog, the UPDATE refreshes both, the BYE ends both.
#   expiry: sipedge with on_expiry = "bye" and the test-only Min-SE floor; a call
#           with SE 6 s that is never refreshed gets BYE with Reason at both ends;
#           while it lives, `sipedgectl dialogs` lists it with its interval,
#           refresher and time left.
# Usage: session_timer_test.sh SIPEDGE SCRIPTS_DIR flow|flow2|expiry [SIPEDGECTL]
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
mode=${3:?flow or expiry}
sipedgectl=${4:-}
TEST_NAME="st_$mode"
source "$(dirname "$0")/sip_lab.sh"
scenarios="$(cd "$(dirname "$0")" && pwd)/scenarios"

config="$lab_dir/sipedge.toml"
p2_pid=""
p2_log="$lab_dir/sipedge2.log"
if [ "$mode" = flow ]; then
    printf '[session_timers]\nmin_se = 3600\n' >"$config"
elif [ "$mode" = flow2 ]; then
    printf '[session_timers]\nmin_se = 3600\n[[route]]\ndomain = "biloxi.example.com"\nnext_hop = "203.0.113.1:5060"\n' >"$config"
    printf '[session_timers]\nmin_se = 4000\n[[host]]\nname = "biloxi.example.com"\naddress = "203.0.113.3:5060"\n' >"$lab_dir/sipedge2.toml"
    export LAB_PEER_IPS=198.51.100.2 # the UAC only; the UAS is on P2's link
    UAS_IP=203.0.113.3
else
    # test_min_se_floor is for tests only: production keeps the RFC's 90 s floor.
    printf '[session_timers]\ntest_min_se_floor = 2\nmin_se = 2\nsession_expires = 6\non_expiry = "bye"\n' >"$config"
fi
start_sipedge --config "$config" --workers 1 --record-route on
if [ "$mode" = flow2 ]; then
    p2_iface="${lab_iface:0:13}p2"
    "$scripts/lab" exec "$sipedge" --instance "${LAB_NS}-p2" --port "net_tap0,iface=$p2_iface" \
        --ip 203.0.113.1 --config "$lab_dir/sipedge2.toml" --workers 1 --record-route on \
        >"$p2_log" 2>&1 &
    p2_pid=$!
    trap '[ -n "$p2_pid" ] && kill -TERM "$p2_pid" 2>/dev/null; lab_cleanup' EXIT
    LAB_PEER_IPS=203.0.113.3 "$scripts/lab" attach "$p2_iface" >/dev/null
    until grep -q "sipedge: running" "$p2_log"; do
        kill -0 "$p2_pid" 2>/dev/null || fail "the second sipedge exited during start-up"
        sleep 0.1
    done
    # The kernel joins the two links: proxy ARP answers each dataplane for the
    # other's subnet and forwards between the TAPs.
    in_lab sysctl -qw net.ipv4.ip_forward=1
    for i in "$lab_iface" "$p2_iface"; do
        in_lab sysctl -qw "net.ipv4.conf.$i.proxy_arp=1" "net.ipv4.conf.$i.rp_filter=0"
    done
fi
start_uas -sf "$scenarios/st_${mode}_uas.xml" -m 1 -trace_stat -stf "$lab_dir/uas_stat.csv" -fd 1
ctl_pid=""
if [ "$mode" = expiry ] && [ -n "$sipedgectl" ]; then
    # Mid-call (the 2xx comes at once; the lcore publishes its summary each second).
    (sleep 3; "$sipedgectl" --instance "$LAB_NS" --json dialogs >"$lab_dir/dialogs.json" 2>&1) &
    ctl_pid=$!
fi
run_uac 1 1 -sf "$scenarios/st_${mode}_uac.xml"
if [ -n "$ctl_pid" ]; then
    wait "$ctl_pid" || fail "sipedgectl dialogs failed: $(cat "$lab_dir/dialogs.json")"
fi
# The UAS scenario ends with its last message; give it a moment, then check it.
for _ in $(seq 1 50); do
    in_lab pgrep -f "sipp -i $UAS_IP" >/dev/null || break
    sleep 0.1
done
uas_left=$(in_lab pgrep -f "sipp -i $UAS_IP" | wc -l || true)
stop_uas
uas_ok=$(awk -F';' 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i}
                    END {print (c ? $c : "missing")}' "$lab_dir/uas_stat.csv" 2>/dev/null || echo missing)
stop_sipedge
if [ -n "$p2_pid" ]; then
    kill -TERM "$p2_pid"
    wait "$p2_pid" || fail "the second sipedge exited with an error"
    p2_pid=""
fi

echo "$TEST_NAME: sipp uac: $uac_ok successful, $uac_failed failed, $uac_unexpected unexpected (exit $uac_exit)"
[ "$uac_ok" = "1" ] || fail "the UAC scenario did not complete (header checks or flow)"
[ "$uac_exit" -eq 0 ] || fail "sipp UAC exited with $uac_exit"
[ "$uas_left" -eq 0 ] || fail "the UAS scenario did not end"
[ "$uas_ok" = "1" ] || fail "the UAS scenario did not complete (header checks or flow): $uas_ok"
# sipp also logs its own overload (watchdog) warnings there: those are the machine's.
uas_errors=$(grep -v -e "^The following events occurred" -e "Overload warning" "$lab_dir/uas_errors.log" 2>/dev/null | grep -c . || true)
[ "$uas_errors" -eq 0 ] || fail "sipp UAS reported errors"

created=$(counter st_dialogs_created)
echo "$TEST_NAME: sipedge: 422 sent $(counter st_422_sent), SE inserted in 2xx $(counter st_response_se_inserted), dialogs created $created refreshed $(counter st_dialogs_refreshed) ended $(counter st_dialogs_ended) expired $(counter st_dialogs_expired), BYEs sent $(counter st_byes_sent)"
[ "$created" -eq 1 ] || fail "expected 1 timed dialog, sipedge created $created"
# counter2 NAME: as counter, for the second sipedge.
counter2() {
    sed -n '/final counters/,$p' "$p2_log" | awk -v n="$1" '$1 == n {v = $NF} END {print v + 0}'
}
if [ "$mode" = flow2 ]; then
    echo "$TEST_NAME: P2: 422 sent $(counter2 st_422_sent), SE inserted in 2xx $(counter2 st_response_se_inserted), dialogs created $(counter2 st_dialogs_created) refreshed $(counter2 st_dialogs_refreshed) ended $(counter2 st_dialogs_ended)"
    [ "$(counter st_422_sent)" -eq 1 ] || fail "P1 should answer the SE 90 INVITE only"
    [ "$(counter2 st_422_sent)" -eq 1 ] || fail "P2 should answer the SE 3600 INVITE"
    [ "$(counter st_response_se_inserted)" -eq 0 ] || fail "P1 found SE in the 2xx: it must not insert"
    [ "$(counter2 st_response_se_inserted)" -eq 1 ] || fail "P2 should insert SE into the 2xx"
    for c in counter counter2; do
        [ "$($c st_dialogs_created)" -eq 1 ] || fail "$c: no timed dialog"
        [ "$($c st_dialogs_refreshed)" -ge 1 ] || fail "$c: the UPDATE did not refresh"
        [ "$($c st_dialogs_ended)" -eq 1 ] || fail "$c: the BYE did not end the dialog"
    done
elif [ "$mode" = flow ]; then
    [ "$(counter st_422_sent)" -eq 1 ] || fail "expected one 422"
    [ "$(counter st_response_se_inserted)" -eq 1 ] || fail "expected Session-Expires inserted into the 2xx"
    [ "$(counter st_dialogs_refreshed)" -ge 1 ] || fail "the UPDATE did not refresh the dialog"
    [ "$(counter st_dialogs_ended)" -eq 1 ] || fail "the BYE did not end the dialog"
    [ "$(counter st_dialogs_expired)" -eq 0 ] || fail "a dialog expired in the flow"
else
    [ "$(counter st_dialogs_expired)" -eq 1 ] || fail "the dialog did not expire"
    [ "$(counter st_byes_sent)" -eq 2 ] || fail "expected a BYE to each end"
    if [ -n "$sipedgectl" ]; then
        echo "$TEST_NAME: sipedgectl dialogs mid-call: $(tr -d '\n ' <"$lab_dir/dialogs.json")"
        python3 - "$lab_dir/dialogs.json" <<'PY' || fail "sipedgectl dialogs did not show the live dialog"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["total"] == 1, doc
g = [s for l in doc["lcores"] for s in l["sample"]]
assert len(g) == 1 and g[0]["interval_s"] == 6, g
assert 0 < g[0]["seconds_left"] <= 6, g
assert g[0]["call_id"], g
PY
    fi
fi
echo "$TEST_NAME: ok"
