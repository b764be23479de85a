package condition

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tc is one condition and what systemd 252 makes of it on the host the
// group describes: "yes", "no", or "error" (could not be evaluated, so
// failed whatever the negation). Cases marked "observed" were checked with
// `systemd-analyze condition` of systemd 252 (Debian 252.39) on a host
// with the same facts; the others follow its documented behaviour.
type tc struct{ cond, want string }

func runCases(t *testing.T, h *Host, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.cond, func(t *testing.T) {
			cond, _ := parseCond(t, c.cond)
			ok, err := Eval(cond, h)
			got := "no"
			switch {
			case err != nil:
				got = "error"
				var ce *Error
				if !errors.As(err, &ce) || ce.Errno == 0 {
					t.Errorf("error %v is not an *Error with an errno", err)
				}
			case ok:
				got = "yes"
			}
			if got != c.want {
				t.Errorf("%s: got %s (err %v), want %s", c.cond, got, err, c.want)
			}
		})
	}
}

func TestArchitecture(t *testing.T) {
	h := newFake(t, nil)
	native := "no"
	if runtime.GOARCH == "amd64" {
		native = "yes"
	}
	runCases(t, h, []tc{
		{"ConditionArchitecture=x86-64", "yes"},
		{"ConditionArchitecture=native", native},
		{"ConditionArchitecture=x86_64", "no"}, // observed: uname's name is not systemd's
		{"ConditionArchitecture=!foo", "yes"},  // observed: unknown names are just not ours
		{"ConditionArchitecture=arm64", "no"},
	})
	h.Uname = func() (Uname, error) { return Uname{Machine: "pdp11"}, nil }
	runCases(t, h, []tc{{"ConditionArchitecture=!x86", "error"}})
}

func TestKernelVersion(t *testing.T) {
	h := newFake(t, nil) // 6.1.0-13-amd64; the observed cases ran on 6.18.44-fc-v657, adapted
	runCases(t, h, []tc{
		{"ConditionKernelVersion=6.1.0-13-amd64", "yes"},
		{"ConditionKernelVersion=6.*", "yes"},
		{"ConditionKernelVersion=6", "no"}, // observed: no operator means a glob
		{"ConditionKernelVersion=>=6.0", "yes"},
		{"ConditionKernelVersion=>= 6.0", "yes"},            // observed
		{"ConditionKernelVersion=>=6.0 <7", "yes"},          // observed
		{"ConditionKernelVersion=>=6.0 < 7", "error"},       // observed: "Unexpected end of expression"
		{"ConditionKernelVersion==6.01.0-13-amd64", "no"},   // observed: "=" compares strings
		{"ConditionKernelVersion===6.01.0-13-amd64", "yes"}, // observed: "==" versions
		{"ConditionKernelVersion==6.1.0-13-amd64", "yes"},
		{"ConditionKernelVersion=!=6.01.0-13-amd64", "yes"}, // observed
		{"ConditionKernelVersion=!=5", "yes"},
		{"ConditionKernelVersion=$=6.*", "yes"},
		{"ConditionKernelVersion=!$=5.*", "yes"},
		{"ConditionKernelVersion='>=6' '<7'", "yes"}, // observed
		{"ConditionKernelVersion=<>6.1.0-13-amd64", "no"},
		{"ConditionKernelVersion=<>6", "yes"}, // observed
		{"ConditionKernelVersion=>", "error"}, // observed
		{"ConditionKernelVersion=>=6 7", "no"},
		{"ConditionKernelVersion=6.1.0-13-AMD64", "no"},
		{"ConditionKernelVersion=<6.1.0-13-amd64~rc1", "no"}, // observed: "~" is older than nothing
		{"ConditionKernelVersion=>6.1.0-13-amd64^1", "no"},
		{"ConditionKernelVersion=<6.1.0-13-amd64.1", "yes"},
	})
}

