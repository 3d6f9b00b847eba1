#!/usr/bin/env bash
# Integration (issue 7): sipedge with sipedge-control attached over the shared-
# memory link, in the lab. A sipp UA registers alice@example.com with digest
# (401, then 200 with its Contact); a wrong password never gets a binding;
# sipedgectl shows the binding; sipp calls to sip:alice@example.com through
# sipedge reach the sipp UAS at the registered contact; an AOR nobody
# registered is answered 404/480 and reaches no one; calls keep routing while
# control is down, after control restarts, and after the dataplane restarts.
#
# usage: registrar_test.sh SIPEDGE SCRIPTS_DIR SIPEDGE_CONTROL SIPEDGECTL
set -euo pipefail
TEST_NAME="registrar"
source "$(dirname "$0")/sip_lab.sh"
source "$(dirname "$0")/control_lab.sh"
write_lab_config false

start_sipedge --workers 1 --domain example.com --control-link "$lab_dir/link"
start_control
add_user alice alice-secret
add_user bob bob-secret

# REGISTER, 401, REGISTER with credentials, then the expected final status.
register_scenario() { # USER PASSWORD FINAL_STATUS
    cat <<XML
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:$1@example.com>;tag=[call_number]reg
To: <sip:$1@example.com>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:$1@$UAS_IP:5060>
Expires: 600
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:$1@example.com>;tag=[call_number]reg
To: <sip:$1@example.com>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:$1@$UAS_IP:5060>
[authentication username=$1 password=$2]
Expires: 600
Content-Length: 0

]]></send>
$([ "$3" = 200 ] && echo '  <recv response="401" optional="true"/>') <!-- a retransmission's 401 -->
  <recv response="$3"/>
</scenario>
XML
}
register() { # USER PASSWORD FINAL_STATUS
    register_scenario "$@" >"$lab_dir/register_$1.xml"
    run_sipp "register_$1" "$lab_dir/register_$1.xml"
}
register alice alice-secret 200 || fail "alice's REGISTER with digest did not end in 200"
register bob wrong-password 401 || fail "bob's REGISTER with a wrong password was not refused with 401"

regs=$(ctl --json registrations)
echo "$TEST_NAME: registrations: $regs"
echo "$regs" | grep -q "sip:alice@$UAS_IP:5060" || fail "alice's contact is not listed"
echo "$regs" | grep -q "bob@example.com" && fail "bob got a binding with a wrong password"

# Calls to the AOR: sipp's built-in uac with the Request-URI and To of alice@example.com.
derive_uac() { # AOR-USER
    { sipp -sd uac || true; } | sed -e "s/sip:\[service\]@\[remote_ip\]:\[remote_port\]/sip:$1@example.com/g"
}
derive_uac alice >"$lab_dir/uac_alice.xml"
grep -q "sip:alice@example.com" "$lab_dir/uac_alice.xml" || fail "could not derive the uac scenario"
start_uas
run_uac 100 20 -sf "$lab_dir/uac_alice.xml"
echo "$TEST_NAME: calls to alice@example.com: $uac_ok successful, $uac_failed failed"
[ "$uac_ok" = "100" ] || fail "calls to the registered AOR: $uac_ok of 100 succeeded"

# Nobody registered carol: the call must fail with 404 or 480 from sipedge.
derive_uac carol >"$lab_dir/uac_carol.xml"
run_uac 1 1 -sf "$lab_dir/uac_carol.xml" -trace_msg -message_file "$lab_dir/carol_msgs.log"
[ "$uac_ok" = "0" ] || fail "a call to an unregistered AOR succeeded"
grep -qE "SIP/2.0 (404|480)" "$lab_dir/carol_msgs.log" || fail "no 404/480 for the unregistered AOR"

# Restarts: control goes away (the dataplane keeps routing to known contacts),
# comes back (bindings from SQLite), then the dataplane restarts (control
# re-attaches to the new link file and republishes).
stop_control
run_uac 20 20 -sf "$lab_dir/uac_alice.xml"
[ "$uac_ok" = "20" ] || fail "with control down, $uac_ok of 20 calls to alice succeeded"
start_control
ctl --json registrations | grep -q "sip:alice@$UAS_IP:5060" || fail "alice's binding did not survive the control restart"
stop_uas
stop_sipedge
first_to_control=$(counter sip_to_control)
first_from_control=$(counter sip_from_control)
cp "$dp_log" "$lab_dir/sipedge-first.log"

start_sipedge --workers 1 --domain example.com --control-link "$lab_dir/link"
start_uas
attached=0
for _ in $(seq 1 200); do # control re-checks the link file once a second
    if [ "$(grep -c "attached to the dataplane link" "$lab_dir/control.out")" -ge 3 ]; then
        attached=1
        break
    fi
    sleep 0.1
done
[ "$attached" -eq 1 ] || fail "sipedge-control did not re-attach to the restarted dataplane"
sleep 1 # one publication interval and a pass of the lcore
run_uac 20 20 -sf "$lab_dir/uac_alice.xml"
[ "$uac_ok" = "20" ] || fail "after the dataplane restart, $uac_ok of 20 calls to alice succeeded"
stop_uas
stop_sipedge

# REGISTERs went through the first dataplane only.
to_control=$first_to_control
from_control=$first_from_control
echo "$TEST_NAME: sipedge: $to_control REGISTERs to control, $from_control answers from control"
[ "$to_control" -ge 4 ] || fail "only $to_control REGISTERs reached control"
[ "$from_control" -ge 4 ] || fail "only $from_control answers came back from control"
echo "$TEST_NAME: PASS"
