// Command harness is gosd's boot benchmark (issue 4): it boots systemd
// 252, gosd and the floor spawner (bench/floor) as PID 1 of fresh
// namespaces over an overlay of the same Debian root file system, on the
// generated unit graphs of bench/unitgraph, in alternation, and prints the
// median of every figure with the ratio of gosd to systemd and to the
// floor. With -record it adds the figures to BENCHMARKS.md.
//
//	sudo CGO_ENABLED=0 go run ./bench/harness [-runs 5] [-record]
//
// The same binary, copied into the root, also serves the units: see
// inroot.go for the commands it answers there.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosd/gosd/bench/unitgraph"
	"golang.org/x/sys/unix"
)

func main() {
	if code, ok := inRootCommand(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(runHarness(os.Args[1:], os.Stdout, os.Stderr))
}

// inRootCommand runs the command args names if it is one of those the
// binary answers as the launcher or inside the root, and reports whether
// it was.
func inRootCommand(args []string) (int, bool) {
	if len(args) < 2 {
		return 0, false
	}
	switch args[1] {
	case "launch":
		if len(args) != 3 {
			return 2, true
		}
		return launch(args[2]), true
	case "stamp":
		return stamp(args[2:]), true
	case "crashloop":
		return crashloop(args[2:]), true
	case "time":
		return timeCmd(args[2:]), true
	case "echo":
		return echoCmd(args[2:]), true
	case "floor":
		return runFloor(args[2:]), true
	}
	return 0, false
}

// config is the harness's command line.
type config struct {
	runs            int
	gosdEnv         []string // added to gosd's environment (-gosd-env)
	shapes          []unitgraph.Kind
	managers        []string
	units           int
	defaultDeps     bool
	rootfs          string
	nsboot          string
	work            string
	gosd            string
	timeout         time.Duration
	restarts        int
	isActive        int
	accepts         int
	idle            time.Duration
	instructions    []string // valgrind tools: cachegrind, callgrind
	counts          int      // boots each tool counts
	floorJobs       int
	floorOrdered    bool // -floor-ordered-stop
	floorCgroups    bool // -floor-cgroups
	floorGenerators bool // -floor-generators
	notifyClient    string
	record          bool
	benchmarks      string
	keep            bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.runs, "runs", 5, "boots of each manager on each graph")
	shapes := fs.String("graphs", "oneshot,simple,notify,notifyd", "graphs to boot, comma-separated")
	managers := fs.String("managers", "systemd,gosd,floor", "what to boot as PID 1, comma-separated, in the order of each round")
	fs.IntVar(&c.units, "units", 0, "units per graph (0: issue 4's 1000, 1000 and 300)")
	fs.BoolVar(&c.defaultDeps, "default-deps", false, "keep systemd's default dependencies (sysinit.target, basic.target) in the generated units")
	fs.StringVar(&c.rootfs, "rootfs", "/var/cache/gosd/rootfs-bookworm", "Debian root file system (read only; built with nsboot if missing)")
	fs.StringVar(&c.nsboot, "nsboot", "/work/shared/oracle/nsboot", "nsboot, to build the root file system")
	fs.StringVar(&c.work, "work", "/var/tmp/gosd-bench", "scratch directory: graph layers, overlay upper directories, binaries")
	fs.StringVar(&c.gosd, "gosd", "", "static gosd binary to boot (default: build ./cmd/gosd of this module)")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "longest boot or shutdown before the run counts as failed")
	fs.IntVar(&c.restarts, "restarts", 5, "crashes of the restart unit per simple-graph boot (0: skip)")
	fs.IntVar(&c.isActive, "is-active", 20, "`systemctl is-active` calls per simple-graph boot (0: skip)")
	fs.IntVar(&c.accepts, "accept", 20, "connections to the Accept=yes echo socket per simple-graph boot (0: skip)")
	fs.DurationVar(&c.idle, "idle", 10*time.Second, "how long to count PID 1's wake-ups on the simple graph (0: skip)")
	tools := fs.String("instructions", "cachegrind,callgrind", "valgrind tools counting PID 1's instructions on oneshot boots: cachegrind (boot and shutdown), callgrind (to the final unit); empty: skip")
	fs.IntVar(&c.counts, "counts", 3, "oneshot boots each valgrind tool counts per manager (the median is reported: collections and scheduling vary between counts)")
	fs.IntVar(&c.floorJobs, "floor-jobs", 8, "spawns the floor keeps in flight at once")
	fs.BoolVar(&c.floorOrdered, "floor-ordered-stop", false, "the floor stops units in the reverse order of their requirements, as systemd and gosd do, instead of signalling every process at once")
	fs.BoolVar(&c.floorCgroups, "floor-cgroups", false, "the floor spawns each process into a cgroup v2 directory of its own (clone3 CLONE_INTO_CGROUP) and removes it after the reap, as gosd does")
	fs.BoolVar(&c.floorGenerators, "floor-generators", false, "the floor first runs the root's unit generators and waits for them, as gosd and systemd 252 do at boot")
	fs.StringVar(&c.notifyClient, "notify-client", "systemd", "the systemd-notify every notify unit runs, under every manager: systemd's, or gosd's multi-call one")
	gosdEnv := fs.String("gosd-env", "", "comma-separated NAME=VALUE added to gosd's environment; the profile variables (GOSD_CPUPROFILE=/var/tmp/cpu.prof, GOSD_MEMSTATS=...) need -gosd pointing at a gosd built with -tags gosd_profile: the default build writes none (kept under the run's up/ with -keep)")
	fs.BoolVar(&c.record, "record", false, "add the figures to BENCHMARKS.md")
	fs.StringVar(&c.benchmarks, "benchmarks", "", "BENCHMARKS.md to record into (default: the module's)")
	fs.BoolVar(&c.keep, "keep", false, "keep each run's directory (console log, overlay upper) under -work")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, kv := range strings.Split(*gosdEnv, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("-gosd-env: %q is not NAME=VALUE", kv)
		}
		c.gosdEnv = append(c.gosdEnv, kv)
	}
	for _, s := range strings.Split(*shapes, ",") {
		switch k := unitgraph.Kind(strings.TrimSpace(s)); k {
		case unitgraph.Oneshot, unitgraph.Simple, unitgraph.Notify, unitgraph.NotifyDaemon:
			c.shapes = append(c.shapes, k)
		default:
			return nil, fmt.Errorf("-graphs: unknown graph %q (oneshot, simple, notify, notifyd)", s)
		}
	}
	for _, m := range strings.Split(*managers, ",") {
		switch m = strings.TrimSpace(m); m {
		case "systemd", "gosd", "floor":
			c.managers = append(c.managers, m)
		default:
			return nil, fmt.Errorf("-managers: unknown manager %q (systemd, gosd, floor)", m)
		}
	}
	for _, t := range strings.Split(*tools, ",") {
		switch t = strings.TrimSpace(t); t {
		case "":
		case "cachegrind", "callgrind":
			c.instructions = append(c.instructions, t)
		default:
			return nil, fmt.Errorf("-instructions: unknown tool %q (cachegrind, callgrind)", t)
		}
	}
	if c.notifyClient != "systemd" && c.notifyClient != "gosd" {
		return nil, fmt.Errorf("-notify-client: %q is neither systemd nor gosd", c.notifyClient)
	}
	if c.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	if c.counts < 1 {
		return nil, errors.New("-counts must be at least 1")
	}
	return c, nil
}