func TestOSRelease(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{ // all observed on Debian 12's os-release
		{"ConditionOSRelease=ID=debian", "yes"},
		{"ConditionOSRelease=VERSION_ID=12", "yes"},
		{"ConditionOSRelease=VERSION_ID=12.0", "no"},
		{"ConditionOSRelease=VERSION_ID==012", "yes"},
		{"ConditionOSRelease=VERSION_ID<>012", "no"},
		{"ConditionOSRelease=VERSION_ID!=012", "yes"},
		{"ConditionOSRelease=VERSION_ID>=12", "yes"},
		{"ConditionOSRelease=VERSION_ID$=1*", "yes"},
		{"ConditionOSRelease=FOO=bar", "no"},
		{"ConditionOSRelease=FOO!=bar", "yes"},
		{"ConditionOSRelease=FOO<1", "yes"},
		{"ConditionOSRelease=FOO>1", "no"},
		{"ConditionOSRelease=FOO$=*", "yes"},
		{"ConditionOSRelease=FOO!$=*", "no"},
		{"ConditionOSRelease=FOO=", "error"},
		{"ConditionOSRelease=ID= debian", "error"},
		{"ConditionOSRelease=ID", "error"},
		{"ConditionOSRelease=ID=debian VERSION_ID>11", "yes"},
		{"ConditionOSRelease=ID=Debian", "no"},
		{"ConditionOSRelease==x", "error"},
		{"ConditionOSRelease=1D=x", "error"},
		{"ConditionOSRelease=ID<>x", "yes"},
		{`ConditionOSRelease=ID="debian"`, "yes"},
		{"ConditionOSRelease=ID =debian", "error"},
		{"ConditionOSRelease=ID=deb*", "no"},
		{"ConditionOSRelease=ID$=deb*", "yes"},
		{"ConditionOSRelease=ID!debian", "error"},
		{"ConditionOSRelease=ID==debian", "yes"},
		{"ConditionOSRelease=HOME_URL=https://www.debian.org/", "yes"},
		{"ConditionOSRelease=PRETTY_NAME$=*(bookworm)", "yes"},
	})
	os.Remove(filepath.Join(h.Root, "etc/os-release"))
	runCases(t, h, []tc{{"ConditionOSRelease=ID=debian", "yes"}}) // /usr/lib/os-release
	os.Remove(filepath.Join(h.Root, "usr/lib/os-release"))
	runCases(t, h, []tc{{"ConditionOSRelease=!ID=debian", "error"}})
}

func TestMemoryAndCPUs(t *testing.T) {
	h := newFake(t, nil) // 8 GiB, memory cgroup limit 4 GiB, 2 CPUs
	runCases(t, h, []tc{
		{"ConditionMemory=4G", "yes"},
		{"ConditionMemory=>4G", "no"},
		{"ConditionMemory==4G", "yes"},
		{"ConditionMemory=<=4G", "yes"},
		{"ConditionMemory=<>4G", "no"},
		{"ConditionMemory=!=4G", "no"},
		{"ConditionMemory=4 G", "yes"},      // observed
		{"ConditionMemory=> 1G", "yes"},     // observed
		{"ConditionMemory=3.5G", "yes"},     // observed (1.5G)
		{"ConditionMemory=$=1G", "error"},   // observed
		{"ConditionMemory=abc", "error"},    // observed
		{"ConditionMemory=-1", "error"},     // observed: ERANGE
		{"ConditionMemory=1KiB", "error"},   // observed
		{"ConditionMemory=1g", "error"},     // observed
		{"ConditionMemory=<=0x10", "error"}, // observed
		{"ConditionMemory=16E", "error"},    // observed
		{"ConditionMemory=infinity", "error"},
		{"ConditionCPUs=2", "yes"},
		{"ConditionCPUs=>2", "no"},
		{"ConditionCPUs==0x2", "yes"},  // observed: C's base detection
		{"ConditionCPUs=<09", "error"}, // observed: invalid octal
		{"ConditionCPUs=+2", "yes"},    // observed
		{"ConditionCPUs=< 3", "yes"},   // observed
		{"ConditionCPUs=2 ", "error"},  // observed
		{"ConditionCPUs=<=010", "yes"},
		{"ConditionCPUs=-1", "error"},
	})
	os.Remove(filepath.Join(h.Root, "sys/fs/cgroup/memory/memory.limit_in_bytes"))
	runCases(t, h, []tc{{"ConditionMemory=8G", "yes"}, {"ConditionMemory=>8G", "no"}})
}

