#!/bin/sh
# Boots gosd as PID 1 of fresh pid, mount, uts and ipc namespaces, on a
# root filesystem of a few megabytes made here from the static gosd binary
# ($1, default bin/gosd), a shell and a handful of the host's programs
# with their libraries, and the units of test_units/. Then it talks to the
# running gosd with systemctl, connects to the socket-activated echo
# service, stops gosd and shows its console. Needs root (unshare, chroot).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd -P)
gosd=${1:-$here/bin/gosd}
[ "$(id -u)" = 0 ] || { echo "demo.sh: the boot demo needs root (namespaces, chroot)" >&2; exit 1; }
root=$(mktemp -d /tmp/gosd-demo.XXXXXX)
log=$root.console
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && sleep 0.5
	rm -rf "$root" "$log"
}
trap cleanup EXIT

# The image: gosd, its multi-call names, and what the demo units run.
mkdir -p "$root"/sbin "$root"/bin "$root"/etc/systemd/system "$root"/usr/lib/systemd/system \
	"$root"/proc "$root"/run "$root"/tmp "$root"/dev "$root"/var/lib
cp "$gosd" "$root/sbin/gosd"
for n in systemctl systemd-notify systemd-analyze; do ln -s gosd "$root/sbin/$n"; done
for p in sh bash cat echo sleep test env; do
	b=
	for d in /bin /usr/bin; do [ -x "$d/$p" ] && { b=$d/$p; break; }; done
	[ -n "$b" ] || continue
	cp -L "$b" "$root/bin/$p"
	for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L -n "$lib" "$root$lib"
	done
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
echo demo > "$root/etc/hostname"
cp -r "$here"/test_units/* "$root/etc/systemd/system/"
for t in sysinit basic sockets timers paths shutdown multi-user; do
	printf '[Unit]\nDescription=%s\nDefaultDependencies=no\n' "$t.target" > "$root/usr/lib/systemd/system/$t.target"
done
echo "image: $(du -sh "$root" | cut -f1) in $root"

# The boot: gosd is PID 1 of the new pid namespace.
unshare --pid --fork --mount --uts --ipc --propagation private sh -c '
	r=$1
	mount -t proc proc "$r/proc"
	mount -t tmpfs tmpfs "$r/run"
	mount -t tmpfs tmpfs "$r/tmp"
	mount --rbind /dev "$r/dev"
	exec chroot "$r" /sbin/gosd --unit=demo.target' sh "$root" >"$log" 2>&1 &
ushare=$!
for i in $(seq 100); do
	pid=$(cat /proc/$ushare/task/*/children 2>/dev/null | awk '{print $1}')
	[ -n "$pid" ] && [ -S "$root/run/gosd/private" ] 2>/dev/null && break
	sleep 0.05
done
in_ns() { nsenter -t "$pid" -m -u -i -p -r -w "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
sleep 1
say systemctl list-units
in_ns /sbin/systemctl list-units
say systemctl status demo-worker.service
in_ns /sbin/systemctl status demo-worker.service || true
say "echo hello | connect to demo-echo.socket (Accept=yes)"
in_ns /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/7777 2>/dev/null && { echo hello >&3; read -r line <&3; echo "echoed: $line"; } || echo "(this shell has no /dev/tcp)"'
say systemctl kill -s KILL demo-worker.service '# Restart=on-failure brings it back'
in_ns /sbin/systemctl kill -s KILL demo-worker.service
sleep 1.5
in_ns /sbin/systemctl show -p ActiveState,SubState,NRestarts,MainPID demo-worker.service
say kill -TERM "<gosd>" '# gosd stops every unit and exits'
kill -TERM "$pid"
wait "$ushare" || true
pid=
say "gosd's console"
cat "$log"
