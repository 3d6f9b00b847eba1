#!/usr/bin/env bash
# Integration: sipp's built-in uac -> sipedge (DPDK, net_tap) -> sipp's built-in
# uas, in a lab namespace. Every call must succeed with no unexpected message,
# and sipedge's counters must show it proxied every one of them (so a sipp that
# talked to the UAS directly would fail the test).
#
# usage: sip_calls_test.sh SIPEDGE SCRIPTS_DIR WORKERS on|off CALLS RATE [LOSS%]
#   LOSS% > 0 drops that share of the UDP packets sipedge sends into the lab
#   (nftables; this kernel has no netem) so calls must complete by retransmission.
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
workers=${3:?worker count}
record_route=${4:?on or off}
calls=${5:?calls}
rate=${6:?calls per second}
loss=${7:-0}
TEST_NAME="sip_calls_w${workers}_rr${record_route}_l${loss}"
source "$(dirname "$0")/sip_lab.sh"

worker_list=1
[ "$workers" -eq 2 ] && worker_list=1,2
start_sipedge --workers "$worker_list" --record-route "$record_route"
start_uas

if [ "$loss" -gt 0 ]; then
    command -v nft >/dev/null || fail "nft missing (scripts/deps installs nftables)"
    # On the TAP device itself (netdev ingress): a drop there is silent to the
    # sender, like a lossy wire (an OUTPUT-hook drop would fail sendto()). Only
    # what sipedge sends is dropped: every loss is then one that sipedge's own
    # retransmissions (timers A and E, stored responses) or sipp's must repair.
    # Dropping the UAS's answers as well would test sipp: its built-in uas
    # aborts a call when both its 180 and 200 are lost and the INVITE returns.
    in_lab nft -f - <<NFT
table netdev lab_loss {
    chain from_dataplane { type filter hook ingress device "$lab_iface" priority 0; ip protocol udp numgen random mod 100 < $loss counter drop; }
}
NFT
fi

uac_args=()
if [ "$loss" -gt 0 ]; then
    # sipp's built-in uac, with each response tied to its own transaction: on a
    # lossy path a late 200 to the INVITE must not pass for the 200 to the BYE.
    scenario="$lab_dir/uac_per_transaction.xml"
    { sipp -sd uac || true; } | awk '
        /<send retrans="500">/ && !sent { sub(/<send retrans="500">/, "<send retrans=\"500\" start_txn=\"invite\">"); sent = 1; txn = "invite" }
        /<send retrans="500">/ && sent  { sub(/<send retrans="500">/, "<send retrans=\"500\" start_txn=\"bye\">"); txn = "bye" }
        /<send>/ && txn == "invite"     { sub(/<send>/, "<send ack_txn=\"invite\">") }
        /<recv response=/               { sub(/<recv response="[0-9]+"/, "& response_txn=\"" txn "\"") }
        { print }' >"$scenario"
    [ "$(grep -c '_txn=' "$scenario")" -eq 8 ] || fail "could not derive the per-transaction uac scenario"
    uac_args=(-sf "$scenario")
fi
run_uac "$calls" "$rate" "${uac_args[@]}"
dropped_by_lab=0
if [ "$loss" -gt 0 ]; then
    dropped_by_lab=$(in_lab nft list table netdev lab_loss | awk '/packets/ {for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)} END {print s + 0}')
    in_lab nft delete table netdev lab_loss
fi
stop_uas
live_forwarded=$(telemetry_counter proxy_requests_forwarded) || fail "telemetry did not answer"
stop_sipedge

echo "$TEST_NAME: sipp uac: $uac_ok successful, $uac_failed failed, $uac_unexpected unexpected, $uac_retrans retransmissions (exit $uac_exit)"
invites=$(counter sip_req_invite)
forwarded=$(counter proxy_requests_forwarded)
responses=$(counter proxy_responses_forwarded)
acks=$(counter proxy_acks_forwarded)
dispatched=$(counter sip_dispatched_out)
rr_count=$(grep -c "record-route $record_route" "$dp_log" || true)
echo "$TEST_NAME: sipedge: $invites INVITEs in, $forwarded requests and $acks ACKs forwarded, $responses responses forwarded, $dispatched handed between lcores"

[ "$uac_ok" = "$calls" ] || fail "expected $calls successful calls, sipp counted $uac_ok"
[ "$uac_failed" = "0" ] || fail "sipp counted $uac_failed failed calls"
[ "$uac_unexpected" = "0" ] || fail "sipp counted $uac_unexpected unexpected messages"
[ "$uac_exit" -eq 0 ] || fail "sipp UAC exited with $uac_exit"
[ "$rr_count" -ge 1 ] || fail "sipedge did not report record-route $record_route"
# Each call is INVITE + BYE forwarded (>= 2 per call) and ACK for 2xx forwarded.
[ "$invites" -ge "$calls" ] || fail "sipedge saw $invites INVITEs for $calls calls"
[ "$forwarded" -ge $((2 * calls)) ] || fail "sipedge forwarded $forwarded requests for $calls calls"
[ "$live_forwarded" = "$forwarded" ] || fail "telemetry said $live_forwarded requests forwarded, the final printout $forwarded"
if [ "$loss" -eq 0 ]; then
    [ "$acks" -ge "$calls" ] || fail "sipedge forwarded $acks ACKs for $calls calls"
fi
if [ "$workers" -eq 2 ]; then
    [ "$dispatched" -gt 0 ] || fail "two workers but no message was handed to its owning lcore"
fi
if [ "$loss" -gt 0 ]; then
    echo "$TEST_NAME: the lab dropped $dropped_by_lab UDP packets"
    [ "$dropped_by_lab" -gt 0 ] || fail "the loss rule dropped nothing: the test proves nothing"
    [ "$uac_retrans" -gt 0 ] || fail "packets were lost but sipp retransmitted nothing"
    proxy_retrans=$(counter txn_retransmits_sent)
    echo "$TEST_NAME: sipedge retransmitted $proxy_retrans messages, absorbed $(counter txn_retransmits_absorbed)"
    [ "$proxy_retrans" -gt 0 ] || fail "packets were lost but sipedge retransmitted nothing"
fi
echo "$TEST_NAME: PASS"
