// Package sockets opens and closes the listening file descriptors of socket
// units (systemd.socket(5)) and handles the connections of Accept=yes
// sockets.
//
// Sockets are opened by the manager, not by the service, so they outlive
// restarts of the service they activate. The package keeps no state: the
// engine owns the listeners Open returns and hands them back to Close.
package sockets

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// Listener is one open Listen*= port of a socket unit.
type Listener struct {
	// File is the descriptor, close-on-exec and non-blocking as systemd
	// creates it. The file description is shared with the services it is
	// passed to, so a service that sets or clears O_NONBLOCK (systemd's
	// NonBlocking=) changes it for the manager too.
	File *os.File
	// Name is what LISTEN_FDNAMES says for it: FileDescriptorName= or the
	// socket unit's name.
	Name string
	Port loader.SocketPort
}

// ErrUnsupported is wrapped by the Open error of a port gosd does not
// open (ListenUSBFunction=).
var ErrUnsupported = errors.New("not supported by gosd")

// Error is a failure to open, set up or remove a socket unit's port,
// naming the unit file and the directive.
type Error struct {
	File      string // the unit file (its in-root path), or the unit's name
	Directive string // e.g. "ListenStream", "ReceiveBuffer", "Symlinks"
	Value     string // the setting's value as systemd prints it
	Err       error
}

