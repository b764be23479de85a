package unit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func testHost(t *testing.T) *Host {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/machine-id"), []byte("0123456789ABCDEF0123456789abcdef\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/os-release"), []byte(`# comment
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
BUILD_ID='b 1'
VARIANT_ID=server\ x
`), 0o644)
	os.WriteFile(filepath.Join(root, "etc/machine-info"), []byte("PRETTY_HOSTNAME=\"My Box\"\n"), 0o644)
	return &Host{Root: root, BootID: "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", Hostname: "node1.example.com", KernelRelease: "6.1.0-test", Architecture: "x86-64"}
}

// The unit-name expectations were taken from `systemd --test --system`
// dumps of Description= on systemd 252 for the units
// foo-bar-@a-b\x2dc\x2fd.service (template foo-bar-@.service),
// a-b\x2dc-d.service, x@-.service and x@a--b.service.
func TestSpecifiers(t *testing.T) {
	host := testHost(t)
	inst := SystemSpecifiers(`foo-bar-@a-b\x2dc\x2fd.service`, "/tmp/v/foo-bar-@.service", host)
	plain := SystemSpecifiers(`a-b\x2dc-d.service`, "/tmp/v/a-b\\x2dc-d.service", host)
	root := SystemSpecifiers("x@-.service", "/tmp/v/x@.service", host)
	tests := []struct {
		name string
		s    *Specifiers
		in   string
		want string
		err  syscall.Errno
	}{
		{"dump: instance name specifiers", inst, "i=%i I=%I j=%j n=%n N=%N p=%p P=%P f=%f",
			`i=a-b\x2dc\x2fd I=a/b-c/d j= n=foo-bar-@a-b\x2dc\x2fd.service N=foo-bar-@a-b\x2dc\x2fd p=foo-bar- P=foo/bar/ f=/a/b-c/d`, 0},
		{"dump: paths and credentials of the system manager", inst, "y=%y Y=%Y d=%d C=%C E=%E L=%L S=%S t=%t h=%h u=%u U=%U g=%g G=%G T=%T V=%V",
			`y=/tmp/v/foo-bar-@.service Y=/tmp/v d=/run/credentials/foo-bar-@a-b\x2dc\x2fd.service C=/var/cache E=/etc L=/var/log S=/var/lib t=/run h=/root u=root U=0 g=root G=0 T=/tmp V=/var/tmp`, 0},
		{"PID 1 has no $SHELL: /bin/sh", inst, "%s", "/bin/sh", 0},
		{"dump: percent, stray percent and trailing percent", inst, "pct=%% stray=%- end=%", "pct=% stray=%- end=%", 0},
		{"dump: plain name", plain, "[J=%J j=%j f=%f]", "[J=d j=d f=/a/b-c/d]", 0},
		{"plain name i and I are empty", plain, "<%i|%I>", "<|>", 0},
		{"dump: root instance", root, "[f=%f i=%i I=%I]", "[f=/ i=- I=/]", 0},
		{"dump: unknown specifier is Invalid slot", inst, "x%Zy", "", syscall.EBADSLT},
		{"unknown digit specifier", inst, "%1", "", syscall.EBADSLT},
		{"dump: %f of an unnormalized instance", SystemSpecifiers("x@a--b.service", "", host), "%f", "", syscall.EINVAL},
		{"dump: %f of an instance with a leading slash", SystemSpecifiers(`x@\x2fa.service`, "", host), "%f", "", syscall.EINVAL},
		{"no fragment: %y fails", SystemSpecifiers("x.service", "", host), "%y", "", syscall.ENOENT},
		{"host specifiers", inst, "%a %b %H %l %m %q %v", "x86-64 b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0 node1.example.com node1 0123456789abcdef0123456789abcdef My Box 6.1.0-test", 0},
		{"os-release specifiers", inst, "%o|%w|%B|%W|%M|%A", "debian|12|b 1|server x||", 0},
		{"deprecated cgroup specifiers", inst, "%R", "/", 0},
		{"no host: host specifiers fail", SystemSpecifiers("x.service", "", nil), "%H", "", syscall.ENXIO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Expand(tc.in)
			if tc.err != 0 {
				var se *SpecifierError
				if !errors.As(err, &se) || se.Errno != tc.err {
					t.Fatalf("Expand(%q) = %q, %v; want errno %v", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Expand(%q) =\n %q, %v\nwant\n %q", tc.in, got, err, tc.want)
			}
		})
	}
	// The message systemd prints after "Failed to resolve unit specifiers in 'x%Zy', ignoring: ".
	if _, err := inst.Expand("x%Zy"); err == nil || err.Error() != "Invalid slot" || !errors.Is(err, syscall.EBADSLT) {
		t.Errorf("error text %v", err)
	}
}

func TestSpecifierLimitsAndNames(t *testing.T) {
	s := SystemSpecifiers("foo@bar.service", "", nil)
	if got, err := s.ExpandName("%p-%i@%j.target"); err != nil || got != "foo-bar@foo.target" {
		t.Errorf("ExpandName = %q %v", got, err)
	}
	// Path specifiers are not allowed in names.
	var se *SpecifierError
	if _, err := s.ExpandName("%t"); !errors.As(err, &se) || se.Errno != syscall.EBADSLT {
		t.Errorf("ExpandName(%%t) = %v", err)
	}
	if _, err := s.ExpandName(strings.Repeat("%n", 30)); !errors.As(err, &se) || se.Errno != syscall.ENAMETOOLONG {
		t.Errorf("long name: %v", err)
	}
	if _, err := s.ExpandPath("/" + strings.Repeat("a", 4096)); !errors.As(err, &se) || se.Errno != syscall.ENAMETOOLONG {
		t.Errorf("long path: %v", err)
	}
	if got, err := s.ExpandPath("/" + strings.Repeat("a", 4095)); err != nil || len(got) != 4096 {
		t.Errorf("path of PATH_MAX: %v", err)
	}
}

func TestHostMissingOSRelease(t *testing.T) {
	h := &Host{Root: t.TempDir()}
	s := SystemSpecifiers("x.service", "", h)
	var se *SpecifierError
	if _, err := s.Expand("%o"); !errors.As(err, &se) || se.Errno != syscall.EUNATCH {
		t.Errorf("missing os-release: %v", err)
	}
	if _, err := s.Expand("%m"); !errors.As(err, &se) || se.Errno != syscall.ENOENT {
		t.Errorf("missing machine-id: %v", err)
	}
	// Real host facts do not fail.
	if _, err := (&Specifiers{Unit: "x.service", Host: &Host{}}).Expand("%H %v %a %l %q"); err != nil {
		t.Errorf("host facts: %v", err)
	}
}
