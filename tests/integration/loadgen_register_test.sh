#!/usr/bin/env bash
# Integration (issues 7 and 9): sipedge-loadgen's register and options
# scenarios through a real sipedge (net_memif server, one worker) and
# sipedge-control attached over the shared-memory link.
#
#   1. USERS users are added with sipedgectl; the loadgen registers them with
#      digest, REGISTRATIONS in all at RATE/s (each user several times): every
#      registration must succeed, each user challenged exactly once and every
#      refresh done in one round trip on the reused nonce (nc + 1), and
#      `sipedgectl registrations` must show every user bound to the loadgen's
#      Contact.
#   2. A wrong password: every registration must fail (401 to the credentials)
#      and the loadgen must exit 1.
#   3. OPTIONS to sipedge itself: every one answered 200.
#
# Correctness, not speed. Lcores as loadgen_test.sh: sipedge main 0 / worker 1,
# the loadgen main 2 / worker 4 (both on CPU 0 on a 2-CPU machine).
#
# usage: loadgen_register_test.sh SIPEDGE LOADGEN CONTROL CTL [REGISTRATIONS [RATE [USERS]]]
set -euo pipefail
source "$(dirname "$0")/loadgen_lab.sh"
sipedge=${1:?sipedge binary}
loadgen=${2:?sipedge-loadgen binary}
control_bin=${3:?sipedge-control binary}
ctl_bin=${4:?sipedgectl binary}
registrations=${5:-2000}
rate=${6:-500}
users=${7:-500}
TEST_NAME="loadgen_register"

if [ "$(id -u)" -ne 0 ]; then
    echo "$TEST_NAME: needs root (DPDK devices); skipped"
    exit 77
fi
for b in "$loadgen" "$control_bin" "$ctl_bin"; do
    [ -x "$b" ] || { echo "$TEST_NAME: FAIL: $b is not built"; exit 1; }
done