func TestEnvironmentCredentialHost(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{
		{"ConditionEnvironment=PATH", "yes"},
		{"ConditionEnvironment=PAT", "no"},
		{"ConditionEnvironment=LANG=C.UTF-8", "yes"},
		{"ConditionEnvironment=LANG=C", "no"},
		{"ConditionEnvironment=LANG=C*", "no"},
		{"ConditionEnvironment=EMPTY", "yes"},
		{"ConditionEnvironment=EMPTY=", "yes"},
		{"ConditionEnvironment=container", "no"}, // the manager's own environ does not count
		{"ConditionCredential=foo", "no"},
		{"ConditionHost=vm", "yes"},
		{"ConditionHost=VM", "yes"},
		{"ConditionHost=v?", "yes"},
		{"ConditionHost=[uv]m", "yes"},
		{"ConditionHost=[!u]m", "yes"},
		{`ConditionHost=\vm`, "yes"},
		{"ConditionHost=704818e808f9a9ac0e4ae0cb6b01eeaa", "yes"},
		{"ConditionHost=704818e8-08f9-a9ac-0e4a-e0cb6b01eeaa", "yes"},
		{"ConditionHost=704818E808F9A9AC0E4AE0CB6B01EEAA", "yes"},
		{"ConditionHost=00000000000000000000000000000000", "no"},
	})
	h.Environ = []string{"CREDENTIALS_DIRECTORY=/srv/creds"}
	runCases(t, h, []tc{ // observed with $CREDENTIALS_DIRECTORY set
		{"ConditionCredential=foo", "yes"},
		{"ConditionCredential=.hid", "yes"},
		{"ConditionCredential=bar", "no"},
		{"ConditionCredential=.", "no"},
		{"ConditionCredential=a:b", "no"},
		{"ConditionCredential=../creds/foo", "no"},
	})
	h.Environ = []string{"ENCRYPTED_CREDENTIALS_DIRECTORY=/srv/creds", "CREDENTIALS_DIRECTORY=/nonexist"}
	runCases(t, h, []tc{{"ConditionCredential=foo", "yes"}})
	h.Environ = []string{"CREDENTIALS_DIRECTORY=relative"}
	runCases(t, h, []tc{{"ConditionCredential=foo", "error"}}) // observed
	writeFS(t, h.Root, fakeFS{"/etc/hostname-unused": ""})
	os.WriteFile(filepath.Join(h.Root, "etc/machine-id"), []byte("uninitialized\n"), 0o644)
	runCases(t, h, []tc{{"ConditionHost=!704818e808f9a9ac0e4ae0cb6b01eeaa", "error"}, {"ConditionHost=vm", "yes"}})
	h.Uname = func() (Uname, error) { return Uname{Nodename: "(none)"}, nil }
	runCases(t, h, []tc{{"ConditionHost=localhost", "yes"}})
}

func TestKernelCommandLine(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{ // observed on the host's /proc/cmdline
		{"ConditionKernelCommandLine=quiet", "yes"},
		{"ConditionKernelCommandLine=console", "yes"},
		{"ConditionKernelCommandLine=console=ttyS0", "yes"},
		{"ConditionKernelCommandLine=console=tty", "no"},
		{"ConditionKernelCommandLine=Quiet", "no"},
		{"ConditionKernelCommandLine=--", "yes"},
		{"ConditionKernelCommandLine=root=/dev/vda 1", "yes"},
		{"ConditionKernelCommandLine=systemd.unit", "yes"},
		{"ConditionKernelCommandLine=systemd-unit", "no"},
		{"ConditionKernelCommandLine=/lib/systemd/systemd", "no"},
	})
	h = newFake(t, nil)
	h.PID1, h.Environ = true, []string{"container=other"}
	runCases(t, h, []tc{ // in a container: PID 1's arguments (observed under nsboot)
		{"ConditionKernelCommandLine=/lib/systemd/systemd", "yes"},
		{"ConditionKernelCommandLine=--log-level", "yes"},
		{"ConditionKernelCommandLine=quiet", "no"},
	})
	h.Environ = append(h.Environ, `SYSTEMD_PROC_CMDLINE=foo="a b" x=y`)
	runCases(t, h, []tc{ // observed
		{"ConditionKernelCommandLine=foo=a b", "yes"},
		{"ConditionKernelCommandLine=foo", "yes"},
		{"ConditionKernelCommandLine=x", "yes"},
		{"ConditionKernelCommandLine=quiet", "no"},
	})
}

