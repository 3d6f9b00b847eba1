# Sourced after sip_lab.sh by lab tests that also run sipedge-control, with the
# caller's arguments: SIPEDGE SCRIPTS_DIR SIPEDGE_CONTROL SIPEDGECTL. The caller
# writes the configuration to $cfg; control's output goes to $lab_dir/control.out.

sipedge=${1:?sipedge binary}
scripts=${2:?scripts dir}
control_bin=${3:?sipedge-control binary}
ctl_bin=${4:?sipedgectl binary}
cfg="$lab_dir/sipedge.toml"
control_pid=""

ctl() { "$ctl_bin" --socket "$lab_dir/control.sock" --instance "$LAB_NS" "$@"; }

# start_control: starts sipedge-control with $cfg and waits until it answers.
start_control() {
    "$control_bin" --config "$cfg" >>"$lab_dir/control.out" 2>&1 &
    control_pid=$!
    for _ in $(seq 1 100); do
        ctl status >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "sipedge-control did not come up: $(tail -5 "$lab_dir/control.out")"
}

# stop_control: SIGTERM, expects a clean exit.
stop_control() {
    kill -TERM "$control_pid"
    wait "$control_pid" || fail "sipedge-control did not exit cleanly"
    control_pid=""
}

trap '[ -n "$control_pid" ] && kill -TERM $control_pid 2>/dev/null; lab_cleanup' EXIT
