#!/usr/bin/env bash
# Integration: one sipedge with two ports. Port 0 (198.51.100.1/24) faces the
# UAC in the lab namespace; port 1 (203.0.113.1/25, gateway 203.0.113.126)
# is moved into a second namespace where the UAS lives at 203.0.113.200, off
# port 1's subnet, so sipedge must pick port 1 by its gateway and send to the
# gateway's MAC. The UAS answers the proxy's Via address (198.51.100.1) through
# port 1, which sipedge accepts as one of its own (weak host). Calls must all
# complete, and each port's device counters must show its share of the work.
#
# usage: multi_port_test.sh SIPEDGE SCRIPTS_DIR [CALLS] [RATE]
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
calls=${3:-200}
rate=${4:-50}
TEST_NAME="multi_port"
DP_PREFIX=/24
source "$(dirname "$0")/sip_lab.sh"

core_ns="se-core-$$"
core_iface="dc$$"
core_iface=${core_iface:0:15}
CORE_DP_IP=203.0.113.1
CORE_GW_IP=203.0.113.126
FAR_UAS_IP=203.0.113.200
multi_cleanup() {
    lab_cleanup
    if ip netns list | grep -qw "$core_ns"; then
        pids=$(ip netns pids "$core_ns" 2>/dev/null || true)
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
        ip netns del "$core_ns"
    fi
}
trap multi_cleanup EXIT
in_core() { ip netns exec "$core_ns" "$@"; }

ip netns add "$core_ns"
in_core ip link set lo up
start_sipedge --workers 1 --port "net_tap1,iface=$core_iface" --ip "$CORE_DP_IP/25" \
    --gateway 0.0.0.0 --gateway "$CORE_GW_IP"
grep -q "ip $CORE_DP_IP/25:5060" "$dp_log" || fail "sipedge did not open the second port"

# The second port's kernel side goes to the core namespace: the gateway address
# on the port's subnet, the UAS address behind it, and a route back to the
# access side through sipedge.
in_lab ip link set "$core_iface" netns "$core_ns"
# The UAS address sits on lo and the port answers ARP only for its own address
# (arp_ignore=1): an ARP for the UAS itself would go unanswered, so the calls
# complete only if sipedge sends through the gateway.
in_core sysctl -qw "net.ipv6.conf.$core_iface.disable_ipv6=1"
in_core sysctl -qw "net.ipv4.conf.$core_iface.arp_ignore=1"
in_core ip addr add "$CORE_GW_IP/25" dev "$core_iface"
in_core ip addr add "$FAR_UAS_IP/32" dev lo
in_core ip link set "$core_iface" up
in_core ip route add 198.51.100.0/24 via "$CORE_DP_IP" dev "$core_iface" src "$FAR_UAS_IP"

# ICMP on both ports; the access address answered from the core side too.
in_core ping -c 2 -W 2 -I "$FAR_UAS_IP" "$CORE_DP_IP" >/dev/null || fail "no ping answer from port 1's address"
in_core ping -c 2 -W 2 -I "$FAR_UAS_IP" "$DP_IP" >/dev/null || fail "no ping answer to the access address through port 1"
in_lab ping -c 2 -W 2 "$DP_IP" >/dev/null || fail "no ping answer on port 0"

rc=0
(cd "$lab_dir" && in_core timeout 300 sipp -i "$FAR_UAS_IP" -p 5060 -bg -nostdin -sn uas \
    -trace_err -error_file "$lab_dir/uas_errors.log" >"$lab_dir/uas.out" 2>&1) || rc=$?
[ "$rc" -eq 99 ] || fail "sipp UAS did not start in the core namespace (exit $rc)"
UAS_IP=$FAR_UAS_IP run_uac "$calls" "$rate"
in_core pkill -TERM -f "sipp -i $FAR_UAS_IP" 2>/dev/null || true
stop_sipedge

echo "$TEST_NAME: sipp uac: $uac_ok successful, $uac_failed failed, $uac_unexpected unexpected"
[ "$uac_ok" = "$calls" ] || fail "expected $calls successful calls, sipp counted $uac_ok"
[ "$uac_failed" = "0" ] || fail "sipp counted $uac_failed failed calls"
[ "$uac_unexpected" = "0" ] || fail "sipp counted $uac_unexpected unexpected messages"

port_field() { # PORT-RANK FIELD: from sipedge's per-port totals at exit
    awk -v p="port $1 " -v f="$2" 'index($0, p) == 1 {for (i = 1; i < NF; i++) if ($i == f) v = $(i + 1)} END {print v + 0}' "$dp_log"
}
for p in 0 1; do
    echo "$TEST_NAME: port $p: rx $(port_field $p rx_packets) tx $(port_field $p tx_packets)"
done
# Per call: INVITE, ACK and BYE come in on port 0 and leave by port 1; 100/180/
# 200 and the 200 to BYE come back in on port 1 and leave by port 0.
[ "$(port_field 1 tx_packets)" -ge $((3 * calls)) ] || fail "port 1 sent $(port_field 1 tx_packets) packets for $calls calls"
[ "$(port_field 1 rx_packets)" -ge $((3 * calls)) ] || fail "port 1 received $(port_field 1 rx_packets) packets for $calls calls"
[ "$(port_field 0 tx_packets)" -ge $((3 * calls)) ] || fail "port 0 sent $(port_field 0 tx_packets) packets for $calls calls"
[ "$(port_field 0 rx_packets)" -ge $((3 * calls)) ] || fail "port 0 received $(port_field 0 rx_packets) packets for $calls calls"
[ "$(counter drop_ipv4_not_for_us)" -eq 0 ] || fail "sipedge dropped $(counter drop_ipv4_not_for_us) packets as not for us"
echo "$TEST_NAME: PASS"
