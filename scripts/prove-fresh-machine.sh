#!/usr/bin/env bash
# Proves the README's two commands on a fresh Debian 12 machine: builds a minimal
# bookworm root with debootstrap (no PostgreSQL, no compiler, no sudo, no git), copies
# this working tree into it (without .git and without build outputs), and runs
#   bash scripts/test.sh   and   bash scripts/demo.sh
# in it as root, exactly as the README says. Needs root on a Debian-like host with apt.
#
# Package sources: the script names no mirror. It asks this machine's apt (apt-get
# indextargets, which reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.list and
# *.sources, one-line and deb822 format alike) for its Debian "bookworm" source, passes
# that source's URI and components to debootstrap, and then copies the host's apt sources
# (and the keyrings their Signed-By names, where the root lacks them) into the root, so
# the root reaches exactly the archives the host reaches (bookworm, its updates and
# security suites, whatever the host has). No Debian bookworm source: it stops and says so.
#
# Environment:
#   FRESH_ROOT   where the root goes                       [/var/tmp/fresh-root]
#   MIRROR       the Debian mirror for debootstrap          [the host's bookworm source]
#   REUSE_ROOT=1 keep an existing root (skip debootstrap; its packages stay installed,
#                which then proves only the idempotent no-network path); the host's apt
#                sources are copied in again
#   ONLY=test|demo  run only that README command (default: both, test first)
# Mounts: /proc, /dev, /dev/pts and a tmpfs on /dev/shm of the root, for the run only.
# On every exit (success, failure, Ctrl-C, TERM) the script stops processes left running
# in the root and unmounts everything under it, and says so if a mount remains.
# Logs: $FRESH_ROOT.debootstrap.log, $FRESH_ROOT.test.log and $FRESH_ROOT.demo.log.
# Exit status: 0 when the commands run passed. The root stays for REUSE_ROOT=1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(realpath -m -- "${FRESH_ROOT:-/var/tmp/fresh-root}")
SUITE=bookworm

[ "$(id -u)" -eq 0 ] || { echo "prove-fresh-machine: run as root" >&2; exit 1; }
case "$ROOT" in /|/usr|/var|/var/tmp|/tmp|"") echo "refusing FRESH_ROOT=$ROOT" >&2; exit 1 ;; esac

# Every mount point at or below $ROOT/ in this mount namespace, deepest first.
mounts_under_root() {
    awk -v root="$ROOT/" '{ m = $5; gsub(/\\040/, " ", m) } index(m "/", root) == 1 && m "/" != root { print length(m) "\t" m }' \
        /proc/self/mountinfo | sort -rn | cut -f2-
}

# Unmounts everything below $ROOT (stacked mounts too); returns 1 if a mount remains.
unmount_all() {
    local m _
    for _ in 1 2 3; do
        [ -n "$(mounts_under_root)" ] || return 0
        while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done < <(mounts_under_root)
    done
    [ -z "$(mounts_under_root)" ] && return 0
    echo "prove-fresh-machine: still mounted below $ROOT:" >&2
    mounts_under_root | sed 's/^/   /' >&2
    return 1
}

# Processes whose root is the chroot (a server a test left behind): stop them, one by one.
chroot_processes() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
    done
    return 0
}
stop_chroot_processes() {
    local pid _
    for pid in $(chroot_processes); do
        echo "stopping leftover process $pid in the chroot: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        kill "$pid" 2>/dev/null || true
    done
    for _ in $(seq 20); do [ -z "$(chroot_processes)" ] && return 0; sleep 0.5; done
    for pid in $(chroot_processes); do kill -KILL "$pid" 2>/dev/null || true; done
}

# The host's Debian bookworm source as this machine's apt reads it (sources.list, and
# sources.list.d/*.list and *.sources in either format): "URI<TAB>component,component".
# First an entry whose downloaded Release file says Origin Debian, Codename bookworm
# (even when the sources call it stable or oldstable); else one written as "bookworm".
host_debian_source() {
    # shellcheck disable=SC2016  # $(FIELD) is apt's format syntax, not the shell's
    {
        apt-get indextargets --format '$(TARGET_OF) $(CREATED_BY) $(ORIGIN) $(CODENAME) $(REPO_URI) $(COMPONENT)' 2>/dev/null |
            awk -v s="$SUITE" '$1 == "deb" && $2 == "Packages" && $3 == "Debian" && $4 == s && NF == 6 { print $5, $6 }'
        apt-get indextargets --no-release-info --format '$(TARGET_OF) $(CREATED_BY) $(RELEASE) $(REPO_URI) $(COMPONENT)' 2>/dev/null |
            awk -v s="$SUITE" '$1 == "deb" && $2 == "Packages" && $3 == s && NF == 5 { print $4, $5 }'
    } | awk 'NR == 1 { uri = $1 } $1 == uri && !seen[$2]++ { c = c (c == "" ? "" : ",") $2 }
             END { if (uri != "") print uri "\t" c }'
}