func TestVirtualization(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{ // observed on a KVM guest
		{"ConditionVirtualization=vm", "yes"},
		{"ConditionVirtualization=kvm", "yes"},
		{"ConditionVirtualization=yes", "yes"},
		{"ConditionVirtualization=no", "no"},
		{"ConditionVirtualization=container", "no"},
		{"ConditionVirtualization=private-users", "no"},
		{"ConditionVirtualization=foo", "no"},
		{"ConditionVirtualization=KVM", "no"},
		{"ConditionVirtualization=vm-other", "no"},
	})
	cases := []struct {
		name    string
		pid1    bool
		environ []string
		files   fakeFS
		want    string
	}{
		{"pid1-container-other", true, []string{"container=other"}, nil, "container-other"},
		{"pid1-container-lxc", true, []string{"container=lxc"}, nil, "lxc"},
		{"pid1-container-empty", true, []string{"container="}, fakeFS{"/.dockerenv": ""}, "kvm"},
		{"pid1-dockerenv", true, nil, fakeFS{"/.dockerenv": ""}, "docker"},
		// Observed: systemd as PID 1 without container= and with "docker" in
		// /run/systemd/container finds kvm.
		{"pid1-ignores-run-file", true, nil, fakeFS{"/run/systemd/container": "docker\n"}, "kvm"},
		{"run-systemd-container", false, nil, fakeFS{"/run/systemd/container": "podman\n"}, "podman"},
		{"pid1-environ", false, nil, fakeFS{"/proc/1/environ": "TERM=dumb\x00container=systemd-nspawn\x00"}, "systemd-nspawn"},
		{"container-manager-first", true, []string{"container=docker"}, fakeFS{"/run/host/container-manager": "systemd-nspawn\n"}, "systemd-nspawn"},
		{"oci-containerenv", true, []string{"container=oci"}, fakeFS{"/run/.containerenv": ""}, "podman"},
		{"oci-alone", true, []string{"container=oci"}, nil, "container-other"},
		{"wsl", false, nil, fakeFS{"/proc/sys/kernel/osrelease": "5.15.90.1-microsoft-standard-WSL2\n"}, "wsl"},
		{"openvz", false, nil, fakeFS{"/proc/vz/": ""}, "openvz"},
		{"openvz-host", false, nil, fakeFS{"/proc/vz/": "", "/proc/bc/": ""}, "kvm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newFake(t, c.files)
			h.PID1, h.Environ = c.pid1, c.environ
			v, err := h.Virtualization()
			if err != nil || v != c.want {
				t.Errorf("got %q, %v; want %q", v, err, c.want)
			}
		})
	}
	h = newFake(t, nil)
	os.Remove(filepath.Join(h.Root, "sys/fs/cgroup/systemd/release_agent")) // a cgroup namespace
	if v, _ := h.Virtualization(); v != "container-other" {
		t.Errorf("cgroup namespace: got %q", v)
	}
	h = newFake(t, fakeFS{"/proc/self/uid_map": "0 100000 65536\n"})
	runCases(t, h, []tc{{"ConditionVirtualization=private-users", "yes"}})
	h = newFake(t, fakeFS{"/proc/self/setgroups": "deny\n"})
	runCases(t, h, []tc{{"ConditionVirtualization=private-users", "yes"}})
	h = newFake(t, fakeFS{"/sys/class/dmi/id/product_name": "VirtualBox\n"})
	runCases(t, h, []tc{{"ConditionVirtualization=oracle", "yes"}})
	h = newFake(t, fakeFS{"/sys/class/dmi/id/sys_vendor": "QEMU\n"})
	runCases(t, h, []tc{{"ConditionVirtualization=kvm", "yes"}}) // observed: CPUID's KVM beats DMI's QEMU
	h = newFake(t, fakeFS{"/sys/class/dmi/id/sys_vendor": "QEMU\n"})
	h.CPUID = nil
	runCases(t, h, []tc{{"ConditionVirtualization=qemu", "yes"}})
	h = newFake(t, nil)
	h.CPUID = nil
	runCases(t, h, []tc{{"ConditionVirtualization=no", "yes"}, {"ConditionVirtualization=!vm", "yes"}})
}

