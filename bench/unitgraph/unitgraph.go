// Package unitgraph generates the unit graphs that gosd's boot benchmark
// (bench/harness) runs under systemd, gosd and the floor spawner: layers of
// services where each unit Requires= and is ordered After= units of the
// layer before, a target that wants the last layer, a final unit ordered
// after the target that stamps the time the boot finished, and a crashing
// service for the restart-latency figure.
//
// The same Graph is written twice: as unit files for the service managers
// and as JSON for the floor spawner (bench/floor), so that all three run
// exactly the same processes in the same order.
package unitgraph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Kind says how a unit runs and when it counts as started.
type Kind string

const (
	// Oneshot units run /bin/true with RemainAfterExit=yes: started once
	// the process exited successfully.
	Oneshot Kind = "oneshot"
	// Simple units run `sleep infinity`: started once the process is
	// spawned.
	Simple Kind = "simple"
	// Notify units run NotifyWrapperPath (systemd-notify --ready, then
	// sleep infinity) with NotifyAccess=all: started on READY=1.
	Notify Kind = "notify"
	// NotifyDaemon units run NotifydPath, which sends READY=1 itself
	// from the main process (NotifyAccess=main, the default) and idles.
	NotifyDaemon Kind = "notifyd"
	// Target units run nothing: reached once their Requires are.
	Target Kind = "target"
)

// Paths inside the root file system that the generated units, the floor
// spawner and the harness agree on.
const (
	// HelperPath is the harness binary itself, copied into the root; the
	// final and the restart unit run its stamp and crashloop commands.
	HelperPath = "/usr/local/libexec/gosd-bench"
	// NotifyWrapperPath is the shell script every notify unit runs.
	NotifyWrapperPath = "/usr/local/libexec/gosd-bench-notify"
	// NotifydPath is bench/notifyd, the daemon every notifyd unit runs.
	NotifydPath = "/usr/local/libexec/gosd-bench-notifyd"
	// GraphPath holds the graph as JSON, for the floor spawner.
	GraphPath = "/etc/gosd-bench/graph.json"
	// DonePath is written (renamed into place) by the final unit: the
	// CLOCK_MONOTONIC time in ns when it ran.
	DonePath = "/run/gosd-bench-done"
	// RestartDir is where the restart unit writes its stamps (see the
	// harness's crashloop command).
	RestartDir = "/run/gosd-bench-restart"
	// UnitDir is where the unit files go.
	UnitDir = "/etc/systemd/system"

	TargetName  = "bench.target"
	FinalName   = "bench-done.service"
	RestartName = "bench-restart.service"

	// EchoSocketName listens on EchoPath with Accept=yes; each connection
	// gets an instance of EchoServiceName, cat with the connection as its
	// standard input and output: the accept figure's echo service.
	EchoSocketName  = "bench-echo.socket"
	EchoServiceName = "bench-echo@.service"
	EchoPath        = "/run/gosd-bench-echo.sock"
)

// Spec describes one graph.
type Spec struct {
	Kind   Kind // Oneshot, Simple, Notify or NotifyDaemon: the kind of every layer unit
	Units  int  // units in the layers
	Layers int
	// Fanin is how many units of the layer before each unit Requires=
	// and is ordered After=.
	Fanin int
	// DefaultDependencies keeps systemd's default dependencies (on
	// sysinit.target, basic.target, shutdown.target). Off, the boot
	// measures the graph alone rather than the distribution's early boot.
	DefaultDependencies bool
}

// DefaultSpecs are the graphs of issue 4: 1000 oneshot, 1000 simple and
// 300 notify units in 20 layers, each requiring two of the layer before;
// the 300 notify units come twice, notifying through the systemd-notify
// wrapper and by themselves.
func DefaultSpecs() []Spec {
	return []Spec{
		{Kind: Oneshot, Units: 1000, Layers: 20, Fanin: 2},
		{Kind: Simple, Units: 1000, Layers: 20, Fanin: 2},
		{Kind: Notify, Units: 300, Layers: 20, Fanin: 2},
		{Kind: NotifyDaemon, Units: 300, Layers: 20, Fanin: 2},
	}
}

