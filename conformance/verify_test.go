package conformance

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// verifyRoot lays out the tree record.sh ran `systemd-analyze verify` in:
// every testdata/verify unit in /etc/systemd/system and a few executables.
func verifyRoot(t *testing.T) string {
	root := t.TempDir()
	for _, d := range []string{"etc/systemd/system", "usr/bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("usr/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"true", "false", "echo", "sleep", "cat"} {
		if err := os.WriteFile(filepath.Join(root, "usr/bin", b), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	units, _ := filepath.Glob("testdata/verify/*.service")
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "etc/systemd/system", filepath.Base(u)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The unit with a line over 1 MiB is generated, as record.sh does.
	long := "[Unit]\nDescription=" + strings.Repeat("x", 1<<20) + "\nDefaultDependencies=no\n\n[Service]\nExecStart=/bin/true\n"
	if err := os.WriteFile(filepath.Join(root, "etc/systemd/system/gosdv-longline.service"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// directive matches the directive name gosd puts after "path:line: ",
// which systemd's messages do not have.
var directive = regexp.MustCompile(`^(\S+:\d+: )[A-Za-z][A-Za-z0-9]*: `)

// TestVerifyMatchesSystemd runs `gosd verify --root` on each recorded case
// and compares messages and exit code with systemd-analyze verify's.
// gosd prints paths as seen inside the root and names the directive in
// each message; both are normalised before comparing.
func TestVerifyMatchesSystemd(t *testing.T) {
	root := verifyRoot(t)
	cases, _ := filepath.Glob("testdata/verify/*.expected")
	if len(cases) == 0 {
		t.Fatal("no recorded verify cases")
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".expected")
		t.Run(name, func(t *testing.T) {
			want, _ := os.ReadFile(c)
			exitData, _ := os.ReadFile(strings.TrimSuffix(c, ".expected") + ".exit")
			wantExit, _ := strconv.Atoi(strings.TrimSpace(string(exitData)))
			cmd := exec.Command(gosdBin, "verify", "--root="+root, "/etc/systemd/system/"+name+".service")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			gotExit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				gotExit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if l == "" || strings.Contains(l, "is not supported by gosd") {
					continue
				}
				got = append(got, directive.ReplaceAllString(l, "$1"))
			}
			wantText := strings.TrimSpace(strings.ReplaceAll(string(want), "<ROOT>", ""))
			if strings.Join(got, "\n") != wantText || gotExit != wantExit {
				t.Errorf("gosd verify (exit %d):\n%s\nsystemd-analyze verify (exit %d):\n%s", gotExit, strings.Join(got, "\n"), wantExit, wantText)
			}
		})
	}
}
