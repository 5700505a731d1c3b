#!/usr/bin/env bash
# Install, configure and start the container engine Arena drives (Podman's Docker-compatible
# API) on Debian 12, idempotently. Run as root. Under 3 s when everything is already set up.
#
#   containers/setup_engine.sh            # install if missing, configure, start the API socket
#   ARENA_PODMAN_SOCKET=/run/podman/podman.sock  (default) socket path served
#
# Why each setting (checked on these VMs, see README "Organizers: GPU workers"):
#   runtime runc        crun refuses the kernel's cgroup v1 "hybrid" mode
#   cgroupfs            there is no systemd to delegate cgroups to
#   ulimits probed      podman as root asks for nofile=1048576, which the VM cannot grant
#   overlay storage     container start 0.6 s instead of 3 s with vfs, half the disk
set -euo pipefail

SOCKET="${ARENA_PODMAN_SOCKET:-/run/podman/podman.sock}"
CONF_DIR=/etc/containers/containers.conf.d
CONF="$CONF_DIR/50-arena.conf"
STORAGE_CONF=/etc/containers/storage.conf
LOG=/var/log/arena-podman-service.log
PACKAGES=(podman runc conmon netavark debootstrap curl)

log() { echo "[setup_engine] $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    if curl -sf --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
        log "engine already serving unix://$SOCKET (not root: configuration left as is)"
        exit 0
    fi
    log "must run as root (it installs packages and serves $SOCKET)"
    exit 1
fi

# 1. packages --------------------------------------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. configuration (rewritten only when the content differs) ---------------------------------
write_if_changed() {  # $1 path; content on stdin
    local tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [[ -f "$1" ]] && cmp -s "$tmp" "$1"; then
        rm -f "$tmp"
        return 1
    fi
    mkdir -p "$(dirname "$1")"
    mv "$tmp" "$1"
    chmod 644 "$1"
    return 0
}

# The highest ulimits this machine grants (podman's defaults of 1048576 fail on these VMs).
hard_nofile=$(ulimit -Hn)
[[ "$hard_nofile" == unlimited ]] && hard_nofile=1048576
nofile=$((hard_nofile < 20000 ? hard_nofile : 20000))
hard_nproc=$(ulimit -Hu)
[[ "$hard_nproc" == unlimited ]] && hard_nproc=32768
nproc=$((hard_nproc < 32768 ? hard_nproc : 32768))

changed=0
write_if_changed "$CONF" <<EOF && changed=1 || true
# Written by Arena containers/setup_engine.sh -- edit that script, not this file.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
pids_limit = 2048
log_size_max = 16777216

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
image_parallel_copies = 2

[network]
network_backend = "netavark"
EOF

write_if_changed "$STORAGE_CONF" <<'EOF' && changed=1 || true
# Written by Arena containers/setup_engine.sh -- edit that script, not this file.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF

# 3. the API service -------------------------------------------------------------------------
answers() {
    curl -sf --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1
}

service_pids() {
    pgrep -f "podman system service --time=0 unix://$SOCKET" || true
}

if ((changed)) && [[ -n "$(service_pids)" ]]; then
    log "configuration changed: restarting the API service"
    for pid in $(service_pids); do kill "$pid" 2>/dev/null || true; done
    sleep 1
fi

if ! answers; then
    if [[ -n "$(service_pids)" ]]; then
        log "service process exists but does not answer; restarting it"
        for pid in $(service_pids); do kill "$pid" 2>/dev/null || true; done
        sleep 1
    fi
    mkdir -p "$(dirname "$SOCKET")"
    rm -f "$SOCKET"
    log "starting podman system service on unix://$SOCKET (log: $LOG)"
    # from /: conmon drops files such as "oom" (an OOM-killed container) in the service's working
    # directory, which must not be the checkout it was started from
    (cd / && exec setsid nohup podman system service --time=0 "unix://$SOCKET" >>"$LOG" 2>&1 </dev/null) &
    for _ in $(seq 1 100); do
        answers && break
        sleep 0.2
    done
    if ! answers; then
        log "podman API did not answer on $SOCKET within 20 s; last log lines:"
        tail -n 20 "$LOG" >&2 || true
        exit 1
    fi
fi
chmod 666 "$SOCKET" 2>/dev/null || true
log "engine ready: unix://$SOCKET ($(podman --version))"
