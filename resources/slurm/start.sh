#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the tests and CI: munged as the munge user,
# slurmctld and slurmd as root, from a minimal slurm.conf (one node, one partition). Needs root and
# Debian's slurm-wlm and munge. Idempotent: a cluster already answering is left as it is.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "error: resources/slurm/start.sh must run as root" >&2; exit 2; }
for cmd in munged slurmctld slurmd sinfo; do
  command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd not found (apt-get install slurm-wlm munge)" >&2; exit 2; }
done

if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then exit 0; fi

host=$(hostname -s)
conf=/etc/slurm/slurm.conf
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
# More CPUs than the machine has (config_overrides): the tests' array tasks are small and mostly wait
# on each other's files, and four running at once keeps a test short on a two-core runner.
cat >"$conf" <<CONF
ClusterName=activeem
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
NodeName=$host CPUs=4 RealMemory=4096 State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

chown munge:munge /run/munge
chmod 0755 /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key; }
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
    echo "slurm: node $host up"
    exit 0
  fi
  # A node left down by an earlier run of this script comes back on request.
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "error: slurm did not come up; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
