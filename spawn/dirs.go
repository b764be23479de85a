package spawn

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gosd/gosd/loader"
)

// execDir describes one kind of per-unit directory of systemd.exec(5).
type execDir struct {
	setting string // RuntimeDirectory
	env     string // RUNTIME_DIRECTORY
	prefix  string // /run
	status  int    // the exit status when it cannot be set up
	list    func(c *loader.ExecContext) []string
	mode    func(c *loader.ExecContext) uint32
}

func execDirs() [5]execDir {
	return [5]execDir{
		{"RuntimeDirectory", "RUNTIME_DIRECTORY", "/run", ExitRuntimeDirectory,
			func(c *loader.ExecContext) []string { return c.RuntimeDirectory },
			func(c *loader.ExecContext) uint32 { return c.RuntimeDirectoryMode }},
		{"StateDirectory", "STATE_DIRECTORY", "/var/lib", ExitStateDirectory,
			func(c *loader.ExecContext) []string { return c.StateDirectory },
			func(c *loader.ExecContext) uint32 { return c.StateDirectoryMode }},
		{"CacheDirectory", "CACHE_DIRECTORY", "/var/cache", ExitCacheDirectory,
			func(c *loader.ExecContext) []string { return c.CacheDirectory },
			func(c *loader.ExecContext) uint32 { return c.CacheDirectoryMode }},
		{"LogsDirectory", "LOGS_DIRECTORY", "/var/log", ExitLogsDirectory,
			func(c *loader.ExecContext) []string { return c.LogsDirectory },
			func(c *loader.ExecContext) uint32 { return c.LogsDirectoryMode }},
		{"ConfigurationDirectory", "CONFIGURATION_DIRECTORY", "/etc", ExitConfigurationDirectory,
			func(c *loader.ExecContext) []string { return c.ConfigurationDirectory },
			func(c *loader.ExecContext) uint32 { return c.ConfigurationDirectoryMode }},
	}
}

// RuntimeDirectories returns the host paths of the unit's
// RuntimeDirectory= entries, which the engine removes when the unit stops
// (unless RuntimeDirectoryPreserve= says otherwise).
func RuntimeDirectories(u *loader.Unit, root string) []string {
	c := u.ExecSettings()
	if c == nil {
		return nil
	}
	base := hostPath(root, c.RootDirectory)
	var out []string
	for _, d := range c.RuntimeDirectory {
		out = append(out, filepath.Join(base, "/run", d))
	}
	return out
}

// setupDirectories creates the unit's *Directory= entries under base
// (the root, or RootDirectory= within it) as systemd 252 does: parents
// root-owned with mode 0755, the directory itself with the configured
// mode and owned by uid:gid (ownership of an existing tree is changed
// recursively when its top does not match). It returns the
// RUNTIME_DIRECTORY=-style variables.
func setupDirectories(c *loader.ExecContext, base string, uid, gid int) ([]string, error) {
	var env []string
	for _, d := range execDirs() {
		list := d.list(c)
		if len(list) == 0 {
			continue
		}
		paths := make([]string, 0, len(list))
		for _, rel := range list {
			p := filepath.Join(d.prefix, rel)
			if err := makeUnitDir(filepath.Join(base, p), d.mode(c), uid, gid); err != nil {
				return nil, &stepError{status: d.status, err: fmt.Errorf("%s=%s: %w", d.setting, rel, err)}
			}
			paths = append(paths, p)
		}
		for _, l := range c.DirectorySymlinks {
			if l.Setting != d.setting {
				continue
			}
			link := filepath.Join(base, d.prefix, l.Symlink)
			target := filepath.Join(d.prefix, l.Path)
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				return nil, &stepError{status: d.status, err: fmt.Errorf("%s=%s:%s: %w", d.setting, l.Path, l.Symlink, err)}
			}
			if err := os.Symlink(target, link); err != nil && !errors.Is(err, os.ErrExist) {
				return nil, &stepError{status: d.status, err: fmt.Errorf("%s=%s:%s: %w", d.setting, l.Path, l.Symlink, err)}
			}
		}
		env = append(env, d.env+"="+strings.Join(paths, ":"))
	}
	return env, nil
}

func makeUnitDir(p string, mode uint32, uid, gid int) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	err := os.Mkdir(p, os.FileMode(mode))
	created := err == nil
	if err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w", p, syscall.ENOTDIR)
	}
	if fi.Mode().Perm() != os.FileMode(mode).Perm() || fi.Mode()&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky) != 0 {
		if err := os.Chmod(p, os.FileMode(mode)); err != nil {
			return err
		}
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) == uid && int(st.Gid) == gid {
		return nil
	}
	if created {
		return os.Lchown(p, uid, gid)
	}
	return filepath.WalkDir(p, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