dir=$(mktemp -d)
dp_pid=""
control_pid=""
instance="lgr-dut-$$"
cleanup() {
    for p in "$control_pid" "$dp_pid"; do
        if [ -n "$p" ]; then
            kill -TERM "$p" 2>/dev/null || true
            wait "$p" 2>/dev/null || true
        fi
    done
    rm -rf "/var/run/dpdk/$instance"
    if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "$TEST_NAME: logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT



# run_loadgen ARGS...: one loadgen run against the running sipedge, which is
# stopped once the loadgen is done and before the loadgen closes its port
# (--linger): a memif peer disconnecting while the other side polls can crash
# it (DPDK 22.11's driver; docs/deployment.md). sipedge is started again after
# (control re-attaches); each run's counters stay in sipedge-N.log.
runs=0
run_loadgen() {
    lg_rc=0
    timeout 240 "$loadgen" --hugepages no --json --instance "lgr-gen-$$" --linger 60 \
        --port "net_memif0,role=client,socket=$dir/memif.sock,socket-abstract=no" \
        --uac 198.51.100.2 --uas 198.51.100.3 --proxy 198.51.100.1 \
        --main-lcore 2 --lcore 4 --link-timeout 20 "$@" \
        >"$dir/loadgen.json" 2>"$dir/loadgen.err" &
    local lg_pid=$!
    wait_for_output '"type": *"final"' "$dir/loadgen.json" "$lg_pid"
    stop_sipedge
    wait "$lg_pid" || lg_rc=$?
    [ "$(field type)" = "final" ] || fail "no final report from the loadgen (exit $lg_rc)"
    start_sipedge "$attaches"
}

ctl() { "$ctl_bin" --socket "$dir/control.sock" --instance "$instance" "$@"; }

cat >"$dir/sipedge.toml" <<TOML
[control]
socket = "$dir/control.sock"
shm = "$dir/link"
sqlite = "$dir/location.sqlite"
nonce_secret = "integration-test-secret-0123456789"
nonce_lifetime = 300

[registrar]
min_expires = 60
max_contacts = 5

[[domains]]
name = "example.com"

[auth]
register = true
invite = false
algorithms = ["MD5"]
TOML

start_sipedge() {
    runs=$((runs + 1))
    rm -f "$dir/memif.sock"
    "$sipedge" --port "net_memif0,role=server,socket=$dir/memif.sock,socket-abstract=no" \
        --ip 198.51.100.1 --main-lcore 0 --workers 1 --instance "$instance" --hugepages no \
        --domain example.com --control-link "$dir/link" >"$dir/sipedge-$runs.log" 2>&1 &
    dp_pid=$!
    wait_for_output "sipedge: running" "$dir/sipedge-$runs.log" "$dp_pid" 300
    require_running "$dir/sipedge-$runs.log" "$dp_pid"
    if [ -n "$control_pid" ]; then
        # Control re-attaches within a poll and republishes users and bindings.
        local before=$1
        for _ in $(seq 1 100); do
            [ "$(grep -c "attached" "$dir/control.log")" -gt "$before" ] && break
            sleep 0.1
        done
        sleep 0.5
    fi
}
stop_sipedge() {
    local rc=0
    kill -TERM "$dp_pid"
    wait "$dp_pid" || rc=$?
    dp_pid=""
    [ "$rc" -eq 0 ] || fail "sipedge exited with status $rc on SIGTERM"
    attaches=$(grep -c "attached" "$dir/control.log" || true)
}
control_pid=""
start_sipedge
"$control_bin" --config "$dir/sipedge.toml" >"$dir/control.log" 2>&1 &
control_pid=$!
for _ in $(seq 1 100); do
    ctl status >/dev/null 2>&1 && break
    sleep 0.1
done
ctl status >/dev/null 2>&1 || fail "sipedge-control did not come up"
for k in $(seq 0 $((users - 1))); do
    printf 'lg-password\n' | ctl users add "user$k@example.com" >/dev/null || fail "users add user$k failed"
done
sleep 0.5 # control publishes the credentials; the dataplane picks them up

# 1. Registrations.
run_loadgen --scenario register --users "$users" --domain example.com --password lg-password \
    --expires 600 --rate "$rate" --calls "$registrations"
echo "$TEST_NAME: register: $(field reg_succeeded)/$(field reg_attempted) succeeded," \
    "$(field reg_failed) failed, $(field reg_challenged) challenged, $(field reg_one_round_trip)" \
    "in one round trip, $(field retrans_sent) retransmissions, $(field unexpected) unexpected," \
    "$(field registrations_per_s)/s"
[ "$lg_rc" -eq 0 ] || fail "loadgen exited with $lg_rc (verdict: $(field verdict))"
[ "$(field reg_attempted)" = "$registrations" ] || fail "attempted $(field reg_attempted), not $registrations"
[ "$(field reg_succeeded)" = "$registrations" ] || fail "$(field reg_succeeded) of $registrations succeeded"
[ "$(field reg_failed)" = "0" ] || fail "$(field reg_failed) registrations failed"
[ "$(field unexpected)" = "0" ] || fail "$(field unexpected) unexpected messages"
[ "$(field reg_challenged)" = "$users" ] || fail "$(field reg_challenged) challenges for $users users"
[ "$(field reg_one_round_trip)" = "$((registrations - users))" ] ||
    fail "$(field reg_one_round_trip) refreshes in one round trip, expected $((registrations - users))"
[ "$(field verdict)" = "pass" ] || fail "verdict: $(field verdict)"

ctl --json registrations >"$dir/registrations.json" || fail "sipedgectl registrations failed"
bound=$(python3 - "$dir/registrations.json" <<'PY'
import json, sys
regs = json.load(open(sys.argv[1]))["registrations"]
ours = {r["aor"] for r in regs
        if any(c.get("uri") == "sip:%s@198.51.100.2:5061" % r["aor"].split("@")[0] for c in r["contacts"])}
print(len(ours))
PY
)
echo "$TEST_NAME: sipedgectl registrations: $bound AORs bound to the loadgen's contacts"
[ "$bound" = "$users" ] || fail "sipedgectl shows $bound bindings, expected $users"

# 2. A wrong password fails, and says so in the exit status.
run_loadgen --scenario register --users 20 --domain example.com --password wrong-password \
    --rate 100 --calls 20
echo "$TEST_NAME: wrong password: $(field reg_failed) failed ($(field fail_reg_auth) refused), exit $lg_rc"
[ "$lg_rc" -eq 1 ] || fail "a wrong password gave exit $lg_rc, expected 1"
[ "$(field fail_reg_auth)" = "20" ] || fail "$(field fail_reg_auth) refused credentials of 20"
[ "$(field reg_succeeded)" = "0" ] || fail "$(field reg_succeeded) registrations succeeded with a wrong password"

# 3. OPTIONS to sipedge itself.
run_loadgen --scenario options --users 100 --rate "$rate" --calls "$registrations"
echo "$TEST_NAME: options: $(field options_succeeded)/$(field options_attempted) answered," \
    "$(field unexpected) unexpected, latency p99 $(python3 -c "import json,sys; print([json.loads(l) for l in open('$dir/loadgen.json') if '\"final\"' in l][-1]['setup_latency_ms']['p99'])") ms"
[ "$lg_rc" -eq 0 ] || fail "loadgen (options) exited with $lg_rc (verdict: $(field verdict))"
[ "$(field options_succeeded)" = "$registrations" ] || fail "$(field options_succeeded) of $registrations OPTIONS answered"

kill -TERM "$control_pid"
wait "$control_pid" || fail "sipedge-control did not exit cleanly"
control_pid=""
stop_sipedge
# count NAME: a counter summed over every sipedge run's final printout.
count() {
    local total=0 f
    for f in "$dir"/sipedge-*.log; do
        total=$((total + $(sed -n '/final counters/,$p' "$f" | awk -v n="$1" '$1 == n {v = $NF} END {print v + 0}')))
    done
    echo "$total"
}
# REGISTERs: every registration's, each user's first one twice (the challenge),
# and the wrong-password run's 20 twice; all went to control and came back.
echo "$TEST_NAME: sipedge: $(count sip_to_control) REGISTERs to control, $(count sip_from_control) answers back, $(count sip_req_options) OPTIONS in"
[ "$(count sip_to_control)" -eq $((registrations + users + 40)) ] || fail "sipedge passed $(count sip_to_control) REGISTERs to control"
[ "$(count sip_from_control)" -eq "$(count sip_to_control)" ] || fail "control answered $(count sip_from_control) of $(count sip_to_control)"
[ "$(count sip_req_options)" -ge "$registrations" ] || fail "sipedge saw $(count sip_req_options) OPTIONS"
echo "$TEST_NAME: PASS"
