package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosd/gosd/bench/unitgraph"
	"github.com/gosd/gosd/track"
)

// The test binary serves as the harness binary in the root and as the
// launcher, as the real one does.
func TestMain(m *testing.M) {
	if code, ok := inRootCommand(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestBootFloor boots the floor spawner as PID 1 of fresh namespaces on
// a small simple graph over the cached Debian root, as a benchmark run
// does: t0 comes before the final unit's stamp, PID 1's figures are read,
// the restart unit is crashed and restarted (the latency comes from the
// kernel's process events) and SIGTERM stops the namespace. It does so
// with the floor's defaults, and with the ordered stop and cgroups of
// -floor-ordered-stop -floor-cgroups (then the units' cgroups are gone
// after the stop), and after the root's generators (-floor-generators).
// Needs root and the root file system nsboot builds.
func TestBootFloor(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts and namespaces")
	}
	rootfs := "/var/cache/gosd/rootfs-bookworm"
	if _, err := os.Stat(filepath.Join(rootfs, ".nsboot-complete")); err != nil {
		t.Skipf("no cached root file system at %s (conformance/record.sh or the harness builds it)", rootfs)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStatic(self); err != nil {
		t.Skipf("the test binary is copied into the root: %v", err)
	}
	g, err := unitgraph.Generate(unitgraph.Spec{Kind: unitgraph.Simple, Units: 12, Layers: 4, Fanin: 2})
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	layer := filepath.Join(work, "layer")
	if err := writeLayer(layer, g, self, "", "", false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cfg     config
		cgroups bool // the floor makes cgroups below PID 1's, which is the test's
	}{
		{"defaults", config{floorJobs: 8}, false},
		{"ordered stop and cgroups", config{floorJobs: 8, floorOrdered: true, floorCgroups: true}, true},
		{"generators", config{floorJobs: 8, floorGenerators: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var units string
			if tc.cgroups {
				_, own, err := track.OwnCgroup("/")
				if err != nil {
					t.Skipf("no cgroup v2 directory for the floor's units: %v", err)
				}
				units = filepath.Join(own, floorCgroup)
			}
			b, err := startBoot(bootSpec{
				Lower: []string{layer, rootfs},
				Dir:   filepath.Join(work, "run-"+strings.ReplaceAll(tc.name, " ", "-")),
				Argv:  tc.cfg.floorArgv(),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if !b.Exited() {
					b.Kill()
				}
			}()
			done, err := b.WaitFile(unitgraph.DonePath, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			_, tDone, err := parseStamp(done)
			if err != nil || tDone <= b.T0 {
				t.Fatalf("done stamp %q (%v) is not after t0 %d", done, err, b.T0)
			}
			if rss, _, err := pid1Stats(b.Pid); err != nil || rss <= 0 {
				t.Errorf("PID 1 stats: %v MiB, %v", rss, err)
			}
			// The generators' output directories are made for their run
			// (the root's /run starts empty).
			late := fmt.Sprintf("/proc/%d/root/run/systemd/generator.late", b.Pid)
			if _, err := os.Stat(late); (err == nil) != tc.cfg.floorGenerators {
				t.Errorf("generators run: %v; stat %s: %v", tc.cfg.floorGenerators, late, err)
			}
			if units != "" {
				// Every unit with a process has its cgroup, holding one
				// process (the final unit's has gone with it).
				for _, u := range g.Units {
					if u.Kind == unitgraph.Target || u.Name == unitgraph.FinalName {
						continue
					}
					procs, err := os.ReadFile(filepath.Join(units, u.Name, "cgroup.procs"))
					if n := len(strings.Fields(string(procs))); err != nil || n != 1 {
						t.Errorf("%s's cgroup: %d processes (%v), want 1", u.Name, n, err)
					}
				}
			}
			lat, err := measureRestart(b, 2, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lat {
				if l <= 0 {
					t.Errorf("restart latency %v ms: the exec must come after the exit", l)
				}
			}
			if _, err := b.Stop(15, time.Minute); err != nil {
				t.Fatal(err)
			}
			if r := b.ExitReason(); r != "PID 1 exited with status 0" {
				t.Errorf("floor ended with %q", r)
			}
			if units != "" {
				if _, err := os.Stat(units); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s after the floor stopped: %v, want it removed", units, err)
				}
			}
		})
	}
}
