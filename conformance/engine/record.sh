#!/bin/sh
# record.sh [SCENARIO-REGEXP]: run the differential scenarios under systemd
# 252 and write its transcripts to testdata/NAME.systemd (and
# testdata/VERSION). See README.md.
#
# Needs root, nsboot and Go. Builds the rootfs with nsboot when it is
# missing (the same package list as conformance/record.sh); never writes
# to it: every scenario boots on its own overlay.
#
# Environment:
#   GOSD_CACHE  cache directory (default /var/cache/gosd); the rootfs is
#               $GOSD_CACHE/rootfs-bookworm
#   NSBOOT      path of nsboot (default /work/shared/oracle/nsboot)
#   CHECK       if 1, afterwards run the same scenarios under systemd again
#               and compare them with the new recordings (reproducibility)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
NSBOOT=${NSBOOT:-/work/shared/oracle/nsboot}
CACHE=${GOSD_CACHE:-/var/cache/gosd}
ROOTFS=$CACHE/rootfs-bookworm
PKGS="nginx-light redis-server memcached openssh-server postgresql cron dbus"

die() { printf 'record.sh: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$NSBOOT" ] || die "nsboot not found at $NSBOOT"
command -v go >/dev/null || die "go not found"

if [ ! -f "$ROOTFS/.nsboot-complete" ]; then
	printf '== building %s with nsboot (about a minute)\n' "$ROOTFS" >&2
	mkdir -p "$CACHE"
	# shellcheck disable=SC2086
	"$NSBOOT" rootfs "$ROOTFS" $PKGS >/dev/null
fi

run="TestEngineMatchesSystemd${1:+/$1}"
cd "$HERE"
export NSBOOT GOSD_CACHE="$CACHE"
go test -count=1 -timeout 60m -run "$run" . -args -record
if [ "${CHECK:-0}" = 1 ]; then
	go test -count=1 -timeout 60m -run "$run" . -args -manager=systemd
fi
