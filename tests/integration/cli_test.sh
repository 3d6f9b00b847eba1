#!/usr/bin/env bash
# Integration (issue 7): sipedgectl against a running sipedge (2 worker lcores)
# and sipedge-control in the lab. After sipp calls: `stats --json` totals equal
# the counters sipedge serves itself, per-lcore values add up to the totals;
# `transactions` shows the live transactions with a sample; `dialogs` says 0
# (no dialog table yet); `routes` lists the configured route; `reload` applies an
# added route (calls to its domain then route) and reports a changed worker
# count as needing a restart; a broken file is refused with file:line and
# changes nothing; with control or the dataplane down: a clear error, exit 3.
#
# usage: cli_test.sh SIPEDGE SCRIPTS_DIR SIPEDGE_CONTROL SIPEDGECTL
set -euo pipefail
TEST_NAME="cli"
source "$(dirname "$0")/sip_lab.sh"
source "$(dirname "$0")/control_lab.sh"

write_config() { # WORKER_LCORES EXTRA_ROUTE_DOMAIN NEXT_HOP
    cat >"$cfg" <<TOML
[dataplane]
control_link = "$lab_dir/link"
worker_lcores = $1

[proxy]
domains = ["example.com"]

[[route]]
domain = "old.example.net"
next_hop = "$UAS_IP:5060"

[[route]]
domain = "$2"
next_hop = "$3"

[control]
socket = "$lab_dir/control.sock"
shm = "$lab_dir/link"
sqlite = "$lab_dir/location.sqlite"
nonce_secret = "integration-test-secret-0123456789"

[registrar]
max_contacts = 5

[[domains]]
name = "example.com"
TOML
}
# The second route's next_hop is on line 14.
write_config "[1, 2]" "unused.example.net" "$UAS_IP:5060"

start_sipedge --config "$cfg"
start_control
for _ in $(seq 1 100); do
    ctl status 2>/dev/null | grep -q "attached, 2 lcores" && break
    sleep 0.1
done
ctl status | grep -q "attached, 2 lcores" || fail "control did not attach: $(ctl status 2>&1)"

start_uas
# A modest rate: the machine running CI is shared, and this test is about the CLI.
run_uac 100 50
[ "$uac_ok" = "100" ] || fail "$uac_ok of 100 calls succeeded"

# ---- transactions (published once a second; BYE server transactions linger in
# Completed for Timer J, 32 s) ----
sleep 1.2
ctl --json transactions >"$lab_dir/txn.json" || fail "transactions failed"
python3 - "$lab_dir/txn.json" <<'PY' || fail "transactions: $(cat "$lab_dir/txn.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [l["lcore"] for l in d["lcores"]] == [1, 2], d
assert d["total"] == sum(l["count"] for l in d["lcores"]) > 0, d
samples = [s for l in d["lcores"] for s in l["sample"]]
assert samples and all(s["kind"] in ("ICT", "NICT", "IST", "NIST") for s in samples), d
assert all(s["peer"].startswith("198.51.100.") for s in samples), d
PY
ctl transactions | grep -qE "^[0-9]+ transaction\(s\)" || fail "transactions table"
echo "$TEST_NAME: $(ctl transactions | head -1)"

# ---- dialogs: no dialog table in the dataplane yet, so honestly 0 ----
[ "$(ctl dialogs | head -1)" = "0 dialog(s)" ] || fail "dialogs: $(ctl dialogs)"

# ---- stats: totals from sipedgectl equal sipedge's own telemetry totals ----
ctl --json stats --interval 0.3 >"$lab_dir/stats.json" || fail "stats failed"
# Requests only: they stopped with the UAC (a UAS may still retransmit a response).
for name in sip_req_invite sip_req_bye sip_req_ack sip_requests_in txn_server_created; do
    mine=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total'][sys.argv[2]])" \
        "$lab_dir/stats.json" "$name")
    theirs=$(telemetry_counter "$name")
    [ "$mine" = "$theirs" ] || fail "stats total $name: sipedgectl $mine, sipedge $theirs"
