#!/bin/bash
# record.sh: regenerate the systemd 252 oracle data under conformance/testdata/.
#
#   sudo conformance/record.sh
#
# Boots real systemd 252 (Debian bookworm) with nsboot in fresh namespaces on a
# scratch copy of the cached root filesystem, with the hand-written corpus of
# testdata/extra/ installed, makes it load every unit at once and records what
# systemctl prints.  Also records `systemd-analyze verify` of the host for the
# unit files in testdata/verify/.  See conformance/README.md.
#
# Environment:
#   GOSD_CACHE    cache directory (default /var/cache/gosd); the rootfs is
#                 $GOSD_CACHE/rootfs-bookworm, built with nsboot when missing,
#                 never modified; the scratch copy is $GOSD_CACHE/oracle-scratch
#   NSBOOT        path of nsboot (default /work/shared/oracle/nsboot)
#   KEEP_SCRATCH  if set to 1, keep the scratch rootfs after the run
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
TD=$HERE/testdata
NSBOOT=${NSBOOT:-/work/shared/oracle/nsboot}
CACHE=${GOSD_CACHE:-/var/cache/gosd}
ROOTFS=$CACHE/rootfs-bookworm
SCRATCH=$CACHE/oracle-scratch
OUT=$CACHE/oracle-out
PKGS="nginx-light redis-server memcached openssh-server postgresql cron dbus"
HELPER=gosd-oracle-all.target
# Template instances recorded in addition to every non-template unit file.
INSTANCES='getty@tty1.service
serial-getty@ttyS0.service
container-getty@1.service
autovt@tty2.service
postgresql@15-main.service
modprobe@loop.service
user@0.service
user-runtime-dir@0.service
systemd-fsck@dev-vda1.service
gosdt@one.service
gosdt@two.service
gosdt-alias@three.service
gosdd@def.service
gosdw@one.service
gosd-echo@1.service
gosd-spec@foo\x2dbar-baz.service'

export LC_ALL=C
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'record.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$NSBOOT" ] || die "nsboot not found at $NSBOOT"
command -v systemd-analyze >/dev/null || die "systemd-analyze (host) not found"

pid=
VROOT=
cleanup() {
	rc=$?
	if [ -n "$pid" ]; then
		say "stopping namespace pid $pid"
		"$NSBOOT" stop "$pid" || true
	fi
	[ -n "$VROOT" ] && rm -rf "$VROOT"
	if [ "${KEEP_SCRATCH:-0}" != 1 ]; then
		rm -rf "$SCRATCH" "$CACHE/nsboot-oracle-scratch.log"
	fi
	rm -rf "$OUT"
	[ $rc = 0 ] || say "FAILED (exit $rc); testdata left unchanged"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns() { "$NSBOOT" exec "$pid" "$@"; }

# ---------------------------------------------------------------- rootfs
mkdir -p "$CACHE"
if [ ! -f "$ROOTFS/.nsboot-complete" ]; then
	say "building $ROOTFS with nsboot (about a minute)"
	# shellcheck disable=SC2086
	"$NSBOOT" rootfs "$ROOTFS" $PKGS >/dev/null
fi
say "copying $ROOTFS to $SCRATCH"
rm -rf "$SCRATCH" "$OUT"
cp -a "$ROOTFS" "$SCRATCH"
mkdir -p "$OUT"

say "installing testdata/extra into the scratch rootfs"
(cd "$TD/extra" && tar -cf - .) | tar -C "$SCRATCH" -xf - --no-same-owner

# ---------------------------------------------------------------- boot
say "booting systemd in $SCRATCH"
pid=$("$NSBOOT" start "$SCRATCH")
say "namespace PID 1 is host pid $pid"
state=
for i in $(seq 120); do
	state=$(ns systemctl is-system-running --wait 2>/dev/null) || true
	case $state in running|degraded) break ;; esac
	sleep 1
done
case $state in running|degraded) ;; *) die "systemd did not come up (state '$state')" ;; esac
say "system state: $state"

# /run is a fresh tmpfs inside the namespace: copy the runtime units in.
say "installing runtime units into the namespace's /run/systemd/system"
(cd "$SCRATCH/run" && tar -cf - systemd/system) | ns tar -C /run -xf - --no-same-owner

say "enabling units (Alias=, DefaultInstance=, --runtime)"
{
	echo "# command: systemctl enable gosd-aliased.service gosdd@.service gosd-unknown.service"
	ns systemctl enable gosd-aliased.service gosdd@.service gosd-unknown.service 2>&1
	echo "# command: systemctl enable --runtime gosd-rtenable.service"
	ns systemctl enable --runtime gosd-rtenable.service 2>&1
} > "$OUT/enable.txt"
cat "$OUT/enable.txt" >&2
ns systemctl daemon-reload

