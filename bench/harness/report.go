package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// figure is one line of the report. New figures slot in by adding one
// here and the measurement that feeds its key.
type figure struct {
	key    string // "boot/oneshot"
	title  string
	unit   string  // printed after the value
	scale  float64 // stored value * scale = printed value
	prec   int     // decimals printed
	target string  // issue 4's target for gosd, "" if none
}

func (f figure) format(v float64) string {
	return fixed(v*f.scale, f.prec) + " " + f.unit
}

func fixed(v float64, prec int) string { return fmt.Sprintf("%.*f", prec, v) }

// series are the samples of one figure for one manager, and why samples
// are missing.
type series struct {
	vals []float64
	errs []string
}

// results holds every sample of a harness run: figure key -> manager.
type results map[string]map[string]*series

func (r results) get(key, mgr string) *series {
	m := r[key]
	if m == nil {
		m = map[string]*series{}
		r[key] = m
	}
	s := m[mgr]
	if s == nil {
		s = &series{}
		m[mgr] = s
	}
	return s
}

func (r results) add(key, mgr string, v float64) {
	r.get(key, mgr).vals = append(r.get(key, mgr).vals, v)
}

func (r results) fail(key, mgr, reason string) {
	s := r.get(key, mgr)
	if !slices.Contains(s.errs, reason) {
		s.errs = append(s.errs, reason)
	}
}

// median returns the median of vals (the mean of the middle two for an
// even count) and false for none.
func median(vals []float64) (float64, bool) {
	if len(vals) == 0 {
		return 0, false
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2], true
	} else {
		return (s[n/2-1] + s[n/2]) / 2, true
	}
}

// cell is one manager's value of one figure as printed: the median, or
// n/a with the reason.
func (r results) cell(f figure, mgr string) (string, float64, bool) {
	s := r[f.key][mgr]
	if s == nil {
		return "-", 0, false
	}
	if m, ok := median(s.vals); ok {
		txt := f.format(m)
		if len(s.vals) > 1 {
			lo, hi := slices.Min(s.vals), slices.Max(s.vals)
			txt += fmt.Sprintf(" (%s-%s, n=%d)", fixed(lo*f.scale, f.prec), fixed(hi*f.scale, f.prec), len(s.vals))
		}
		return txt, m, true
	}
	if len(s.errs) > 0 {
		return "n/a (" + s.errs[0] + ")", 0, false
	}
	return "-", 0, false
}

func ratio(a, b float64, okA, okB bool) string {
	if !okA || !okB || b == 0 || math.IsNaN(a/b) {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// row is one figure of the report, formatted.
type row struct {
	fig                    figure
	systemd, gosd, floor   string
	gosdSystemd, gosdFloor string
}

func (r results) rows(figs []figure) []row {
	var out []row
	for _, f := range figs {
		if r[f.key] == nil {
			continue
		}
		sd, sv, sok := r.cell(f, "systemd")
		gd, gv, gok := r.cell(f, "gosd")
		fl, fv, fok := r.cell(f, "floor")
		out = append(out, row{fig: f, systemd: sd, gosd: gd, floor: fl,
			gosdSystemd: ratio(gv, sv, gok, sok), gosdFloor: ratio(gv, fv, gok, fok)})
	}
	return out
}

// printTable writes the report for a terminal.
func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tsystemd\tgosd\tfloor\tgosd/systemd\tgosd/floor\ttarget")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.fig.title, shorten(r.systemd), shorten(r.gosd), shorten(r.floor), r.gosdSystemd, r.gosdFloor, r.fig.target)
	}
	tw.Flush()
	// The reasons are long: print each once, under the table.
	seen := map[string]bool{}
	for _, r := range rows {
		for _, c := range []string{r.systemd, r.gosd, r.floor} {
			if strings.HasPrefix(c, "n/a (") && !seen[c] {
				seen[c] = true
				fmt.Fprintf(w, "  %s\n", c)
			}
		}
	}
}

func shorten(c string) string {
	if strings.HasPrefix(c, "n/a (") {
		return "n/a"
	}
	return c
}

// sectionHeading starts the section of BENCHMARKS.md the harness records
// into; sectionIntro follows it when the section is new.
const sectionHeading = "## Booting generated unit graphs: gosd, systemd 252 and the floor (issue 4)"

const sectionIntro = `
Command: ` + "`make bench`" + ` runs ` + "`CGO_ENABLED=0 go run ./bench/harness`" + `
(as root); ` + "`-record`" + ` adds the rows below. Each row is the median of
the runs (range and count in brackets); systemd, gosd and the floor
spawner boot alternately, each as PID 1 of fresh namespaces over an
overlay of the same Debian root. See bench/README.md for what each
figure measures.

| date | machine | command | figure | gosd | systemd | gosd/systemd | floor | gosd/floor | target |
|---|---|---|---|---|---|---|---|---|---|
`

// markdownRows formats rows for BENCHMARKS.md.
func markdownRows(rows []row, date, machine, command string) []string {
	var out []string
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range rows {
		out = append(out, fmt.Sprintf("| %s | %s | `%s` | %s | %s | %s | %s | %s | %s | %s |",
			date, esc(machine), esc(command), esc(r.fig.title), esc(r.gosd), esc(r.systemd), r.gosdSystemd, esc(r.floor), r.gosdFloor, esc(r.fig.target)))
	}
	return out
}

// insertRows puts rows at the top of the table of the harness's section
// of doc (newest first, as BENCHMARKS.md keeps its tables), creating the
// section at the end if it is missing. Older rows stay.
func insertRows(doc string, rows []string) string {
	lines := strings.Split(doc, "\n")
	at := -1
	for i, l := range lines {
		if l == sectionHeading {
			at = i
			break
		}
	}
	if at < 0 {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + sectionHeading + "\n" + sectionIntro
		return insertRows(doc, rows)
	}
	for i := at + 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "## ") {
			break
		}
		if strings.HasPrefix(lines[i], "|---") {
			out := slices.Concat(lines[:i+1], rows, lines[i+1:])
			return strings.Join(out, "\n")
		}
	}
	// The section lost its table: start a new one under the heading.
	intro := strings.Split(strings.TrimPrefix(sectionIntro, "\n"), "\n")
	var table []string
	for _, l := range intro {
		if strings.HasPrefix(l, "|") {
			table = append(table, l)
		}
	}
	out := slices.Concat(lines[:at+1], []string{""}, table, rows, lines[at+1:])
	return strings.Join(out, "\n")
}