done
python3 - "$lab_dir/stats.json" <<'PY' || fail "stats document: $(head -c 2000 "$lab_dir/stats.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["lcores"] == [1, 2]
for name, total in d["total"].items():
    assert total == sum(d["per_lcore"][l][name] for l in ("1", "2")), name
assert d["total"]["sip_req_invite"] >= 100, d["total"]["sip_req_invite"]
assert d["interval_s"] >= 0.3 and all(r >= 0 for r in d["rate"].values())
PY
ctl stats | grep -qE "^sip_req_invite +[0-9]+ " || fail "stats table: $(ctl stats)"

# ---- routes ----
ctl routes >"$lab_dir/routes.txt" || fail "routes failed"
grep -q "old.example.net  *$UAS_IP:5060" "$lab_dir/routes.txt" || fail "routes: $(cat "$lab_dir/routes.txt")"
grep -q "new.example.net" "$lab_dir/routes.txt" && fail "routes lists a route not configured yet"

# Calls to new.example.net: nothing routes them yet.
{ sipp -sd uac || true; } | sed -e "s/sip:\[service\]@\[remote_ip\]:\[remote_port\]/sip:service@new.example.net/g" \
    >"$lab_dir/uac_new.xml"
run_uac 1 1 -sf "$lab_dir/uac_new.xml"
[ "$uac_ok" = "0" ] || fail "a call to new.example.net succeeded before the route existed"

# ---- reload: a route added (live), the worker count changed (restart) ----
write_config "[1]" "new.example.net" "$UAS_IP:5060"
ctl reload >"$lab_dir/reload.txt" 2>&1 || fail "reload failed: $(cat "$lab_dir/reload.txt")"
cat "$lab_dir/reload.txt"
grep -q "^dataplane  applied: route; needs a restart: dataplane.worker_lcores$" "$lab_dir/reload.txt" \
    || fail "reload did not report the route applied and the workers needing a restart"
ctl routes | grep -q "new.example.net  *$UAS_IP:5060" || fail "routes after reload: $(ctl routes)"
run_uac 20 20 -sf "$lab_dir/uac_new.xml"
[ "$uac_ok" = "20" ] || fail "after reload, $uac_ok of 20 calls to new.example.net succeeded"

# ---- a broken file: refused with file:line, nothing changes ----
write_config "[1]" "broken.example.net" "nowhere"
rc=0
ctl reload >"$lab_dir/reload_bad.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "reload of a broken file exited $rc: $(cat "$lab_dir/reload_bad.txt")"
grep -q "$cfg:14:[0-9]*: route.next_hop" "$lab_dir/reload_bad.txt" \
    || fail "the refusal does not name file:line:key: $(cat "$lab_dir/reload_bad.txt")"
ctl routes | grep -q "broken.example.net" && fail "a broken file changed the routes"
ctl routes | grep -q "new.example.net" || fail "a broken file lost the routes in use"
rc=0
"$ctl_bin" config check "$cfg" >"$lab_dir/check.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "$cfg:14:" "$lab_dir/check.txt" || fail "config check: $(cat "$lab_dir/check.txt")"

# ---- control down, then the dataplane down ----
stop_control
rc=0
ctl status >"$lab_dir/down.txt" 2>&1 || rc=$?
[ "$rc" -eq 3 ] && grep -q "control is not running" "$lab_dir/down.txt" \
    || fail "control down: exit $rc, $(cat "$lab_dir/down.txt")"
rc=0
ctl reload >"$lab_dir/down.txt" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "reload with control down exited $rc"
ctl stats --interval 0 >/dev/null || fail "stats need only the dataplane, not control"
stop_uas
stop_sipedge
rc=0
ctl stats >"$lab_dir/down.txt" 2>&1 || rc=$?
[ "$rc" -eq 3 ] && grep -q "the dataplane is not running" "$lab_dir/down.txt" \
    || fail "dataplane down: exit $rc, $(cat "$lab_dir/down.txt")"
echo "$TEST_NAME: PASS"