// Notifies reports whether units of kind k are Type=notify: started on
// READY=1.
func (k Kind) Notifies() bool { return k == Notify || k == NotifyDaemon }

// ServiceType is the Type= of units of kind k.
func (k Kind) ServiceType() string {
	if k == NotifyDaemon {
		return string(Notify)
	}
	return string(k)
}

// Unit is one unit of a graph.
type Unit struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Requires are the units that must have started before this one
	// starts (Requires= and After= in the unit file; for the target,
	// Wants= and After=).
	Requires []string `json:"requires,omitempty"`
	// Argv is the command line, Argv[0] an absolute path; empty for a target.
	Argv []string `json:"argv,omitempty"`
	// Restart is set for the unit that is restarted at once whenever its
	// process ends (Restart=always, RestartSec=0).
	Restart bool `json:"restart,omitempty"`
	Layer   int  `json:"layer"` // -1 outside the layers
}

// Graph is a generated unit graph. Units lists every unit with each unit
// after everything it Requires.
type Graph struct {
	Spec  Spec   `json:"spec"`
	Units []Unit `json:"units"`
}

// ErrSpec is returned (wrapped) by Generate for an impossible Spec.
var ErrSpec = errors.New("unitgraph: bad spec")

// Generate builds the graph for spec. Layer l holds units
// l*Units/Layers ... (l+1)*Units/Layers-1 (so the sizes differ by at most
// one); unit i of layer l>0 requires units i, i+1, ... i+Fanin-1 (modulo
// the size) of layer l-1, so every unit is required by the layer after
// and the target, wanting the last layer, pulls in the whole graph.
func Generate(spec Spec) (*Graph, error) {
	switch spec.Kind {
	case Oneshot, Simple, Notify, NotifyDaemon:
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrSpec, spec.Kind)
	}
	if spec.Layers < 1 || spec.Units < spec.Layers {
		return nil, fmt.Errorf("%w: %d units cannot fill %d layers", ErrSpec, spec.Units, spec.Layers)
	}
	if spec.Fanin < 0 {
		return nil, fmt.Errorf("%w: fanin %d", ErrSpec, spec.Fanin)
	}
	g := &Graph{Spec: spec}
	g.Units = append(g.Units, Unit{
		Name: RestartName, Kind: Simple, Restart: true, Layer: -1,
		Argv: []string{HelperPath, "crashloop", RestartDir},
	})
	var prev []string
	for l := range spec.Layers {
		lo, hi := l*spec.Units/spec.Layers, (l+1)*spec.Units/spec.Layers
		cur := make([]string, 0, hi-lo)
		for i := lo; i < hi; i++ {
			u := Unit{Name: fmt.Sprintf("u%d.service", i), Kind: spec.Kind, Layer: l, Argv: argv(spec.Kind)}
			if len(prev) > 0 {
				for k := range min(spec.Fanin, len(prev)) {
					u.Requires = append(u.Requires, prev[(i-lo+k)%len(prev)])
				}
			}
			g.Units = append(g.Units, u)
			cur = append(cur, u.Name)
		}
		prev = cur
	}
	g.Units = append(g.Units,
		Unit{Name: TargetName, Kind: Target, Requires: prev, Layer: -1},
		Unit{Name: FinalName, Kind: Oneshot, Requires: []string{TargetName}, Layer: -1,
			Argv: []string{HelperPath, "stamp", DonePath}},
	)
	return g, nil
}

func argv(k Kind) []string {
	switch k {
	case Oneshot:
		return []string{"/bin/true"}
	case Simple:
		return []string{"/bin/sleep", "infinity"}
	case NotifyDaemon:
		return []string{NotifydPath}
	default:
		return []string{NotifyWrapperPath}
	}
}

// notifyWrapper is what every notify unit runs. systemd 252's
// systemd-notify sends READY=1 with its parent's pid (the shell, which is
// the main process and then becomes sleep) in the credentials, so
// NotifyAccess=all is needed only because the sender is another binary.
const notifyWrapper = `#!/bin/sh
# gosd benchmark notify service: report readiness, then idle like the
# simple units. systemd-notify is found through the service's PATH.
systemd-notify --ready
exec sleep infinity
`

