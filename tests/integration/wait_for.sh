# Sourced by the lab tests. wait_for_output PATTERN FILE PID [TENTHS]: returns
# once PATTERN (grep) is in FILE, or PID has exited, or TENTHS tenths of a
# second have passed (default 2400); the caller checks which.
wait_for_output() {
    local pattern=$1 file=$2 pid=$3 limit=${4:-2400} waited=0
    until grep -q "$pattern" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
        waited=$((waited + 1))
        [ "$waited" -lt "$limit" ] || return 0
    done
}
