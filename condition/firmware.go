package condition

import (
	"bytes"
	"os"
	"strings"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// selinuxMagic is SELINUX_MAGIC, the type of selinuxfs.
const selinuxMagic = 0xf97cff8c

// testSecurity: whether the named security technology is enabled;
// names systemd 252 does not know are false.
func (h *Host) testSecurity(param string) (bool, error) {
	switch param {
	case "selinux":
		// libselinux: enabled when selinuxfs is mounted.
		if h.Statfs == nil {
			return false, nil
		}
		st, err := h.Statfs(h.hostPath("/sys/fs/selinux", true))
		return err == nil && uint32(st.Type) == selinuxMagic, nil
	case "smack":
		return h.exists("/sys/fs/smackfs/"), nil
	case "apparmor":
		l, err := h.readLine("/sys/module/apparmor/parameters/enabled")
		if err != nil {
			return false, nil
		}
		b, err := unit.ParseBool(l)
		return err == nil && b, nil
	case "audit":
		return h.Audit != nil && h.Audit(), nil
	case "ima":
		return h.exists("/sys/kernel/security/ima/"), nil
	case "tomoyo":
		return h.exists("/sys/kernel/security/tomoyo/"), nil
	case "uefi-secureboot":
		return h.efiSecureBoot(), nil
	case "tpm2":
		return h.hasTPM2(), nil
	}
	return false, nil
}

// efiBoot is is_efi_boot(): never in a container.
func (h *Host) efiBoot() bool {
	if v, _ := h.virtualization(); v.container() {
		return false
	}
	return h.exists("/sys/firmware/efi/")
}

const efiGlobal = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

// efiFlag reads a one-byte EFI variable as a boolean.
func (h *Host) efiFlag(name string) (bool, error) {
	b, err := h.readFile("/sys/firmware/efi/efivars/" + name + "-" + efiGlobal)
	if err != nil {
		return false, err
	}
	if len(b) != 5 { // 4 bytes of attributes, 1 of data
		return false, syscall.EINVAL
	}
	return b[4] != 0, nil
}

// efiSecureBoot: Secure Boot in user or deployed mode (UEFI 2.9's
// figure 32-4).
func (h *Host) efiSecureBoot() bool {
	if !h.efiBoot() {
		return false
	}
	secure, err := h.efiFlag("SecureBoot")
	if err != nil {
		return false
	}
	// User mode and deployed mode both have SecureBoot=1, AuditMode=0
	// and SetupMode=0; DeployedMode tells them apart.
	audit, _ := h.efiFlag("AuditMode")
	setup, _ := h.efiFlag("SetupMode")
	return secure && !audit && !setup
}

// hasTPM2: a TPM 2.0 driver (never in a container: its sysfs is the
// host's) or firmware support for one.
func (h *Host) hasTPM2() bool {
	if v, _ := h.virtualization(); !v.container() {
		if ents, err := os.ReadDir(h.hostPath("/sys/class/tpmrm", true)); err == nil && len(ents) > 0 {
			return true
		}
	}
	if !h.efiBoot() {
		return false
	}
	if h.exists("/sys/firmware/acpi/tables/TPM2") {
		return true
	}
	if h.exists("/sys/kernel/security/tpm0/binary_bios_measurements") {
		major, err := h.readLine("/sys/class/tpm/tpm0/tpm_version_major")
		return err == nil && strings.TrimSpace(major) == "2"
	}
	return false
}

// testFirmware: "uefi", "device-tree", "device-tree-compatible(VALUE)"
// and "smbios-field(FIELD OP VALUE)". Anything else, and a
// device-tree-compatible( without its ')', is false; a malformed
// smbios-field() is an error (observed).
func (h *Host) testFirmware(param string) (bool, error) {
	switch {
	case param == "device-tree":
		return h.exists("/sys/firmware/devicetree/"), nil
	case strings.HasPrefix(param, "device-tree-compatible("):
		arg, ok := strings.CutSuffix(strings.TrimPrefix(param, "device-tree-compatible("), ")")
		if !ok {
			return false, nil
		}
		b, err := h.readFile("/proc/device-tree/compatible")
		if err != nil || len(b) == 0 || b[len(b)-1] != 0 {
			return false, nil
		}
		for _, c := range bytes.Split(b[:len(b)-1], []byte{0}) {
			if string(c) == arg {
				return true, nil
			}
		}
		return false, nil
	case strings.HasPrefix(param, "smbios-field("):
		arg := strings.TrimPrefix(param, "smbios-field(")
		end := strings.LastIndexByte(arg, ')')
		if end < 0 || end != len(arg)-1 {
			return false, errorf(syscall.EINVAL, "Malformed ConditionFirmware=%s", param)
		}
		r, err := h.smbiosField(arg[:end])
		if err != nil {
			return false, errorf(errnoOf(err), "Malformed ConditionFirmware=%s", param)
		}
		return r, nil
	case param == "uefi":
		return h.efiBoot(), nil
	}
	return false, nil
}

// smbiosField: "FIELD OP VALUE", FIELD a file of /sys/class/dmi/id/
// (missing: false), VALUE one word, quotes removed; the file's trailing
// blanks do not count.
func (h *Host) smbiosField(expr string) (bool, error) {
	field, rest, ok, err := unit.ExtractWord(expr, "!<=>$", unit.ExtractRetainSeparators)
	if err != nil || !ok || rest == "" {
		return false, syscall.EINVAL
	}
	field = strings.TrimRight(field, " \t\n\r")
	o, rest := parseOperator(rest, true)
	if o == opInvalid {
		return false, syscall.EINVAL
	}
	value, rest, ok, err := unit.ExtractWord(rest, "", unit.ExtractUnquote)
	if err != nil || !ok || rest != "" {
		return false, syscall.EINVAL
	}
	if field == "" || field == "." || field == ".." || strings.Contains(field, "/") || len(field) > 255 {
		return false, syscall.EINVAL
	}
	b, err := h.readFile("/sys/class/dmi/id/" + field)
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return false, nil
		}
		return false, err
	}
	actual := strings.TrimRight(string(b), " \t\n\r")
	return versionOrFnmatch(o, actual, value), nil
}

