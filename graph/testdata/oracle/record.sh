#!/bin/sh
# record.sh: observe systemd 252 building transactions, and record
# `systemd-analyze dot`, for graph's tests. Needs root and nsboot.
#
#   sudo graph/testdata/oracle/record.sh
#
# It mounts an overlay over the cached Debian rootfs (never modified),
# installs conformance/testdata/extra as conformance/record.sh does, plus
# the small unit sets of graph/testdata/transactions, boots systemd with
# nsboot and runs:
#   1. `systemd-analyze dot` over the conformance units, with every
#      recorded unit kept loaded by a helper target (graph-oracle-all.target,
#      to be filtered out): cmd/gosd/testdata/dot/*.dot;
#   2. the systemctl commands the transcripts quote, each with its output,
#      exit status and the transaction messages systemd logged:
#      graph/testdata/oracle/systemd252.txt.
# With KEEP=1 the namespace and overlay are left for inspection.
# Job numbers and the order of -T's "auxiliary job" lines, and the unit a
# cycle's log lines start from, follow systemd's hash tables and differ
# from run to run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd -P)
REPO=$(cd "$HERE/../../.." && pwd -P)
NSBOOT=${NSBOOT:-/work/shared/oracle/nsboot}
CACHE=${GOSD_CACHE:-/var/cache/gosd}
ROOTFS=$CACHE/rootfs-bookworm
WORK=$(mktemp -d /tmp/gosd-graph-oracle.XXXXXX)
MNT=$WORK/root
OUT=$HERE/systemd252.txt
DOTDIR=$REPO/cmd/gosd/testdata/dot
HELPER=graph-oracle-all.target

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root" >&2; exit 1; }
[ -f "$ROOTFS/.nsboot-complete" ] || { echo "record.sh: no rootfs at $ROOTFS (run conformance/record.sh first)" >&2; exit 1; }

pid=
cleanup() {
	if [ "${KEEP:-0}" = 1 ] && [ -n "$pid" ]; then
		echo "record.sh: KEEP=1: namespace pid $pid left running on $MNT" >&2
		return
	fi
	[ -n "$pid" ] && "$NSBOOT" stop "$pid" || true
	umount "$MNT" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$WORK/up" "$WORK/work" "$MNT"
mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$WORK/up,workdir=$WORK/work" "$MNT"
(cd "$REPO/conformance/testdata/extra" && tar -cf - .) | tar -C "$MNT" -xf - --no-same-owner

# unit NAME [LINE...]: a unit with DefaultDependencies=no; LINEs go to
# [Unit] unless they start with "S:" ([Service]) or "X:" (the unit's own
# section). A service is Type=oneshot, RemainAfterExit=yes,
# ExecStart=/bin/true unless S: lines say otherwise.
D=$MNT/etc/systemd/system
unit() {
	n=$1; shift
	{
		printf '[Unit]\nDefaultDependencies=no\n'
		for l in "$@"; do case $l in S:*|X:*) ;; *) printf '%s\n' "$l" ;; esac; done
		case $n in
		*.service)
			printf '[Service]\n'
			own=$(for l in "$@"; do case $l in S:*) printf '%s\n' "${l#S:}" ;; esac; done)
			printf '%s\n' "$own" | grep -q '^Type=' || printf 'Type=oneshot\n'
			printf '%s\n' "$own" | grep -q '^RemainAfterExit=' || printf 'RemainAfterExit=yes\n'
			printf '%s\n' "$own" | grep -q '^ExecStart=' || printf 'ExecStart=/bin/true\n'
			[ -n "$own" ] && printf '%s\n' "$own" ;;
		*.socket) printf '[Socket]\n' ;;
		*.path) printf '[Path]\n' ;;
		*.timer) printf '[Timer]\n' ;;
		esac
		for l in "$@"; do case $l in X:*) printf '%s\n' "${l#X:}" ;; esac; done
	} > "$D/$n"
}
unit cw-a.service Wants=cw-b.service After=cw-b.service
unit cw-b.service After=cw-a.service
unit cr-a.service Requires=cr-b.service After=cr-b.service
unit cr-b.service Requires=cr-a.service After=cr-a.service
unit c3-x.service Requires=c3-y.service After=c3-y.service
unit c3-y.service Wants=c3-z.service After=c3-z.service
unit c3-z.service After=c3-x.service
unit nf-req.service Requires=nf-missing.service
unit nf-want.service Wants=nf-missing.service
unit mk-req.service Requires=mk-masked.service
unit mk-want.service Wants=mk-masked.service
ln -sf /dev/null "$D/mk-masked.service"
ln -sf /dev/null "$D/mk-masked.target"
unit rf-start.service RefuseManualStart=yes
unit rf-stop.service RefuseManualStop=yes
unit rf-dep.service Requires=rf-start.service
unit slow.service "S:ExecStart=/bin/sleep 300" S:RemainAfterExit=no
unit after-slow.service Requires=slow.service After=slow.service
unit after-slow2.service Wants=after-slow.service After=after-slow.service
unit cf-a.service Conflicts=cf-b.service
unit cf-b.service
unit cf-both.service Requires=cf-b.service Conflicts=cf-b.service
unit rq-base.service
unit rq-user.service Requisite=rq-base.service After=rq-base.service
unit rq-req.service Requires=rq-base.service After=rq-base.service
unit rq-bind.service BindsTo=rq-base.service After=rq-base.service
unit rq-part.service PartOf=rq-base.service
unit rq-wants.service Wants=rq-base.service
unit rl-a.service PropagatesReloadTo=rl-b.service S:ExecReload=/bin/true
unit rl-b.service S:ExecReload=/bin/true
unit rl-c.service PropagatesReloadTo=rl-b.service
unit rl-none.service
unit rl-t.target PropagatesReloadTo=rl-b.service
unit rl.socket X:ListenStream=/run/rl.sock X:Service=rl-b.service
unit rl.timer X:OnCalendar=yearly X:Unit=rl-b.service
unit noiso.target
unit iso2.target AllowIsolate=yes Wants=cf-a.service
unit up-a.service Upholds=up-b.service
unit up-b.service
unit ps-a.service PropagatesStopTo=ps-b.service
unit ps-b.service
unit ps-c.service StopPropagatedFrom=ps-a.service
unit tr-svc.service
unit tr.socket X:ListenStream=/run/tr.sock X:Service=tr-svc.service
unit tr.path X:PathExists=/run/nonexist-tr X:Unit=tr-svc.service
unit w-a.service Wants=w-b.service
unit w-b.service Requires=w-missing.service Wants=w-c.service
unit w-c.service
unit bs-bad.service S:Type=simple S:ExecStart=
unit bs-w.service Wants=bs-bad.service
unit bs-r.service Requires=bs-bad.service
unit bs-w2.service Wants=bs-r.service
unit ij-x.service After=ij-y.service
unit ij-y.service After=ij-x.service "S:ExecStart=/bin/sleep 300" S:RemainAfterExit=no
unit ij-z.service Wants=ij-x.service
unit ir.service "S:ExecStart=/bin/sleep 300" S:RemainAfterExit=no
printf '[Unit]\nDefaultDependencies=no\n\377\376\n[Service]\nExecStart=/bin/true\n' > "$D/le-bad.service"
unit le-r.service Requires=le-bad.service
unit mg-top.service Wants=mg-x.service Wants=mg-y.service
unit mg-x.service
unit mg-y.service Wants=mg-z.service
unit mg-z.service Conflicts=mg-x.service
unit mg2-top.service Wants=mg2-x.service Wants=mg2-y.service
unit mg2-x.service Conflicts=mg2-z.service
unit mg2-y.service Wants=mg2-z.service
unit mg2-z.service
unit mg3-c.service Requires=mg3-a.service Conflicts=mg3-b.service
unit mg3-a.service Wants=mg3-b.service
unit mg3-b.service
unit rs-x.service Requires=rs-y.service
unit rs-y.service Requires=rs-x.service