// floorArgv is the floor's command line in the root.
func (c *config) floorArgv() []string {
	argv := []string{unitgraph.HelperPath, "floor", "-j", strconv.Itoa(c.floorJobs)}
	if c.floorOrdered {
		argv = append(argv, "-ordered-stop")
	}
	if c.floorCgroups {
		argv = append(argv, "-cgroups")
	}
	if c.floorGenerators {
		argv = append(argv, "-generators")
	}
	return append(argv, unitgraph.GraphPath)
}

// harness is one benchmark session.
type harness struct {
	cfg    *config
	log    io.Writer
	specs  map[unitgraph.Kind]unitgraph.Spec
	layers map[unitgraph.Kind]string
	mgrs   map[string]*manager
	// broken remembers, by manager and graph, why a boot failed, so that
	// later rounds do not wait for the same failure again.
	broken map[string]string
	res    results
}

func runHarness(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "harness: must run as root (it mounts overlays and makes pid, mount and network namespaces)")
		return 1
	}
	h := &harness{cfg: cfg, log: stderr, broken: map[string]string{}, res: results{}}
	mach := machine()
	if err := h.setup(); err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 1
	}
	for round := 1; round <= cfg.runs; round++ {
		for _, shape := range cfg.shapes {
			for _, name := range cfg.managers {
				fmt.Fprintf(stderr, "round %d/%d: %s, %s graph\n", round, cfg.runs, name, shape)
				h.bootOnce(h.mgrs[name], shape)
			}
		}
	}
	if slices.Contains(cfg.shapes, unitgraph.Oneshot) {
		for _, tool := range cfg.instructions {
			for _, name := range cfg.managers {
				// A manager that cannot be counted once is not tried again.
				for i := 1; i <= cfg.counts; i++ {
					fmt.Fprintf(stderr, "instructions %d/%d: %s, oneshot graph under %s\n", i, cfg.counts, name, tool)
					if !h.countInstructions(h.mgrs[name], tool) {
						break
					}
				}
			}
		}
	}
	if !cfg.keep {
		os.RemoveAll(filepath.Join(cfg.work, "runs"))
	}

	rows := h.res.rows(h.figures())
	fmt.Fprintf(stdout, "\n%s\n%s\n\n", mach, command(os.Args[1:]))
	printTable(stdout, rows)
	if cfg.record {
		path := cfg.benchmarks
		if path == "" {
			root, err := moduleRoot()
			if err != nil {
				fmt.Fprintln(stderr, "harness: -record:", err)
				return 1
			}
			path = filepath.Join(root, "BENCHMARKS.md")
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "harness: -record:", err)
			return 1
		}
		md := markdownRows(rows, time.Now().Format("2006-01-02"), mach, command(os.Args[1:]))
		if err := os.WriteFile(path, []byte(insertRows(string(doc), md)), 0o644); err != nil {
			fmt.Fprintln(stderr, "harness: -record:", err)
			return 1
		}
		fmt.Fprintf(stdout, "\nrecorded %d rows in %s\n", len(md), path)
	}
	return 0
}

