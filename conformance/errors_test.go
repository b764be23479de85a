package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestShowErrorsMatchSystemd runs the recorded `systemctl show` commands
// of testdata/errors (templates, unknown and invalid names) with gosd and
// compares exit code, standard error and the identity of what is shown.
func TestShowErrorsMatchSystemd(t *testing.T) {
	root, _ := filepath.Abs("testdata/root")
	f, err := os.Open("testdata/errors/COMMANDS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, command, ok := strings.Cut(sc.Text(), "\t")
		if !ok || strings.HasPrefix(name, "#") || !strings.HasPrefix(command, "systemctl show ") {
			continue // status needs a running manager
		}
		t.Run(name, func(t *testing.T) {
			unitArg := strings.TrimPrefix(command, "systemctl show --all ")
			cmd := exec.Command(gosdBin, "systemctl", "--root="+root, "show", "--all", unitArg)
			var so, se bytes.Buffer
			cmd.Stdout, cmd.Stderr = &so, &se
			code := 0
			var ee *exec.ExitError
			if err := cmd.Run(); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			read := func(ext string) string {
				b, err := os.ReadFile("testdata/errors/" + name + ext)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			wantCode, _ := strconv.Atoi(strings.TrimSpace(read(".exit")))
			if code != wantCode || se.String() != read(".stderr") {
				t.Errorf("gosd: exit %d, stderr %q; systemctl: exit %d, stderr %q", code, se.String(), wantCode, read(".stderr"))
			}
			ident := func(out string) string {
				var keep []string
				for _, l := range strings.Split(out, "\n") {
					if strings.HasPrefix(l, "Id=") || strings.HasPrefix(l, "LoadState=") || strings.HasPrefix(l, "Names=") || strings.HasPrefix(l, "LoadError=") {
						keep = append(keep, l)
					}
				}
				return strings.Join(keep, "\n")
			}
			if g, w := ident(so.String()), ident(read(".stdout")); g != w {
				t.Errorf("gosd shows:\n%s\nsystemctl showed:\n%s", g, w)
			}
		})
	}
}
