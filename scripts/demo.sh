#!/bin/sh
# Builds nothing: runs the gosd binary given as $1 (default bin/gosd) on the
# units in test_units/, installed into a scratch root, and shows what gosd
# makes of them offline: enablement, the dependency tree, problems found
# and the properties systemd would show. (A boot of these units as PID 1
# comes with the engine.)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd -P)
gosd=${1:-$here/bin/gosd}
root=$(mktemp -d /tmp/gosd-demo.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd/system"
cp -r "$here"/test_units/* "$root/etc/systemd/system/"
for t in multi-user.target sockets.target timers.target sysinit.target basic.target shutdown.target; do
	printf '[Unit]\nDescription=%s\n' "$t" > "$root/usr/lib/systemd/system/$t"
done
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say gosd systemctl enable demo.target demo-worker.service demo-web@.service demo-echo.socket demo-tick.timer
"$gosd" systemctl --root="$root" enable demo.target demo-worker.service demo-web@.service demo-echo.socket demo-tick.timer
say gosd systemctl list-unit-files 'demo*'
"$gosd" systemctl --root="$root" list-unit-files 'demo*'
say gosd systemctl list-dependencies demo.target
"$gosd" systemctl --root="$root" list-dependencies demo.target
say gosd verify /etc/systemd/system/demo-worker.service
"$gosd" verify --root="$root" /etc/systemd/system/demo-worker.service && echo "(no problems)"
say gosd systemctl cat demo-worker.service
"$gosd" systemctl --root="$root" cat demo-worker.service
say gosd systemctl show -p Id,Names,Requires,After,Environment,ExecStart,TimeoutStopUSec,Restart,DropInPaths demo-worker.service
"$gosd" systemctl --root="$root" show -p Id,Names,Requires,After,Environment,ExecStart,TimeoutStopUSec,Restart,DropInPaths demo-worker.service
say gosd systemctl show -p Id,Description,ExecStart demo-web@main.service
"$gosd" systemctl --root="$root" show -p Id,Description,ExecStart demo-web@main.service
