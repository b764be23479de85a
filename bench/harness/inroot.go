package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/floor"
	"github.com/gosd/gosd/bench/unitgraph"
	"github.com/gosd/gosd/generator"
	"github.com/gosd/gosd/track"
)

// The commands below run inside the benchmark's root, from the copy of
// this binary at unitgraph.HelperPath.

// writeStamp writes "fields... CLOCK_MONOTONIC-ns" to path atomically (a
// rename), so a reader never sees half a stamp.
func writeStamp(path string, fields ...string) error {
	line := strings.Join(append(fields, strconv.FormatInt(monotonic(), 10)), " ") + "\n"
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(line), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// stamp is the final unit's command: `stamp FILE` writes the time.
func stamp(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gosd-bench stamp FILE")
		return 2
	}
	if err := writeStamp(args[0]); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench stamp:", err)
		return 1
	}
	return 0
}

// crashloop is the restart unit's command: `crashloop DIR` writes
// DIR/start ("PID TIME") as soon as it runs, then waits for a byte on the
// FIFO DIR/crash; on one it writes DIR/crashed ("PID TIME") and kills
// itself with SIGKILL, so its service manager restarts it.
func crashloop(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gosd-bench crashloop DIR")
		return 2
	}
	dir := args[0]
	pid := strconv.Itoa(os.Getpid())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench crashloop:", err)
		return 1
	}
	if err := writeStamp(filepath.Join(dir, "start"), pid); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench crashloop:", err)
		return 1
	}
	fifo := filepath.Join(dir, "crash")
	if err := unix.Mkfifo(fifo, 0o600); err != nil && !errors.Is(err, unix.EEXIST) {
		fmt.Fprintln(os.Stderr, "gosd-bench crashloop:", err)
		return 1
	}
	buf := make([]byte, 1)
	for {
		f, err := os.Open(fifo) // blocks until the harness opens it to write
		if err != nil {
			fmt.Fprintln(os.Stderr, "gosd-bench crashloop:", err)
			return 1
		}
		n, _ := f.Read(buf)
		f.Close()
		if n == 1 {
			break
		}
	}
	if err := writeStamp(filepath.Join(dir, "crashed"), pid); err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench crashloop:", err)
		return 1
	}
	unix.Kill(os.Getpid(), unix.SIGKILL)
	return 1 // not reached
}

// timeCmd is `time N CMD ARGS...`: it runs CMD N times, one after the
// other, and prints "MEDIAN-ns OUTPUT" where OUTPUT is the first line the
// last run printed. It fails if any run fails.
func timeCmd(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gosd-bench time N CMD [ARG...]")
		return 2
	}
	n, ok := parseCount("time", args[0])
	if !ok {
		return 2
	}
	var times []int64
	var out []byte
	var err error
	for range n {
		t := monotonic()
		c := exec.Command(args[1], args[2:]...)
		out, err = c.CombinedOutput()
		times = append(times, monotonic()-t)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gosd-bench time: %s: %v: %s\n", strings.Join(args[1:], " "), err, bytes.TrimSpace(out))
			return 1
		}
	}
	slices.Sort(times)
	first, _, _ := strings.Cut(string(out), "\n")
	fmt.Printf("%d %s\n", times[len(times)/2], first)
	return 0
}

// parseCount reads a command's count of runs, at least 1, saying why not.
func parseCount(cmd, s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "gosd-bench %s: bad count %s\n", cmd, s)
		return 0, false
	}
	return n, true
}

// echoCmd is `echo N PATH`: N times, one after the other, it connects to
// the stream socket PATH, writes a line, reads it back and closes; it
// prints the median time of one such round trip in ns. A wrong or missing
// echo fails it.
func echoCmd(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosd-bench echo N PATH")
		return 2
	}
	n, ok := parseCount("echo", args[0])
	if !ok {
		return 2
	}
	var times []int64
	for i := range n {
		t := monotonic()
		line := fmt.Sprintf("ping %d\n", i)
		got, err := echoOnce(args[1], line)
		times = append(times, monotonic()-t)
		if err == nil && got != line {
			err = fmt.Errorf("sent %q, got %q back", line, got)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gosd-bench echo: connection %d: %v\n", i+1, err)
			return 1
		}
	}
	slices.Sort(times)
	fmt.Println(times[len(times)/2])
	return 0
}

// echoOnce sends line over a new connection to the stream socket path and
// returns what comes back before the peer closes (10 s at most).
func echoOnce(path, line string) (string, error) {
	c, err := net.DialTimeout("unix", path, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line); err != nil {
		return "", err
	}
	c.(*net.UnixConn).CloseWrite() // cat exits at the end of its input
	b, err := io.ReadAll(c)
	return string(b), err
}

// floorNotifySocket is where the floor spawner listens for READY=1.
const floorNotifySocket = "/run/gosd-bench-floor-notify"

// floorCgroup is the directory, below the floor's own cgroup, that holds
// the units' cgroups with -cgroups (gosd's is gosd.slice).
const floorCgroup = "gosd-bench-floor"

// floorCmd is the floor's command line.
type floorCmd struct {
	jobs                         int
	ordered, cgroups, generators bool
	graph                        string
}

func parseFloor(args []string, stderr io.Writer) (*floorCmd, error) {
	c := &floorCmd{}
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.jobs, "j", 8, "spawns in flight at once")
	fs.BoolVar(&c.ordered, "ordered-stop", false, "stop units in the reverse order of their requirements (floor.Options.OrderedStop)")
	fs.BoolVar(&c.cgroups, "cgroups", false, "spawn each process into a cgroup of its own, removed after the reap (floor.Options.Cgroups), below "+floorCgroup+" in the floor's own cgroup")
	fs.BoolVar(&c.generators, "generators", false, "first run the root's unit generators and wait for them, as gosd and systemd 252 do at boot (package generator)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, errors.New("one graph file expected")
	}
	c.graph = fs.Arg(0)
	return c, nil
}

// runFloor is `floor [-j N] [-ordered-stop] [-cgroups] [-generators]
// GRAPH`: the floor spawner as PID 1. It runs the graph until SIGTERM or
// SIGINT, then stops every process and exits.
func runFloor(args []string) int {
	cmd, err := parseFloor(args, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: gosd-bench floor [-j N] [-ordered-stop] [-cgroups] [-generators] GRAPH")
		return 2
	}
	f, err := os.Open(cmd.graph)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench floor:", err)
		return 1
	}
	g, err := unitgraph.Decode(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench floor:", err)
		return 1
	}
	opt := floor.Options{
		Jobs: cmd.jobs, NotifySocket: floorNotifySocket, OrderedStop: cmd.ordered,
		Stdout: os.Stdout, Stderr: os.Stderr, Log: os.Stderr,
	}
	if cmd.cgroups {
		// As gosd (track.Tracker): the units' cgroups go below the
		// manager's own, which stays where it is.
		_, own, err := track.OwnCgroup("/")
		if err == nil {
			opt.Cgroups = filepath.Join(own, floorCgroup)
			err = os.MkdirAll(opt.Cgroups, 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gosd-bench floor: -cgroups: no cgroup v2 directory to make the units' cgroups in:", err)
			return 1
		}
	}
	if cmd.generators {
		// Before floor.Run, which then reaps whatever they left.
		generator.Run("/", generator.HostEnv("/"), generator.Timeout, os.Stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err = floor.Run(ctx, g, opt)
	if opt.Cgroups != "" {
		if err := os.Remove(opt.Cgroups); err != nil {
			fmt.Fprintln(os.Stderr, "gosd-bench floor:", err)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosd-bench floor:", err)
		return 1
	}
	return 0
}