func TestSecurityFirmwareACPower(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{
		{"ConditionSecurity=selinux", "no"},
		{"ConditionSecurity=apparmor", "no"},
		{"ConditionSecurity=audit", "yes"},
		{"ConditionSecurity=ima", "no"},
		{"ConditionSecurity=tomoyo", "no"},
		{"ConditionSecurity=smack", "no"},
		{"ConditionSecurity=uefi-secureboot", "no"},
		{"ConditionSecurity=tpm2", "no"},
		{"ConditionSecurity=cvm", "no"}, // observed: not known to 252
		{"ConditionSecurity=foo", "no"},
		{"ConditionSecurity=!foo", "yes"},
		{"ConditionFirmware=uefi", "no"},
		{"ConditionFirmware=device-tree", "no"},
		{"ConditionFirmware=device-tree-compatible(foo)", "no"},
		{"ConditionFirmware=foo", "no"},
		{"ConditionFirmware=smbios-field(bios_version = 1.2.10)", "yes"},  // observed
		{"ConditionFirmware=smbios-field(bios_version=1.2.010)", "no"},    // observed
		{"ConditionFirmware=smbios-field(bios_version==1.2.010)", "yes"},  // observed
		{"ConditionFirmware=smbios-field(bios_version>1.2)", "yes"},       // observed
		{"ConditionFirmware=smbios-field(bios_version $= 1.*)", "yes"},    // observed
		{"ConditionFirmware=smbios-field(board_name=Foo Bar)", "error"},   // observed
		{`ConditionFirmware=smbios-field(board_name="  Foo Bar")`, "yes"}, // observed
		{`ConditionFirmware=smbios-field(board_name="Foo Bar")`, "no"},    // observed
		{"ConditionFirmware=smbios-field(board_name)", "error"},           // observed
		{"ConditionFirmware=smbios-field(board_name=x)y", "error"},        // observed
		{"ConditionFirmware=smbios-field(../x=1)", "error"},               // observed
		{"ConditionFirmware=smbios-field(product_name=x)", "no"},          // observed: missing field
		{"ConditionFirmware=smbios-field(board_name)=x)", "no"},           // observed
		{"ConditionFirmware=device-tree-compatible(foo", "no"},            // observed
		{"ConditionACPower=yes", "no"},
		{"ConditionACPower=no", "yes"},
		{"ConditionACPower=foo", "error"}, // observed
	})
	efivar := func(v byte) string { return "\x06\x00\x00\x00" + string([]byte{v}) }
	const g = "-8be4df61-93ca-11d2-aa0d-00e098032b8c"
	firmware := fakeFS{
		"/sys/module/apparmor/parameters/enabled":  "Y\n",
		"/sys/fs/smackfs/":                         "",
		"/sys/kernel/security/ima/":                "",
		"/sys/firmware/efi/efivars/SecureBoot" + g: efivar(1),
		"/sys/firmware/efi/efivars/SetupMode" + g:  efivar(0),
		"/sys/firmware/devicetree/":                "",
		"/proc/device-tree/compatible":             "acme,board\x00acme,soc\x00",
		"/sys/class/tpmrm/tpmrm0":                  "",
		"/sys/class/power_supply/AC/online":        "1\n",
	}
	h = newFake(t, firmware)
	runCases(t, h, []tc{
		{"ConditionSecurity=apparmor", "yes"},
		{"ConditionSecurity=smack", "yes"},
		{"ConditionSecurity=ima", "yes"},
		{"ConditionSecurity=uefi-secureboot", "yes"},
		{"ConditionSecurity=tpm2", "yes"},
		{"ConditionFirmware=uefi", "yes"},
		{"ConditionFirmware=device-tree", "yes"},
		{"ConditionFirmware=device-tree-compatible(acme,soc)", "yes"},
		{"ConditionFirmware=device-tree-compatible(acme)", "no"},
		{"ConditionACPower=yes", "yes"},
	})
	h = newFake(t, firmware)
	h.PID1, h.Environ = true, []string{"container=docker"}
	runCases(t, h, []tc{ // a container sees the host's sysfs but no EFI or TPM of its own
		{"ConditionSecurity=uefi-secureboot", "no"},
		{"ConditionSecurity=tpm2", "no"},
		{"ConditionFirmware=uefi", "no"},
	})
	h = newFake(t, nil)
	os.RemoveAll(filepath.Join(h.Root, "sys/class/power_supply"))
	runCases(t, h, []tc{{"ConditionACPower=true", "yes"}}) // observed: nothing known means AC
}

func TestCapabilityUserGroup(t *testing.T) {
	h := newFake(t, nil) // CapBnd without CAP_SYS_ADMIN; uid 0, gid 0, groups 10
	runCases(t, h, []tc{
		{"ConditionCapability=CAP_MKNOD", "yes"},
		{"ConditionCapability=CAP_SYS_ADMIN", "no"},
		{"ConditionCapability=Cap_Sys_Admin", "no"},
		{"ConditionCapability=0x1b", "yes"},
		{"ConditionCapability=21", "no"},
		{"ConditionCapability=cap_checkpoint_restore", "yes"},
		{"ConditionCapability=62", "no"},           // observed: a number up to 63 is valid
		{"ConditionCapability=!63", "yes"},         // observed
		{"ConditionCapability=64", "error"},        // observed
		{"ConditionCapability=-1", "error"},        // observed
		{"ConditionCapability=sys_admin", "error"}, // observed
		{"ConditionCapability=!foo", "error"},      // observed
		{"ConditionUser=root", "yes"},
		{"ConditionUser=0", "yes"},
		{"ConditionUser=@system", "yes"},
		{"ConditionUser=nobody", "no"},
		{"ConditionUser=65534", "no"},
		{"ConditionUser=65535", "no"},
		{"ConditionUser=00", "no"}, // observed: not a UID, not a user
		{"ConditionUser=+0", "no"}, // observed
		{"ConditionUser=Root", "no"},
		{"ConditionUser=alice", "no"},
		{"ConditionGroup=root", "yes"},
		{"ConditionGroup=0", "yes"},
		{"ConditionGroup=wheel", "yes"},
		{"ConditionGroup=10", "yes"},
		{"ConditionGroup=nogroup", "no"},
		{"ConditionGroup=!foo", "yes"}, // observed
	})
	h.Creds = Creds{UID: 1000, EUID: 1000, GID: 1000, EGID: 1000}
	runCases(t, h, []tc{
		{"ConditionUser=alice", "yes"},
		{"ConditionUser=1000", "yes"},
		{"ConditionUser=@system", "no"},
		{"ConditionUser=root", "no"},
		{"ConditionGroup=wheel", "no"},
	})
	h.PID1 = true
	runCases(t, h, []tc{
		{"ConditionUser=alice", "no"}, // PID 1 does no lookups
		{"ConditionUser=1000", "yes"},
		{"ConditionGroup=root", "yes"}, // PID 1 only knows "root" by name
	})
	h.PID1, h.Creds = false, Creds{UID: 0, EUID: 0}
	h.Environ = []string{"USER=nobody"}
	runCases(t, h, []tc{{"ConditionUser=nobody", "no"}}) // observed: "nobody" is checked by UID first
	h.Environ = []string{"USER=someone"}
	runCases(t, h, []tc{{"ConditionUser=someone", "yes"}})
	os.WriteFile(filepath.Join(h.Root, "proc/self/status"), []byte("Name:\tx\n"), 0o644)
	runCases(t, h, []tc{{"ConditionCapability=CAP_SYS_ADMIN", "yes"}}) // no CapBnd: all
}

