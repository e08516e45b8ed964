#!/usr/bin/env bash
# A single-node Slurm cluster (Debian's slurmctld, slurmd, slurm-client and munge packages) on this machine.
#
#   infrastructure/grid/slurm.sh up       install the packages if missing, write slurm.conf, start, wait for idle
#   infrastructure/grid/slurm.sh down     stop slurmd, slurmctld and munged
#   infrastructure/grid/slurm.sh status   exit 0 if the node takes jobs
#
# Run as root on Debian. `up` is idempotent: on a machine where the cluster is up it leaves it running, unless
# the configuration it writes differs from the one in use, in which case it restarts the daemons. One partition
# "main" with this machine as its only node; jobs share its CPUs (cons_tres); no accounting database (job
# completions are logged to /var/log/slurm/jobcomp.log; `scontrol show job` keeps a job for MinJobAge).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
CONF=/etc/slurm/slurm.conf
CONTROLLER_PID_FILE=/run/slurmctld.pid
NODE_PID_FILE=/run/slurmd.pid
UP_TIMEOUT_SECONDS=60

SCHEDULER=slurm
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

node_name() { hostname -s; }

# slurmd -C reports the node's CPUs and memory; 1 GB of memory is left to the system.
write_configuration() {
    local node cpus memory
    node=$(node_name)
    cpus=$(nproc)
    memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    memory=$((memory > 2048 ? memory - 1024 : memory))
    mkdir -p /var/log/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
    chown slurm:slurm /var/log/slurm /var/lib/slurm/slurmctld
    cat > "$CONF.new" <<EOF
# Written by deep-bottleneck's infrastructure/grid/slurm.sh: a single-node cluster.
ClusterName=deepbottleneck
SlurmctldHost=$node
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=$CONTROLLER_PID_FILE
SlurmdPidFile=$NODE_PID_FILE
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    if cmp -s "$CONF.new" "$CONF"; then
        rm "$CONF.new"
        return 1
    fi
    mv "$CONF.new" "$CONF"
}

stop_daemon() {
    local pid_file=$1 waited=0
    if running "$pid_file"; then
        kill "$(cat "$pid_file")"
        while running "$pid_file" && [ $waited -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
    fi
    # A pid file left behind makes a later start (or a package purge) think the daemon still runs.
    rm -f "$pid_file"
}

node_state() { sinfo -h -n "$(node_name)" -o %T 2> /dev/null | head -n 1; }

up() {
    [ "$(id -u)" = 0 ] || { say "run as root"; exit 1; }
    install_missing_packages "${PACKAGES[@]}"
    ensure_host_name_resolves "$(node_name)"
    if write_configuration; then
        stop_daemon "$NODE_PID_FILE"
        stop_daemon "$CONTROLLER_PID_FILE"
    fi
    /etc/init.d/munge status > /dev/null 2>&1 || /etc/init.d/munge start > /dev/null
    running "$CONTROLLER_PID_FILE" || slurmctld
    running "$NODE_PID_FILE" || slurmd
    local waited=0 state
    while true; do
        state=$(node_state)
        case "$state" in
            idle | mixed | allocated) break ;;
            down* | drain*) scontrol update NodeName="$(node_name)" State=RESUME > /dev/null 2>&1 || true ;;
        esac
        sleep 1; waited=$((waited + 1))
        if [ $waited -ge $UP_TIMEOUT_SECONDS ]; then
            say "the node is '${state:-unknown}' after ${UP_TIMEOUT_SECONDS} s (see /var/log/slurm/)"; exit 1
        fi
    done
    say "up: partition main on $(node_name), $(nproc) CPUs, node $state"
}

down() {
    stop_daemon "$NODE_PID_FILE"
    stop_daemon "$CONTROLLER_PID_FILE"
    [ -x /etc/init.d/munge ] && { /etc/init.d/munge stop > /dev/null 2>&1 || true; }
    say "down"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status)
        case "$(node_state)" in idle | mixed | allocated) say "up" ;; *) say "not up"; exit 1 ;; esac ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
