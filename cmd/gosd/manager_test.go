package main

import (
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
