package graph_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// world is a unit set loaded from files written by a test, with the run
// time state Build asks about.
type world struct {
	set          *loader.Set
	active       map[string]string
	jobs         map[string]graph.JobType
	irreversible map[string]bool
}

func (w *world) Unit(id string) *loader.Unit { return w.set.Get(id) }
func (w *world) ActiveState(id string) string {
	if s, ok := w.active[id]; ok {
		return s
	}
	return graph.StateInactive
}
func (w *world) Job(id string) (graph.JobType, bool) {
	t, ok := w.jobs[id]
	return t, ok
}
func (w *world) Units() []string {
	var ids []string
	for _, u := range w.set.Units() {
		ids = append(ids, u.ID)
	}
	return ids
}
func (w *world) JobIrreversible(id string) bool { return w.irreversible[id] }

// sectionOf says which section a directive of a unit of type typ goes in
// when a test's unit line does not name one ("Service.Type=simple").
func sectionOf(typ, key string) string {
	switch typ {
	case "service":
		if strings.HasPrefix(key, "Exec") || slices.Contains([]string{"Type", "RemainAfterExit", "Sockets", "Restart"}, key) {
			return "Service"
		}
	case "socket":
		if strings.HasPrefix(key, "Listen") || key == "Service" || key == "Accept" {
			return "Socket"
		}
	case "path":
		if strings.HasPrefix(key, "Path") || key == "Unit" || key == "DirectoryNotEmpty" {
			return "Path"
		}
	case "timer":
		if strings.HasPrefix(key, "On") && !strings.HasPrefix(key, "OnFailure") && !strings.HasPrefix(key, "OnSuccess") || key == "Unit" {
			return "Timer"
		}
	case "mount":
		if key == "What" || key == "Where" || key == "Type" || key == "Options" {
			return "Mount"
		}
	}
	return "Unit"
}

// unitFile turns one line of a `units` block, "a.service: Key=Value ...",
// into a unit file; a word without "=" continues the value before it.
// Every unit gets DefaultDependencies=no and a service
// Type=oneshot, RemainAfterExit=yes and ExecStart=/bin/true, unless the
// line says otherwise. "masked" makes the unit a link to /dev/null.
func unitFile(name string, fields []string) (data string, masked bool, err error) {
	typ := unit.NameType(name)
	sections := map[string][]string{}
	var order []string
	set := func(sec, kv string) {
		if _, ok := sections[sec]; !ok {
			order = append(order, sec)
		}
		sections[sec] = append(sections[sec], kv)
	}
	has := func(sec, key string) bool {
		for _, kv := range sections[sec] {
			if strings.HasPrefix(kv, key+"=") {
				return true
			}
		}
		return false
	}
	set("Unit", "Description="+name)
	if len(fields) > 0 && fields[0] == "masked" {
		return "", true, nil
	}
	var last string // section of the last setting
	for _, f := range fields {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			// A word without "=" continues the value before it.
			if last == "" {
				return "", false, fmt.Errorf("%s: %q is not Key=Value", name, f)
			}
			l := sections[last]
			l[len(l)-1] += " " + f
			continue
		}
		sec, k, ok := strings.Cut(key, ".")
		if !ok {
			sec, k = sectionOf(typ, key), key
		}
		set(sec, k+"="+val)
		last = sec
	}
	if !has("Unit", "DefaultDependencies") {
		set("Unit", "DefaultDependencies=no")
	}
	if typ == "service" {
		for _, d := range []string{"Type=oneshot", "RemainAfterExit=yes", "ExecStart=/bin/true"} {
			if k, _, _ := strings.Cut(d, "="); !has("Service", k) {
				set("Service", d)
			}
		}
	}
	var b strings.Builder
	for _, sec := range order {
		fmt.Fprintf(&b, "[%s]\n", sec)
		for _, kv := range sections[sec] {
			b.WriteString(kv + "\n")
		}
	}
	return b.String(), false, nil
}