func TestPaths(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{ // observed on the same tree
		{"ConditionPathExists=/srv/ct/dangling", "no"},
		{"ConditionPathExists=/srv/ct/link", "yes"},
		{"ConditionPathExists=/srv/ct/abslink", "yes"}, // resolved inside the root
		{"ConditionPathExists=/srv/ct/escape", "yes"},  // ".." stops at the root
		{"ConditionPathExists=!/nonexist", "yes"},
		{"ConditionPathIsDirectory=/srv/ct/dirlink", "yes"},
		{"ConditionPathIsDirectory=/srv/ct/file2", "no"},
		{"ConditionPathIsSymbolicLink=/srv/ct/dangling", "yes"},
		{"ConditionPathIsSymbolicLink=/srv/ct/file2", "no"},
		{"ConditionPathExistsGlob=/etc/{os,lsb}-release", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/hidden/*", "no"},
		{"ConditionPathExistsGlob=/srv/ct/hidden/.*", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/[!a-e]*", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/[^a-e]*", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/di*/a", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/nothere*", "no"},
		{"ConditionPathExistsGlob=/srv/ct/dangling", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/dangl*", "yes"},
		{"ConditionPathExistsGlob=/srv/ct/{x,y}", "no"},
		{"ConditionPathExistsGlob=/srv/ct/file[[:digit:]]", "yes"},
		{`ConditionPathExistsGlob=/srv/ct/file\2`, "yes"},
		{"ConditionPathExistsGlob=/s*/c?/{no,non}empty/a", "yes"},
		{"ConditionDirectoryNotEmpty=/srv/ct/empty", "no"},
		{"ConditionDirectoryNotEmpty=/srv/ct/hidden", "no"},
		{"ConditionDirectoryNotEmpty=/srv/ct/backup", "no"},
		{"ConditionDirectoryNotEmpty=/srv/ct/nonempty", "yes"},
		{"ConditionDirectoryNotEmpty=/srv/ct/file2", "no"},
		{"ConditionDirectoryNotEmpty=/srv/ct/nothere", "no"},
		{"ConditionDirectoryNotEmpty=/srv/ct/dirlink", "yes"},
		{"ConditionFileNotEmpty=/srv/ct/file0", "no"},
		{"ConditionFileNotEmpty=/srv/ct/file2", "yes"},
		{"ConditionFileNotEmpty=/srv/ct/link", "yes"},
		{"ConditionFileNotEmpty=/srv/ct/nonempty", "no"},
		{"ConditionFileIsExecutable=/bin/sh", "yes"},
		{"ConditionFileIsExecutable=/bin/empty", "yes"}, // observed: an empty executable counts
		{"ConditionFileIsExecutable=/srv/ct/file2", "no"},
		{"ConditionFileIsExecutable=/srv/ct", "no"},
		{"ConditionPathIsMountPoint=/", "yes"},
		{"ConditionPathIsMountPoint=/srv", "no"},
		{"ConditionPathIsMountPoint=/nonexist", "no"},
		{"ConditionPathIsReadWrite=/nonexist", "no"}, // observed
		{"ConditionPathIsReadWrite=/", "yes"},
		{"ConditionPathIsReadWrite=/sys/fs/cgroup", "no"}, // observed (read-only tmpfs)
		{"ConditionPathIsEncrypted=/", "no"},
		{"ConditionPathIsEncrypted=/nonexist", "no"},
	})
}

