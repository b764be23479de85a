package condition

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// virtualization is one of systemd-detect-virt's identifiers.
type virtualization string

const (
	virtNone           virtualization = "none"
	virtVMOther        virtualization = "vm-other"
	virtContainerOther virtualization = "container-other"
)

// containers are the container identifiers; everything else but "none" is
// a VM.
var containers = map[virtualization]bool{
	"systemd-nspawn": true, "lxc-libvirt": true, "lxc": true, "openvz": true, "docker": true, "podman": true,
	"rkt": true, "wsl": true, "proot": true, "pouch": true, virtContainerOther: true,
}

func (v virtualization) container() bool { return containers[v] }
func (v virtualization) vm() bool        { return v != virtNone && v != "" && !containers[v] }

// Virtualization returns what systemd-detect-virt would print on the
// host: a container technology when the manager runs in one, else a
// hypervisor, else "none". It is computed once per Host. gosd's engine
// should write the container's value to /run/systemd/container, as
// systemd's PID 1 does, for the programs that look there.
func (h *Host) Virtualization() (string, error) {
	v, err := h.virtualization()
	return string(v), err
}

func (h *Host) virtualization() (virtualization, error) {
	h.virtOnce.Do(func() {
		h.virt, h.virtErr = h.detectContainer()
		if h.virtErr == nil && h.virt == virtNone {
			h.virt, h.virtErr = h.detectVM()
		}
	})
	return h.virt, h.virtErr
}

// containerNames maps the values of container= (and of the files that
// carry it) to identifiers; anything else is "container-other".
var containerNames = map[string]virtualization{
	"lxc": "lxc", "lxc-libvirt": "lxc-libvirt", "systemd-nspawn": "systemd-nspawn", "docker": "docker",
	"podman": "podman", "rkt": "rkt", "wsl": "wsl", "proot": "proot", "pouch": "pouch",
}

// detectContainer follows systemd 252's detect_container(): OpenVZ, WSL,
// proot; then /run/host/container-manager; then, as PID 1, its own
// container= variable (empty meaning "none"), else /run/systemd/container
// and PID 1's environment; then /run/.containerenv, /.dockerenv and a
// cgroup namespace.
func (h *Host) detectContainer() (virtualization, error) {
	if h.exists("/proc/vz") && !h.exists("/proc/bc") {
		return "openvz", nil
	}
	if o, err := h.readLine("/proc/sys/kernel/osrelease"); err == nil && (strings.Contains(o, "Microsoft") || strings.Contains(o, "WSL")) {
		return "wsl", nil
	}
	if tracer := h.procStatusField("/proc/self/status", "TracerPid"); tracer != "" && tracer != "0" {
		if comm, err := h.readLine("/proc/" + tracer + "/comm"); err == nil && strings.HasPrefix(comm, "proot") {
			return "proot", nil
		}
	}
	if m, err := h.readLine("/run/host/container-manager"); err == nil && m != "" {
		return translateContainer(h, m), nil
	}
	if h.PID1 {
		e, ok := h.getenv("container")
		switch {
		case !ok:
			return h.containerFiles()
		case e == "":
			return virtNone, nil
		}
		return translateContainer(h, e), nil
	}
	if m, err := h.readLine("/run/systemd/container"); err == nil && m != "" {
		return translateContainer(h, m), nil
	} else if err != nil && errnoOf(err) != syscall.ENOENT {
		return "", asError(err, "Failed to read /run/systemd/container")
	}
	if b, err := h.readFile("/proc/1/environ"); err == nil {
		for _, kv := range bytes.Split(b, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("container=")); ok && len(v) > 0 {
				return translateContainer(h, string(v)), nil
			}
		}
	}
	return h.containerFiles()
}

func translateContainer(h *Host, name string) virtualization {
	if name == "oci" {
		// Not a container manager: guess one from its files.
		if v := h.containerFileHints(); v != virtNone {
			return v
		}
		return virtContainerOther
	}
	if v, ok := containerNames[name]; ok {
		return v
	}
	return virtContainerOther
}

func (h *Host) containerFileHints() virtualization {
	if h.exists("/run/.containerenv") {
		return "podman"
	}
	if h.exists("/.dockerenv") {
		return "docker"
	}
	return virtNone
}

func (h *Host) containerFiles() (virtualization, error) {
	if v := h.containerFileHints(); v != virtNone {
		return v, nil
	}
	in, err := h.inCgroupNamespace()
	if err != nil {
		return "", err
	}
	if in {
		return virtContainerOther, nil
	}
	return virtNone, nil
}

