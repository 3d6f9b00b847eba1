#!/bin/bash
# RFC 4028 session timers in the lab (issue 8): sipp UAC -> sipedge -> sipp UAS
# with custom scenarios (tests/integration/scenarios/st_*.xml) that check the
# headers at each end with ereg check_it.
#   flow:   sipedge with Min-SE 3600; the seed's flow for one proxy: INVITE SE 90
#           -> 422 Min-SE 3600 -> ACK -> INVITE SE 3600 (reaches the UAS with SE and
#           Min-SE 3600) -> 200 from a UAS without timers gets SE 3600;refresher=uac
#           + Require: timer -> ACK -> UPDATE refresh -> BYE.
#   expiry: sipedge with on_expiry = "bye" and the test-only Min-SE floor; a call
#           with SE 6 s that is never refreshed gets BYE with Reason at both ends.
# Usage: session_timer_test.sh SIPEDGE SCRIPTS_DIR flow|expiry
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
mode=${3:?flow or expiry}
TEST_NAME="st_$mode"
source "$(dirname "$0")/sip_lab.sh"
scenarios="$(cd "$(dirname "$0")" && pwd)/scenarios"

config="$lab_dir/sipedge.toml"
if [ "$mode" = flow ]; then
    printf '[session_timers]\nmin_se = 3600\n' >"$config"
else
    # test_min_se_floor is for tests only: production keeps the RFC's 90 s floor.
    printf '[session_timers]\ntest_min_se_floor = 2\nmin_se = 2\nsession_expires = 6\non_expiry = "bye"\n' >"$config"
fi
start_sipedge --config "$config" --workers 1 --record-route on
start_uas -sf "$scenarios/st_${mode}_uas.xml" -m 1 -trace_stat -stf "$lab_dir/uas_stat.csv" -fd 1
run_uac 1 1 -sf "$scenarios/st_${mode}_uac.xml"
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

echo "$TEST_NAME: sipp uac: $uac_ok successful, $uac_failed failed, $uac_unexpected unexpected (exit $uac_exit)"
[ "$uac_ok" = "1" ] || fail "the UAC scenario did not complete (header checks or flow)"
[ "$uac_exit" -eq 0 ] || fail "sipp UAC exited with $uac_exit"
[ "$uas_left" -eq 0 ] || fail "the UAS scenario did not end"
[ "$uas_ok" = "1" ] || fail "the UAS scenario did not complete (header checks or flow): $uas_ok"
[ ! -s "$lab_dir/uas_errors.log" ] || fail "sipp UAS reported errors"

created=$(counter st_dialogs_created)
echo "$TEST_NAME: sipedge: 422 sent $(counter st_422_sent), SE inserted in 2xx $(counter st_response_se_inserted), dialogs created $created refreshed $(counter st_dialogs_refreshed) ended $(counter st_dialogs_ended) expired $(counter st_dialogs_expired), BYEs sent $(counter st_byes_sent)"
[ "$created" -eq 1 ] || fail "expected 1 timed dialog, sipedge created $created"
if [ "$mode" = flow ]; then
    [ "$(counter st_422_sent)" -eq 1 ] || fail "expected one 422"
    [ "$(counter st_response_se_inserted)" -eq 1 ] || fail "expected Session-Expires inserted into the 2xx"
    [ "$(counter st_dialogs_refreshed)" -ge 1 ] || fail "the UPDATE did not refresh the dialog"
    [ "$(counter st_dialogs_ended)" -eq 1 ] || fail "the BYE did not end the dialog"
    [ "$(counter st_dialogs_expired)" -eq 0 ] || fail "a dialog expired in the flow"
else
    [ "$(counter st_dialogs_expired)" -eq 1 ] || fail "the dialog did not expire"
    [ "$(counter st_byes_sent)" -eq 2 ] || fail "expected a BYE to each end"
fi
echo "$TEST_NAME: ok"
