package main

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/unitgraph"
)

// rootfsPackages are the packages conformance/record.sh installs, so the
// benchmark boots the same root file system the oracle recordings use.
const rootfsPackages = "nginx-light redis-server memcached openssh-server postgresql cron dbus"

// ensureRootfs builds the cached Debian root with nsboot when it is
// missing. The harness never writes into it: every boot runs on an overlay.
func ensureRootfs(nsboot, dir string, log io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, ".nsboot-complete")); err == nil {
		return nil
	}
	fmt.Fprintf(log, "building %s with %s (a minute or two)\n", dir, nsboot)
	cmd := exec.Command(nsboot, append([]string{"rootfs", dir}, strings.Fields(rootfsPackages)...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nsboot rootfs %s: %w", dir, err)
	}
	return nil
}

// moduleRoot finds the directory of gosd's go.mod, from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/gosd/gosd\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the gosd module (no go.mod for github.com/gosd/gosd above the working directory)")
		}
		dir = parent
	}
}

// buildGosd builds the static gosd binary into out, as `make build` does.
func buildGosd(modRoot, out string) error { return buildStatic(modRoot, "./cmd/gosd", out) }

// buildStatic builds the static binary of the module's package pkg into out.
func buildStatic(modRoot, pkg, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = modRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", pkg, err, strings.TrimSpace(string(msg)))
	}
	return checkStatic(out)
}

// checkStatic fails unless path is a statically linked ELF executable,
// which can run inside any root file system.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// gosdPath is where gosd is installed in the root.
const gosdPath = "/usr/local/sbin/gosd"

// writeLayer writes the overlay layer of one graph: the unit files, the
// notify wrapper, the JSON graph, this binary at unitgraph.HelperPath,
// notifyd (if not "") at unitgraph.NotifydPath and, if gosd is not "",
// gosd at gosdPath. With gosdNotify, systemd-notify in /usr/local/bin
// (first in the PATH services get) is gosd's.
func writeLayer(dir string, g *unitgraph.Graph, self, notifyd, gosd string, gosdNotify bool) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := g.WriteLayer(dir); err != nil {
		return err
	}
	if err := copyFile(self, filepath.Join(dir, unitgraph.HelperPath), 0o755); err != nil {
		return err
	}
	if notifyd != "" {
		if err := copyFile(notifyd, filepath.Join(dir, unitgraph.NotifydPath), 0o755); err != nil {
			return err
		}
	}
	if gosd != "" {
		if err := copyFile(gosd, filepath.Join(dir, gosdPath), 0o755); err != nil {
			return err
		}
	}
	if gosdNotify {
		link := filepath.Join(dir, "/usr/local/bin/systemd-notify")
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		return os.Symlink(gosdPath, link)
	}
	return nil
}

// valgrind returns the valgrind program to run in the root and the host
// files to bind-mount there for it, installing valgrind with apt-get when
// it is missing. Debian's /usr/bin/valgrind is a shell wrapper that
// exports LD_LIBRARY_PATH and GLIBCXX_FORCE_NEW, which PID 1 would pass on;
// the real program, valgrind.bin, is run directly when it exists.
func valgrind(log io.Writer) (string, [][2]string, error) {
	if _, err := os.Stat("/usr/bin/valgrind"); err != nil {
		fmt.Fprintln(log, "valgrind is missing: apt-get install valgrind")
		cmd := exec.Command("apt-get", "install", "-y", "-qq", "valgrind")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", nil, fmt.Errorf("apt-get install valgrind: %w", err)
		}
	}
	prog := "/usr/bin/valgrind"
	if _, err := os.Stat("/usr/bin/valgrind.bin"); err == nil {
		prog = "/usr/bin/valgrind.bin"
	}
	var binds [][2]string
	for _, p := range []string{prog, "/usr/bin/vgdb", "/usr/libexec/valgrind"} {
		if _, err := os.Stat(p); err != nil {
			return "", nil, fmt.Errorf("valgrind: %w", err)
		}
		binds = append(binds, [2]string{p, p})
	}
	return prog, binds, nil
}

// machine describes the computer for BENCHMARKS.md: cores, CPU model,
// memory, kernel, and the load average when the run started (other work
// on a shared machine moves the figures).
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	var si unix.Sysinfo_t
	mem := ""
	if unix.Sysinfo(&si) == nil {
		mem = fmt.Sprintf(", %.0f GiB", float64(si.Totalram)*float64(si.Unit)/(1<<30))
	}
	var un unix.Utsname
	kernel := ""
	if unix.Uname(&un) == nil {
		kernel = ", Linux " + unix.ByteSliceToString(un.Release[:])
		if i := strings.IndexAny(kernel[7:], "-+"); i >= 0 {
			kernel = kernel[:7+i]
		}
	}
	load := ""
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) > 0 {
			load = ", load " + f[0] + " at start"
		}
	}
	return fmt.Sprintf("%d cores %s%s%s, %s%s", runtime.NumCPU(), model, mem, kernel, runtime.Version(), load)
}