func (e *Error) Error() string {
	return e.File + ": " + e.Directive + "=" + e.Value + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Warnings are problems systemd 252 only logs when it starts a socket
// unit (an option the socket refused, a symlink that could not be made);
// the listeners work regardless.
type Warnings []*Error

func (w Warnings) Error() string {
	s := make([]string, len(w))
	for i, e := range w {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// Open opens every Listen*= port of the socket unit u, in file order,
// with the unit's socket options applied. root is prepended to file
// system paths (sockets, FIFOs, special files, symlinks); "" or "/" for
// the real root. On failure no descriptor is left open and the error is
// an *Error. Problems systemd only logs do not fail Open; OpenWarn
// returns them.
func Open(u *loader.Unit, root string) ([]Listener, error) {
	ls, _, err := OpenWarn(u, root)
	return ls, err
}

// OpenWarn is Open that also returns the Warnings a manager should log.
func OpenWarn(u *loader.Unit, root string) ([]Listener, Warnings, error) {
	o := &opener{u: u, s: u.Socket, root: root, file: unitFile(u)}
	if o.s == nil {
		return nil, nil, &Error{File: o.file, Directive: "Type", Value: u.Type, Err: errors.New("not a socket unit")}
	}
	var ls []Listener
	for _, p := range o.s.Ports {
		f, err := o.open(p)
		if err != nil {
			for _, l := range ls {
				l.File.Close()
			}
			o.removeCreated()
			return nil, nil, err
		}
		ls = append(ls, Listener{File: f, Name: u.FDName(), Port: p})
	}
	o.symlinks()
	return ls, o.warn, nil
}

// Close closes the listeners of u and, with RemoveOnStop=, removes what
// Open created in the file system (sockets, FIFOs, symlinks) and the
// POSIX message queues. Removal failures other than "does not exist"
// are returned as *Error values joined together.
func Close(u *loader.Unit, ls []Listener, root string) error {
	for _, l := range ls {
		if l.File != nil {
			l.File.Close()
		}
	}
	s := u.Socket
	if s == nil || !s.RemoveOnStop {
		return nil
	}
	file := unitFile(u)
	var errs []error
	for _, p := range s.Ports {
		var err error
		switch {
		case p.Kind == "MessageQueue":
			err = mqUnlink(p.Path)
		case p.Kind == "FIFO" || isUnixPath(p):
			err = os.Remove(inRoot(root, portPath(p)))
		default:
			continue
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, &Error{File: file, Directive: "Listen" + p.Kind, Value: portValue(p), Err: err})
		}
	}
	for _, l := range s.Symlinks {
		if err := os.Remove(inRoot(root, l)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, &Error{File: file, Directive: "Symlinks", Value: l, Err: err})
		}
	}
	return errors.Join(errs...)
}

// Env is the environment that passes ls to a service: LISTEN_FDS= and
// LISTEN_FDNAMES= (nil for no listeners). The descriptors must be 3, 4,
// ... in the order of ls; LISTEN_PID= is the spawner's, as only the
// child knows its PID.
func Env(ls []Listener) []string {
	if len(ls) == 0 {
		return nil
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return []string{"LISTEN_FDS=" + strconv.Itoa(len(ls)), "LISTEN_FDNAMES=" + strings.Join(names, ":")}
}

// opener opens the ports of one socket unit and remembers what it
// created, so that a failure part-way can be undone.
type opener struct {
	u       *loader.Unit
	s       *loader.Socket
	root    string
	file    string
	warn    Warnings
	created []string // file system nodes made by this Open
	mqs     []string // message queues made by this Open
	node    string   // the port's file system node, for Symlinks=
}

func (o *opener) fail(p loader.SocketPort, what string, err error) error {
	if what != "" {
		err = os.NewSyscallError(what, err)
	}
	return &Error{File: o.file, Directive: "Listen" + p.Kind, Value: portValue(p), Err: err}
}

func (o *opener) warnf(directive, value, what string, err error) {
	o.warn = append(o.warn, &Error{File: o.file, Directive: directive, Value: value, Err: os.NewSyscallError(what, err)})
}

// removeCreated undoes the file system part of a failed Open.
func (o *opener) removeCreated() {
	for _, p := range o.created {
		os.Remove(p)
	}
	for _, q := range o.mqs {
		mqUnlink(q)
	}
}

func (o *opener) open(p loader.SocketPort) (*os.File, error) {
	switch p.Kind {
	case "Stream", "Datagram", "SequentialPacket", "Netlink":
		return o.openSocket(p)
	case "FIFO":
		return o.openFIFO(p)
	case "Special":
		return o.openSpecial(p)
	case "MessageQueue":
		return o.openMQ(p)
	}
	return nil, o.fail(p, "", fmt.Errorf("%s sockets are %w", p.Kind, ErrUnsupported))
}

func (o *opener) openSocket(p loader.SocketPort) (*os.File, error) {
	a := p.Address
	typ := map[string]int{"Stream": unix.SOCK_STREAM, "Datagram": unix.SOCK_DGRAM, "SequentialPacket": unix.SOCK_SEQPACKET, "Netlink": unix.SOCK_RAW}[p.Kind]
	proto := 0
	var sa unix.Sockaddr
	switch a.Family {
	case unix.AF_INET:
		sa = &unix.SockaddrInet4{Port: int(a.Port), Addr: a.IP.As4()}
		proto = o.s.SocketProtocol
	case unix.AF_INET6:
		sa = &unix.SockaddrInet6{Port: int(a.Port), Addr: a.IP.As16(), ZoneId: uint32(a.IfIndex)}
		proto = o.s.SocketProtocol
	case unix.AF_UNIX:
		sa = &unix.SockaddrUnix{Name: a.Unix}
	case unix.AF_VSOCK:
		sa = &unix.SockaddrVM{CID: a.CID, Port: a.VSockPort}
	case unix.AF_NETLINK:
		sa = &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: a.NetlinkGroups}
		proto = a.NetlinkFamily
	default:
		return nil, o.fail(p, "", fmt.Errorf("address family %d is %w", a.Family, ErrUnsupported))
	}
	fd, err := unix.Socket(a.Family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, o.fail(p, "socket", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	if err := o.beforeBind(fd, p); err != nil {
		return nil, err
	}
	path := ""
	if isUnixPath(p) {
		path = inRoot(o.root, a.Unix)
		if err := o.mkdirParents(path); err != nil {
			return nil, o.fail(p, "", err)
		}
		// A stale socket (or any other non-directory) is replaced, as
		// systemd 252 does; a directory makes bind fail.
		if err := unix.Unlink(path); err != nil && err != unix.ENOENT && err != unix.EISDIR {
			return nil, o.fail(p, "unlink", err)
		}
		err = bindUnix(fd, path)
	} else {
		err = unix.Bind(fd, sa)
	}
	if err != nil {
		return nil, o.fail(p, "bind", err)
	}
	if path != "" {
		o.created = append(o.created, path)
		o.node = path
		if err := os.Chmod(path, os.FileMode(o.s.SocketMode&0o7777)); err != nil {
			return nil, o.fail(p, "", err)
		}
		if err := o.chown(path); err != nil {
			return nil, o.fail(p, "", err)
		}
	}
	if typ == unix.SOCK_STREAM || typ == unix.SOCK_SEQPACKET {
		backlog := int(min(o.s.Backlog, math.MaxInt32))
		if err := unix.Listen(fd, backlog); err != nil {
			return nil, o.fail(p, "listen", err)
		}
	}
	o.afterBind(fd, p)
	ok = true
	return os.NewFile(uintptr(fd), p.String()), nil
}

// openFIFO makes (or reuses) the FIFO of ListenFIFO=. An existing node
// is reused only if it is a FIFO with SocketMode=; otherwise the port
// fails with EEXIST, as systemd 252's did ("Failed to open FIFO ...: File
// exists").
func (o *opener) openFIFO(p loader.SocketPort) (*os.File, error) {
	path := inRoot(o.root, p.Path)
	if err := o.mkdirParents(path); err != nil {
		return nil, o.fail(p, "", err)
	}
	mode := o.s.SocketMode & 0o7777
	switch err := unix.Mkfifo(path, mode); err {
	case nil:
		o.created = append(o.created, path)
		// mkfifo applied the umask.
		if err := os.Chmod(path, os.FileMode(mode)); err != nil {
			return nil, o.fail(p, "", err)
		}
	case unix.EEXIST:
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return nil, o.fail(p, "stat", err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFIFO || st.Mode&0o7777 != mode {
			return nil, o.fail(p, "mkfifo", unix.EEXIST)
		}
	default:
		return nil, o.fail(p, "mkfifo", err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, o.fail(p, "open", err)
	}
	if err := o.chown(path); err != nil {
		unix.Close(fd)
		return nil, o.fail(p, "", err)
	}
	o.node = path
	if o.s.PipeSize > 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, int(min(o.s.PipeSize, math.MaxInt32))); err != nil {
			o.warnf("PipeSize", strconv.FormatUint(o.s.PipeSize, 10), "fcntl F_SETPIPE_SZ", err)
		}
	}
	return os.NewFile(uintptr(fd), p.String()), nil
}

// openSpecial opens the file of ListenSpecial=, read-only unless
// Writable=. Only character devices and regular files qualify; systemd
// 252 refused a FIFO with "File exists".
func (o *opener) openSpecial(p loader.SocketPort) (*os.File, error) {
	flags := unix.O_RDONLY
	if o.s.Writable {
		flags = unix.O_RDWR
	}
	fd, err := unix.Open(inRoot(o.root, p.Path), flags|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, o.fail(p, "open", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, o.fail(p, "fstat", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFCHR && t != unix.S_IFREG {
		unix.Close(fd)
		return nil, o.fail(p, "", fmt.Errorf("not a character device or regular file: %w", unix.EEXIST))
	}
	return os.NewFile(uintptr(fd), p.String()), nil
}

// beforeBind sets the options that must precede bind().
func (o *opener) beforeBind(fd int, p loader.SocketPort) error {
	s, fam := o.s, p.Address.Family
	ip := fam == unix.AF_INET || fam == unix.AF_INET6
	if fam == unix.AF_INET6 && s.BindIPv6Only != "default" {
		v := 0
		if s.BindIPv6Only == "ipv6-only" {
			v = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v); err != nil {
			return o.fail(p, "setsockopt IPV6_V6ONLY", err)
		}
	}
	// systemd 252 sets SO_REUSEADDR on every socket it binds (read back
	// on TCP, UDP and AF_UNIX listeners).
	if fam != unix.AF_NETLINK {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			o.warnf("Listen"+p.Kind, portValue(p), "setsockopt SO_REUSEADDR", err)
		}
	}
	if s.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			o.warnf("ReusePort", "yes", "setsockopt SO_REUSEPORT", err)
		}
	}
	if s.FreeBind && ip {
		lvl, opt, name := unix.IPPROTO_IP, unix.IP_FREEBIND, "IP_FREEBIND"
		if fam == unix.AF_INET6 {
			lvl, opt, name = unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, "IPV6_FREEBIND"
		}
		if err := unix.SetsockoptInt(fd, lvl, opt, 1); err != nil {
			o.warnf("FreeBind", "yes", "setsockopt "+name, err)
		}
	}
	if s.Transparent && ip {
		lvl, opt, name := unix.IPPROTO_IP, unix.IP_TRANSPARENT, "IP_TRANSPARENT"
		if fam == unix.AF_INET6 {
			lvl, opt, name = unix.IPPROTO_IPV6, unix.IPV6_TRANSPARENT, "IPV6_TRANSPARENT"
		}
		if err := unix.SetsockoptInt(fd, lvl, opt, 1); err != nil {
			o.warnf("Transparent", "yes", "setsockopt "+name, err)
		}
	}
	if s.BindToDevice != "" {
		if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, s.BindToDevice); err != nil {
			return o.fail(p, "setsockopt SO_BINDTODEVICE", err)
		}
	}
	return nil
}

// mkdirParents creates the missing parent directories of path with
// DirectoryMode= (systemd 252 made both /run/d1 and /run/d1/d2 0700 for
// DirectoryMode=0700).
func (o *opener) mkdirParents(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		// Mkdir applied the umask.
		if err := os.Chmod(missing[i], os.FileMode(o.s.DirectoryMode&0o7777)); err != nil {
			return err
		}
	}
	return nil
}

// chown gives path to SocketUser= and SocketGroup=.
func (o *opener) chown(path string) error {
	if o.s.SocketUser == "" && o.s.SocketGroup == "" {
		return nil
	}
	uid, gid := -1, -1
	if o.s.SocketUser != "" {
		id, primary, err := lookupID(o.root, "passwd", o.s.SocketUser)
		if err != nil {
			return fmt.Errorf("SocketUser=%s: %w", o.s.SocketUser, err)
		}
		uid = id
		if o.s.SocketGroup == "" {
			gid = primary
		}
	}
	if o.s.SocketGroup != "" {
		id, _, err := lookupID(o.root, "group", o.s.SocketGroup)
		if err != nil {
			return fmt.Errorf("SocketGroup=%s: %w", o.s.SocketGroup, err)
		}
		gid = id
	}
	return os.Lchown(path, uid, gid)
}

// symlinks makes the Symlinks= links to the unit's file system node. As
// in systemd 252, a failure is only a warning, and a node already in the
// way is replaced only with RemoveOnStop=.
func (o *opener) symlinks() {
	if o.node == "" {
		return
	}
	target := o.node
	if o.root != "" && o.root != "/" {
		// The link is read inside the root.
		target = "/" + strings.TrimPrefix(strings.TrimPrefix(o.node, filepath.Clean(o.root)), "/")
	}
	for _, l := range o.s.Symlinks {
		link := inRoot(o.root, l)
		err := o.mkdirParents(link)
		if err == nil {
			err = os.Symlink(target, link)
		}
		if errors.Is(err, os.ErrExist) {
			if cur, rerr := os.Readlink(link); rerr == nil && cur == target {
				err = nil
			} else if o.s.RemoveOnStop && os.Remove(link) == nil {
				err = os.Symlink(target, link)
			}
		}
		if err != nil {
			o.warn = append(o.warn, &Error{File: o.file, Directive: "Symlinks", Value: l, Err: err})
		}
	}
}

// lookupID resolves a user (db "passwd") or group (db "group") name or
// numeric ID in the root's /etc/passwd or /etc/group. For a user it also
// returns the primary group (-1 for a numeric ID without entry).
func lookupID(root, db, name string) (id, primary int, err error) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		id, primary = int(n), -1
		name = ""
		if db == "group" {
			return id, -1, nil
		}
	}
	data, err := os.ReadFile(inRoot(root, "/etc/"+db))
	if err != nil && name != "" {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		if name != "" && f[0] != name || name == "" && n != id {
			continue
		}
		g := -1
		if db == "passwd" && len(f) > 3 {
			if v, err := strconv.Atoi(f[3]); err == nil {
				g = v
			}
		}
		return n, g, nil
	}
	if name == "" {
		return id, primary, nil
	}
	return 0, 0, fmt.Errorf("no such %s entry: %w", db, os.ErrNotExist)
}

