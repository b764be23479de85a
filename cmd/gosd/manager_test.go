package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseManagerArgs(t *testing.T) {
	for _, c := range []struct {
		args       []string
		tracking   string
		journalMax int
		err        string
	}{
		{args: nil, journalMax: defaultJournalMax},
		{args: []string{"--unit=x.target", "--process-tracking=process-groups"}, tracking: "process-groups", journalMax: defaultJournalMax},
		{args: []string{"--process-tracking=cgroup"}, tracking: "cgroup", journalMax: defaultJournalMax},
		{args: []string{"--process-tracking=pids"}, err: "--process-tracking=pids: want cgroup or process-groups"},
		{args: []string{"--bogus"}, err: "unknown option --bogus"},
		{args: []string{"--journal-max-use=4M"}, journalMax: 4 << 20},
		{args: []string{"--journal-max-use=1G 512K"}, journalMax: 1<<30 + 512<<10},
		{args: []string{"--journal-max-use=0"}, journalMax: 0},
		{args: []string{"--journal-max-use=infinity"}, journalMax: math.MaxInt},
		{args: []string{"--journal-max-use=lots"}, err: "--journal-max-use=lots: want a size"},
		{args: []string{"--journal-max-use=-1"}, err: "--journal-max-use=-1: want a size"},
	} {
		o, err := parseManagerArgs(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || o.tracking != c.tracking || o.journalMax != c.journalMax {
			t.Errorf("%q: tracking %q, journal bound %d, error %v; want %q, %d", c.args, o.tracking, o.journalMax, err, c.tracking, c.journalMax)
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
