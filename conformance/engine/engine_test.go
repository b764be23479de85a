// Package engine is the differential suite of gosd's engine against systemd
// 252: every scenario under scenarios/ is run by systemd (recorded once into
// testdata/) and by gosd, each as PID 1 of an nsboot namespace on an overlay
// of the same Debian root filesystem, and the transcripts of the steps, with
// `systemctl show -p ActiveState,SubState,Result,ExecMainStatus,NRestarts`
// of the scenario's units after every step, must be equal. See README.md.
package engine

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	flagRecord  = flag.Bool("record", false, "run the scenarios under systemd and rewrite testdata/*.systemd")
	flagManager = flag.String("manager", "gosd", "manager compared with the recordings: gosd, or systemd to check that the recordings are reproducible")
	flagKeep    = flag.String("keep", "", "directory that receives every run's transcript and console log")
	flagGosdBin = flag.String("gosd-bin", "", "gosd binary to test instead of building ./cmd/gosd")
	flagGosdArg = flag.String("gosd-args", "", "space-separated flags added to gosd's command line, e.g. --process-tracking=process-groups")
)

const (
	scenarioDir = "scenarios"
	helpersDir  = "helpers"
	testdataDir = "testdata"
	// minScenarios is the size issue 3 asks for.
	minScenarios = 60
)

// environment finds nsboot and the rootfs, or says why the suite cannot run.
func environment() (*harness, string) {
	if os.Geteuid() != 0 {
		return nil, "needs root (nsboot namespaces and overlay mounts)"
	}
	nsboot := os.Getenv("NSBOOT")
	if nsboot == "" {
		nsboot = "/work/shared/oracle/nsboot"
	}
	if _, err := exec.LookPath(nsboot); err != nil {
		return nil, "nsboot not found (set NSBOOT): " + err.Error()
	}
	cache := os.Getenv("GOSD_CACHE")
	if cache == "" {
		cache = "/var/cache/gosd"
	}
	rootfs := filepath.Join(cache, "rootfs-bookworm")
	if _, err := os.Stat(filepath.Join(rootfs, ".nsboot-complete")); err != nil {
		return nil, "no rootfs at " + rootfs + " (conformance/engine/record.sh builds it)"
	}
	return &harness{NSBoot: nsboot, RootFS: rootfs, Scratch: filepath.Join(cache, "engine-scratch"), Keep: *flagKeep}, ""
}

func recordingPath(sc *scenario) string {
	return filepath.Join(testdataDir, sc.Name+".systemd")
}

// TestEngineMatchesSystemd runs every scenario under gosd (or, with
// -manager=systemd, under systemd again) and compares the transcript with
// systemd's recording. With -record it rewrites the recordings instead.
func TestEngineMatchesSystemd(t *testing.T) {
	h, why := environment()
	if h == nil {
		t.Skip(why)
	}
	scs, err := loadScenarios(scenarioDir, helpersDir)
	if err != nil {
		t.Fatal(err)
	}
	var mgr manager
	switch {
	case *flagRecord || *flagManager == "systemd":
		mgr = systemdManager()
	case *flagManager == "gosd" && *flagGosdBin != "":
		mgr = gosdManager(*flagGosdBin)
	case *flagManager == "gosd":
		bin := filepath.Join(t.TempDir(), "gosd")
		cmd := exec.Command("go", "build", "-o", bin, "../../cmd/gosd")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building gosd: %v\n%s", err, out)
		}
		mgr = gosdManager(bin)
	default:
		t.Fatalf("-manager=%q: want gosd or systemd", *flagManager)
	}

	// One boot first, so that a manager that cannot boot at all fails
	// once, with its console log, instead of once per scenario.
	probe, err := parseScenario("probe.txt", []byte(probeScenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	res, err := h.run(ctx, mgr, probe)
	cancel()
	if be := (*bootError)(nil); errors.As(err, &be) {
		t.Fatalf("boot probe: %v", err)
	} else if err != nil {
		t.Fatalf("boot probe: %v\n--- console log ---\n%s", err, res.Console)
	}

	var versionOnce sync.Once
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			var want []byte
			if !*flagRecord {
				var err error
				if want, err = os.ReadFile(recordingPath(sc)); err != nil {
					t.Fatalf("no recording (run record.sh): %v", err)
				}
				if h := transcriptHash(string(want)); h != sc.Hash() {
					t.Fatalf("%s was recorded from another version of %s (hash %s, now %s): run record.sh", recordingPath(sc), sc.File, h, sc.Hash())
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			res, err := h.run(ctx, mgr, sc)
			if err != nil {
				if be := (*bootError)(nil); errors.As(err, &be) {
					t.Fatal(be)
				}
				t.Fatalf("%v\n--- transcript so far ---\n%s\n--- console log ---\n%s", err, res.Transcript, res.Console)
			}
			if *flagRecord {
				if err := os.WriteFile(recordingPath(sc), []byte(res.Transcript), 0o644); err != nil {
					t.Fatal(err)
				}
				versionOnce.Do(func() { recordVersion(t, h) })
				return
			}
			if res.Transcript != string(want) {
				t.Errorf("%s differs from systemd's recording %s:\n%s\n--- %s console log ---\n%s",
					mgr.Name, recordingPath(sc), unifiedDiff("systemd", mgr.Name, string(want), res.Transcript), mgr.Name, tail(res.Console, 60))
			}
		})
	}
}

// probeScenario boots the empty boot target and asks for its state.
const probeScenario = `== show ` + bootTarget + `
== steps
systemctl is-active ` + bootTarget + `
`

// recordVersion writes testdata/VERSION: the systemd the recordings are from.
func recordVersion(t *testing.T, h *harness) {
	out, err := exec.Command("chroot", h.RootFS, "/usr/bin/systemctl", "--version").Output()
	if err != nil {
		t.Errorf("systemctl --version in %s: %v", h.RootFS, err)
		return
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if err := os.WriteFile(filepath.Join(testdataDir, "VERSION"), []byte(first+"\n"), 0o644); err != nil {
		t.Error(err)
	}
}

// transcriptHash returns the scenario hash in a transcript's first line.
func transcriptHash(tr string) string {
	first, _, _ := strings.Cut(tr, "\n")
	_, rest, ok := strings.Cut(first, "(scenario ")
	if !ok {
		return ""
	}
	h, _, _ := strings.Cut(rest, ")")
	return h
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	ls := lines(s)
	if len(ls) > n {
		ls = append([]string{"..."}, ls[len(ls)-n:]...)
	}
	return strings.Join(ls, "\n")
}