// testACPower: whether the machine runs on AC power (true when nothing
// says otherwise), compared with the boolean parameter.
func (h *Host) testACPower(param string) (bool, error) {
	want, err := unit.ParseBool(param)
	if err != nil {
		return false, errorf(syscall.EINVAL, "Failed to parse %s", param)
	}
	return h.onACPower() == want, nil
}

// onACPower is systemd 252's on_ac_power(): any power supply other than a
// battery that is online means AC; otherwise a discharging battery (not a
// device's own, present) means battery; otherwise AC.
func (h *Host) onACPower() bool {
	const dir = "/sys/class/power_supply"
	ents, err := os.ReadDir(h.hostPath(dir, true))
	if err != nil {
		return true
	}
	discharging := false
	for _, e := range ents {
		d := dir + "/" + e.Name()
		typ, err := h.readLine(d + "/type")
		if err != nil {
			continue
		}
		if typ == "Battery" {
			if scope, err := h.readLine(d + "/scope"); err == nil && scope == "Device" {
				continue
			}
			if present, err := h.readLine(d + "/present"); err == nil {
				if b, err := unit.ParseBool(present); err == nil && !b {
					continue
				}
			}
			status, err := h.readLine(d + "/status")
			if err != nil || status == "Discharging" {
				discharging = true
			}
			continue
		}
		online, err := h.readLine(d + "/online")
		if err != nil {
			continue
		}
		if n, err := safeAtou(online); err == nil && n > 0 {
			return true
		}
	}
	return !discharging
}

// testFirstBoot compares the boolean with whether /run/systemd/first-boot
// exists, which the manager creates when it starts with an unpopulated
// /etc/machine-id. systemd 252's condition does not read
// systemd.condition-first-boot= (observed); the manager applies it when
// deciding about that file.
func (h *Host) testFirstBoot(param string) (bool, error) {
	want, err := unit.ParseBool(param)
	if err != nil {
		return false, errorf(syscall.EINVAL, "Failed to parse %s", param)
	}
	return h.exists("/run/systemd/first-boot") == want, nil
}