// inCgroupNamespace is running_in_cgroupns(): the cgroup file system
// shows a non-root cgroup as its root.
func (h *Host) inCgroupNamespace() (bool, error) {
	if !h.exists("/proc/self/ns/cgroup") {
		return false, nil
	}
	mode, err := h.cgroupMode()
	if err != nil {
		return false, err
	}
	if mode == cgroupUnified {
		if !h.exists("/sys/fs/cgroup/cgroup.events") {
			return false, nil
		}
		if h.exists("/sys/fs/cgroup/cgroup.type") {
			return true, nil
		}
		return !h.exists("/sys/kernel/cgroup/features"), nil
	}
	if !h.exists("/sys/fs/cgroup/systemd") {
		return false, nil
	}
	return !h.exists("/sys/fs/cgroup/systemd/release_agent"), nil
}

// procStatusField returns a field of a /proc/PID/status style file.
func (h *Host) procStatusField(p, key string) string {
	b, err := h.readFile(p)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// inUserNamespace is running_in_userns(): a uid or gid map other than the
// full identity map, or setgroups denied.
func (h *Host) inUserNamespace() (bool, error) {
	for _, f := range []string{"/proc/self/uid_map", "/proc/self/gid_map"} {
		b, err := h.readFile(f)
		if err != nil {
			if errnoOf(err) == syscall.ENOENT {
				return false, nil
			}
			return false, asError(err, "Failed to open %s", f)
		}
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			return true, nil // an uninitialized user namespace
		}
		if len(fields) < 3 {
			return false, errorf(syscall.EBADMSG, "Failed to parse %s", f)
		}
		if fields[0] != "0" || fields[1] != "0" || fields[2] != "4294967295" {
			return true, nil
		}
	}
	l, err := h.readLine("/proc/self/setgroups")
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return false, nil
		}
		return false, asError(err, "/proc/self/setgroups")
	}
	return strings.TrimSpace(l) == "deny", nil
}

// dmiVendors are the prefixes of DMI strings that name a hypervisor.
var dmiVendors = []struct {
	prefix string
	v      virtualization
}{
	{"KVM", "kvm"}, {"OpenStack", "kvm"}, {"KubeVirt", "kvm"}, {"Amazon EC2", "amazon"}, {"QEMU", "qemu"},
	{"VMware", "vmware"}, {"VMW", "vmware"}, {"innotek GmbH", "oracle"}, {"VirtualBox", "oracle"}, {"Xen", "xen"},
	{"Bochs", "bochs"}, {"Parallels", "parallels"}, {"BHYVE", "bhyve"}, {"Hyper-V", "microsoft"},
	{"Apple Virtualization", "apple"},
}

// cpuidVendors are the hypervisor signatures of CPUID leaf 0x40000000.
var cpuidVendors = map[string]virtualization{
	"XenVMMXenVMM": "xen", "KVMKVMKVM": "kvm", "Linux KVM Hv": "kvm", "TCGTCGTCGTCG": "qemu",
	"VMwareVMware": "vmware", "Microsoft Hv": "microsoft", "bhyve bhyve ": "bhyve", "QNXQVMBSQG": "qnx",
	"ACRNACRNACRN": "acrn", "SRESRESRESRE": "sre",
}

// smbiosVM reads the "virtual machine" bit of the SMBIOS BIOS
// characteristics: 1 set, 0 unset, -1 unknown.
func (h *Host) smbiosVM() int {
	b, err := h.readFile("/sys/firmware/dmi/entries/0-0/raw")
	if err != nil || len(b) < 20 || b[1] < 20 {
		return -1
	}
	if b[19]&(1<<4) != 0 {
		return 1
	}
	return 0
}

func (h *Host) vmFromDMI() virtualization {
	v := virtNone
outer:
	for _, f := range []string{"product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"} {
		s, err := h.readLine("/sys/class/dmi/id/" + f)
		if err != nil {
			continue
		}
		for _, d := range dmiVendors {
			if strings.HasPrefix(s, d.prefix) {
				v = d.v
				break outer
			}
		}
	}
	if v == "amazon" {
		switch h.smbiosVM() {
		case 1:
			return v
		case 0:
			return virtNone
		}
		// Metal instances say so in the product name.
		s, err := h.readLine("/sys/class/dmi/id/product_name")
		if err != nil {
			return v
		}
		if i := strings.Index(s, ".metal"); i >= 0 && (len(s) == i+6 || s[i+6] == '-') {
			return virtNone
		}
		return v
	}
	if v == virtNone && h.smbiosVM() == 1 {
		return virtVMOther
	}
	return v
}