func TestRealRoot(t *testing.T) {
	h := NewHost("/")
	runCases(t, h, []tc{
		{"ConditionPathIsMountPoint=/proc", "yes"},
		{"ConditionPathIsMountPoint=/", "yes"},
		{"ConditionPathIsMountPoint=/proc/self", "no"},
		{"ConditionPathIsSymbolicLink=/proc/self", "yes"},
		{"ConditionPathExists=/proc/self/status", "yes"},
		{"ConditionCPUs=>=1", "yes"},
		{"ConditionMemory=>=1M", "yes"},
		{"ConditionArchitecture=native", "yes"},
	})
}

func TestNeedsUpdateFirstBoot(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{
		{"ConditionNeedsUpdate=/etc", "yes"},          // no stamp
		{"ConditionNeedsUpdate=/nonexist", "yes"},     // observed
		{"ConditionNeedsUpdate=/usr", "yes"},          // observed
		{"ConditionNeedsUpdate=/sys/fs/cgroup", "no"}, // observed: read-only
		{"ConditionFirstBoot=yes", "no"},
		{"ConditionFirstBoot=no", "yes"},
		{"ConditionFirstBoot=foo", "error"},  // observed
		{"ConditionFirstBoot=!foo", "error"}, // observed
	})
	usr := filepath.Join(h.Root, "usr")
	stamp := filepath.Join(h.Root, "etc/.updated")
	writeFS(t, h.Root, fakeFS{"/etc/.updated": "TIMESTAMP_NSEC=1700000000500000000\n", "/run/systemd/first-boot": ""})
	t0 := time.Unix(1700000000, 0)
	set := func(p string, tm time.Time) {
		if err := os.Chtimes(p, tm, tm); err != nil {
			t.Fatal(err)
		}
	}
	set(usr, t0.Add(500*time.Millisecond))
	set(stamp, t0.Add(time.Second))
	runCases(t, h, []tc{{"ConditionNeedsUpdate=/etc", "no"}, {"ConditionFirstBoot=yes", "yes"}})
	set(stamp, t0.Add(200*time.Millisecond))
	runCases(t, h, []tc{{"ConditionNeedsUpdate=/etc", "yes"}})
	// A stamp without nanoseconds: its TIMESTAMP_NSEC decides.
	set(stamp, t0)
	set(usr, t0.Add(400*time.Millisecond))
	runCases(t, h, []tc{{"ConditionNeedsUpdate=/etc", "no"}})
	set(usr, t0.Add(600*time.Millisecond))
	runCases(t, h, []tc{{"ConditionNeedsUpdate=/etc", "yes"}})
	for _, c := range []struct{ cmdline, want string }{ // observed
		{"systemd.condition-needs-update", "yes"},
		{"systemd.condition-needs-update=1 systemd.condition-needs-update=0", "no"},
		{"systemd.condition_needs_update=0", "no"},
		{"systemd.condition-needs-update=maybe", "yes"}, // ignored
	} {
		h.Environ = []string{"SYSTEMD_PROC_CMDLINE=" + c.cmdline}
		runCases(t, h, []tc{{"ConditionNeedsUpdate=/etc", c.want}})
	}
	h.Environ = []string{"SYSTEMD_PROC_CMDLINE=systemd.condition-needs-update=1"}
	runCases(t, h, []tc{{"ConditionNeedsUpdate=/sys/fs/cgroup", "yes"}})
	h.Environ = []string{"SYSTEMD_PROC_CMDLINE=systemd.condition-first-boot=0"}
	runCases(t, h, []tc{{"ConditionFirstBoot=yes", "yes"}}) // observed: the condition ignores it
}

