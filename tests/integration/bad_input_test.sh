#!/usr/bin/env bash
# Integration: while sipp calls run through sipedge, a script sends it malformed
# SIP, binary junk to the SIP port, truncated UDP, bad UDP checksums, fragments
# in reverse order, an oversized datagram and a fragment whose partner never
# comes. Each must end in a counted drop or a SIP answer, the out-of-order
# fragments must be reassembled and answered, and every call must still succeed.
#
# usage: bad_input_test.sh SIPEDGE SCRIPTS_DIR
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
TEST_NAME="bad_input"
source "$(dirname "$0")/sip_lab.sh"
command -v python3 >/dev/null || fail "python3 missing (scripts/deps installs it)"

start_sipedge --workers 1,2
start_uas
run_uac 600 100 &
uac_job=$!
sleep 1
in_lab python3 "$(dirname "$0")/bad_traffic.py" "$DP_IP" "$UAC_IP" >"$lab_dir/bad.out" 2>&1 \
    || fail "bad_traffic.py failed: $(cat "$lab_dir/bad.out")"
wait "$uac_job" || true
# run_uac ran in a subshell: read its results again from the statistics file.
run_uac_results() {
    awk -F';' -v n="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == n) c = i}
                         END {print (c ? $c : "missing")}' "$lab_dir/uac_stat.csv"
}
ok=$(run_uac_results "SuccessfulCall(C)")
failed=$(run_uac_results "FailedCall(C)")
stop_uas
stop_sipedge

cat "$lab_dir/bad.out"
reply() { awk -v c="$1" '$1 == "CASE" && $2 == c {print $4}' "$lab_dir/bad.out"; }
echo "$TEST_NAME: calls alongside: $ok successful, $failed failed"
for c in udp_sip_datagrams drop_sip_unparsable proxy_local_responses drop_udp_bad_length \
         drop_udp_bad_checksum ipv4_reassembled drop_ipv4_fragment_expired; do
    echo "$TEST_NAME: $c = $(counter "$c")"
done

[ "$ok" = "600" ] || fail "expected 600 successful calls alongside the bad traffic, got $ok"
[ "$failed" = "0" ] || fail "$failed calls failed alongside the bad traffic"
[ "$(counter drop_udp_bad_length)" -ge 1 ] || fail "truncated UDP was not counted"
[ "$(counter drop_udp_bad_checksum)" -ge 1 ] || fail "bad UDP checksum was not counted"
# Garbage and binary are unparsable (counted); the broken CSeq is either
# answered 400 or counted unparsable.
unparsable=$(counter drop_sip_unparsable)
broken=$(reply broken_cseq)
if [ "$broken" = "400" ]; then
    [ "$unparsable" -ge 2 ] || fail "garbage and binary to the SIP port: $unparsable counted"
else
    [ "$broken" = "none" ] || fail "broken CSeq got '$broken' (expected 400 or a counted drop)"
    [ "$unparsable" -ge 3 ] || fail "garbage, binary and broken CSeq: $unparsable counted"
fi
[ "$(reply garbage_start_line)" = "none" ] || fail "a non-SIP start line got an answer"
[ "$(reply truncated_udp)" = "none" ] || fail "truncated UDP got an answer"
[ "$(reply bad_udp_checksum)" = "none" ] || fail "a bad checksum got an answer"
[ "$(reply fragments_reversed)" != "none" ] || fail "reversed fragments were not reassembled and answered"
[ "$(counter ipv4_reassembled)" -ge 1 ] || fail "no datagram counted as reassembled"
[ "$(reply oversized_30000)" = "none" ] || fail "the oversized datagram got an answer"
[ "$(counter drop_ipv4_fragment_expired)" -ge 1 ] || fail "oversized or lonely fragments were not counted"
[ "$(reply good_after_bad)" != "none" ] || fail "a good request after the bad ones got no answer"
echo "$TEST_NAME: PASS"
