package props

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/gosd/gosd/loader"
)

// initOnlyEnv makes the test binary exit as soon as package init is done,
// for TestTablesStatic.
const initOnlyEnv = "GOSD_PROPS_TEST_INIT_ONLY"

func TestMain(m *testing.M) {
	if os.Getenv(initOnlyEnv) == "1" {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestTablesComputable computes every property of every table, for a unit
// of each type that has only what loader gives that type: a getter of a
// type prop cannot dispatch, or one reaching for another type's settings
// (a Service getter among socketProps), would compile and only fail when
// shown. It also checks the names written out for properties named by
// what they show.
func TestTablesComputable(t *testing.T) {
	for _, typ := range []string{"service", "socket", "target", "device", "timer", "path", "mount", "automount", "swap", "slice", "scope"} {
		u := &loader.Unit{ID: "x." + typ, Type: typ, LoadState: loader.StateLoaded}
		switch typ {
		case "service":
			u.Service = &loader.Service{}
		case "socket":
			u.Socket = &loader.Socket{}
		case "timer":
			u.Timer = &loader.Timer{}
		case "path":
			u.Path = &loader.PathUnit{}
		case "mount":
			u.Mount = &loader.Mount{}
		case "automount":
			u.Automount = &loader.Automount{}
		case "swap":
			u.Swap = &loader.Swap{}
		}
		cgroup, exec, kill := loader.TypeContexts(typ)
		if cgroup {
			u.CGroup = &loader.CGroupContext{}
		}
		if exec {
			u.Exec = &loader.ExecContext{}
		}
		if kill {
			u.Kill = &loader.KillContext{}
		}
		ex := u.ExecSettings()
		for _, tb := range tablesFor(typ, cgroup, exec, kill) {
			for i := range tb {
				p := &tb[i]
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s: %s: %v", typ, p.name, r)
						}
					}()
					if _, ok := p.values(u, &State{}, ex); !ok {
						p.value(u, &State{}, ex)
					}
				}()
			}
		}
	}
	tables := []struct {
		name string
		t    []prop
	}{
		{"service", serviceProps}, {"socket", socketProps}, {"timer", timerProps},
		{"path", pathProps}, {"mount", mountProps}, {"automount", automountProps},
		{"swap", swapProps}, {"cgroup", cgroupProps}, {"exec", execProps},
		{"kill", killProps}, {"unit", unitProps},
	}
	limits := 0
	for _, tb := range tables {
		for i := range tb.t {
			p := &tb.t[i]
			want := p.name
			switch g := p.get.(type) {
			case loader.Dep:
				want = g.String()
			case ioLimit:
				want = loader.IOLimitNames[g]
			case rlimit:
				limits++
				want = "Limit" + loader.RlimitName(g.res)
				if g.soft {
					want += "Soft"
				}
			}
			if p.name != want {
				t.Errorf("%s: property %s shows %s", tb.name, p.name, want)
			}
		}
	}
	if limits != 2*loader.RlimitCount {
		t.Errorf("%d Limit* properties, want %d (hard and soft of each resource)", limits, 2*loader.RlimitCount)
	}
}

// TestTablesStatic checks that the property tables are data the compiler
// lays out, not values built by package init: gosd's binary is resident in
// the manager, code and all, and so is what init allocates. A table made
// by calling a function (a helper per entry, a concatenation), or holding
// a closure with captured variables, is built by code in props.init and
// allocated on the heap (58642 bytes of init code, 29088 bytes in 655
// allocations when every entry was made by a helper). The test binary runs
// its own init again under GODEBUG=inittrace=1: props must have no init
// work at all, so no line. A coverage build registers the package at init,
// which allocates a little.
func TestTablesStatic(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), initOnlyEnv+"=1", "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", os.Args[0], err, out)
	}
	// Not a package variable: props' init would compile it.
	initLine := regexp.MustCompile(`(?m)^init ([^ ]+) @[^,]*, [^,]* ms clock, (\d+) bytes, (\d+) allocs$`)
	lines := initLine.FindAllStringSubmatch(string(out), -1)
	if len(lines) == 0 {
		t.Fatalf("no inittrace line in the output of %s:\n%s", os.Args[0], out)
	}
	for _, l := range lines {
		if l[1] != "github.com/gosd/gosd/props" {
			continue
		}
		bytes, _ := strconv.Atoi(l[2])
		switch {
		case testing.CoverMode() == "":
			t.Errorf("props has package init work, a table is built by code: %s", l[0])
		case bytes > 256:
			t.Errorf("props' init allocates %d bytes, a table is built by code: %s", bytes, l[0])
		}
	}
}