func TestControlGroupAndPressure(t *testing.T) {
	h := newFake(t, nil) // hybrid: cpu, memory and pids hierarchies writable
	runCases(t, h, []tc{
		{"ConditionControlGroupController=cpu", "yes"},
		{"ConditionControlGroupController=cpu memory", "yes"},
		{"ConditionControlGroupController=cpu memory blkio", "no"},
		{"ConditionControlGroupController=io", "no"},     // observed: v2 only
		{"ConditionControlGroupController=cpuset", "no"}, // observed: systemd does not use it on v1
		{"ConditionControlGroupController=foo", "yes"},   // observed
		{"ConditionControlGroupController=!foo", "no"},   // observed
		{"ConditionControlGroupController=cpu foo", "yes"},
		{"ConditionControlGroupController=bpf-firewall", "no"}, // observed
		{"ConditionControlGroupController=v1", "yes"},          // observed: hybrid is v1
		{"ConditionControlGroupController=v2", "no"},
		{"ConditionControlGroupController=V1", "yes"}, // observed: no known controller
		{"ConditionMemoryPressure=0%", "yes"},
		{"ConditionMemoryPressure=10%/10sec", "no"},
		{"ConditionMemoryPressure=12%/10sec", "yes"},
		{"ConditionMemoryPressure=5%/1min", "yes"},
		{"ConditionMemoryPressure=4.99%/1min", "no"},
		{"ConditionCPUPressure=0%/10sec", "no"}, // observed: CPU reads "some"
		{"ConditionCPUPressure=1.5%/10sec", "yes"},
		{"ConditionMemoryPressure=0%/10sec", "no"}, // memory reads "full"
		{"ConditionIOPressure=10%", "no"},          // no "full": "some"
		{"ConditionIOPressure=10.05%", "yes"},
		{"ConditionIOPressure=30.25%/10sec", "yes"},
		{"ConditionIOPressure=30.24%/10sec", "no"},
		{"ConditionMemoryPressure=20%/2min", "error"},      // observed
		{"ConditionMemoryPressure=20%/ 1min", "yes"},       // observed
		{"ConditionMemoryPressure=20%/1minute", "yes"},     // observed
		{"ConditionMemoryPressure=foo", "error"},           // observed
		{"ConditionMemoryPressure=10.555%", "error"},       // observed
		{"ConditionMemoryPressure=101%", "error"},          // observed
		{"ConditionMemoryPressure=5‱", "yes"},              // observed
		{"ConditionMemoryPressure=5‰", "yes"},              // observed
		{"ConditionMemoryPressure=20", "error"},            // observed
		{"ConditionMemoryPressure=:20%", "yes"},            // observed
		{"ConditionMemoryPressure=20%/", "yes"},            // observed
		{"ConditionMemoryPressure=system.slice:0%", "yes"}, // observed: needs the unified hierarchy
		{"ConditionMemoryPressure=a:b:c", "yes"},           // observed
	})
	h = newFake(t, fakeFS{
		"/sys/fs/cgroup/cgroup.controllers":            "cpuset cpu io memory pids\n",
		"/sys/fs/cgroup/system.slice/memory.pressure":  "some avg10=0.00 avg60=0.00 avg300=50.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=50.00 total=1\n",
		"/sys/fs/cgroup/a.slice/a-b.slice/io.pressure": "some avg10=0.00 avg60=0.00 avg300=1.00 total=1\n",
		"/sys/fs/cgroup/memory.max-not-used":           "",
	})
	unified := h.Statfs
	h.Statfs = func(p string) (unix.Statfs_t, error) {
		st, err := unified(p)
		if strings.TrimSuffix(strings.TrimPrefix(p, h.Root), "/") == "/sys/fs/cgroup" {
			st.Type, st.Flags = unix.CGROUP2_SUPER_MAGIC, 0
		}
		return st, err
	}
	runCases(t, h, []tc{
		{"ConditionControlGroupController=io", "yes"},
		{"ConditionControlGroupController=cpuacct", "no"},
		{"ConditionControlGroupController=cpuset memory", "yes"},
		{"ConditionControlGroupController=v2", "yes"},
		{"ConditionControlGroupController=v1", "no"},
		{"ConditionMemoryPressure=system.slice:10%", "no"},
		{"ConditionMemoryPressure=system.slice:50%", "yes"},
		{"ConditionMemoryPressure=nothere.slice:0%", "yes"}, // a missing cgroup skips the check
		{"ConditionIOPressure=a-b.slice:1%", "yes"},
		{"ConditionIOPressure=a-b.slice:0.99%", "no"},
		{"ConditionMemoryPressure=a--b.slice:0%", "error"},
		{"ConditionMemoryPressure=foo:0%", "error"},
	})
	os.Remove(filepath.Join(h.Root, "proc/pressure/io"))
	runCases(t, h, []tc{{"ConditionIOPressure=0%", "yes"}}) // no PSI: skipped
}

func TestCPUFeature(t *testing.T) {
	h := newFake(t, nil)
	runCases(t, h, []tc{
		{"ConditionCPUFeature=sse2", "yes"},
		{"ConditionCPUFeature=SSE2", "yes"}, // observed
		{"ConditionCPUFeature=avx2", "yes"},
		{"ConditionCPUFeature=lm", "yes"},
		{"ConditionCPUFeature=pni", "yes"},
		{"ConditionCPUFeature=avx", "no"},
		{"ConditionCPUFeature=foo", "no"}, // observed
		{"ConditionCPUFeature=constant_tsc", "no"},
		{"ConditionCPUFeature=hypervisor", "no"}, // not in systemd's table
	})
	h.CPUID = nil
	runCases(t, h, []tc{{"ConditionCPUFeature=sse2", "no"}})
}

func TestUnknownType(t *testing.T) {
	h := newFake(t, nil)
	if _, err := Eval(loaderCond("Nonsense", "x"), h); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("got %v", err)
	}
}