// loadWorld writes the units of a `units` block below a new root and loads
// them all.
func loadWorld(t testing.TB, input string) *world {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("unit line %q: want NAME: Key=Value...", line)
		}
		data, masked, err := unitFile(name, strings.Fields(rest))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if masked {
			err = os.Symlink("/dev/null", p)
		} else {
			err = os.WriteFile(p, []byte(data), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	set := loader.NewSet(loader.SystemPaths(root), &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"})
	set.LoadAll()
	return &world{set: set, active: map[string]string{}, jobs: map[string]graph.JobType{}, irreversible: map[string]bool{}}
}

// setState applies a `state` block: "UNIT [ACTIVESTATE] [job=TYPE]
// [irreversible]" per line; every unit not named is inactive, without job.
func (w *world) setState(t testing.TB, input string) {
	w.active, w.jobs, w.irreversible = map[string]string{}, map[string]graph.JobType{}, map[string]bool{}
	for _, line := range strings.Split(input, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, a := range f[1:] {
			switch {
			case strings.HasPrefix(a, "job="):
				jt, err := graph.ParseJobType(strings.TrimPrefix(a, "job="))
				if err != nil {
					t.Fatal(err)
				}
				w.jobs[f[0]] = jt
			case a == "irreversible":
				w.irreversible[f[0]] = true
			default:
				w.active[f[0]] = a
			}
		}
	}
}

// formatTransaction writes what Build returned, one job a line.
func formatTransaction(tr *graph.Transaction, err error) string {
	var b strings.Builder
	if tr != nil {
		for _, j := range tr.Jobs {
			b.WriteString(j.String())
			for _, f := range []struct {
				on   bool
				name string
			}{{j.Anchor, "anchor"}, {j.Required, "required"}, {j.Irreversible, "irreversible"}, {j.IgnoreOrder, "ignore-order"}} {
				if f.on {
					b.WriteString(" " + f.name)
				}
			}
			b.WriteString("\n")
		}
		for _, c := range tr.Cancel {
			fmt.Fprintf(&b, "cancel %s\n", c)
		}
		for _, l := range tr.Log {
			fmt.Fprintf(&b, "log %s\n", l)
		}
	}
	if err != nil {
		var ge *graph.Error
		if errors.As(err, &ge) {
			for _, l := range ge.Log {
				fmt.Fprintf(&b, "log %s\n", l)
			}
			fmt.Fprintf(&b, "error %s: %s\n", ge.Code, ge.Msg)
		} else {
			fmt.Fprintf(&b, "error %v\n", err)
		}
	}
	return b.String()
}

// TestTransactions runs the transcripts in testdata/transactions: unit
// sets, states and requests, and the transaction Build computes. Where a
// case states what systemd 252 did, it was observed with nsboot (see
// testdata/oracle).
//
//	units            a block of "NAME: Key=Value ..." lines, loaded afresh
//	state            "UNIT [ACTIVESTATE] [job=TYPE] [irreversible]" lines
//	<type> UNIT [mode=MODE] [internal]   Build's answer
//	cycles           graph.Cycles of every loaded unit
func TestTransactions(t *testing.T) {
	datadriven.Walk(t, "testdata/transactions", func(t *testing.T, path string) {
		var w *world
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "units":
				w = loadWorld(t, d.Input)
				return ""
			case "state":
				w.setState(t, d.Input)
				return ""
			case "cycles":
				var b strings.Builder
				for _, c := range graph.Cycles(w.set.Units()) {
					b.WriteString(strings.Join(c, " ") + "\n")
				}
				return b.String()
			case "dot":
				var opts graph.DOTOptions
				for _, a := range d.CmdArgs {
					switch a.Key {
					case "order":
						opts.Order = true
					case "require":
						opts.Require = true
					case "pattern":
						opts.Patterns = a.Vals
					case "from":
						opts.From = a.Vals
					case "to":
						opts.To = a.Vals
					}
				}
				var b bytes.Buffer
				if err := graph.DOT(&b, w.set.Units(), opts); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			jt, err := graph.ParseJobType(d.Cmd)
			if err != nil {
				d.Fatalf(t, "unknown command %s", d.Cmd)
			}
			if len(d.CmdArgs) == 0 {
				d.Fatalf(t, "%s needs a unit", d.Cmd)
			}
			req := graph.Request{Unit: d.CmdArgs[0].Key, Type: jt}
			for _, a := range d.CmdArgs[1:] {
				switch a.Key {
				case "mode":
					m, err := graph.ParseMode(a.Vals[0])
					if err != nil {
						d.Fatalf(t, "%v", err)
					}
					req.Mode = m
				case "internal":
					req.Internal = true
				default:
					d.Fatalf(t, "unknown argument %s", a.Key)
				}
			}
			if req.Mode == graph.Replace && !req.Internal {
				tr, err := graph.Build(w, req.Unit, req.Type, req.Mode)
				return formatTransaction(tr, err)
			}
			return formatTransaction(graph.BuildRequest(w, req))
		})
	})
}
