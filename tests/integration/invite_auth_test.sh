#!/usr/bin/env bash
# Integration (issue 7, RFC 3665 §3.2 F2): with [auth] invite on, sipedge answers
# an INVITE from our user (From alice@example.com) without credentials with 407
# and a Proxy-Authenticate it minted itself; sipp's [authentication] answers it
# and the call reaches the sipp UAS, without the Proxy-Authorization (those
# credentials were for this proxy). A wrong password gets 407 again and no call.
# (sipp -auth_uri: the digest uri must be the Request-URI.) The HA1 comes from sipedge-control's published credential table.
#
# usage: invite_auth_test.sh SIPEDGE SCRIPTS_DIR SIPEDGE_CONTROL SIPEDGECTL
set -euo pipefail
sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
control_bin=${3:?sipedge-control binary}
ctl_bin=${4:?sipedgectl binary}
TEST_NAME="invite_auth"
source "$(dirname "$0")/sip_lab.sh"
source "$(dirname "$0")/control_lab.sh"

write_lab_config true

start_sipedge --config "$cfg" --workers 1 --domain example.com --control-link "$lab_dir/link" \
    --contact "bob@example.com=sip:bob@$UAS_IP:5060"
grep -q "digest for requests from our users on" "$dp_log" || fail "sipedge did not switch INVITE digest on"
start_control
add_user alice alice-secret
wait_published

# sipp message templates: an INVITE from alice (CSeq, extra line), the ACK of a
# non-2xx final (same branch, §17.1.1.3), an in-dialog request.
invite_msg() {
    cat <<XML
  <send retrans="500"><![CDATA[
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:alice@example.com>;tag=[call_number]
To: <sip:bob@example.com>
Call-ID: [call_id]
CSeq: $1 INVITE
Contact: <sip:alice@[local_ip]:[local_port]>
$2
Content-Length: 0

]]></send>
  <recv response="100" optional="true"/>
XML
}
ack_final() {
    cat <<XML
  <send><![CDATA[
ACK sip:bob@example.com SIP/2.0
[last_Via:]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: $1 ACK
Content-Length: 0

]]></send>
XML
}
in_dialog() { # METHOD CSEQ [retrans]
    cat <<XML
  <send ${3:-}><![CDATA[
$1 [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
Max-Forwards: 70
From: <sip:alice@example.com>;tag=[call_number]
[last_To:]
[last_Call-ID:]
CSeq: $2 $1
Content-Length: 0

]]></send>
XML
}
# INVITE, 407 (ACKed), INVITE with credentials, then the call or a second 407.
uac_scenario() { # PASSWORD ok|refused
    echo '<?xml version="1.0" encoding="ISO-8859-1" ?>'
    echo '<scenario name="INVITE with proxy digest">'
    invite_msg 1 ""
    cat <<'XML'
  <recv response="407" auth="true">
    <action><ereg regexp="Proxy-Authenticate: Digest realm=\"example.com\", nonce=\"[0-9a-f]{64}\"" search_in="msg" check_it="true" assign_to="chal"/></action>
  </recv>
  <Reference variables="chal"/>
XML
    ack_final 1
    invite_msg 2 "[authentication username=alice password=$1]"
    if [ "$2" = ok ]; then
        echo '  <recv response="180" optional="true"/>'
        echo '  <recv response="200" rrs="true"/>'
        in_dialog ACK 2
        echo '  <pause milliseconds="200"/>'
        in_dialog BYE 3 'retrans="500"'
        echo '  <recv response="200"/>'
    else
        echo '  <recv response="407"/>'
        ack_final 2
    fi
    echo '</scenario>'
}
uac_scenario alice-secret ok >"$lab_dir/uac_auth.xml"
uac_scenario wrong-password refused >"$lab_dir/uac_wrong.xml"

start_uas -sn uas -trace_msg -message_file "$lab_dir/uas_msgs.log"
run_uac 20 10 -sf "$lab_dir/uac_auth.xml" -auth_uri bob@example.com -trace_msg -message_file "$lab_dir/uac_auth_msgs.log"
echo "$TEST_NAME: authenticated calls: $uac_ok successful, $uac_failed failed"
[ "$uac_ok" = "20" ] || fail "authenticated calls: $uac_ok of 20 succeeded"
run_uac 3 3 -sf "$lab_dir/uac_wrong.xml" -auth_uri bob@example.com
echo "$TEST_NAME: wrong password: $uac_ok scenarios ended in a second 407"
[ "$uac_ok" = "3" ] || fail "wrong password: $uac_ok of 3 got a second 407"
stop_uas
# Only the 20 authenticated INVITEs reached the UAS, none with the credentials
# that were meant for the proxy.
uas_invites=$(grep -c "^INVITE sip:bob@" "$lab_dir/uas_msgs.log" || true)
[ "$uas_invites" = "20" ] || fail "the UAS received $uas_invites INVITEs, expected 20"
grep -qi "^Proxy-Authorization" "$lab_dir/uas_msgs.log" && fail "Proxy-Authorization reached the UAS"
stop_sipedge

ok=$(counter auth_ok)
challenged=$(counter auth_challenged)
failed=$(counter auth_failed)
invites=$(counter sip_req_invite)
echo "$TEST_NAME: sipedge: auth_ok $ok, auth_challenged $challenged, auth_failed $failed, INVITEs in $invites"
[ "$ok" -ge 20 ] || fail "auth_ok $ok < 20"
[ "$challenged" -ge 23 ] || fail "auth_challenged $challenged < 23"
[ "$failed" -ge 3 ] || fail "auth_failed $failed < 3"
echo "$TEST_NAME: PASS"
