package spawn

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// BenchmarkStartTrue starts the host's /bin/true and reaps it, 8 at a
// time as the engine's worker pool would: on the plain path, through the
// exec helper as this test binary, and through the helper as the gosd
// binary (built for the benchmark).
func BenchmarkStartTrue(b *testing.B) {
	if os.Getuid() != 0 || prepared == nil {
		b.Skip("needs root")
	}
	if _, err := os.Stat("/bin/true"); err != nil {
		b.Skip("no /bin/true")
	}
	nofile := prepared.Limits[loader.RlimitNOFILE]
	m, err := newManager("/", &nofile)
	if err != nil {
		b.Fatal(err)
	}
	defer m.devNull.Close()
	u := loadUnit(b, "true.service", "[Service]\nStandardOutput=null\nExecStart=/bin/true\n")
	cmd := commands(b, u)[0]
	if NeedsHelper(&Request{Unit: u, Cmd: cmd, Root: "/", Manager: m}) {
		b.Fatalf("/bin/true needs the helper: %s", helperReason(&Request{Unit: u, Cmd: cmd, Root: "/", Manager: m}, m, u.Exec))
	}
	run := func(b *testing.B, m *Manager, helper bool) {
		var wg sync.WaitGroup
		work := make(chan struct{})
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					pid, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: cmd, Root: "/", Manager: m, ForceHelper: helper,
						Env: []string{"INVOCATION_ID=0123456789abcdef0123456789abcdef"}})
					if err != nil {
						b.Error(err)
						return
					}
					var ws unix.WaitStatus
					unix.Wait4(pid, &ws, 0, nil)
					if ws.ExitStatus() != 0 {
						b.Errorf("status %d", ws.ExitStatus())
					}
				}
			}()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
	}
	b.Run("baseline", func(b *testing.B) {
		// syscall.ForkExec alone, for comparison: the floor.
		var wg sync.WaitGroup
		work := make(chan struct{})
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					pid, err := syscall.ForkExec("/bin/true", []string{"/bin/true"}, &syscall.ProcAttr{Dir: "/",
						Files: []uintptr{m.devNull.Fd(), m.devNull.Fd(), m.devNull.Fd()}, Sys: &syscall.SysProcAttr{Setsid: true}})
					if err != nil {
						b.Error(err)
						return
					}
					var ws unix.WaitStatus
					unix.Wait4(pid, &ws, 0, nil)
				}
			}()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
	})
	b.Run("plain", func(b *testing.B) { run(b, m, false) })
	b.Run("helper=test-binary", func(b *testing.B) { run(b, m, true) })
	b.Run("helper=gosd", func(b *testing.B) {
		dir := b.TempDir()
		bin := filepath.Join(dir, "gosd")
		build := exec.Command("go", "build", "-o", bin, "github.com/gosd/gosd/cmd/gosd")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Skipf("building gosd: %v\n%s", err, out)
		}
		gm, err := newManager("/", &nofile)
		if err != nil {
			b.Fatal(err)
		}
		defer gm.devNull.Close()
		gm.Helper = bin
		run(b, gm, true)
	})
}
