package loader

import (
	"fmt"
	"strings"

	"github.com/gosd/gosd/unit"
)

// Mount holds the [Mount] settings (systemd.mount(5), systemd 252). gosd
// shows them as the unit file has them: it keeps no mount table, so a
// file system mounted by other means does not change them.
type Mount struct {
	What          string
	Where         string // set from the unit's name on load when not given
	Type          string
	Options       string
	SloppyOptions bool
	LazyUnmount   bool
	ForceUnmount  bool
	ReadWriteOnly bool
	DirectoryMode uint32
	TimeoutUSec   uint64
}

// Automount holds the [Automount] settings (systemd.automount(5)).
type Automount struct {
	Where           string // set from the unit's name on load when not given
	ExtraOptions    string
	DirectoryMode   uint32
	TimeoutIdleUSec uint64
}

// Swap holds the [Swap] settings (systemd.swap(5)).
type Swap struct {
	What        string // set from the unit's name on load when not given
	Priority    int    // -1: not set
	Options     string
	TimeoutUSec uint64
}

// defaultMountTimeout is the manager's DefaultTimeoutStartSec=.
const defaultMountTimeout = 90_000_000

func newMount() *Mount {
	return &Mount{DirectoryMode: 0o755, TimeoutUSec: defaultMountTimeout}
}

func newAutomount() *Automount { return &Automount{DirectoryMode: 0o755} }

func newSwap() *Swap { return &Swap{Priority: -1, TimeoutUSec: defaultMountTimeout} }

// MountPoint returns the Where= of a mount or automount unit; without one
// it is the path the unit's name stands for, which is what systemd sets
// Where= to once the unit is loaded.
func (u *Unit) MountPoint() string {
	where := ""
	switch {
	case u.Mount != nil:
		where = u.Mount.Where
	case u.Automount != nil:
		where = u.Automount.Where
	default:
		return ""
	}
	if where == "" {
		where = trigPathFromName(u.ID)
	}
	return where
}

// SwapWhat returns the What= of a swap unit; without one it is the path
// the unit's name stands for, which is what systemd sets What= to once
// the unit is loaded.
func (u *Unit) SwapWhat() string {
	if u.Swap == nil {
		return ""
	}
	if u.Swap.What != "" {
		return u.Swap.What
	}
	return trigPathFromName(u.ID)
}

// trigPathFromName is systemd's unit_name_to_path(): the unescaped prefix
// of the name ("" when it does not stand for a path).
func trigPathFromName(id string) string {
	prefix := strings.TrimSuffix(id, "."+unit.NameType(id))
	p, err := unit.PathUnescape(prefix)
	if err != nil {
		return ""
	}
	return unit.PathSimplify(p)
}

var mountDirectives = []directive{
	// [Mount]
	{in: secMount, name: "What", parse: stringField(func(u *Unit) *string { return &u.Mount.What })},
	{in: secMount, name: "Where", parse: pathField(func(u *Unit) *string { return &u.Mount.Where })},
	{in: secMount, name: "Options", parse: stringField(func(u *Unit) *string { return &u.Mount.Options })},
	{in: secMount, name: "Type", parse: stringField(func(u *Unit) *string { return &u.Mount.Type })},
	{in: secMount, name: "TimeoutSec", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Mount.TimeoutUSec })},
	{in: secMount, name: "DirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.Mount.DirectoryMode })},
	{in: secMount, name: "SloppyOptions", parse: boolField(func(u *Unit) *bool { return &u.Mount.SloppyOptions })},
	{in: secMount, name: "LazyUnmount", parse: boolField(func(u *Unit) *bool { return &u.Mount.LazyUnmount })},
	{in: secMount, name: "ForceUnmount", parse: boolField(func(u *Unit) *bool { return &u.Mount.ForceUnmount })},
	{in: secMount, name: "ReadWriteOnly", parse: boolField(func(u *Unit) *bool { return &u.Mount.ReadWriteOnly })},

	// [Automount]
	{in: secAutomount, name: "Where", parse: pathField(func(u *Unit) *string { return &u.Automount.Where }), unsupported: automountUnsupported},
	{in: secAutomount, name: "ExtraOptions", parse: stringField(func(u *Unit) *string { return &u.Automount.ExtraOptions }), unsupported: automountUnsupported},
	{in: secAutomount, name: "DirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.Automount.DirectoryMode }), unsupported: automountUnsupported},
	{in: secAutomount, name: "TimeoutIdleSec", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Automount.TimeoutIdleUSec }), unsupported: automountUnsupported},

	// [Swap]
	{in: secSwap, name: "What", parse: pathField(func(u *Unit) *string { return &u.Swap.What })},
	{in: secSwap, name: "Priority", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		if o.Value == "" {
			u.Swap.Priority = -1
			return nil
		}
		v, err := trigStrtol(o.Value, 32)
		switch {
		case err != nil:
			return fmt.Errorf("Invalid swap priority '%s', ignoring.", o.Value)
		case v < -1:
			return fmt.Errorf("Sorry, swap priorities smaller than -1 may only be assigned by the kernel itself, ignoring: %s", o.Value)
		case v > 32767:
			return fmt.Errorf("Swap priority out of range, ignoring: %s", o.Value)
		}
		u.Swap.Priority = int(v)
		return nil
	})},
	{in: secSwap, name: "Options", parse: stringField(func(u *Unit) *string { return &u.Swap.Options })},
	{in: secSwap, name: "TimeoutSec", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Swap.TimeoutUSec })},
}

