#!/usr/bin/env bash
# A single-node Sun Grid Engine cell (Son of Grid Engine, Debian's gridengine-* packages) on this machine.
#
#   infrastructure/grid/sge.sh up       install the packages if missing, configure the cell, start it, wait for it
#   infrastructure/grid/sge.sh down     stop the daemons (configuration and accounting stay)
#   infrastructure/grid/sge.sh status   exit 0 if a job submitted now would run
#
# Run as root on Debian. `up` is idempotent: on a machine where the cell is up it checks and re-applies the
# configuration. The cell: queue all.q with one slot per CPU, root may submit, no load thresholds (a busy
# shared machine would otherwise put the queue in alarm state), a scheduler run every second.
set -euo pipefail

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
PACKAGES=(gridengine-master gridengine-exec gridengine-client)
# Where the daemons write their process ids (Debian's init script looks for the master's elsewhere).
MASTER_PID_FILE=/var/spool/gridengine/qmaster/qmaster.pid
EXEC_PID_FILE=/var/run/gridengine/execd.pid
UP_TIMEOUT_SECONDS=60

SCHEDULER=sge
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

# The cell's own name for this host (what the master, exec host and queue must be called).
host_name() { "/usr/lib/gridengine/gethostname" -name; }

# The packages' questions answered beforehand: this host is the master of the cell "default".
preseed_packages() {
    debconf-set-selections <<EOF
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridenginemaster string $(hostname)
gridengine-client shared/gridengineconfig boolean true
gridengine-client shared/gridenginecell string $SGE_CELL
gridengine-client shared/gridenginemaster string $(hostname)
EOF
}

# The host name must resolve, and to an address that resolves back to it; 127.0.0.1 reverse-resolves to
# "localhost" on Debian, which the master would refuse ("access denied"): alias it to the host.
# Returns 0 if it changed the aliases (daemons started before, e.g. by the packages, must be restarted).
fix_host_name() {
    local aliases="$SGE_ROOT/$SGE_CELL/common/host_aliases" line
    ensure_host_name_resolves "$(hostname)"
    line="$(host_name) localhost"
    [ "$(cat "$aliases" 2> /dev/null)" = "$line" ] && return 1
    echo "$line" > "$aliases"
}

# `sed` a qconf listing ($1: show option) into a file named $3 and load it ($2: modify option).
apply_edited() {
    local show=$1 modify=$2 name=$3 folder
    shift 3
    folder=$(mktemp -d)
    qconf "$show" | sed "$@" > "$folder/$name"
    qconf "$modify" "$folder/$name" > /dev/null
    rm -rf "$folder"
}

# Add ($1) or modify ($2) an object with the file $4, depending on whether listing $3 names object $5.
add_or_modify() {
    local add=$1 modify=$2 list=$3 file=$4 object=$5
    if qconf "$list" 2> /dev/null | grep -qx "$object"; then
        qconf "$modify" "$file" > /dev/null
    else
        qconf "$add" "$file" > /dev/null
    fi
}

configure_cell() {
    local host folder
    host=$(host_name)
    # Root's jobs are refused below min_uid/min_gid 1000; accounting (qacct) is written after 1 s.
    apply_edited -sconf -Mconf global -e 's/^min_uid .*/min_uid 0/' -e 's/^min_gid .*/min_gid 0/' \
        -e 's/flush_time=[0-9:]*/flush_time=00:00:01/'
    # A scheduler run every second; no load adjustment, so several jobs start at once.
    apply_edited -ssconf -Msconf sched_configuration -e 's/^schedule_interval .*/schedule_interval 0:0:1/' \
        -e 's/^flush_submit_sec .*/flush_submit_sec 1/' -e 's/^flush_finish_sec .*/flush_finish_sec 1/' \
        -e 's/^job_load_adjustments .*/job_load_adjustments NONE/' \
        -e 's/^load_adjustment_decay_time .*/load_adjustment_decay_time 0:0:0/'
    qconf -sh 2> /dev/null | grep -qx "$host" || qconf -ah "$host" > /dev/null
    qconf -ss 2> /dev/null | grep -qx "$host" || qconf -as "$host" > /dev/null
    folder=$(mktemp -d)
    printf '%s\n' "hostname $host" "load_scaling NONE" "complex_values NONE" "user_lists NONE" "xuser_lists NONE" \
        "projects NONE" "xprojects NONE" "usage_scaling NONE" "report_variables NONE" > "$folder/exechost"
    add_or_modify -Ae -Me -sel "$folder/exechost" "$host"
    # The default queue template names parallel environments that do not exist.
    qconf -sq | sed -e 's/^qname .*/qname all.q/' -e "s/^hostlist .*/hostlist $host/" \
        -e 's/^load_thresholds .*/load_thresholds NONE/' -e 's/^pe_list .*/pe_list NONE/' \
        -e "s/^slots .*/slots $(nproc)/" -e 's|^shell .*|shell /bin/bash|' > "$folder/all.q"
    add_or_modify -Aq -Mq -sql "$folder/all.q" all.q
    rm -rf "$folder"
}

# The queue instance is usable: it is listed with a load (the exec daemon reported) and no state flags.
queue_ready() {
    qstat -f -q "all.q@$(host_name)" 2> /dev/null | awk -v q="all.q@$(host_name)" '$1 == q && NF == 5 {found = 1}
        END {exit !found}'
}

up() {
    [ "$(id -u)" = 0 ] || { say "run as root"; exit 1; }
    preseed_packages
    install_missing_packages "${PACKAGES[@]}"
    if fix_host_name && running "$MASTER_PID_FILE"; then
        say "host aliases written: restarting the daemons"
        down
    fi
    running "$MASTER_PID_FILE" || /etc/init.d/gridengine-master start > /dev/null
    local waited=0
    until qconf -sh > /dev/null 2>&1; do
        sleep 1; waited=$((waited + 1))
        [ $waited -lt $UP_TIMEOUT_SECONDS ] || { say "the master did not answer in ${UP_TIMEOUT_SECONDS} s"; exit 1; }
    done
    # Before the exec daemon starts: a job it runs as root under min_uid 1000 puts the queue in error state.
    configure_cell
    running "$EXEC_PID_FILE" || /etc/init.d/gridengine-exec start > /dev/null
    qmod -c "all.q" > /dev/null 2>&1 || true
    waited=0
    until queue_ready; do
        sleep 1; waited=$((waited + 1))
        if [ $waited -ge $UP_TIMEOUT_SECONDS ]; then
            say "the queue is not ready after ${UP_TIMEOUT_SECONDS} s:"; qstat -f; exit 1
        fi
    done
    say "up: queue all.q@$(host_name), $(nproc) slots (SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL)"
}

# SGE's own shutdown (Debian's init script cannot find the master's process id); wait until both are gone.
down() {
    if running "$EXEC_PID_FILE" && running "$MASTER_PID_FILE"; then
        qconf -ke "$(host_name)" > /dev/null 2>&1 || true
    fi
    running "$MASTER_PID_FILE" && { qconf -km > /dev/null 2>&1 || true; }
    local waited=0
    while running "$EXEC_PID_FILE" || running "$MASTER_PID_FILE"; do
        sleep 1; waited=$((waited + 1))
        if [ $waited -ge 30 ]; then
            say "the daemons did not stop in 30 s: stopping them with SIGTERM"
            for pid_file in "$EXEC_PID_FILE" "$MASTER_PID_FILE"; do
                running "$pid_file" && kill "$(cat "$pid_file")"
            done
            sleep 2
            break
        fi
    done
    say "down"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) queue_ready && say "up" || { say "not up"; exit 1; } ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
