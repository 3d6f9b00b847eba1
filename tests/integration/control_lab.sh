# Shared by the integration tests that run sipedge-control beside sipedge
# (sourced after sip_lab.sh): the one TOML file, control started and stopped,
# sipedgectl on the lab's socket, and sipp scenario helpers for digest.
# Callers set control_bin and ctl_bin (paths) before sourcing, or pass them as
# the 3rd and 4th of their own arguments (SIPEDGE SCRIPTS_DIR CONTROL CTL).

sipedge=${sipedge:-${1:?sipedge binary}}
scripts=${scripts:-${2:?scripts dir}}
control_bin=${control_bin:-${3:?sipedge-control binary}}
ctl_bin=${ctl_bin:-${4:?sipedgectl binary}}
control_pid=""
lab_secret="integration-test-secret-0123456789" # [control] nonce_secret
cfg="$lab_dir/sipedge.toml"
ctl() { "$ctl_bin" --socket "$lab_dir/control.sock" --instance "$LAB_NS" "$@"; }

# write_config NONCE_LIFETIME < more TOML: [control] for this lab, then stdin.
write_config() {
    cat >"$cfg" <<TOML
[control]
socket = "$lab_dir/control.sock"
shm = "$lab_dir/link"
sqlite = "$lab_dir/location.sqlite"
nonce_secret = "$lab_secret"
nonce_lifetime = ${1:-300}

TOML
    cat >>"$cfg"
}

# write_lab_config INVITE_AUTH: the example.com lab (5 contacts per AOR at most,
# MD5 only: sipp's [authentication] speaks MD5 only).
write_lab_config() {
    write_config 300 <<TOML
[registrar]
min_expires = 60
max_contacts = 5

[[domains]]
name = "example.com"

[auth]
register = true
invite = $1
algorithms = ["MD5"]
TOML
}

# start_control: sipedge-control with the lab's file, waits until it answers.
start_control() {
    "$control_bin" --config "$cfg" >>"$lab_dir/control.out" 2>&1 &
    control_pid=$!
    for _ in $(seq 1 100); do
        ctl status >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "sipedge-control did not come up: $(tail -5 "$lab_dir/control.out")"
}
stop_control() {
    [ -n "$control_pid" ] || return 0
    kill -TERM "$control_pid"
    wait "$control_pid" || fail "sipedge-control did not exit cleanly"
    control_pid=""
}
trap '[ -n "$control_pid" ] && kill -TERM $control_pid 2>/dev/null; lab_cleanup' EXIT

# add_user USER PASSWORD (user@example.com)
add_user() {
    printf '%s\n' "$2" | ctl users add "$1@example.com" >/dev/null || fail "users add $1 failed"
}

# wait_published: control publishes credentials and bindings within a few ms;
# one lcore pass later the dataplane reads them.
wait_published() { sleep 0.3; }

# run_sipp NAME SCENARIO-FILE [ARGS...]: one call of a scenario from the UAS
# address (port 5070) to sipedge; messages in NAME_msgs.log. Returns sipp's status.
run_sipp() {
    local name=$1 sf=$2
    shift 2
    (cd "$lab_dir" && in_lab timeout 60 sipp "$DP_IP:5060" -i "$UAS_IP" -p 5070 -m 1 -nostdin \
        -sf "$sf" -timeout 30 -timeout_error -trace_msg -message_file "$lab_dir/${name}_msgs.log" \
        -trace_err -error_file "$lab_dir/${name}_errors.log" "$@" >"$lab_dir/$name.out" 2>&1)
}