pid=$("$NSBOOT" start "$MNT")
ns() { "$NSBOOT" exec "$pid" "$@"; }
for i in $(seq 120); do
	case $(ns systemctl is-system-running --wait 2>/dev/null || true) in running|degraded) break ;; esac
	sleep 1
done
(cd "$MNT/run" && tar -cf - systemd/system) | ns tar -C /run -xf - --no-same-owner
ns systemctl enable gosd-aliased.service gosdd@.service gosd-unknown.service >/dev/null 2>&1
ns systemctl enable --runtime gosd-rtenable.service >/dev/null 2>&1
{
	printf '[Unit]\nDescription=keeps every recorded unit loaded (filter me out)\nDefaultDependencies=no\n'
	sed 's/%/%%/g; s/^/After=/' "$REPO/conformance/testdata/recorded-units.list"
} | ns sh -c "cat > /run/systemd/system/$HELPER"
ns systemctl daemon-reload
ns systemctl start "$HELPER"

# ---------------------------------------------------------------- dot
mkdir -p "$DOTDIR"
dot() { # dot FILE ARGS...: record `systemd-analyze dot ARGS` in FILE
	f=$1; shift
	{ printf '# command: systemd-analyze dot'; printf " '%s'" "$@"; printf '\n'; ns systemd-analyze dot "$@" 2>/dev/null; } > "$DOTDIR/$f"
}
dot gosd.dot 'gosd*'
dot order-targets.dot --order --from-pattern='gosd*' --to-pattern='*.target'
dot require-multi-user.dot --require multi-user.target
ns systemd-analyze dot 'gosd-a*' 2>"$DOTDIR/legend.stderr" >/dev/null

