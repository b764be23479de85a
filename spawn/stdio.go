package spawn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// Stdio holds what the manager provides for a process's standard streams.
type Stdio struct {
	// Capture is the write end of the unit's log capture: journal, kmsg,
	// syslog and their +console forms write there, and so does "inherit"
	// when standard input is not a terminal, socket, fd or file.
	Capture *os.File
	// Console is the manager's console, used for tty streams when
	// TTYPath= is not set; nil means /dev/console is opened.
	Console *os.File
	// Socket is the accepted connection of an Accept=yes socket
	// (StandardInput=socket, and StandardOutput/Error=socket).
	Socket *os.File
	// Named are the sources of fd:NAME streams, by name.
	Named map[string]*os.File
}

// streams are the three files a process starts with, and what opening them
// implied.
type streams struct {
	fd      [3]*os.File
	opened  []*os.File // files Start opened and must close after the fork
	ctty    bool       // stdin is a terminal to become the controlling one
	term    string     // TERM= for terminal streams, "" when none is a tty
	ttyFile *os.File
	ttyPath string // in-root path of ttyFile
}

func (s *streams) close() {
	for _, f := range s.opened {
		f.Close()
	}
}

// tty returns the terminal for tty streams (TTYPath=, else the manager's
// console, else /dev/console), opening it once.
func (s *streams) tty(c *loader.ExecContext, r *Request, root string) (*os.File, error) {
	if s.ttyFile != nil {
		return s.ttyFile, nil
	}
	path := c.TTYPath
	if path == "" && r.Stdio.Console != nil {
		s.ttyFile, s.ttyPath = r.Stdio.Console, "/dev/console"
		return s.ttyFile, nil
	}
	if path == "" {
		path = "/dev/console"
	}
	f, err := os.OpenFile(filepath.Join(root, path), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	s.opened = append(s.opened, f)
	s.ttyFile, s.ttyPath = f, path
	return f, nil
}

// termFor is the TERM systemd gives a process on terminal path: the
// manager's own on /dev/console, "linux" on a virtual console, else vt220.
func termFor(path string) string {
	switch {
	case path == "/dev/console":
		if t := os.Getenv("TERM"); t != "" {
			return t
		}
	case strings.HasPrefix(path, "/dev/tty") && len(path) > 8 && path[8] >= '0' && path[8] <= '9':
		return "linux"
	}
	return "vt220"
}

// openStreams opens standard input, output and error as the unit says.
// The error names the setting; its status is 208, 209 or 222.
func openStreams(r *Request, m *Manager, c *loader.ExecContext, umask uint32) (*streams, error) {
	s := &streams{}
	root := r.root(m)
	fail := func(status int, setting string, err error) (*streams, error) {
		s.close()
		return nil, &stepError{status: status, err: fmt.Errorf("%s: %w", setting, err)}
	}

	null := m.devNull
	if null == nil { // a Manager not made by NewManager
		f, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
		if err != nil {
			return fail(ExitStdin, "StandardInput=null", err)
		}
		s.opened = append(s.opened, f)
		null = f
	}

	// Standard input.
	in := c.StandardInput
	switch in {
	case "null", "":
		s.fd[0] = null
	case "tty", "tty-force", "tty-fail":
		f, err := s.tty(c, r, root)
		if err != nil {
			return fail(ExitStdin, "StandardInput="+in, err)
		}
		s.fd[0], s.ctty = f, true
	case "socket":
		if r.Stdio.Socket == nil {
			return fail(ExitStdin, "StandardInput=socket", errors.New("no connection (only for services activated by an Accept=yes socket)"))
		}
		s.fd[0] = r.Stdio.Socket
	case "fd":
		f, err := named(r, c.StandardInputFDName, "stdin")
		if err != nil {
			return fail(ExitStdin, "StandardInput=fd", err)
		}
		s.fd[0] = f
	case "data":
		f, err := dataFile(c.StandardInputData)
		if err != nil {
			return fail(ExitStdin, "StandardInputData", err)
		}
		s.opened = append(s.opened, f)
		s.fd[0] = f
	case "file":
		f, err := os.OpenFile(filepath.Join(root, c.StandardInputFile), os.O_RDONLY|syscall.O_NOCTTY, 0)
		if err != nil {
			return fail(ExitStdin, "StandardInput=file:"+c.StandardInputFile, err)
		}
		s.opened = append(s.opened, f)
		s.fd[0] = f
	default:
		return fail(ExitStdin, "StandardInput="+in, errors.New("unsupported"))
	}

	// Standard output, then error ("inherit" copies output).
	for i, setting := range [2]string{"StandardOutput", "StandardError"} {
		kind, path, name := c.StandardOutput, c.StandardOutputFile, c.StandardOutputFDName
		status, def := ExitStdout, "stdout"
		if i == 1 {
			kind, path, name = c.StandardError, c.StandardErrorFile, c.StandardErrorFDName
			status, def = ExitStderr, "stderr"
		}
		fdn := i + 1
		switch kind {
		case "inherit", "":
			switch {
			case i == 1:
				s.fd[2] = s.fd[1]
			case in == "null" || in == "" || in == "data":
				if r.Stdio.Capture == nil {
					return fail(status, setting+"=inherit", errors.New("no log capture"))
				}
				s.fd[1] = r.Stdio.Capture
			default:
				s.fd[1] = s.fd[0]
			}
		case "null":
			s.fd[fdn] = null
		case "tty":
			f, err := s.tty(c, r, root)
			if err != nil {
				return fail(status, setting+"=tty", err)
			}
			s.fd[fdn] = f
		case "journal", "journal+console", "kmsg", "kmsg+console", "syslog", "syslog+console":
			// gosd sets no JOURNAL_STREAM: the capture is a pipe, not journald's socket.
			if r.Stdio.Capture == nil {
				return fail(status, setting+"="+kind, errors.New("no log capture"))
			}
			s.fd[fdn] = r.Stdio.Capture
		case "socket":
			if r.Stdio.Socket == nil {
				return fail(status, setting+"=socket", errors.New("no connection (only for services activated by an Accept=yes socket)"))
			}
			s.fd[fdn] = r.Stdio.Socket
		case "fd":
			f, err := named(r, name, def)
			if err != nil {
				return fail(status, setting+"=fd", err)
			}
			s.fd[fdn] = f
		case "file", "append", "truncate":
			if i == 1 && c.StandardOutput == kind && c.StandardOutputFile == path {
				s.fd[2] = s.fd[1]
				break
			}
			f, err := openOutput(filepath.Join(root, path), kind, umask)
			if err != nil {
				return fail(status, setting+"="+kind+":"+path, err)
			}
			s.opened = append(s.opened, f)
			s.fd[fdn] = f
		default:
			return fail(status, setting+"="+kind, errors.New("unsupported"))
		}
	}
	if s.ttyPath != "" {
		s.term = termFor(s.ttyPath)
	}
	return s, nil
}

func named(r *Request, name, def string) (*os.File, error) {
	if name == "" {
		name = def
	}
	if f := r.Stdio.Named[name]; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("no file descriptor named %q", name)
}

// openOutput opens a file:, append: or truncate: stream. A file it
// creates gets mode 0666 less the unit's UMask=, as systemd's child
// creates it after applying the umask.
func openOutput(path, kind string, umask uint32) (*os.File, error) {
	flags := os.O_WRONLY | syscall.O_NOCTTY
	switch kind {
	case "append":
		flags |= os.O_APPEND
	case "truncate":
		flags |= os.O_TRUNC
	}
	mode := os.FileMode(0o666 &^ umask)
	f, err := os.OpenFile(path, flags|os.O_CREATE|os.O_EXCL, mode)
	if err == nil {
		// The manager's own umask applied too; set exactly what the unit's gives.
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	if !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	return os.OpenFile(path, flags, 0)
}

// dataFile returns a readable file holding StandardInputData=.
func dataFile(data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("gosd-stdin", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "memfd:gosd-stdin")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