# ---------------------------------------------------------------- unit files
hdr() { printf '# command: %s\n' "$*"; }

say "recording list-unit-files, get-default, is-enabled"
{ hdr systemctl list-unit-files --no-pager --all; ns systemctl list-unit-files --no-pager --all; } > "$OUT/list-unit-files.txt"
{ hdr systemctl get-default; ns systemctl get-default; } > "$OUT/get-default.txt"
{ hdr systemd-analyze unit-paths; ns systemd-analyze unit-paths; } > "$OUT/unit-paths.txt"
ns systemctl list-unit-files --no-legend --no-pager --all | awk '{print $1}' > "$OUT/unit-files.list"
[ -s "$OUT/unit-files.list" ] || die "no unit files listed"
{
	printf '# command: systemctl is-enabled NAME, for every unit file; columns: NAME<TAB>EXIT<TAB>OUTPUT (stdout and stderr, newlines shown as \\n)\n'
	while IFS= read -r u; do
		r=0; o=$(ns systemctl is-enabled "$u" 2>&1) || r=$?
		printf '%s\t%s\t%s\n' "$u" "$r" "$(printf '%s' "$o" | awk 'NR>1{printf "\\n"}{printf "%s",$0}')"
	done < "$OUT/unit-files.list"
} > "$OUT/is-enabled.txt"

# ---------------------------------------------------------------- root copy
say "copying the unit tree to testdata/root"
NSROOT=/proc/$pid/root
R=$OUT/root
mkdir -p "$R/etc/systemd" "$R/usr/lib/systemd" "$R/usr/local/lib/systemd" "$R/run/systemd"
for p in etc/systemd/system etc/systemd/system-preset usr/lib/systemd/system usr/lib/systemd/system-preset \
	usr/local/lib/systemd/system run/systemd/system run/systemd/generator run/systemd/generator.early \
	run/systemd/generator.late run/systemd/transient run/systemd/system.control etc/systemd/system.control; do
	[ -e "$NSROOT/$p" ] || continue
	[ -z "$(ls -A "$NSROOT/$p")" ] && continue
	cp -a "$NSROOT/$p" "$R/$p"
done
for p in usr/lib/os-release etc/os-release etc/machine-id etc/hostname lib bin sbin; do
	cp -a "$NSROOT/$p" "$R/$p"
done
rmdir "$R/usr/local/lib/systemd" "$R/usr/local/lib" "$R/usr/local" 2>/dev/null || true
# Empty directories cannot be committed to git; list them so a test can recreate them.
(cd "$R" && find . -mindepth 1 -type d -empty | sed 's|^\./||' | sort) > "$OUT/root.emptydirs"
if [ -s "$OUT/root.emptydirs" ]; then say "note: empty directories in root: $(tr '\n' ' ' < "$OUT/root.emptydirs")"; fi
big=$(find "$R" -type f -size +256k)
[ -z "$big" ] || die "unexpectedly large files in root copy: $big"
say "root copy size: $(du -sh "$R" | cut -f1)"
(
	cd "$R"
	find . -mindepth 1 \( -type f -o -type l \) | sed 's|^\./||' | sort | while IFS= read -r f; do
		if [ -L "$f" ]; then
			t=$(readlink "$f")
			printf '%s  %s -> %s\n' "$(printf '%s' "$t" | sha256sum | cut -d' ' -f1)" "$f" "$t"
		else
			printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
		fi
	done
) > "$OUT/root.sha256"

