package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// TestDotMatchesSystemd runs `systemd-analyze dot` on the conformance unit
// tree and compares it with what systemd 252's systemd-analyze dot wrote
// for the same tree (testdata/dot/*.dot, recorded by
// graph/testdata/oracle/record.sh; the first line of each is the command).
// Edges are compared as sets: systemd writes them in hash-table order.
// Left out on both sides, as in conformance/DIFFERENCES.txt: edges to and
// from slices, mount units and systemd-journald.socket, the mount
// machinery's default dependencies of automount units, and the recorder's
// helper target. Left out of systemd's side: edges to and from units it
// had loaded only because the helper target named them (template
// instances nothing refers to), which an offline gosd, loading unit
// files, does not load.
func TestDotMatchesSystemd(t *testing.T) {
	root, err := filepath.Abs("../../conformance/testdata/root")
	if err != nil {
		t.Fatal(err)
	}
	legend, err := os.ReadFile("testdata/dot/legend.stderr")
	if err != nil {
		t.Fatal(err)
	}
	set := loader.NewSet(loader.SystemPaths(root), &unit.Host{Root: root})
	set.LoadAll()
	files, _ := filepath.Glob("testdata/dot/*.dot")
	if len(files) == 0 {
		t.Fatal("no recorded dot output")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			header, recorded, _ := strings.Cut(string(data), "\n")
			args := shellWords(t, strings.TrimPrefix(header, "# command: systemd-analyze dot "))
			var stdout, stderr bytes.Buffer
			argv := append([]string{"systemd-analyze", "dot", "--root=" + root}, args...)
			if code := run(argv, &stdout, &stderr); code != 0 {
				t.Fatalf("%v: exit %d: %s", argv, code, stderr.String())
			}
			if stderr.String() != string(legend) {
				t.Errorf("stderr:\n%s\nsystemd wrote:\n%s", stderr.String(), legend)
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "digraph systemd {\n") || !strings.HasSuffix(out, "\n}\n") {
				t.Errorf("not a graph:\n%s", out)
			}
			var sources []string
			for _, l := range dotEdges(out, nil) {
				sources = append(sources, strings.Split(l, "\"")[1])
			}
			if !slices.IsSorted(sources) {
				t.Errorf("gosd's units are not in ID order:\n%s", out)
			}
			want := dotEdges(recorded, func(from string) bool { return set.Get(from) != nil })
			slices.Sort(want)
			gosd := dotEdges(out, func(string) bool { return true })
			slices.Sort(gosd)
			if len(want) < 15 {
				t.Fatalf("only %d edges compared", len(want))
			}
			if !slices.Equal(gosd, want) {
				t.Errorf("gosd (%d edges):\n%s\nsystemd 252 (%d edges):\n%s", len(gosd), strings.Join(gosd, "\n"), len(want), strings.Join(want, "\n"))
			}
		})
	}
}

// dotEdges returns the edge lines of a dot graph, less those the
// comparison leaves out and those from units loaded says gosd did not
// load at either end (nil: keep every edge, in order).
func dotEdges(text string, loaded func(string) bool) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.Contains(l, "->") {
			continue
		}
		if loaded == nil {
			out = append(out, l)
			continue
		}
		q := strings.Split(l, "\"")
		if len(q) < 5 {
			out = append(out, l)
			continue
		}
		from, to := q[1], q[3]
		if dotUnmodelled(from) || dotUnmodelled(to) || !loaded(from) || !loaded(to) {
			continue
		}
		if mountDefault(from, to) || mountDefault(to, from) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// dotUnmodelled reports a unit whose dependencies gosd does not model.
func dotUnmodelled(u string) bool {
	return strings.HasSuffix(u, ".slice") || strings.HasSuffix(u, ".mount") ||
		u == "systemd-journald.socket" || u == "graph-oracle-all.target"
}

// mountDefault reports an edge systemd's mount machinery adds between an
// automount unit and the targets it orders file systems against.
func mountDefault(a, b string) bool {
	return strings.HasSuffix(a, ".automount") && slices.Contains([]string{"local-fs.target", "local-fs-pre.target", "umount.target", "swap.target"}, b)
}

// shellWords splits the recorder's command line: words in single quotes.
func shellWords(t *testing.T, s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if len(w) < 2 || w[0] != '\'' || w[len(w)-1] != '\'' {
			t.Fatalf("unquoted word %q in %q", w, s)
		}
		out = append(out, w[1:len(w)-1])
	}
	return out
}