# ---------------------------------------------------------------- transactions
cursor=$(ns journalctl -q -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
run() { # run CMD...: the command, its output and exit status, and what systemd logged of transactions
	printf '$ %s\n' "$*"
	r=0; ns "$@" 2>&1 || r=$?
	printf '[exit %s]\n' "$r"
	sleep 0.3
	ns journalctl -q --no-pager -o cat --after-cursor="$cursor" _PID=1 |
		grep -e 'Found ' -e 'deleted to break' -e 'Unable to break' -e 'Requested transaction' -e 'Cannot add' |
		sed 's/^/  log: /' || true
	cursor=$(ns journalctl -q -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
}
{
	printf '# systemd 252 (%s), recorded by graph/testdata/oracle/record.sh\n' "$(ns systemctl --version | head -1)"
	run systemctl start cw-a.service
	run systemctl start cr-a.service
	run systemctl start c3-x.service
	run systemctl start -T c3-x.service
	run systemctl start -T nf-req.service
	run systemctl start -T nf-want.service
	run systemctl start -T mk-req.service
	run systemctl start -T mk-want.service
	run systemctl start mk-masked.service
	run systemctl start rf-start.service
	run systemctl start -T rf-dep.service
	run systemctl stop rf-dep.service rf-start.service
	run systemctl start rf-stop.service
	run systemctl stop rf-stop.service
	run systemctl restart rf-stop.service
	run systemctl isolate noiso.target
	run systemctl isolate nothere.target
	run systemctl isolate mk-masked.target
	run systemctl stop nf-nothere.service
	run systemctl reload rl-none.service
	run systemctl start --job-mode=bogus rl-none.service
	run systemctl start --job-mode=triggering rl-none.service
	run systemctl stop --job-mode=isolate rl-none.service
	run systemctl start cf-both.service
	run systemctl start --no-block after-slow2.service
	run systemctl list-jobs --no-pager
	run systemctl stop --job-mode=fail slow.service
	run systemctl stop --job-mode=fail after-slow2.service
	run systemctl stop -T --no-block slow.service
	run systemctl list-jobs --no-pager
	run systemctl start rq-base.service rq-user.service rq-req.service rq-bind.service rq-part.service rq-wants.service
	run systemctl restart -T rq-base.service
	run systemctl stop -T rq-base.service
	run systemctl is-active rq-base.service rq-user.service rq-req.service rq-bind.service rq-part.service rq-wants.service
	run systemctl start -T rq-req.service
	run systemctl restart -T rq-base.service
	run systemctl stop rq-req.service rq-base.service rq-wants.service
	run systemctl start -T --job-mode=ignore-dependencies rq-req.service
	run systemctl stop rq-req.service
	run systemctl start -T --job-mode=ignore-requirements rq-req.service
	run systemctl stop rq-req.service rq-base.service
	run systemctl start rl-a.service rl-b.service rl-t.target
	run systemctl reload -T rl-a.service
	run systemctl try-restart -T rl-none.service
	run systemctl reload-or-restart -T rl-none.service
	run systemctl reload-or-restart -T rl-b.service
	run systemctl stop rl-b.service
	run systemctl reload-or-restart -T rl-b.service
	run systemctl reload -T rl-c.service
	run systemctl reload -T rl.socket
	run systemctl reload -T rl.timer
	run systemctl reload -T rl-t.target
	run systemctl restart -T system.slice
	run systemctl stop -T init.scope
	run systemctl start -T up-a.service
	run systemctl start ps-a.service ps-b.service ps-c.service
	run systemctl stop -T ps-a.service
	run systemctl start ps-a.service ps-b.service ps-c.service
	run systemctl restart -T ps-a.service
	run systemctl start tr.socket tr.path tr-svc.service
	run systemctl stop -T --job-mode=triggering tr-svc.service
	run systemctl start -T w-a.service
	run systemctl is-active w-b.service w-c.service
	run systemctl start -T bs-w.service
	run systemctl start -T bs-r.service
	run systemctl start -T bs-w2.service
	run systemctl start --no-block ij-y.service
	run systemctl start -T ij-x.service
	run systemctl start -T ij-z.service
	run systemctl stop ij-y.service ij-x.service ij-z.service
	run systemctl start --no-block --job-mode=replace-irreversibly ir.service
	run systemctl stop ir.service
	run systemctl start --no-block ir.service
	run systemctl list-jobs --no-pager
	run systemctl kill ir.service
	run systemctl start cf-a.service
	run systemctl start -T --job-mode=fail cf-b.service
	run systemctl is-active cf-a.service cf-b.service
	run systemctl stop cf-a.service cf-b.service
	run systemctl start -T cf-a.service
	run systemctl start -T cf-b.service
	run systemctl stop cf-a.service cf-b.service
	run systemctl start le-bad.service
	run systemctl start le-r.service
	run systemctl start -T mg-top.service
	run systemctl start mg2-z.service
	run systemctl start -T mg2-top.service
	run systemctl start mg3-b.service
	run systemctl start -T mg3-c.service
	run systemctl start rs-x.service
	run systemctl restart -T rs-x.service
	run systemctl stop rs-x.service rs-y.service
	run systemctl restart -T rs-x.service
	run systemctl start cw-a.service cw-b.service
	run systemctl isolate -T iso2.target
	run systemctl stop cw-a.service cw-b.service
	run systemctl start --no-block ir.service
	run systemctl isolate -T iso2.target
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "record.sh: wrote $OUT and $DOTDIR" >&2
