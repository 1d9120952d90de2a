#!/usr/bin/env bash
# Proves the README's two commands on a fresh Debian 12 machine: builds a minimal
# bookworm root with debootstrap (no PostgreSQL, no compiler, no sudo, no git), copies
# this working tree into it (without .git and without build outputs), and runs
#   bash scripts/test.sh   and   bash scripts/demo.sh
# in it as root, exactly as the README says. Needs root on a Debian-like host.
#
# Environment:
#   FRESH_ROOT   where the root goes           [/var/tmp/fresh-root]
#   MIRROR       the Debian mirror             [http://deb.debian.org/debian]
#   REUSE_ROOT=1 keep an existing root (skip debootstrap; its packages stay installed,
#                which then proves only the idempotent no-network path)
#   ONLY=test|demo  run only that README command
# Logs: $FRESH_ROOT.test.log and $FRESH_ROOT.demo.log. Exit status: 0 when both passed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${FRESH_ROOT:-/var/tmp/fresh-root}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || { echo "prove-fresh-machine: run as root" >&2; exit 1; }
case "$ROOT" in /|/usr|/var|/var/tmp|/tmp|"") echo "refusing FRESH_ROOT=$ROOT" >&2; exit 1 ;; esac

unmount_all() {
    local m
    for m in dev/shm dev/pts dev proc; do
        if mountpoint -q "$ROOT/$m" 2>/dev/null; then umount -l "$ROOT/$m" || true; fi
    done
}

# Processes whose root is the chroot (a server a test left behind): stop them, one by one.
stop_chroot_processes() {
    local p pid
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] || continue
        echo "stopping leftover process $pid in the chroot: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
        kill "$pid" 2>/dev/null || true
    done
}

cleanup() {
    stop_chroot_processes
    unmount_all
}
trap cleanup EXIT

unmount_all

if [ "${REUSE_ROOT:-0}" = 1 ] && [ -x "$ROOT/bin/bash" ]; then
    echo "== reusing $ROOT"
else
    command -v debootstrap >/dev/null || {
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
    }
    echo "== debootstrap --variant=minbase bookworm $ROOT $MIRROR"
    rm -rf --one-file-system "$ROOT"
    debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 || {
        tail -30 "$ROOT.debootstrap.log"
        exit 1
    }
fi

# The usual chroot convention: packages may not start services (the postgresql-15
# package would otherwise start its main cluster on the host's network). pg_virtualenv
# starts the clusters the scripts need itself.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
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
chroot "$ROOT" bash -c 'for c in psql pg_config pg_virtualenv g++ cmake make clang sudo git; do
    command -v $c >/dev/null && echo "  has $c" || echo "  no $c"; done'

run_in_root() {  # run_in_root NAME COMMAND: the command as a fresh root shell would
    local name=$1 cmd=$2 log="$ROOT.$1.log" start=$SECONDS rc=0
    echo "== chroot $ROOT: cd /root/reliability && $cmd   (log: $log)"
    chroot "$ROOT" env -i HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd /root/reliability && $cmd" </dev/null >"$log" 2>&1 || rc=$?
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
