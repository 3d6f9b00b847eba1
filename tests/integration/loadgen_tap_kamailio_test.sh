#!/usr/bin/env bash
# Integration: sipedge-loadgen on a net_tap port against a kernel-stack proxy
# (issue 9): Kamailio (Debian's package, stateful t_relay with record_route, one
# UDP worker) in a network namespace of this test's own on 203.0.113.1, the
# loadgen playing UAC 203.0.113.2 and UAS 203.0.113.3 through the tap. Every
# call must succeed with no unexpected message and Kamailio must have relayed
# them (its UAS answered every INVITE). And the loadgen must not ask the kernel
# for a signal per frame on its tap (O_ASYNC on /dev/net/tun): DPDK's net_tap
# does unless every real-time signal is taken, and the signals are raised in the
# sender's context, which cost Kamailio 30 % of its CPU (scripts/bench).
#
# usage: loadgen_tap_kamailio_test.sh LOADGEN [CALLS [RATE]]
set -euo pipefail
source "$(dirname "$0")/loadgen_lab.sh"
loadgen=${1:?sipedge-loadgen binary}
calls=${2:-2000}
rate=${3:-500}
TEST_NAME="loadgen_tap_kamailio"

if [ "$(id -u)" -ne 0 ]; then
    echo "$TEST_NAME: needs root (DPDK devices, namespaces); skipped"
    exit 77
fi
[ -x "$loadgen" ] || { echo "$TEST_NAME: FAIL: $loadgen is not built"; exit 1; }
command -v kamailio >/dev/null || { echo "$TEST_NAME: FAIL: kamailio is not installed (scripts/deps)"; exit 1; }

dir=$(mktemp -d)
ns="lgkam-$$"
tap="lgkam$$"
kam_pid=""
cleanup() {
    if [ -n "$kam_pid" ]; then
        kill -TERM "$kam_pid" 2>/dev/null || true
        wait "$kam_pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "$TEST_NAME: logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

cat >"$dir/kamailio.cfg" <<'CFG'
#!KAMAILIO
debug=0
log_stderror=yes
children=1
auto_aliases=no
dns=no
rev_dns=no
disable_tcp=yes
listen=udp:203.0.113.1:5060
loadpath "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "siputils.so"
loadmodule "textops.so"
request_route {
    if (has_totag()) {
        loose_route();
        if (is_method("ACK") && !t_check_trans()) {
            forward();
            exit;
        }
        t_relay();
        exit;
    }
    record_route();
    if (!t_relay()) {
        sl_reply_error();
    }
}
CFG

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
# Kamailio binds the tap's address before the loadgen creates the tap.
ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1
ip netns exec "$ns" kamailio -f "$dir/kamailio.cfg" -DD -E -m 64 -M 8 -x fm -X fm \
    >"$dir/kamailio.log" 2>&1 &
kam_pid=$!
for _ in $(seq 1 100); do
    ip netns exec "$ns" ss -Hlun 'sport = :5060' | grep -q 203.0.113.1 && break
    kill -0 "$kam_pid" 2>/dev/null || fail "kamailio exited at start"
    sleep 0.1
done
ip netns exec "$ns" ss -Hlun 'sport = :5060' | grep -q 203.0.113.1 || fail "kamailio did not start"

ip netns exec "$ns" timeout 240 "$loadgen" --hugepages no --json --instance "lgkam-gen-$$" \
    --port "net_tap0,iface=$tap" --proxy 203.0.113.1 --uac 203.0.113.2 --uas 203.0.113.3 \
    --rate "$rate" --calls "$calls" --main-lcore 0 --lcore 1 --link-timeout 20 \
    >"$dir/loadgen.json" 2>"$dir/loadgen.err" &
lg_pid=$!
# The tap appears once the loadgen's port starts: give the kernel side its
# address (the loadgen asks ARP for the proxy meanwhile).
for _ in $(seq 1 200); do
    ip netns exec "$ns" ip link show "$tap" >/dev/null 2>&1 && break
    sleep 0.05
done
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" 2>/dev/null || true
ip netns exec "$ns" ip addr add 203.0.113.1/24 dev "$tap" || fail "no tap $tap from the loadgen"
ip netns exec "$ns" ip link set "$tap" up

# While it runs: the loadgen's tap descriptors, without O_ASYNC (octal 020000).
# $lg_pid is `ip netns exec`, which execs timeout, whose child is the loadgen.
tun_fds=0
for _ in $(seq 1 50); do
    lg=$(pgrep -P "$lg_pid" -x sipedge-loadgen || pgrep -x sipedge-loadgen | head -1 || true)
    if [ -n "$lg" ]; then
        for fd in /proc/"$lg"/fd/*; do
            [ "$(readlink "$fd" 2>/dev/null)" = /dev/net/tun ] || continue
            flags=$(awk '/^flags:/ {print $2}' "/proc/$lg/fdinfo/${fd##*/}")
            tun_fds=$((tun_fds + 1))
            [ $((8#$flags & 8#20000)) -eq 0 ] ||
                fail "the loadgen's tap descriptor ${fd##*/} has O_ASYNC (flags $flags): a signal per frame"
        done
    fi
    [ "$tun_fds" -gt 0 ] && break
    sleep 0.1
done
[ "$tun_fds" -gt 0 ] || fail "no /dev/net/tun descriptor found in the loadgen"
echo "$TEST_NAME: $tun_fds tap descriptors, none with O_ASYNC"

lg_rc=0
wait "$lg_pid" || lg_rc=$?
# Through Kamailio: 100, 180, 200 to the INVITE and 200 to the BYE per call; only
# through it can the UAS see the INVITEs.
check_calls 4
echo "$TEST_NAME: PASS"
