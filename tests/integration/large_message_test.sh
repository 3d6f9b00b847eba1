#!/usr/bin/env bash
# Integration: SIP messages larger than the 1500-byte MTU, both ways. sipp's
# built-in uac and uas scenarios get an 1800-byte X-Pad header in the INVITE
# and in the 200 OK (about 2.3 kB each; sipp's ereg sees at most 2048 bytes of
# a header), and each side checks the header arrived whole. The kernel
# fragments what sipp sends; sipedge must reassemble it, proxy it and fragment
# it again towards the other side.
#
# usage: large_message_test.sh SIPEDGE SCRIPTS_DIR
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
TEST_NAME="large_message"
source "$(dirname "$0")/sip_lab.sh"

calls=100
pad=$(printf 'y%.0s' $(seq 1 1800))
check='<action><ereg regexp="y{1800}" search_in="hdr" header="X-Pad:" check_it="true" assign_to="pad"/><assignstr assign_to="pad" value="checked"/></action>'
# $1: built-in scenario, $2: the recv line that gets the check.
derive() {
    { sipp -sd "$1" || true; } | awk -v pad="$pad" -v check="$check" -v at="$2" '
        { print }
        /Content-Type: application\/sdp/ && !padded { sub(/Content-Type.*/, "X-Pad: " pad); print; padded = 1 }
        index($0, at) && !checked { print "    " check; checked = 1 }'
}
derive uas '<recv request="INVITE"' >"$lab_dir/uas_large.xml"
derive uac '<recv response="200" rtd="true">' >"$lab_dir/uac_large.xml"
for s in uas_large uac_large; do
    [ "$(grep -c 'X-Pad: y' "$lab_dir/$s.xml")" -eq 1 ] && [ "$(grep -c 'check_it' "$lab_dir/$s.xml")" -eq 1 ] \
        || fail "could not derive $s.xml from sipp's built-in scenario"
done

start_sipedge --workers 1
start_uas -sf "$lab_dir/uas_large.xml"
run_uac "$calls" 20 -sf "$lab_dir/uac_large.xml"
stop_uas
stop_sipedge

reassembled=$(counter ipv4_reassembled)
fragments_sent=$(counter ipv4_fragments_sent)
copied=$(counter sip_copied_for_parsing)
echo "$TEST_NAME: sipp uac: $uac_ok successful, $uac_failed failed, $uac_unexpected unexpected"
echo "$TEST_NAME: sipedge: $reassembled datagrams reassembled, $fragments_sent fragments sent, $copied messages copied for parsing"
[ "$uac_ok" = "$calls" ] || fail "expected $calls successful calls with large messages, got $uac_ok"
[ "$uac_failed" = "0" ] || fail "$uac_failed calls failed"
# Every INVITE and every 200 OK to it arrived in fragments and left in fragments.
[ "$reassembled" -ge $((2 * calls)) ] || fail "only $reassembled datagrams reassembled for $calls calls"
[ "$fragments_sent" -ge $((2 * 2 * calls)) ] || fail "only $fragments_sent fragments sent for $calls calls"
echo "$TEST_NAME: PASS"
