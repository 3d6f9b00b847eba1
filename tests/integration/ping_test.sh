#!/usr/bin/env bash
# Integration: the kernel side of the lab pings the DPDK dataplane through
# net_tap and gets replies that only the dataplane can give (the kernel does not
# own 198.51.100.1). Checks the dataplane's own counters agree, that an address
# nobody owns gets no reply (so the test can fail), and a clean exit on SIGTERM.
#
# usage: ping_test.sh SIPEDGE_BINARY SCRIPTS_DIR
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}

if [ "$(id -u)" -ne 0 ]; then
    echo "ping_test: needs root (namespaces, TAP); skipped"
    exit 77
fi

export LAB_NS="sipedge-test-ping-$$"
iface="dtp$$"
iface=${iface:0:15}
log=$(mktemp)
cleanup() {
    "$scripts/lab" down >/dev/null 2>&1 || true
    rm -f "$log"
}
trap cleanup EXIT

"$scripts/lab" up
"$scripts/lab" exec "$sipedge" --port "net_tap0,iface=$iface" --ip 198.51.100.1 \
    --stats-interval 0 >"$log" 2>&1 &
dp_pid=$!
"$scripts/lab" attach "$iface"

fail() {
    echo "ping_test: FAIL: $*"
    echo "---- sipedge output ----"
    cat "$log"
    exit 1
}

# Up to 5 s for the first answer (ARP on a fresh link), then 5 timed pings.
"$scripts/lab" exec ping -c 1 -w 5 198.51.100.1 >/dev/null || fail "no reply within 5 s"
out=$("$scripts/lab" exec ping -c 5 -i 0.2 -W 1 198.51.100.1) || true
echo "$out" | tail -3
received=$(echo "$out" | sed -n 's/.* \([0-9]\+\) received.*/\1/p')
[ "${received:-0}" -eq 5 ] || fail "expected 5 replies, got ${received:-0}"

# Negative control: an address nobody answers for must stay silent.
if "$scripts/lab" exec ping -c 2 -i 0.2 -W 1 198.51.100.9 >/dev/null 2>&1; then
    fail "198.51.100.9 answered: replies are not coming from the dataplane alone"
fi

kill -TERM "$dp_pid"
wait "$dp_pid" || fail "sipedge exited with status $? on SIGTERM"

# The dataplane counted every echo it answered (1 + 5) and the ARP it answered.
echo "---- sipedge final counters ----"
sed -n '/final counters/,$p' "$log"
replies=$(awk '$1 == "icmp_echo_replies" {print $NF}' "$log")
arps=$(awk '$1 == "arp_requests" {print $NF}' "$log")
[ "${replies:-0}" -ge 6 ] || fail "icmp_echo_replies counter is ${replies:-0}, expected >= 6"
[ "${arps:-0}" -ge 1 ] || fail "arp_requests counter is ${arps:-0}, expected >= 1"
echo "ping_test: PASS"
