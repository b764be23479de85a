package generator

import (
	"os"
	"path/filepath"

	"github.com/gosd/gosd/condition"
)

// HostEnv is Env for the system under root, as its PID 1 sees it: the
// virtualization and architecture condition finds there, and first boot
// when root's /run/systemd/first-boot exists.
func HostEnv(root string) []string {
	h := condition.NewHost(root)
	virt, _ := h.Virtualization()
	arch, _ := h.Architecture()
	_, err := os.Stat(filepath.Join(root, "/run/systemd/first-boot"))
	return Env(virt, condition.IsContainer(virt), arch, err == nil)
}