func (h *Host) vmFromCPUID() virtualization {
	if h.CPUID == nil {
		return virtNone
	}
	if max, _, _, _ := h.CPUID(0, 0); max < 1 {
		return virtNone
	}
	if _, _, ecx, _ := h.CPUID(1, 0); ecx&(1<<31) == 0 {
		return virtNone
	}
	_, b, c, d := h.CPUID(0x40000000, 0)
	var sig [12]byte
	binary.LittleEndian.PutUint32(sig[0:], b)
	binary.LittleEndian.PutUint32(sig[4:], c)
	binary.LittleEndian.PutUint32(sig[8:], d)
	if v, ok := cpuidVendors[string(bytes.TrimRight(sig[:], "\x00"))]; ok {
		return v
	}
	return virtVMOther
}

// detectVM follows systemd 252's detect_vm() in its order: DMI for the
// hypervisors that hide behind KVM, UML, Xen, CPUID, the rest of DMI,
// /sys/hypervisor, the device tree and z/VM. Xen's dom0 is not a VM.
func (h *Host) detectVM() (virtualization, error) {
	dmi := h.vmFromDMI()
	switch dmi {
	case "oracle", "xen", "amazon", "parallels":
		return dmi, nil
	}
	if b, err := h.readFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "vendor_id" && strings.TrimSpace(v) == "User Mode Linux" {
				return "uml", nil
			}
		}
	}
	dom0 := false
	if h.exists("/proc/xen") {
		if caps, err := h.readLine("/proc/xen/capabilities"); err == nil && strings.Contains(caps, "control_d") {
			dom0 = true
		} else {
			return "xen", nil
		}
	}
	other := false
	switch v := h.vmFromCPUID(); {
	case v == virtVMOther:
		other = true
	case v != virtNone:
		return v, nil
	}
	if dom0 {
		return virtNone, nil
	}
	switch {
	case dmi == virtVMOther:
		other = true
	case dmi != virtNone:
		return dmi, nil
	}
	if t, err := h.readLine("/sys/hypervisor/type"); err == nil {
		if t == "xen" {
			return "xen", nil
		}
		other = true
	}
	if b, err := h.readFile("/proc/device-tree/hypervisor/compatible"); err == nil {
		switch {
		case bytes.Contains(b, []byte("linux,kvm")):
			return "kvm", nil
		case bytes.Contains(b, []byte("xen")):
			return "xen", nil
		case bytes.Contains(b, []byte("vmware")):
			return "vmware", nil
		}
		other = true
	} else if h.exists("/proc/device-tree/ibm,partition-name") && h.exists("/proc/device-tree/hmc-managed?") && !h.exists("/proc/device-tree/chosen/qemu,graphic-width") {
		return "powervm", nil
	} else if ents, err := os.ReadDir(h.hostPath("/proc/device-tree", true)); err == nil {
		for _, e := range ents {
			if strings.Contains(e.Name(), "fw-cfg") {
				return "qemu", nil
			}
		}
	}
	if b, err := h.readFile("/proc/sysinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "VM00 Control Program" {
				if strings.Contains(v, "z/VM") {
					return "zvm", nil
				}
				return "kvm", nil
			}
		}
	}
	if other {
		return virtVMOther, nil
	}
	return virtNone, nil
}

// testVirtualization: "private-users" asks for a user namespace; a
// boolean for any virtualization; "vm" or "container" for the kind;
// otherwise an identifier, which must be the innermost one.
func (h *Host) testVirtualization(param string) (bool, error) {
	if param == "private-users" {
		return h.inUserNamespace()
	}
	v, err := h.virtualization()
	if err != nil {
		return false, err
	}
	if b, err := unit.ParseBool(param); err == nil {
		return b == (v != virtNone), nil
	}
	switch param {
	case "vm":
		return v.vm(), nil
	case "container":
		return v.container(), nil
	}
	return v != virtNone && string(v) == param, nil
}

// IsContainer reports whether a name Virtualization returns is a
// container technology (else a hypervisor, or "none").
func IsContainer(name string) bool { return containers[virtualization(name)] }
