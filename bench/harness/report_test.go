package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/bench/unitgraph"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want float64
		ok   bool
	}{
		{"none", nil, 0, false},
		{"one", []float64{3}, 3, true},
		{"odd, unsorted", []float64{5, 1, 3}, 3, true},
		{"even: mean of the middle two", []float64{4, 1, 3, 2}, 2.5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := median(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("median(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestRows: medians, ranges, ratios, and n/a with the first reason when a
// manager has no sample.
func TestRows(t *testing.T) {
	figs := []figure{
		{key: "boot/oneshot", title: "boot", unit: "s", scale: 1, prec: 2, target: "< 0.6 s"},
		{key: "restart", title: "restart", unit: "ms", scale: 1, prec: 1},
		{key: "absent", title: "never measured", unit: "s", scale: 1},
	}
	r := results{}
	for _, v := range []float64{3.5, 3.7, 3.6} {
		r.add("boot/oneshot", "systemd", v)
	}
	r.add("boot/oneshot", "floor", 0.3)
	r.fail("boot/oneshot", "gosd", "gosd did not reach the final unit: PID 1 exited with status 1")
	r.fail("boot/oneshot", "gosd", "gosd did not reach the final unit: PID 1 exited with status 1")
	r.add("restart", "systemd", 14)
	r.add("restart", "gosd", 1.4)
	r.add("restart", "floor", 0.7)

	rows := r.rows(figs)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (a figure without samples is left out)", len(rows))
	}
	b := rows[0]
	if b.systemd != "3.60 s (3.50-3.70, n=3)" || b.floor != "0.30 s" {
		t.Errorf("boot cells: systemd %q, floor %q", b.systemd, b.floor)
	}
	if b.gosd != "n/a (gosd did not reach the final unit: PID 1 exited with status 1)" || b.gosdSystemd != "-" || b.gosdFloor != "-" {
		t.Errorf("boot gosd cell %q, ratios %q %q", b.gosd, b.gosdSystemd, b.gosdFloor)
	}
	rs := rows[1]
	if rs.gosdSystemd != "0.10" || rs.gosdFloor != "2.00" {
		t.Errorf("restart ratios %q %q, want 0.10 and 2.00", rs.gosdSystemd, rs.gosdFloor)
	}

	var out strings.Builder
	printTable(&out, rows)
	if strings.Count(out.String(), "gosd did not reach the final unit") != 1 {
		t.Errorf("the reason should be printed once under the table:\n%s", out.String())
	}
	md := markdownRows(rows, "2026-11-21", "2 cores | test", "go run ./bench/harness -runs 3")
	if len(md) != 2 || !strings.HasPrefix(md[0], "| 2026-11-21 | 2 cores \\| test | `go run ./bench/harness -runs 3` | boot | n/a (gosd did not reach") {
		t.Errorf("markdown rows:\n%s", strings.Join(md, "\n"))
	}
	if strings.Count(md[0], " | ") != 9 {
		t.Errorf("markdown row has %d separators, want 9 (10 columns): %s", strings.Count(md[0], " | "), md[0])
	}
}

func TestInsertRows(t *testing.T) {
	rows := []string{"| new 1 |", "| new 2 |"}
	header := "| date | machine | command | figure | gosd | systemd | gosd/systemd | floor | gosd/floor | target |\n|---|---|---|---|---|---|---|---|---|---|\n"
	for _, tc := range []struct {
		name, doc string
		check     func(t *testing.T, got string)
	}{
		{"no section: appended at the end, with the table", "# Benchmarks\n\n## Loading\n\n| a |\n|---|\n| old |\n", func(t *testing.T, got string) {
			if !strings.HasPrefix(got, "# Benchmarks\n\n## Loading\n\n| a |\n|---|\n| old |\n\n"+sectionHeading+"\n") {
				t.Errorf("the existing document must stay first and unchanged:\n%s", got)
			}
			if !strings.Contains(got, header+"| new 1 |\n| new 2 |\n") {
				t.Errorf("rows not under the new table header:\n%s", got)
			}
		}},
		{"section present: rows on top, old rows kept", "# B\n\n" + sectionHeading + "\n\ntext\n\n" + header + "| old |\n\nnotes\n\n## Later\n\n| x |\n|---|\n| y |\n", func(t *testing.T, got string) {
			want := "# B\n\n" + sectionHeading + "\n\ntext\n\n" + header + "| new 1 |\n| new 2 |\n| old |\n\nnotes\n\n## Later\n\n| x |\n|---|\n| y |\n"
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		}},
		{"section without a table: one is started under the heading", "# B\n\n" + sectionHeading + "\n\nnotes only\n\n## Later\n\n| x |\n|---|\n", func(t *testing.T, got string) {
			if !strings.Contains(got, sectionHeading+"\n\n"+header+"| new 1 |\n| new 2 |\n\nnotes only\n\n## Later\n\n| x |\n|---|\n") {
				t.Errorf("got\n%s", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, insertRows(tc.doc, rows)) })
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
		env  []string // the gosd environment parsed, when ok
	}{
		{"defaults", nil, true, nil},
		{"subset", []string{"-graphs", "simple", "-managers", "systemd,floor", "-instructions", ""}, true, nil},
		{"unknown graph", []string{"-graphs", "forking"}, false, nil},
		{"unknown manager", []string{"-managers", "upstart"}, false, nil},
		{"unknown valgrind tool", []string{"-instructions", "memcheck"}, false, nil},
		{"no runs", []string{"-runs", "0"}, false, nil},
		{"no counts", []string{"-counts", "0"}, false, nil},
		{"gosd env", []string{"-gosd-env", " GOGC=25 ,,GOSD_MEMPROFILE=/var/tmp/m=1 "}, true, []string{"GOGC=25", "GOSD_MEMPROFILE=/var/tmp/m=1"}},
		{"gosd env without =", []string{"-gosd-env", "GOGC"}, false, nil},
		{"gosd env without name", []string{"-gosd-env", "=25"}, false, nil},
		{"bad notify client", []string{"-notify-client", "busybox"}, false, nil},
		{"floor ordered stop", []string{"-floor-ordered-stop"}, true, nil},
		{"floor cgroups", []string{"-floor-cgroups", "-floor-jobs", "4"}, true, nil},
		{"floor both", []string{"-floor-ordered-stop", "-floor-cgroups"}, true, nil},
		{"stray argument", []string{"extra"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, &strings.Builder{})
			if (err == nil) != tc.ok {
				t.Fatalf("parseFlags(%q) = %v", tc.args, err)
			}
			if tc.name == "defaults" && (c.runs != 5 || c.counts != 3 || len(c.shapes) != 4 || len(c.managers) != 3 || len(c.instructions) != 2 || c.gosdEnv != nil) {
				t.Errorf("defaults: %+v", c)
			}
			if tc.env != nil && !slices.Equal(c.gosdEnv, tc.env) {
				t.Errorf("gosd environment %q, want %q", c.gosdEnv, tc.env)
			}
			if !tc.ok {
				return
			}
			if c.floorOrdered != slices.Contains(tc.args, "-floor-ordered-stop") || c.floorCgroups != slices.Contains(tc.args, "-floor-cgroups") {
				t.Errorf("floor options: ordered stop %v, cgroups %v", c.floorOrdered, c.floorCgroups)
			}
			// The floor's command line, as the floor reads it in the root.
			argv := c.floorArgv()
			if argv[0] != unitgraph.HelperPath || argv[1] != "floor" {
				t.Fatalf("floor argv %q", argv)
			}
			fc, err := parseFloor(argv[2:], &strings.Builder{})
			if err != nil {
				t.Fatalf("the floor rejects its command line %q: %v", argv, err)
			}
			if fc.jobs != c.floorJobs || fc.ordered != c.floorOrdered || fc.cgroups != c.floorCgroups || fc.graph != unitgraph.GraphPath {
				t.Errorf("the floor reads %q as %+v", argv, *fc)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "go run ./bench/harness"},
		{[]string{"-runs", "3", "-record"}, "go run ./bench/harness -runs 3"},
		{[]string{"--record", "-benchmarks", "/tmp/B.md", "-idle=0"}, "go run ./bench/harness -idle=0"},
		{[]string{"-benchmarks=/tmp/B.md", "-record=true", "-graphs", "simple"}, "go run ./bench/harness -graphs simple"},
	} {
		if got := command(tc.args); got != tc.want {
			t.Errorf("command(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