# The host's apt sources, as they are, into the root (replacing debootstrap's one-line
# sources.list), with the keyrings their Signed-By names that the root lacks.
copy_apt_sources() {
    local f k files=()
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ ${#files[@]} -eq 0 ]; then
        echo "   the host has no apt source files; the root keeps its own"
        return 0
    fi
    rm -f "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list "$ROOT"/etc/apt/sources.list.d/*.sources
    mkdir -p "$ROOT/etc/apt/sources.list.d"
    for f in "${files[@]}"; do
        cp -p "$f" "$ROOT$f"
        echo "   $f"
    done
    for k in $(grep -hoiE 'signed-by[:=][[:space:]]*[^][:space:]]+' "${files[@]}" | sed -E 's/^[^:=]*[:=][[:space:]]*//' | tr ',' ' '); do
        case "$k" in /*) ;; *) continue ;; esac
        if [ -f "$k" ] && [ ! -e "$ROOT$k" ]; then
            mkdir -p "$ROOT$(dirname "$k")"
            cp -p "$k" "$ROOT$k"
            echo "   keyring $k"
        fi
    done
}

if [ -z "${PROVE_FRESH_NS:-}" ]; then
    # Mounts a killed earlier run left in this namespace, then the run itself in a private
    # mount namespace: its mounts never show on the host and go with its last process.
    unmount_all || exit 1
    if unshare --mount --propagation private true 2>/dev/null; then
        PROVE_FRESH_NS=1 exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
    fi
    echo "   (unshare --mount not available: mounting in the host's namespace)"
fi

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_chroot_processes
    if unmount_all; then
        echo "== unmounted everything below $ROOT"
    else
        rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

unmount_all

if [ "${REUSE_ROOT:-0}" = 1 ] && [ -x "$ROOT/bin/bash" ]; then
    echo "== reusing $ROOT"
else
    components=main
    if [ -z "${MIRROR:-}" ]; then
        src=$(host_debian_source) || src=
        if [ -z "$src" ]; then
            echo "prove-fresh-machine: no Debian $SUITE source in this machine's apt sources" >&2
            echo "   (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list, /etc/apt/sources.list.d/*.sources):" >&2
            echo "   debootstrap needs one. Add a 'deb' entry for the suite $SUITE, or set MIRROR to a Debian mirror." >&2
            exit 1
        fi
        MIRROR=${src%%$'\t'*}
        components=${src#*$'\t'}
    fi
    command -v debootstrap >/dev/null || {
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
    }
    echo "== debootstrap --variant=minbase --components=$components $SUITE $ROOT $MIRROR"
    rm -rf --one-file-system "$ROOT"
    start=$SECONDS
    debootstrap --variant=minbase --components="$components" "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 || {
        tail -30 "$ROOT.debootstrap.log"
        exit 1
    }
    echo "   done in $((SECONDS - start)) s"
fi

echo "== the host's apt sources into the root"
copy_apt_sources

# The usual chroot convention: packages may not start services (the postgresql-15
# package would otherwise start its main cluster on the host's network). pg_virtualenv
# starts the clusters the scripts need itself.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --make-rslave "$ROOT/dev"                          # nothing propagates back to /dev
mount --bind /dev/pts "$ROOT/dev/pts"                    # apt's terminal log
mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"          # PostgreSQL's shared memory

echo "== copying the working tree (tracked and new files, no .git, no build outputs)"
rm -rf "$ROOT/root/reliability"
mkdir -p "$ROOT/root/reliability"
(
    cd "$REPO"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -
) | tar -xf - -C "$ROOT/root/reliability"

echo "== what the fresh root lacks before the run"
# shellcheck disable=SC2016
chroot "$ROOT" bash -c 'for c in psql pg_config pg_virtualenv g++ cmake make clang sudo git; do
    command -v $c >/dev/null && echo "  has $c" || echo "  no $c"; done'

run_in_root() {  # run_in_root NAME COMMAND: the command as a fresh root shell would
    local name=$1 cmd=$2 log="$ROOT.$1.log" start=$SECONDS rc=0
    echo "== chroot $ROOT: cd /root/reliability && $cmd   (log: $log)"
    # In the background with `wait`, so that a TERM or Ctrl-C reaches the traps (and the
    # cleanup) at once; env restores the default SIGINT/SIGQUIT a background job lacks.
    chroot "$ROOT" env -i --default-signal=INT,QUIT \
        HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd /root/reliability && $cmd" </dev/null >"$log" 2>&1 &
    wait $! || rc=$?
    echo "   exit $rc after $((SECONDS - start)) s"
    eval "rc_$name=$rc"
}

rc_test=skipped rc_demo=skipped
case "${ONLY:-}" in ""|test) run_in_root test "bash scripts/test.sh" ;; esac
case "${ONLY:-}" in ""|demo) run_in_root demo "bash scripts/demo.sh" ;; esac

echo
if [ "$rc_test" != skipped ]; then
    echo "== test.sh: exit $rc_test: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$ROOT.test.log" | tail -1)"
    grep -E '^=== (PASS|FAIL)' "$ROOT.test.log" | sed 's/^/   /'
fi
if [ "$rc_demo" != skipped ]; then
    echo "== demo.sh: exit $rc_demo; last lines:"
    tail -5 "$ROOT.demo.log" | sed 's/^/   /'
fi
echo
bad=0
for rc in "$rc_test" "$rc_demo"; do
    case "$rc" in skipped | 0) ;; *) bad=1 ;; esac
done
if [ "$bad" -eq 1 ]; then
    echo "fresh machine: test.sh exit $rc_test, demo.sh exit $rc_demo"
    exit 1
fi
echo "fresh machine: test.sh exit $rc_test, demo.sh exit $rc_demo: passed"
