package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseManagerArgs(t *testing.T) {
	for _, c := range []struct {
		args     []string
		tracking string
		err      string
	}{
		{args: nil},
		{args: []string{"--unit=x.target", "--process-tracking=process-groups"}, tracking: "process-groups"},
		{args: []string{"--process-tracking=cgroup"}, tracking: "cgroup"},
		{args: []string{"--process-tracking=pids"}, err: "--process-tracking=pids: want cgroup or process-groups"},
		{args: []string{"--bogus"}, err: "unknown option --bogus"},
	} {
		o, err := parseManagerArgs(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || o.tracking != c.tracking {
			t.Errorf("%q: tracking %q, error %v; want %q", c.args, o.tracking, err, c.tracking)
		}
	}
}

// TestReadPIDFile: the pid is the first line of the file, as systemd reads
// it; the file's owner decides whether it may name a process outside the
// unit.
func TestReadPIDFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.pid")
	var h managerHost
	for _, c := range []struct {
		text string
		pid  int
		bad  bool
	}{
		{"123\n", 123, false},
		{" 45 \nsecond line\n", 45, false},
		{"", 0, true},
		{"12ab\n", 0, true},
	} {
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		pid, root, err := h.ReadPIDFile(path)
		if (err != nil) != c.bad || pid != c.pid {
			t.Errorf("%q: pid %d, err %v; want %d, error %v", c.text, pid, err, c.pid, c.bad)
		}
		if err == nil && root != (os.Getuid() == 0) {
			t.Errorf("%q: root-owned %v, but the test runs as uid %d", c.text, root, os.Getuid())
		}
	}
	if _, _, err := h.ReadPIDFile(filepath.Join(dir, "missing.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if os.Getuid() != 0 {
		t.Skip("the not-root-owned case needs root to chown")
	}
	os.WriteFile(path, []byte("77\n"), 0o644)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if pid, root, err := h.ReadPIDFile(path); err != nil || pid != 77 || root {
		t.Errorf("file of uid 65534: pid %d, root-owned %v, err %v; want 77, false", pid, root, err)
	}
}