// bindUnix binds fd to the socket path, reaching paths longer than
// sun_path allows through /proc/thread-self/fd of their directory (the
// journal's poller thread has a table of its own, so not /proc/self).
func bindUnix(fd int, path string) error {
	if len(path) < len(unix.RawSockaddrUnix{}.Path) {
		return unix.Bind(fd, &unix.SockaddrUnix{Name: path})
	}
	dfd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	short := "/proc/thread-self/fd/" + strconv.Itoa(dfd) + "/" + filepath.Base(path)
	if len(short) >= len(unix.RawSockaddrUnix{}.Path) {
		return unix.ENAMETOOLONG
	}
	return unix.Bind(fd, &unix.SockaddrUnix{Name: short})
}

// unitFile names u's file in errors.
func unitFile(u *loader.Unit) string {
	if u.FragmentPath != "" {
		return u.FragmentPath
	}
	return u.ID
}

// inRoot is p under root.
func inRoot(root, p string) string {
	if root == "" || root == "/" {
		return p
	}
	return filepath.Join(root, p)
}

// isUnixPath reports whether p is an AF_UNIX socket in the file system.
func isUnixPath(p loader.SocketPort) bool {
	return p.Path == "" && p.Address.Family == unix.AF_UNIX && strings.HasPrefix(p.Address.Unix, "/")
}

// portPath is the file system path of a FIFO, special file, message
// queue or AF_UNIX socket port.
func portPath(p loader.SocketPort) string {
	if p.Path != "" {
		return p.Path
	}
	return p.Address.Unix
}

// portValue is the port as its Listen*= line would say it.
func portValue(p loader.SocketPort) string {
	if p.Path != "" {
		return p.Path
	}
	return p.Address.String()
}