# ---------------------------------------------------------------- load everything
say "loading every unit via $HELPER"
grep -v '@\.[a-z]*$' "$OUT/unit-files.list" > "$OUT/names.list"
printf '%s\n' "$INSTANCES" >> "$OUT/names.list"
before=$(ns systemctl list-units --all --no-legend --no-pager | wc -l)
{
	echo "[Unit]"
	echo "Description=gosd conformance helper: keeps every unit loaded (filter me out)"
	echo "DefaultDependencies=no"
	sed 's/%/%%/g; s/^/After=/' "$OUT/names.list"
} | ns sh -c "cat > /run/systemd/system/$HELPER"
cursor=$(ns journalctl -q -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
ns systemctl daemon-reload
ns systemctl start "$HELPER"
ns systemctl is-active -q "$HELPER" || die "$HELPER is not active"
after=$(ns systemctl list-units --all --no-legend --no-pager | wc -l)
say "loaded units: $before before, $after after starting $HELPER ($(wc -l < "$OUT/names.list") names to record)"
{ hdr systemctl list-units --all --no-pager; ns systemctl list-units --all --no-pager; } > "$OUT/list-units-all.txt"

# ---------------------------------------------------------------- show
say "recording systemctl show --all for every unit"
mkdir -p "$OUT/show"
notloaded=
while IFS= read -r u; do
	r=0; ns systemctl show --all "$u" > "$OUT/show/$u" 2> "$OUT/show.err" || r=$?
	if [ $r != 0 ] || [ -s "$OUT/show.err" ]; then
		die "systemctl show --all $u failed (exit $r): $(cat "$OUT/show.err")"
	fi
	ls=$(sed -n 's/^LoadState=//p' "$OUT/show/$u")
	[ "$ls" = loaded ] || notloaded="$notloaded $u=$ls"
done < "$OUT/names.list"
rm -f "$OUT/show.err"
say "units not LoadState=loaded:$notloaded"
ns systemctl list-units --all --no-legend --no-pager --plain | awk '{print $1}' | sort > "$OUT/loaded.list"
missing=
while IFS= read -r u; do
	id=$(sed -n 's/^Id=//p' "$OUT/show/$u")
	grep -qxF "$id" "$OUT/loaded.list" || missing="$missing $u"
done < "$OUT/names.list"
rm -f "$OUT/loaded.list"
[ -z "$missing" ] || die "units not kept loaded by $HELPER:$missing"

# ---------------------------------------------------------------- commands with errors
# Writes NAME.stdout, NAME.stderr and NAME.exit under errors/.
mkdir -p "$OUT/errors"
rec3() {
	n=$1; shift
	r=0; ns "$@" > "$OUT/errors/$n.stdout" 2> "$OUT/errors/$n.stderr" || r=$?
	echo "$r" > "$OUT/errors/$n.exit"
	printf '%s\t%s\n' "$n" "$*" >> "$OUT/errors/COMMANDS"
}
say "recording error cases"
printf '# NAME<TAB>command; NAME.stdout, NAME.stderr, NAME.exit hold what it printed and its exit status\n' > "$OUT/errors/COMMANDS"
rec3 show-template-getty systemctl show --all getty@.service
rec3 show-template-gosdd systemctl show --all gosdd@.service
rec3 show-nonexistent systemctl show --all gosd-nonexistent.service
rec3 status-nonexistent systemctl status --no-pager gosd-nonexistent.service
rec3 show-nonexistent-dep systemctl show --all gosd-nonexistent-dep.service
rec3 show-invalid-name systemctl show --all 'gosd-invalid name.service'
rec3 show-no-suffix systemctl show --all gosd-nosuffix

# ---------------------------------------------------------------- aliases
say "recording alias lookups"
{
	awk '$2 == "alias" {print $1}' "$OUT/list-unit-files.txt" | grep -v '@\.[a-z]*$' || true
	echo sshd.service
	echo autovt@tty2.service
	echo gosdt-alias@three.service
} | sort -u > "$OUT/aliases.list"
while IFS= read -r a; do
	echo "# command: systemctl show -p Id,Names $a"
	ns systemctl show -p Id,Names "$a" 2>&1
	echo
done < "$OUT/aliases.list" > "$OUT/aliases.txt"
rm -f "$OUT/aliases.list"

# ---------------------------------------------------------------- dependencies
say "recording list-dependencies"
for t in default.target multi-user.target sockets.target gosd-group.target gosd-a.service; do
	{ hdr systemctl list-dependencies --no-pager --plain "$t"; ns systemctl list-dependencies --no-pager --plain "$t"; } > "$OUT/list-dependencies_$t.txt"
done

# ---------------------------------------------------------------- manager and environment
say "recording manager properties and oracle environment"
ns systemctl show > "$OUT/manager.show"
ns systemctl show --all > "$OUT/manager-all.show"
{
	echo "# gosd oracle environment, as seen inside the namespace (KEY=VALUE)"
	echo "SYSTEMD_VERSION=$(ns systemctl --version | head -n1)"
	echo "SYSTEMD_FEATURES=$(ns systemctl --version | sed -n 2p)"
	echo "MACHINE_ID=$(ns cat /etc/machine-id)"
	echo "BOOT_ID=$(ns cat /proc/sys/kernel/random/boot_id)"
	echo "HOSTNAME=$(ns cat /proc/sys/kernel/hostname)"
	echo "ETC_HOSTNAME=$(ns cat /etc/hostname)"
	echo "PRETTY_HOSTNAME_FILE=$(ns sh -c 'cat /etc/machine-info 2>/dev/null || echo "(no /etc/machine-info)"' | tr '\n' ' ')"
	echo "ARCHITECTURE=$(ns systemctl show -p Architecture --value)"
	echo "UNAME_MACHINE=$(ns uname -m)"
	echo "KERNEL_RELEASE=$(ns uname -r)"
	echo "VIRTUALIZATION=$(ns systemd-detect-virt || true)"
	echo "ROOT_PASSWD=$(ns getent passwd root)"
	echo "ROOT_GROUP=$(ns getent group root)"
	ns cat /etc/os-release | grep -v '^#' | grep . | sed 's/^/OS_RELEASE_/'
	ns cat /proc/1/environ | tr '\0' '\n' | grep . | sed 's/^/PID1_ENV_/'
	ns systemctl show-environment | sed 's/^/MANAGER_ENV_/'
} > "$OUT/oracle-env.txt"
{
	echo "# dpkg-query -W of the recorded rootfs"
	for f in "$SCRATCH"/var/lib/apt/lists/*_InRelease; do
		[ -e "$f" ] || continue
		printf '# %s: %s\n' "$(basename "$f")" "$(sed -n 's/^Date: //p' "$f" | head -n1)"
	done
	dpkg-query --admindir="$SCRATCH/var/lib/dpkg" -W
} > "$OUT/packages.txt"

# Warnings PID 1 logged while (re)loading the units for this recording.
ns journalctl -q --no-pager -o cat --after-cursor="$cursor" _PID=1 > "$OUT/pid1-load-messages.txt" || true

# ---------------------------------------------------------------- verify
say "recording host systemd-analyze verify for testdata/verify"
VROOT=$(mktemp -d /tmp/gosd-verify.XXXXXX)
mkdir -p "$OUT/verify"
(cd "$TD/verify" && ls -1 | grep '\.service$') > "$OUT/verify.list"
# The 1 MiB line unit is generated, not committed (see README).
gen_longline() {
	printf '[Unit]\nDescription='
	head -c 1048576 /dev/zero | tr '\0' x
	printf '\nDefaultDependencies=no\n\n[Service]\nExecStart=/bin/true\n'
}
echo gosdv-longline.service >> "$OUT/verify.list"
hostver=$(systemd-analyze --version | head -n1)
while IFS= read -r f; do
	rm -rf "$VROOT"; mkdir -p "$VROOT/etc/systemd/system" "$VROOT/usr/bin"
	ln -s usr/bin "$VROOT/bin"
	for b in true false echo sleep cat; do install -m 0755 /dev/null "$VROOT/usr/bin/$b"; done
	cp "$TD"/verify/*.service "$VROOT/etc/systemd/system/"
	[ "$f" = gosdv-longline.service ] && gen_longline > "$VROOT/etc/systemd/system/$f"
	r=0
	(cd / && systemd-analyze verify --root="$VROOT" "/etc/systemd/system/$f") > "$OUT/verify/$f.out" 2>&1 || r=$?
	sed "s|$VROOT|<ROOT>|g" "$OUT/verify/$f.out" > "$OUT/verify/${f%.service}.expected"
	rm -f "$OUT/verify/$f.out"
	echo "$r" > "$OUT/verify/${f%.service}.exit"
done < "$OUT/verify.list"
echo "$hostver" > "$OUT/verify/VERSION"
rm -f "$OUT/verify.list"

# ---------------------------------------------------------------- directives
say "recording the directive table of systemd's unit-file parser"
lib=$(ls "$ROOTFS"/usr/lib/*/systemd/libsystemd-core-252*.so | head -n1)
{
	echo "# Section.Directive keys of systemd 252's unit-file parser (its gperf table),"
	echo "# from the strings of libsystemd-core-252.so in the recorded rootfs (record.sh)."
	strings "$lib" | grep -E '^(Unit|Service|Socket|Timer|Path|Mount|Automount|Swap|Slice|Scope|Install)\.[A-Z][A-Za-z0-9]+$' | LC_ALL=C sort -u
} > "$OUT/directives.txt"

# ---------------------------------------------------------------- install results
say "installing results into $TD"
rm -f "$OUT/unit-files.list"
mv "$OUT/names.list" "$OUT/recorded-units.list"
for d in show root errors; do rm -rf "${TD:?}/$d"; mv "$OUT/$d" "$TD/$d"; done
rm -f "$TD"/verify/*.expected "$TD"/verify/*.exit "$TD/verify/VERSION"
mv "$OUT"/verify/* "$TD/verify/"
rmdir "$OUT/verify"
for f in "$OUT"/*; do mv "$f" "$TD/"; done
say "done: $(ls "$TD/show" | wc -l) units recorded, testdata is $(du -sh "$TD" | cut -f1)"
