package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, root, p, body string, mode os.FileMode) {
	t.Helper()
	f := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

// TestRun: the first directory's generator of a name wins, /dev/null links
// and empty files mask, the output directories are emptied first and
// passed in order, failures are reported as systemd words them.
func TestRun(t *testing.T) {
	root := t.TempDir()
	write(t, root, "usr/lib/systemd/system-generators/gen-a",
		"#!/bin/sh\necho 'from usr' > \"$1/a.service\"\n", 0o755)
	write(t, root, "etc/systemd/system-generators/gen-a",
		"#!/bin/sh\nprintf '[Service]\\nExecStart=/bin/true\\n' > \"$1/a.service\"\necho early > \"$2/e\"\necho late > \"$3/l\"\necho \"$SYSTEMD_SCOPE\" > \"$1/scope\"\n", 0o755)
	write(t, root, "lib/systemd/system-generators/gen-fail", "#!/bin/sh\nexit 3\n", 0o755)
	write(t, root, "usr/lib/systemd/system-generators/gen-empty", "", 0o755)
	write(t, root, "usr/lib/systemd/system-generators/gen-masked", "#!/bin/sh\ntouch \"$1/masked-ran\"\n", 0o755)
	if err := os.MkdirAll(filepath.Join(root, "etc/systemd/system-generators"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(root, "etc/systemd/system-generators/gen-masked")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "run/systemd/generator/stale.service", "old", 0o644)

	found := Find(root)
	want := []string{"/etc/systemd/system-generators/gen-a", "/lib/systemd/system-generators/gen-fail"}
	if strings.Join(found, " ") != strings.Join(want, " ") {
		t.Fatalf("Find = %v, want %v", found, want)
	}
	log := logFile(t)
	n := Run(root, Env("docker", true, "x86-64", false), 10*time.Second, log)
	if got := readLog(t, log); n != 1 || got != "/lib/systemd/system-generators/gen-fail failed with exit status 3.\n" {
		t.Errorf("Run = %d, log %q", n, got)
	}
	read := func(p string) string {
		b, _ := os.ReadFile(filepath.Join(root, p))
		return string(b)
	}
	if got := read("run/systemd/generator/a.service"); !strings.HasPrefix(got, "[Service]") {
		t.Errorf("a.service = %q: the /etc generator should have run, not /usr's", got)
	}
	if read("run/systemd/generator.early/e") != "early\n" || read("run/systemd/generator.late/l") != "late\n" {
		t.Error("early and late directories not passed as $2 and $3")
	}
	if read("run/systemd/generator/scope") != "system\n" {
		t.Error("SYSTEMD_SCOPE not set")
	}
	if _, err := os.Stat(filepath.Join(root, "run/systemd/generator/stale.service")); !os.IsNotExist(err) {
		t.Error("the output directory was not emptied first")
	}
	if _, err := os.Stat(filepath.Join(root, "run/systemd/generator/masked-ran")); !os.IsNotExist(err) {
		t.Error("a generator masked by a /dev/null link ran")
	}
}

// TestTimeout: a generator still running at the deadline is killed and
// reported; the others' output stays.
func TestTimeout(t *testing.T) {
	root := t.TempDir()
	write(t, root, "etc/systemd/system-generators/slow", "#!/bin/sh\nexec sleep 30\n", 0o755)
	log := logFile(t)
	// (had it not been killed, it would have ended well: n == 0)
	n := Run(root, nil, 300*time.Millisecond, log)
	if got := readLog(t, log); n != 1 || got != "/etc/systemd/system-generators/slow timed out, killed.\n" {
		t.Errorf("Run = %d, log %q", n, got)
	}
}

func logFile(t *testing.T) *os.File {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readLog(t *testing.T, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEnv(t *testing.T) {
	got := strings.Join(Env("docker", true, "x86-64", true), " ")
	for _, w := range []string{"SYSTEMD_SCOPE=system", "SYSTEMD_IN_INITRD=0", "SYSTEMD_FIRST_BOOT=1", "SYSTEMD_VIRTUALIZATION=container:docker", "SYSTEMD_ARCHITECTURE=x86-64"} {
		if !strings.Contains(got, w) {
			t.Errorf("Env lacks %s: %s", w, got)
		}
	}
	if strings.Contains(strings.Join(Env("none", false, "", false), " "), "VIRTUALIZATION") {
		t.Error("SYSTEMD_VIRTUALIZATION set without virtualization")
	}
}
