package loader

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/gosd/gosd/unit"
)

// Set is a set of loaded units that share one scan of the search path.
// Loading a unit loads every unit it names, as systemd does, so that
// reverse dependencies (WantedBy=, Before=, ...) are complete for the
// units loaded. A Set is not safe for concurrent use.
type Set struct {
	Paths Paths
	Index *Index
	Host  *unit.Host

	units map[string]*Unit // by every name
	order []*Unit          // each unit once, in load order
	queue []string
}

// ErrInvalidName is returned for a name that is not a loadable unit name.
var ErrInvalidName = errors.New("invalid unit name")

// NewSet scans p and returns an empty set of units. host supplies the
// facts that specifiers such as %H and %m expand to.
func NewSet(p Paths, host *unit.Host) *Set {
	return &Set{Paths: p, Index: p.Scan(), Host: host, units: map[string]*Unit{}}
}

// Get returns the loaded unit with that name (any of its names), or nil.
func (s *Set) Get(name string) *Unit { return s.units[name] }

// Units returns every loaded unit once, in load order.
func (s *Set) Units() []*Unit { return s.order }

// Load loads the unit called name and every unit it refers to, then
// recomputes reverse dependencies. A unit that has no file is still
// returned, with LoadState not-found.
func (s *Set) Load(name string) (*Unit, error) {
	if !unit.IsValidName(name) || unit.IsTemplate(name) {
		return nil, fmt.Errorf("Unit name %s is not valid: %w", name, ErrInvalidName)
	}
	s.queue = append(s.queue, name)
	s.drain()
	s.link()
	return s.units[name], nil
}

// LoadAll loads every unit that has a file in the search path (templates
// excepted), and everything they refer to.
func (s *Set) LoadAll() {
	for _, name := range s.Index.UnitFiles() {
		if !unit.IsTemplate(name) {
			s.queue = append(s.queue, name)
		}
	}
	s.drain()
	s.link()
}

func (s *Set) drain() {
	for len(s.queue) > 0 {
		name := s.queue[len(s.queue)-1]
		s.queue = s.queue[:len(s.queue)-1]
		if s.units[name] != nil {
			continue
		}
		u := s.loadOne(name)
		for _, d := range u.fwd {
			for _, other := range d {
				if s.units[other] == nil {
					s.queue = append(s.queue, other)
				}
			}
		}
	}
}

// loadOne reads one unit's fragment and drop-ins and registers it under
// all its names.
func (s *Set) loadOne(name string) *Unit {
	frag, names := s.Index.Fragment(name)
	id := name
	if frag != "" {
		id = path.Base(frag)
		if unit.IsTemplate(id) && unit.IsInstance(name) {
			_, inst, _, _ := unit.SplitName(name)
			if x, err := unit.Instantiate(id, inst); err == nil {
				id = x
			}
		}
	}
	if len(names) == 0 {
		names = []string{name}
	}
	if !slices.Contains(names, id) {
		names = append(names, id)
		slices.Sort(names)
	}
	// A name already loaded under another name is the same unit (merge).
	for _, nm := range names {
		if u := s.units[nm]; u != nil {
			s.units[name] = u
			return u
		}
	}
	u := newUnit(id, names, s.Host, frag)
	for _, nm := range names {
		s.units[nm] = u
	}
	s.units[name] = u
	s.order = append(s.order, u)
	s.read(u, frag)
	return u
}

func newUnit(id string, names []string, host *unit.Host, frag string) *Unit {
	u := &Unit{ID: id, Type: unit.NameType(id), Names: names, Unit: newUnitSection(), LoadState: StateLoaded}
	u.spec = unit.SystemSpecifiers(id, frag, host)
	u.initType()
	return u
}

// read parses the fragment and drop-ins of u and applies them.
func (s *Set) read(u *Unit, frag string) {
	var opts []unit.Option
	if frag == "" {
		u.LoadState = StateNotFound
		u.LoadError = fmt.Errorf("Unit %s not found.", u.ID)
	} else {
		u.FragmentPath = frag
		o, masked, err := s.parseFile(u, frag)
		if masked {
			u.LoadState = StateMasked
			u.LoadError = fmt.Errorf("Unit %s is masked.", u.ID)
			return
		}
		if err != nil {
			u.LoadState = StateBadSetting
			u.LoadError = err
			return
		}
		opts = o
	}
	for _, d := range s.Index.DropIns(u.Names) {
		u.DropInPaths = append(u.DropInPaths, d)
		o, _, err := s.parseFile(u, d)
		if err != nil {
			u.LoadState = StateBadSetting
			u.LoadError = err
			return
		}
		opts = append(opts, o...)
	}
	if frag == "" && len(u.DropInPaths) > 0 {
		// systemd loads a unit that has only drop-ins.
		u.LoadState = StateLoaded
		u.LoadError = nil
	}
	u.apply(opts)
	for suffix, d := range map[string]Dep{".wants": Wants, ".requires": Requires, ".upholds": Upholds} {
		deps, diags := s.Index.DepDirEntries(u.ID, u.Names, suffix)
		for _, e := range diags {
			var dg *unit.Diag
			if errors.As(e, &dg) {
				u.Diags = append(u.Diags, dg)
			}
		}
		for _, dep := range deps {
			u.addDep(d, dep)
		}
	}
	if u.LoadState == StateLoaded {
		u.addImplicitDeps(s)
	}
}

// parseFile reads and parses one unit file. masked reports a file that is
// /dev/null (through links) or empty.
func (s *Set) parseFile(u *Unit, file string) (opts []unit.Option, masked bool, err error) {
	real, _, err := s.Paths.Chase(file, true)
	if err != nil {
		return nil, false, &unit.Diag{File: file, Msg: "Failed to open: " + err.Error()}
	}
	if real == "/dev/null" {
		return nil, true, nil
	}
	data, err := os.ReadFile(s.Paths.Host(real))
	if err != nil {
		return nil, false, &unit.Diag{File: file, Msg: "Failed to open: " + err.Error()}
	}
	if len(data) == 0 {
		return nil, true, nil
	}
	f, diags, err := unit.Parse(file, data)
	u.Diags = append(u.Diags, diags...)
	if err != nil {
		return nil, false, err
	}
	return f.Options, false, nil
}
