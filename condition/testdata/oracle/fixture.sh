#!/bin/sh
# fixture.sh DIR: the files the oracle units test, created under DIR (the
# upper layer of the overlay both record.sh and oracle_test.go boot).
set -eu
T=$1/srv/ct
mkdir -p "$T/empty" "$T/hidden" "$T/backup" "$T/nonempty"
touch "$T/hidden/.x" "$T/backup/a~" "$T/backup/b.dpkg-old" "$T/nonempty/a" "$T/file0"
echo hi > "$T/file2"
ln -sfn nothere "$T/dangling"
ln -sfn /srv/ct/nonempty "$T/dirlink"