// automountUnsupported is why gosd does not honour [Automount].
const automountUnsupported = "gosd does not implement autofs automount points"

// pathField is systemd's config_parse_unit_path_printf(): an absolute
// path, simplified; an empty value unsets it.
type pathField func(u *Unit) *string

func (field pathField) parse(u *Unit, o *unit.Option) error {
	if o.Value == "" {
		*field(u) = ""
		return nil
	}
	v, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	v, msg := trigSimplifyPath(o.Name, v)
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	*field(u) = v
	return nil
}

// mountExtras, automountExtras and swapExtras are what systemd 252's
// mount_add_extras(), automount_add_extras() and swap_add_extras() add
// that gosd keeps, followed by their verify checks. The dependencies of
// systemd's mount machinery (local-fs.target, umount.target, swap.target,
// devices, the parent mounts) are deliberately not added: gosd keeps no
// mount table.
func (u *Unit) mountExtras(s *Set) {
	where := u.MountPoint()
	u.Mount.Where = where
	trigRequireMountsFor(u, trigParentPath(where))
	switch {
	case where == "" || !trigHasName(u, trigMountName(where, ".mount")):
		trigRefuse(u, "Where= setting doesn't match unit name. Refusing.")
	case trigMountIsAPI(where):
		trigRefuse(u, "Cannot create mount unit for API file system "+where+". Refusing.")
	case u.Mount.What == "" && u.ID != "-.mount": // the root mount is perpetual
		trigRefuse(u, "What= setting is missing. Refusing.")
	}
}

func (u *Unit) automountExtras(s *Set) {
	where := u.MountPoint()
	u.Automount.Where = where
	trigRequireMountsFor(u, trigParentPath(where))
	// An automount point triggers its mount unit.
	m := trigRelatedName(u.ID, ".mount")
	u.addDep(Before, m)
	u.addDep(Triggers, m)
	switch {
	case where == "/":
		trigRefuse(u, "Cannot have an automount unit for the root directory. Refusing.")
	case where == "" || !trigHasName(u, trigMountName(where, ".automount")):
		trigRefuse(u, "Where= setting doesn't match unit name. Refusing.")
	}
}

func (u *Unit) swapExtras(s *Set) {
	what := u.SwapWhat()
	u.Swap.What = what
	trigRequireMountsFor(u, what)
	if what == "" || !trigHasName(u, trigMountName(what, ".swap")) {
		trigRefuse(u, "Value of What= and unit name do not match, not loading.")
	}
}

func trigHasName(u *Unit, name string) bool {
	for _, n := range u.Names {
		if n == name {
			return true
		}
	}
	return false
}

// trigMountName is systemd's unit_name_from_path().
func trigMountName(p, suffix string) string {
	e, err := unit.PathEscape(p)
	if err != nil {
		return ""
	}
	return e + suffix
}

// trigParentPath returns the directory p is in ("" for "/" and "").
func trigParentPath(p string) string {
	p = unit.PathSimplify(p)
	if p == "" || p == "/" {
		return ""
	}
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// trigMountIsAPI is systemd's mount_point_is_api() and
// mount_point_ignore(): file systems the manager sets up or leaves alone.
func trigMountIsAPI(p string) bool {
	switch p {
	case "/proc", "/sys", "/dev", "/run", "/dev/shm", "/dev/pts", "/sys/kernel/security",
		"/sys/fs/cgroup", "/sys/fs/pstore", "/sys/firmware/efi/efivars", "/sys/fs/bpf",
		"/sys/fs/selinux", "/dev/console", "/proc/kmsg", "/proc/sys", "/proc/sys/kernel/random/boot_id":
		return true
	}
	return strings.HasPrefix(p, "/sys/fs/cgroup/") || p == "/run/host" || strings.HasPrefix(p, "/run/host/")
}