// WriteLayer writes the graph into dir as a layer to put over a root file
// system: the unit files under UnitDir, the notify wrapper and the JSON
// graph. It does not copy the helper binary to HelperPath.
func (g *Graph) WriteLayer(dir string) error {
	ud := filepath.Join(dir, UnitDir)
	for _, d := range []string{ud, filepath.Join(dir, filepath.Dir(GraphPath)), filepath.Join(dir, filepath.Dir(NotifyWrapperPath))} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, u := range g.Units {
		if err := os.WriteFile(filepath.Join(ud, u.Name), []byte(g.UnitFile(u)), 0o644); err != nil {
			return err
		}
	}
	for name, text := range g.EchoUnitFiles() {
		if err := os.WriteFile(filepath.Join(ud, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, NotifyWrapperPath), []byte(notifyWrapper), 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, GraphPath))
	if err != nil {
		return err
	}
	if err := g.Encode(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// UnitFile returns the text of u's unit file.
func (g *Graph) UnitFile(u Unit) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("[Unit]")
	switch {
	case u.Kind == Target:
		w("Description=gosd benchmark target (%s graph)", g.Spec.Kind)
	case u.Layer >= 0:
		w("Description=gosd benchmark unit, layer %d", u.Layer)
	case u.Restart:
		w("Description=gosd benchmark: crashes on request, restarted at once")
	default:
		w("Description=gosd benchmark: the boot is done")
	}
	if !g.Spec.DefaultDependencies {
		w("DefaultDependencies=no")
	}
	deps := strings.Join(u.Requires, " ")
	switch {
	case u.Kind == Target:
		// The target wants, not requires, the last layer, and also pulls
		// in the restart unit and the final unit (which orders itself after it).
		w("Wants=%s %s %s %s", deps, RestartName, EchoSocketName, FinalName)
		w("After=%s", deps)
	case u.Name == FinalName:
		w("After=%s", deps)
	case deps != "":
		w("Requires=%s", deps)
		w("After=%s", deps)
	}
	if u.Restart {
		// The restart figure crashes the unit repeatedly: no start limit.
		w("StartLimitIntervalSec=0")
	}
	if u.Kind == Target {
		return b.String()
	}
	w("")
	w("[Service]")
	switch u.Kind {
	case Oneshot:
		w("Type=oneshot")
		if u.Layer >= 0 {
			w("RemainAfterExit=yes")
		}
	case Simple:
		w("Type=simple")
	case Notify:
		w("Type=notify")
		w("NotifyAccess=all")
	case NotifyDaemon:
		w("Type=notify")
	}
	if u.Restart {
		w("Restart=always")
		w("RestartSec=0")
	}
	w("ExecStart=%s", strings.Join(u.Argv, " "))
	return b.String()
}

// EchoUnitFiles returns the echo socket's and its service template's
// unit files, by name. The target wants the socket; the floor, which has
// no sockets, does not run them.
func (g *Graph) EchoUnitFiles() map[string]string {
	dd := ""
	if !g.Spec.DefaultDependencies {
		dd = "DefaultDependencies=no\n"
	}
	return map[string]string{
		EchoSocketName: "[Unit]\nDescription=gosd benchmark: echo socket, a service per connection\n" + dd +
			"\n[Socket]\nListenStream=" + EchoPath + "\nAccept=yes\n",
		EchoServiceName: "[Unit]\nDescription=gosd benchmark: echo of one connection\n" + dd +
			"\n[Service]\nExecStart=/bin/cat\nStandardInput=socket\n",
	}
}

// Encode writes the graph as JSON.
func (g *Graph) Encode(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", " ")
	return e.Encode(g)
}

// Decode reads a graph written by Encode. It does not check the graph:
// floor.Run, which runs it, does.
func Decode(r io.Reader) (*Graph, error) {
	var g Graph
	if err := json.NewDecoder(r).Decode(&g); err != nil {
		return nil, fmt.Errorf("unitgraph: %w", err)
	}
	return &g, nil
}