// command is how to repeat a run made with these arguments (the
// recording flags left out).
func command(args []string) string {
	var flags []string
	for i := 0; i < len(args); i++ {
		a := strings.TrimPrefix(args[i], "-")
		switch {
		case a == "-record" || a == "record" || strings.HasPrefix(a, "record="):
		case a == "-benchmarks" || a == "benchmarks":
			i++ // and its value
		case strings.HasPrefix(a, "-benchmarks=") || strings.HasPrefix(a, "benchmarks="):
		default:
			flags = append(flags, args[i])
		}
	}
	return strings.TrimSpace("go run ./bench/harness " + strings.Join(flags, " "))
}

// setup makes sure the root file system exists, builds gosd, and writes
// one overlay layer per graph.
func (h *harness) setup() error {
	c := h.cfg
	if err := ensureRootfs(c.nsboot, c.rootfs, h.log); err != nil {
		return err
	}
	bin := filepath.Join(c.work, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := checkStatic(self); err != nil {
		return fmt.Errorf("the harness is copied into the root to serve the units: %w", err)
	}

	h.mgrs = map[string]*manager{
		"systemd": {name: "systemd", argv: []string{"/lib/systemd/systemd", "--unit=" + unitgraph.TargetName},
			stop: sigRTMin3, endSignal: unix.SIGINT, client: []string{"/usr/bin/systemctl"}},
		"gosd": {name: "gosd", argv: []string{gosdPath, "--unit=" + unitgraph.TargetName},
			stop: 15, client: []string{gosdPath, "systemctl"}, env: c.gosdEnv},
		"floor": {name: "floor", argv: c.floorArgv(), stop: 15},
	}
	gosd := c.gosd
	if slices.Contains(c.managers, "gosd") {
		if gosd == "" {
			gosd = filepath.Join(bin, "gosd")
			root, err := moduleRoot()
			if err == nil {
				err = buildGosd(root, gosd)
			}
			if err != nil {
				h.mgrs["gosd"].skip = "gosd could not be built: " + err.Error()
				gosd = ""
			}
		} else if err := checkStatic(gosd); err != nil {
			h.mgrs["gosd"].skip = err.Error()
			gosd = ""
		}
	}

	notifyd := ""
	if slices.Contains(c.shapes, unitgraph.NotifyDaemon) {
		notifyd = filepath.Join(bin, "notifyd")
		root, err := moduleRoot()
		if err == nil {
			err = buildStatic(root, "./bench/notifyd", notifyd)
		}
		if err != nil {
			return fmt.Errorf("the %s graph needs bench/notifyd: %w", unitgraph.NotifyDaemon, err)
		}
	}

	h.specs = map[unitgraph.Kind]unitgraph.Spec{}
	h.layers = map[unitgraph.Kind]string{}
	for _, spec := range unitgraph.DefaultSpecs() {
		if !slices.Contains(c.shapes, spec.Kind) {
			continue
		}
		if c.units > 0 {
			spec.Units = c.units
		}
		spec.DefaultDependencies = c.defaultDeps
		g, err := unitgraph.Generate(spec)
		if err != nil {
			return err
		}
		dir := filepath.Join(c.work, "layer-"+string(spec.Kind))
		if c.notifyClient == "gosd" && gosd == "" {
			return errors.New("-notify-client=gosd needs a gosd binary")
		}
		nd := ""
		if spec.Kind == unitgraph.NotifyDaemon {
			nd = notifyd
		}
		if err := writeLayer(dir, g, self, nd, gosd, c.notifyClient == "gosd"); err != nil {
			return fmt.Errorf("writing the %s graph: %w", spec.Kind, err)
		}
		h.specs[spec.Kind] = spec
		h.layers[spec.Kind] = dir
	}
	return nil
}

// figures lists the report's lines for the graphs of this session.
func (h *harness) figures() []figure {
	var figs []figure
	n := func(k unitgraph.Kind) int { return h.specs[k].Units }
	for _, k := range h.cfg.shapes {
		figs = append(figs, figure{key: "boot/" + string(k), title: fmt.Sprintf("boot, %d %s units", n(k), k), unit: "s", scale: 1, prec: 3,
			target: "< 0.6 s; systemd/6; 2x floor"})
	}
	for _, k := range h.cfg.shapes {
		figs = append(figs, figure{key: "rss/" + string(k), title: fmt.Sprintf("PID 1 RSS after the %s boot", k), unit: "MiB", scale: 1, prec: 2,
			target: "< 12 MB; 2/3 of systemd"})
	}
	for _, k := range h.cfg.shapes {
		figs = append(figs, figure{key: "cpu/" + string(k), title: fmt.Sprintf("PID 1 CPU time to the end of the %s boot", k), unit: "s", scale: 1, prec: 3})
	}
	for _, k := range h.cfg.shapes {
		t := ""
		if k == unitgraph.Simple {
			t = "< 0.3 s"
		}
		figs = append(figs, figure{key: "shutdown/" + string(k), title: fmt.Sprintf("shutdown, %d %s units", n(k), k), unit: "s", scale: 1, prec: 3, target: t})
	}
	figs = append(figs,
		figure{key: "restart", title: "restart latency (crash to new main process running, RestartSec=0)", unit: "ms", scale: 1, prec: 2, target: "< 5 ms"},
		figure{key: "isactive", title: "`systemctl is-active` round trip (client exec included)", unit: "ms", scale: 1, prec: 2},
		figure{key: "accept", title: "Accept=yes echo round trip (connect, a new service instance echoes a line, close)", unit: "ms", scale: 1, prec: 2},
		figure{key: "idle", title: fmt.Sprintf("PID 1 wake-ups per second, idle, %d simple units running", n(unitgraph.Simple)), unit: "/s", scale: 1, prec: 1, target: "<= 1/s"},
		figure{key: "instructions/callgrind", title: fmt.Sprintf("PID 1 instructions, %d-unit oneshot boot to the final unit (callgrind)", n(unitgraph.Oneshot)), unit: "M", scale: 1e-6, prec: 1},
		figure{key: "instructions/cachegrind", title: fmt.Sprintf("PID 1 instructions, %d-unit oneshot boot and shutdown (cachegrind)", n(unitgraph.Oneshot)), unit: "M", scale: 1e-6, prec: 1},
	)
	return figs
}

// bootKeys are the figures one boot of a graph yields.
func (h *harness) bootKeys(m *manager, shape unitgraph.Kind) []string {
	keys := []string{"boot/" + string(shape), "rss/" + string(shape), "cpu/" + string(shape), "shutdown/" + string(shape)}
	if shape == unitgraph.Simple {
		if h.cfg.restarts > 0 {
			keys = append(keys, "restart")
		}
		if h.cfg.isActive > 0 && m.client != nil {
			keys = append(keys, "isactive")
		}
		if h.cfg.accepts > 0 && m.client != nil {
			keys = append(keys, "accept")
		}
		if h.cfg.idle > 0 {
			keys = append(keys, "idle")
		}
	}
	return keys
}

func (h *harness) runDir(m *manager, what string) string {
	return filepath.Join(h.cfg.work, "runs", m.name+"-"+what)
}

// refused returns why m is not booted on shape's graph, if it is not: the
// manager is skipped, or an earlier boot of it on that graph failed.
func (h *harness) refused(m *manager, shape unitgraph.Kind) (string, bool) {
	if m.skip != "" {
		return m.skip, true
	}
	reason, ok := h.broken[m.name+"/"+string(shape)]
	return reason, ok
}

// startRun boots spec as PID 1 over shape's graph layer, in m's run
// directory named what (spec.Lower and spec.Dir are set here), after
// emptying that directory, and returns that directory too. The function
// it returns ends the run: it kills PID 1 if it is still running and
// removes the directory unless -keep; defer it at once, also when
// startRun fails.
func (h *harness) startRun(m *manager, shape unitgraph.Kind, what string, spec bootSpec) (*boot, string, func(), error) {
	spec.Lower = []string{h.layers[shape], h.cfg.rootfs}
	spec.Dir = h.runDir(m, what)
	os.RemoveAll(spec.Dir)
	b, err := startBoot(spec)
	end := func() {
		if b != nil && !b.Exited() {
			b.Kill()
		}
		if !h.cfg.keep {
			os.RemoveAll(spec.Dir)
		}
	}
	return b, spec.Dir, end, err
}

// bootOnce boots m on one graph and records every figure that boot yields.
func (h *harness) bootOnce(m *manager, shape unitgraph.Kind) {
	keys := h.bootKeys(m, shape)
	failAll := func(reason string) {
		for _, k := range keys {
			h.res.fail(k, m.name, reason)
		}
		fmt.Fprintf(h.log, "  %s\n", reason)
	}
	if reason, ok := h.refused(m, shape); ok {
		failAll(reason)
		return
	}
	id := m.name + "/" + string(shape)
	b, _, end, err := h.startRun(m, shape, string(shape), bootSpec{Argv: m.argv, Env: m.env})
	defer end()
	var done []byte
	if err == nil {
		done, err = b.WaitFile(unitgraph.DonePath, h.cfg.timeout)
	}
	if err != nil {
		h.broken[id] = fmt.Sprintf("%s did not reach the final unit: %v", m.name, err)
		failAll(h.broken[id])
		return
	}
	rss, cpu, statErr := pid1Stats(b.Pid)
	_, tDone, err := parseStamp(done)
	if err != nil {
		failAll(fmt.Sprintf("%s: %v", unitgraph.DonePath, err))
		return
	}
	boot := float64(tDone-b.T0) / 1e9
	h.res.add("boot/"+string(shape), m.name, boot)
	if statErr != nil {
		h.res.fail("rss/"+string(shape), m.name, statErr.Error())
		h.res.fail("cpu/"+string(shape), m.name, statErr.Error())
	} else {
		h.res.add("rss/"+string(shape), m.name, rss)
		h.res.add("cpu/"+string(shape), m.name, cpu)
	}
	fmt.Fprintf(h.log, "  boot %.3f s, RSS %.2f MiB, CPU %.3f s\n", boot, rss, cpu)

	if shape == unitgraph.Simple {
		h.probes(m, b)
	}
	d, err := b.Stop(m.stop, h.cfg.timeout)
	if err == nil {
		// A shutdown that ended otherwise than m's clean one is no figure.
		if ws, ok := b.WaitStatus(); !ok || !m.cleanEnd(ws) {
			err = fmt.Errorf("%s did not shut down cleanly: %s; console: %s", m.name, b.ExitReason(), b.ConsoleTail(3))
		}
	}
	if err != nil {
		h.res.fail("shutdown/"+string(shape), m.name, err.Error())
		fmt.Fprintf(h.log, "  shutdown: %v\n", err)
		return
	}
	h.res.add("shutdown/"+string(shape), m.name, d.Seconds())
	fmt.Fprintf(h.log, "  shutdown %.3f s (%s)\n", d.Seconds(), b.ExitReason())
}

// probes measures what needs a booted system with services running:
// restart latency, is-active round trip, Accept=yes echo round trip,
// idle wake-ups.
func (h *harness) probes(m *manager, b *boot) {
	c := h.cfg
	if c.restarts > 0 {
		lat, err := measureRestart(b, c.restarts, 10*time.Second)
		if err != nil {
			h.res.fail("restart", m.name, err.Error())
			fmt.Fprintf(h.log, "  restart: %v\n", err)
		}
		for _, v := range lat {
			h.res.add("restart", m.name, v)
		}
		if len(lat) > 0 {
			v, _ := median(lat)
			fmt.Fprintf(h.log, "  restart %.2f ms (median of %d)\n", v, len(lat))
		}
	}
	if c.isActive > 0 && m.client != nil {
		v, err := measureIsActive(b, m.client, c.isActive)
		h.probed(m, "isactive", "is-active %.2f ms", v, err)
	}
	if c.accepts > 0 && m.client != nil {
		v, err := measureAccept(b, c.accepts)
		h.probed(m, "accept", "accept %.2f ms", v, err)
	}
	if c.idle > 0 {
		v, err := measureIdle(b, time.Second, c.idle)
		h.probed(m, "idle", "idle %.1f wake-ups/s", v, err)
	}
}

// probed records one probe's figure, or its failure, and logs it.
func (h *harness) probed(m *manager, key, format string, v float64, err error) {
	if err != nil {
		h.res.fail(key, m.name, err.Error())
		fmt.Fprintf(h.log, "  %s: %v\n", key, err)
		return
	}
	h.res.add(key, m.name, v)
	fmt.Fprintf(h.log, "  "+format+"\n", v)
}

// valgrindOut is where PID 1's profile goes (%p is the pid, 1 for PID
// 1; a forked child that exits without exec writes its own file), in the
// overlay's upper directory so that it outlives the namespace.
const valgrindOut = "/var/tmp/gosd-bench.%p.out"

// countInstructions boots m on the oneshot graph under a valgrind tool
// (children are not traced: only PID 1 counts). Under cachegrind the
// count is taken at PID 1's exit, so it covers boot and shutdown. Under
// callgrind, at the final unit, vgdb (run inside the namespace) makes
// callgrind dump the count so far: the boot's alone.
func (h *harness) countInstructions(m *manager, tool string) bool {
	key := "instructions/" + tool
	fail := func(reason string) bool {
		h.res.fail(key, m.name, reason)
		fmt.Fprintf(h.log, "  %s\n", reason)
		return false
	}
	if reason, ok := h.refused(m, unitgraph.Oneshot); ok {
		return fail(reason)
	}
	prog, binds, err := valgrind(h.log)
	if err != nil {
		return fail(err.Error())
	}
	// gosd re-executes itself once at start (spawn.PrepareManager), so
	// children are traced, except every program of the unit graph.
	// --fair-sched: valgrind runs one thread at a time; its default lock
	// may let a thread spinning on a Go runtime lock run on while the
	// holder waits (a guess at one count of 11.9 G among ~0.36 G, not
	// seen again in 27 counts either way).
	argv := []string{prog, "--tool=" + tool, "-q", "--fair-sched=yes", "--trace-children=yes", "--trace-children-skip=" + traceSkip}
	switch tool {
	case "cachegrind":
		argv = append(argv, "--cache-sim=no", "--cachegrind-out-file="+valgrindOut)
	case "callgrind":
		argv = append(argv, "--callgrind-out-file="+valgrindOut)
	}
	argv = append(argv, m.argv...)
	b, dir, end, err := h.startRun(m, unitgraph.Oneshot, tool, bootSpec{Argv: argv, Binds: binds, Env: m.env})
	defer end()
	if err != nil {
		return fail(fmt.Sprintf("%s under %s did not start: %v", m.name, tool, err))
	}
	slow := 20 * h.cfg.timeout
	if _, err := b.WaitFile(unitgraph.DonePath, slow); err != nil {
		if data, _ := os.ReadFile(b.console); strings.Contains(string(data), "vgCallgrind_post_signal") {
			// Seen with every Go program that handles signals (valgrind 3.19).
			return fail(fmt.Sprintf("callgrind aborted on %s's signal handling (assertion in vgCallgrind_post_signal)", m.name))
		}
		return fail(fmt.Sprintf("%s under %s did not reach the final unit: %v", m.name, tool, err))
	}
	out := filepath.Join(dir, "up", strings.ReplaceAll(valgrindOut, "%p", "1"))
	if tool == "callgrind" {
		if _, err := inNamespace(b, "/usr/bin/vgdb", "--pid=1", "dump"); err != nil {
			return fail(fmt.Sprintf("vgdb dump: %v", err))
		}
		// The dump is the first part: FILE.1.
		v, err := readValgrind(out + ".1")
		if err != nil {
			return fail(err.Error())
		}
		h.res.add(key, m.name, v)
		fmt.Fprintf(h.log, "  %.1f M instructions to the final unit\n", v/1e6)
		return true
	}
	if _, err := b.Stop(m.stop, slow); err != nil {
		return fail(err.Error())
	}
	v, err := readValgrind(out)
	if errors.Is(err, os.ErrNotExist) {
		// systemd ends by exec'ing systemd-shutdown, and valgrind writes
		// no profile at an exec.
		return fail(fmt.Sprintf("no count: %s's PID 1 did not exit by itself (%s); valgrind writes nothing when PID 1 execs", m.name, b.ExitReason()))
	}
	if err != nil {
		return fail(err.Error())
	}
	h.res.add(key, m.name, v)
	fmt.Fprintf(h.log, "  %.1f M instructions for boot and shutdown\n", v/1e6)
	return true
}

// traceSkip lists the programs valgrind does not follow into: all but
// PID 1's own binary (gosdPath is under /usr/local/sbin); gosd runs its
// exec helper through /proc/self/fd.
const traceSkip = "/proc/self/fd/*,/bin/*,/sbin/*,/lib/*,/usr/bin/*,/usr/sbin/*,/usr/lib/*,/usr/libexec/*,/usr/local/bin/*,/usr/local/libexec/*"

// readValgrind reads the instruction count (the first event) of a
// callgrind or cachegrind output file.
func readValgrind(path string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := valgrindTotal(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
