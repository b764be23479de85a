package condition

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// parseCond turns "ConditionPathExists=|!/x" into a loader.Condition
// (the loader's own parsing is tested in loader/).
func parseCond(t *testing.T, s string) (loader.Condition, bool) {
	t.Helper()
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		t.Fatalf("bad condition %q", s)
	}
	var c loader.Condition
	assert := false
	switch {
	case strings.HasPrefix(k, "Condition"):
		c.Type = strings.TrimPrefix(k, "Condition")
	case strings.HasPrefix(k, "Assert"):
		c.Type = strings.TrimPrefix(k, "Assert")
		assert = true
	default:
		t.Fatalf("bad condition %q", s)
	}
	v, c.Trigger = strings.CutPrefix(v, "|")
	v, c.Negate = strings.CutPrefix(v, "!")
	c.Param = v
	return c, assert
}

// fakeFS describes files of a fake root: path → content; a content of
// "->target" makes a symlink, a path ending in "/" a directory.
type fakeFS map[string]string

func writeFS(t *testing.T, root string, files fakeFS) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(p, "/bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeCPUID is an x86 CPU under KVM with SSE2, AVX2 and LM.
func fakeCPUID(leaf, _ uint32) (a, b, c, d uint32) {
	sig := func(s string) (uint32, uint32, uint32) {
		var buf [12]byte
		copy(buf[:], s)
		return binary.LittleEndian.Uint32(buf[0:]), binary.LittleEndian.Uint32(buf[4:]), binary.LittleEndian.Uint32(buf[8:])
	}
	switch leaf {
	case 0:
		return 0xd, 0, 0, 0
	case 1:
		return 0, 0, 1<<31 | 1<<0, 1<<26 | 1<<25 // hypervisor, pni; sse2, sse
	case 7:
		return 0, 1 << 5, 0, 0 // avx2
	case 0x40000000:
		b, c, d := sig("KVMKVMKVM")
		return 0x40000001, b, c, d
	case 0x80000000:
		return 0x80000008, 0, 0, 0
	case 0x80000001:
		return 0, 0, 0, 1 << 29 // lm
	}
	return 0, 0, 0, 0
}

// baseFS is a Debian-like root on a hybrid cgroup machine, as nsboot's
// containers see it, without container markers.
var baseFS = fakeFS{
	"/etc/os-release": "->../usr/lib/os-release",
	"/usr/lib/os-release": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
HOME_URL='https://www.debian.org/'
`,
	"/etc/machine-id":                             "704818e808f9a9ac0e4ae0cb6b01eeaa\n",
	"/etc/passwd":                                 "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/sh\n",
	"/etc/group":                                  "root:x:0:\ndaemon:x:1:\nwheel:x:10:alice\n",
	"/proc/cmdline":                               "console=ttyS0 quiet root=\"/dev/vda 1\" systemd.unit=multi-user.target --\n",
	"/proc/1/cmdline":                             "/lib/systemd/systemd\x00--log-level=debug\x00",
	"/proc/1/cgroup":                              "9:name=systemd:/\n4:memory:/\n0::/init.scope\n",
	"/proc/self/cgroup":                           "0::/init.scope\n",
	"/proc/self/status":                           "Name:\tgosd\nTracerPid:\t0\nCapInh:\t0000000000000000\nCapBnd:\t000001ffffdfffff\n",
	"/proc/self/uid_map":                          "         0          0 4294967295\n",
	"/proc/self/gid_map":                          "         0          0 4294967295\n",
	"/proc/self/setgroups":                        "allow\n",
	"/proc/self/ns/cgroup":                        "",
	"/proc/pressure/cpu":                          "some avg10=1.50 avg60=0.80 avg300=0.25 total=100\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
	"/proc/pressure/memory":                       "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=12.00 avg60=5.00 avg300=0.00 total=5\n",
	"/proc/pressure/io":                           "some avg10=30.25 avg60=20.10 avg300=10.05 total=9\n",
	"/sys/fs/cgroup/unified/":                     "",
	"/sys/fs/cgroup/systemd/release_agent":        "",
	"/sys/fs/cgroup/cpu/cgroup.procs":             "",
	"/sys/fs/cgroup/memory/cgroup.procs":          "",
	"/sys/fs/cgroup/memory/memory.limit_in_bytes": "4294967296\n",
	"/sys/fs/cgroup/pids/cgroup.procs":            "",
	"/sys/class/power_supply/AC/type":             "Mains\n",
	"/sys/class/power_supply/AC/online":           "0\n",
	"/sys/class/power_supply/BAT0/type":           "Battery\n",
	"/sys/class/power_supply/BAT0/status":         "Discharging\n",
	"/sys/class/dmi/id/bios_version":              "1.2.10\n",
	"/sys/class/dmi/id/board_name":                "  Foo Bar  \n",
	"/usr/":                                       "",
	"/var/":                                       "",
	"/bin/sh":                                     "#!",
	"/bin/empty":                                  "",
	"/srv/ct/empty/":                              "",
	"/srv/ct/hidden/.x":                           "",
	"/srv/ct/backup/a~":                           "",
	"/srv/ct/backup/b.dpkg-old":                   "",
	"/srv/ct/backup/lost+found/":                  "",
	"/srv/ct/nonempty/a":                          "",
	"/srv/ct/file0":                               "",
	"/srv/ct/file2":                               "hi\n",
	"/srv/ct/link":                                "->file2",
	"/srv/ct/abslink":                             "->/srv/ct/file2",
	"/srv/ct/dangling":                            "->nothere",
	"/srv/ct/dirlink":                             "->/srv/ct/nonempty",
	"/srv/ct/escape":                              "->../../../../../srv/ct/file2",
	"/srv/creds/foo":                              "secret",
	"/srv/creds/.hid":                             "",
}

const (
	gib = 1 << 30
)

// newFake returns a Host on a fresh fake root with files (on top of
// baseFS unless a file is given as "" in extra... see callers) and faked
// system calls: x86_64 kernel 6.1.0-13-amd64 named "vm", 8 GiB, 2 CPUs,
// KVM, hybrid cgroups on tmpfs.
func newFake(t *testing.T, extra fakeFS) *Host {
	t.Helper()
	root := t.TempDir()
	writeFS(t, root, baseFS)
	writeFS(t, root, extra)
	h := &Host{
		Root:        root,
		Environ:     []string{"PATH=/usr/bin"},
		Environment: []string{"PATH=" + DefaultPath, "LANG=C.UTF-8", "EMPTY="},
		Creds:       Creds{Groups: []uint32{10}},
		Uname: func() (Uname, error) {
			return Uname{Machine: "x86_64", Release: "6.1.0-13-amd64", Nodename: "vm"}, nil
		},
		PhysicalMemory: func() (uint64, error) { return 8 * gib, nil },
		CPUs:           func() (int, error) { return 2, nil },
		CPUID:          fakeCPUID,
		Audit:          func() bool { return true },
	}
	h.Statfs = func(p string) (unix.Statfs_t, error) {
		rel := strings.TrimSuffix(strings.TrimPrefix(p, root), "/")
		var st unix.Statfs_t
		if _, err := os.Stat(p); err != nil {
			return st, err
		}
		switch rel {
		case "/sys/fs/cgroup":
			st.Type = unix.TMPFS_MAGIC
			st.Flags = unix.ST_RDONLY
		case "/sys/fs/cgroup/unified":
			st.Type = unix.CGROUP2_SUPER_MAGIC
		default:
			st.Type = unix.EXT4_SUPER_MAGIC
		}
		return st, nil
	}
	return h
}
