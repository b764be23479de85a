package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gosd/gosd/unit"
)

// sharedFiles are units with and without exec, kill and cgroup settings.
var sharedFiles = map[string]string{
	etc + "a.service": svc,
	etc + "b.service": svc + "Type=oneshot\n",
	etc + "c.service": svc + "User=nobody\nEnvironment=X=1\nKillMode=mixed\nCPUWeight=50\n",
	// PrivateDevices= closes the device policy once the unit is loaded.
	etc + "d.service":  svc + "PrivateDevices=yes\n",
	etc + "e@.service": svc,
	etc + "f.socket":   "[Socket]\nListenStream=/run/f.sock\n",
	etc + "g.socket":   "[Socket]\nListenStream=/run/g.sock\n",
	// A drop-in's setting is the unit's own too.
	etc + "h.service":             svc,
	etc + "h.service.d/10-x.conf": "[Service]\nSendSIGHUP=yes\nSlice=h.slice\n",
	etc + "i.slice":               "[Slice]\nCPUWeight=20\n",
}

// contextsOf is a deep copy of u's exec, kill and cgroup contexts, with the
// slice members by ID, to compare before and after.
type contextsOf struct {
	exec    ExecContext
	limits  [RlimitCount]Rlimit
	kill    KillContext
	cgroup  CGroupContext
	members []string
}

func snapshot(u *Unit) contextsOf {
	c := contextsOf{exec: *u.Exec, kill: *u.Kill, cgroup: *u.CGroup, members: u.SliceOf()}
	for i, l := range u.Exec.Limits {
		if l != nil {
			c.limits[i] = *l
		}
	}
	c.exec.Limits = [RlimitCount]*Rlimit{}
	c.cgroup.members = nil
	return c
}

// TestSharedContexts checks that units without exec, kill or cgroup
// settings share the Set's default contexts, that a unit with a setting
// gets its own copy, and that loading units with settings, or linking,
// never writes into the shared defaults.
func TestSharedContexts(t *testing.T) {
	root := tree(t, sharedFiles)
	s := NewSet(SystemPaths(root), &unit.Host{Root: root, Hostname: "host"})
	a, _ := s.Load("a.service")
	b, _ := s.Load("b.service")
	if a.Exec != b.Exec || a.Kill != b.Kill || a.CGroup != b.CGroup {
		t.Fatalf("a.service and b.service do not share their contexts: exec %p %p, kill %p %p, cgroup %p %p",
			a.Exec, b.Exec, a.Kill, b.Kill, a.CGroup, b.CGroup)
	}
	before := snapshot(a)

	units := map[string]*Unit{}
	for _, n := range []string{"c.service", "d.service", "e@x.service", "f.socket", "g.socket", "h.service", "i.slice"} {
		u, err := s.Load(n)
		if err != nil || u.LoadState != StateLoaded {
			t.Fatalf("%s: %v %v", n, u.LoadState, err)
		}
		units[n] = u
	}
	s.LoadAll()

	if got := snapshot(a); !reflect.DeepEqual(got, before) {
		t.Errorf("the shared contexts changed while other units loaded:\nbefore %+v\nafter  %+v", before, got)
	}
	if a.Exec != b.Exec || a.Kill != b.Kill || a.CGroup != b.CGroup {
		t.Errorf("a.service and b.service no longer share their contexts")
	}

	c, d, e, h := units["c.service"], units["d.service"], units["e@x.service"], units["h.service"]
	tests := []struct {
		name   string
		shared bool // pointer equality with a.service's context
		same   any  // the other unit's context
		a      any  // a.service's
		check  bool // the other unit's value is what it set
	}{
		{"c.service exec is its own", false, c.Exec, a.Exec, c.Exec.User == "nobody" && a.Exec.User == ""},
		{"c.service kill is its own", false, c.Kill, a.Kill, c.Kill.KillMode == "mixed" && a.Kill.KillMode == "control-group"},
		{"c.service cgroup is its own", false, c.CGroup, a.CGroup, c.CGroup.CPUWeight == 50 && a.CGroup.CPUWeight == CGroupUnset},
		{"d.service cgroup copied by PrivateDevices=", false, d.CGroup, a.CGroup, d.CGroup.DevicePolicy == "closed" && a.CGroup.DevicePolicy == "auto"},
		{"d.service kill still shared", true, d.Kill, a.Kill, true},
		{"e@x.service cgroup placed in its template's slice", false, e.CGroup, a.CGroup, e.CGroup.Slice == "system-e.slice" && a.CGroup.Slice == "system.slice"},
		{"e@x.service exec shared", true, e.Exec, a.Exec, true},
		{"h.service kill set by a drop-in", false, h.Kill, a.Kill, h.Kill.SendSIGHUP && !a.Kill.SendSIGHUP},
		{"h.service cgroup set by a drop-in", false, h.CGroup, a.CGroup, h.CGroup.Slice == "h.slice"},
		{"two sockets share one exec default", true, units["f.socket"].Exec, units["g.socket"].Exec, true},
		{"a socket's exec default is not a service's", false, units["f.socket"].Exec, a.Exec, units["f.socket"].Exec.StandardOutput == "journal" && a.Exec.KeyringMode == "private"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if same := tc.same == tc.a; same != tc.shared {
				t.Errorf("shared = %v, want %v", same, tc.shared)
			}
			if !tc.check {
				t.Errorf("value not as set")
			}
		})
	}
	// linkSlices records members in the slice's own context only.
	if got := s.Get("h.slice").SliceOf(); !reflect.DeepEqual(got, []string{"h.service"}) {
		t.Errorf("h.slice members = %v, want [h.service]", got)
	}
	if a.CGroup.members != nil {
		t.Errorf("the shared cgroup context has members %v", a.CGroup.members)
	}
}

// TestSharedContextsChangeNothing loads the same trees with and without
// shared default contexts and compares every unit's contexts and
// dependencies: sharing is invisible to readers.
func TestSharedContextsChangeNothing(t *testing.T) {
	roots := map[string]string{"units with and without settings": tree(t, sharedFiles)}
	if debian, err := filepath.Abs("../conformance/testdata/root"); err == nil {
		if _, err := os.Stat(debian); err == nil {
			roots["the recorded Debian tree"] = debian
		}
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			host := &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"}
			shared := NewSet(SystemPaths(root), host)
			shared.LoadAll()
			own := NewSet(SystemPaths(root), host)
			own.shared = nil
			own.LoadAll()
			if len(shared.Units()) != len(own.Units()) {
				t.Fatalf("%d units with sharing, %d without", len(shared.Units()), len(own.Units()))
			}
			nshared := 0
			for i, u := range shared.Units() {
				o := own.Units()[i]
				if u.ID != o.ID {
					t.Fatalf("unit %d: %s with sharing, %s without", i, u.ID, o.ID)
				}
				if u.shared != 0 {
					nshared++
				}
				if o.shared != 0 {
					t.Errorf("%s: shares contexts in a Set without shared defaults", o.ID)
				}
				if u.Exec == nil {
					continue
				}
				if got, want := snapshot(u), snapshot(o); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: contexts differ with sharing:\n got %+v\nwant %+v", u.ID, got, want)
				}
				if !reflect.DeepEqual(u.ExecSettings(), o.ExecSettings()) {
					t.Errorf("%s: ExecSettings differ with sharing", u.ID)
				}
				if !reflect.DeepEqual(u.Deps, o.Deps) {
					t.Errorf("%s: Deps differ with sharing", u.ID)
				}
			}
			if nshared == 0 {
				t.Errorf("no unit shares a context")
			}
		})
	}
}
