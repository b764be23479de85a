#!/bin/sh
# facts.sh: the facts of the machine the oracle conditions depend on,
# printed inside the namespace (by record.sh under systemd, by
# oracle_test.go under gosd). The test compares only when they agree.
echo "machine $(uname -m)"
echo "cgroup $(stat -f -c %T /sys/fs/cgroup) $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null || echo -)"
echo "cpus $(nproc)"
echo "hostname $(cat /proc/sys/kernel/hostname)"
echo "security $(ls /sys/kernel/security 2>/dev/null | tr '\n' ' ')"
echo "apparmor $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo -)"
echo "selinux $(stat -f -c %T /sys/fs/selinux 2>/dev/null || echo -)"
echo "dmi $(cat /sys/class/dmi/id/product_name 2>/dev/null || echo -)"
echo "devicetree $(test -e /sys/firmware/devicetree && echo yes || echo no)"
echo "psi $(test -r /proc/pressure/cpu && echo yes || echo no)"
