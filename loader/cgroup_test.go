package loader

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/gosd/gosd/unit"
)

// cgApply parses "Key=Value" lines of the section of unit name's type
// into a fresh unit and returns it.
func cgApply(t *testing.T, name string, lines ...string) *Unit {
	t.Helper()
	u := newUnit(name, []string{name}, &unit.Host{Hostname: "host"}, "/etc/systemd/system/"+name)
	sec := strings.ToUpper(u.Type[:1]) + u.Type[1:]
	var opts []unit.Option
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("bad test line %q", l)
		}
		opts = append(opts, unit.Option{Section: sec, Name: k, Value: v, File: "/etc/systemd/system/" + name, Line: i + 1})
	}
	u.apply(opts)
	return u
}

// cgMsgs returns the unit's diagnostics, each "line: message".
func cgMsgs(u *Unit) []string {
	var out []string
	for _, d := range u.Diags {
		if d.Line > 0 {
			out = append(out, strings.TrimPrefix(d.Error(), d.File+":"))
		} else {
			out = append(out, d.Error())
		}
	}
	return out
}

func cgEq(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestCGroupDirectives checks each resource-control parser against what
// systemd 252 does with the same lines (recorded with a booted systemd
// 252 and systemd-analyze verify).
func TestCGroupDirectives(t *testing.T) {
	tests := []struct {
		name  string
		unit  string // default foo.service
		lines []string
		msgs  []string
		check func(t *testing.T, c *CGroupContext)
	}{
		{
			name: "defaults are systemd 252's for a service",
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.TasksMax, TasksMax{Value: 1500, Scale: 10000}) // DefaultTasksMax=15%
				cgEq(t, []bool{c.MemoryAccounting, c.TasksAccounting, c.CPUAccounting, c.IOAccounting, c.IPAccounting}, []bool{true, true, false, false, false})
				cgEq(t, []uint64{c.CPUWeight, c.CPUShares, c.IOWeight, c.BlockIOWeight}, []uint64{CGroupUnset, CGroupUnset, CGroupUnset, CGroupUnset})
				cgEq(t, []uint64{c.MemoryMin, c.MemoryLow, c.MemoryHigh, c.MemoryMax, c.CPUQuotaPerSecUSec}, []uint64{0, 0, Infinity, Infinity, Infinity})
				cgEq(t, []string{c.DevicePolicy, c.ManagedOOMSwap, c.ManagedOOMPreference}, []string{"auto", "auto", "none"})
				cgEq(t, c.RestrictNetworkInterfacesAllow, false)
			},
		},
		{
			// Slices get no DefaultTasksMax: they show TasksMax=infinity.
			name:  "slices have no task limit by default",
			unit:  "foo.slice",
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.TasksMax, TasksMax{Value: Infinity}) },
		},
		{
			name:  "CPUWeight takes 1..10000 and idle; empty unsets",
			lines: []string{"CPUWeight=0", "CPUWeight=10001", "CPUWeight=foo", "CPUWeight=idle", "StartupCPUWeight=200", "StartupCPUWeight=", "CPUWeight=10000"},
			msgs:  []string{"1: CPUWeight: Invalid CPU weight, ignoring: 0", "2: CPUWeight: Invalid CPU weight, ignoring: 10001", "3: CPUWeight: Invalid CPU weight, ignoring: foo"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, []uint64{c.CPUWeight, c.StartupCPUWeight}, []uint64{10000, CGroupUnset})
			},
		},
		{
			// The deprecation warning comes for any value, empty included.
			name:  "CPUShares warns and takes 2..262144",
			lines: []string{"CPUShares=1", "CPUShares=262144", "StartupCPUShares="},
			msgs: []string{
				"1: CPUShares: Unit uses CPUShares=; please use CPUWeight= instead. Support for CPUShares= will be removed soon.",
				"1: CPUShares: Invalid CPU shares, ignoring: 1",
				"2: CPUShares: Unit uses CPUShares=; please use CPUWeight= instead. Support for CPUShares= will be removed soon.",
				"3: StartupCPUShares: Unit uses StartupCPUShares=; please use CPUWeight= instead. Support for StartupCPUShares= will be removed soon.",
			},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.CPUShares, uint64(262144)) },
		},
		{
			name:  "CPUQuota is a percentage above zero, without upper bound",
			lines: []string{"CPUQuota=abc", "CPUQuota=0%", "CPUQuota=20", "CPUQuota=150%"},
			msgs:  []string{"1: CPUQuota: Invalid CPU quota 'abc', ignoring.", "2: CPUQuota: Invalid CPU quota '0%', ignoring.", "3: CPUQuota: Invalid CPU quota '20', ignoring."},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.CPUQuotaPerSecUSec, uint64(1500000)) },
		},
		{
			name:  "CPUQuota empty resets, CPUQuotaPeriodSec empty is infinity",
			lines: []string{"CPUQuota=20%", "CPUQuota=", "CPUQuotaPeriodSec=50ms", "CPUQuotaPeriodSec=foo"},
			msgs:  []string{"4: CPUQuotaPeriodSec: Failed to parse sec_def_infinity value, ignoring: foo"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, []uint64{c.CPUQuotaPerSecUSec, c.CPUQuotaPeriodUSec}, []uint64{Infinity, 50000})
			},
		},
		{
			name:  "AllowedCPUs extends the set; a bad word drops the line; empty resets",
			lines: []string{"AllowedCPUs=0-2 5", "AllowedCPUs=7", "AllowedCPUs=0-x", "StartupAllowedCPUs=1,3", "AllowedMemoryNodes=0", "AllowedMemoryNodes="},
			msgs:  []string{"3: AllowedCPUs: Failed to parse CPU affinity '0-x'"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.AllowedCPUs.RangeString(), "0-2 5 7")
				// systemd keeps the mask in 64-bit words; show prints it in hex.
				cgEq(t, c.StartupAllowedCPUs, CGroupCPUSet{0x0a, 0, 0, 0, 0, 0, 0, 0})
				cgEq(t, c.AllowedMemoryNodes, CGroupCPUSet(nil))
			},
		},
		{
			name:  "memory limits: sizes, infinity, out of range",
			lines: []string{"MemoryMax=foo", "MemoryMax=0", "MemoryMax=101%", "MemoryLow=-5", "MemoryHigh=1G", "MemoryMin=10M", "MemoryLow=infinity", "MemorySwapMax=0", "DefaultMemoryLow=1K"},
			msgs: []string{
				"1: MemoryMax: Invalid memory limit 'foo', ignoring: Invalid argument",
				"2: MemoryMax: Memory limit '0' out of range, ignoring.",
				"3: MemoryMax: Invalid memory limit '101%', ignoring: Invalid argument",
				"4: MemoryLow: Invalid memory limit '-5', ignoring: Numerical result out of range",
			},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, []uint64{c.MemoryMax, c.MemoryHigh, c.MemoryMin, c.MemoryLow, c.MemorySwapMax, c.DefaultMemoryLow}, []uint64{Infinity, 1 << 30, 10 << 20, Infinity, 0, 1024})
			},
		},
		{
			name:  "memory percentages are of the RAM, in whole pages; empty resets",
			lines: []string{"MemoryMax=50%", "MemoryHigh=10.5%", "MemoryLow=5%", "MemoryLow=", "MemoryLimit="},
			msgs:  []string{"5: MemoryLimit: Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon."},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, []uint64{c.MemoryMax, c.MemoryHigh, c.MemoryLow, c.MemoryLimit}, []uint64{physicalMemoryScale(5000, 10000), physicalMemoryScale(1050, 10000), 0, Infinity})
			},
		},
		{
			// DeviceAllow= entries are listed newest first; no rights means rwm.
			name:  "DeviceAllow",
			lines: []string{"DeviceAllow=/dev/null rw", "DeviceAllow=/dev/zero", "DeviceAllow=char-pts wrm", "DeviceAllow=/dev/null xyz", "DeviceAllow=foo r", `DeviceAllow="/dev/sda"   r`},
			msgs:  []string{"4: DeviceAllow: Invalid device rights 'xyz', ignoring.", "5: DeviceAllow: Invalid device node path 'foo', ignoring."},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.DeviceAllow, []DeviceAllow{{"/dev/sda", "r"}, {"char-pts", "rwm"}, {"/dev/zero", "rwm"}, {"/dev/null", "rw"}})
			},
		},
		{
			name:  "DeviceAllow empty resets, DevicePolicy refuses unknown values",
			lines: []string{"DeviceAllow=/dev/null rw", "DeviceAllow=", "DevicePolicy=strict", "DevicePolicy=bogus"},
			msgs:  []string{"4: DevicePolicy: Failed to parse device policy, ignoring: bogus"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, len(c.DeviceAllow), 0)
				cgEq(t, c.DevicePolicy, "strict")
			},
		},
		{
			name:  "IO weights and per-device weights keep every entry in order",
			lines: []string{"IOWeight=0", "IOWeight=500", "IODeviceWeight=/dev/sda 200", "IODeviceWeight=/dev/sdb 300", "IODeviceWeight=/dev/sda 100", "IODeviceWeight=/dev/sda", "IODeviceWeight=/dev/sda 0"},
			msgs: []string{
				"1: IOWeight: Invalid weight, ignoring: 0",
				"6: IODeviceWeight: Invalid device path or weight specified in '/dev/sda', ignoring.",
				"7: IODeviceWeight: IO weight '0' invalid, ignoring: Numerical result out of range",
			},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.IOWeight, uint64(500))
				cgEq(t, c.IODeviceWeight, []DeviceValue{{"/dev/sda", 200}, {"/dev/sdb", 300}, {"/dev/sda", 100}})
			},
		},
		{
			// One entry per device, in the order devices first appear; an
			// empty assignment clears that limit on every device.
			name:  "IO limits",
			lines: []string{"IOReadBandwidthMax=/dev/sdb 1M", "IOWriteBandwidthMax=/dev/sda 2M", "IOReadBandwidthMax=/dev/sda 3M", "IOReadIOPSMax=/dev/sdc 5", "IOReadBandwidthMax=", "IOWriteIOPSMax=/dev/sdd infinity", "IOReadBandwidthMax=/dev/sda foo"},
			msgs:  []string{"7: IOReadBandwidthMax: Invalid IO limit 'foo', ignoring."},
			check: func(t *testing.T, c *CGroupContext) {
				inf := Infinity
				cgEq(t, c.IODeviceLimits, []IODeviceLimit{
					{"/dev/sdb", [4]uint64{inf, inf, inf, inf}},
					{"/dev/sda", [4]uint64{inf, 2000000, inf, inf}},
					{"/dev/sdc", [4]uint64{inf, inf, 5, inf}},
					{"/dev/sdd", [4]uint64{inf, inf, inf, inf}},
				})
			},
		},
		{
			name:  "BlockIO settings warn where systemd does",
			lines: []string{"BlockIOWeight=5", "BlockIOWeight=100", "BlockIODeviceWeight=/dev/sda 5", "BlockIOWriteBandwidth=/dev/sdb 5M", "BlockIOReadBandwidth=/dev/sda x"},
			msgs: []string{
				"1: BlockIOWeight: Invalid block IO weight, ignoring: 5",
				"3: BlockIODeviceWeight: Unit uses BlockIODeviceWeight=; please use IO*= settings instead. Support for BlockIODeviceWeight= will be removed soon.",
				"3: BlockIODeviceWeight: Invalid block IO weight '5', ignoring: Numerical result out of range",
				"4: BlockIOWriteBandwidth: Unit uses BlockIOWriteBandwidth=; please use IO*= settings instead. Support for BlockIOWriteBandwidth= will be removed soon.",
				"5: BlockIOReadBandwidth: Unit uses BlockIOReadBandwidth=; please use IO*= settings instead. Support for BlockIOReadBandwidth= will be removed soon.",
				"5: BlockIOReadBandwidth: Invalid Block IO Bandwidth 'x', ignoring.",
			},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.BlockIOWeight, uint64(100))
				cgEq(t, c.BlockIODeviceBandwidth, []BlockIOBandwidth{{"/dev/sdb", Infinity, 5000000}})
			},
		},
		{
			name:  "TasksMax: numbers, percentages, infinity; empty is the default",
			lines: []string{"TasksMax=foo", "TasksMax=0", "TasksMax=101%", "TasksMax=10%", "TasksMax=0%"},
			msgs: []string{
				"1: TasksMax: Invalid maximum tasks value 'foo', ignoring: Invalid argument",
				"2: TasksMax: Maximum tasks value '0' out of range, ignoring.",
				"3: TasksMax: Invalid maximum tasks value '101%', ignoring: Invalid argument",
			},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.TasksMax, TasksMax{Value: 0, Scale: 10000}) },
		},
		{
			name:  "TasksMax empty in a slice is the manager's default too",
			unit:  "foo.slice",
			lines: []string{"TasksMax=100", "TasksMax="},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.TasksMax, defaultTasksMax) },
		},
		{
			name:  "Delegate: booleans, controller lists that add up, empty is yes without controllers",
			lines: []string{"Delegate=no", "Delegate=cpu", "Delegate=memory foo"},
			msgs:  []string{"3: Delegate: Invalid controller name 'foo', ignoring"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.Delegate, true)
				cgEq(t, c.DelegateControllers.Names(), []string{"cpu", "memory"})
			},
		},
		{
			name:  "Delegate=yes delegates the unified hierarchy's controllers",
			lines: []string{"Delegate=yes"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.DelegateControllers.Names(), []string{"cpu", "cpuset", "io", "memory", "pids"})
			},
		},
		{
			name:  "Delegate= empty",
			lines: []string{"Delegate=cpu", "Delegate="},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.Delegate, true)
				cgEq(t, c.DelegateControllers, CGroupMask(0))
			},
		},
		{
			name:  "Delegate is refused for mounts",
			unit:  "foo.mount",
			lines: []string{"Delegate=yes"},
			msgs:  []string{"1: Delegate: Delegate= setting not supported for this unit type, ignoring."},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.Delegate, false) },
		},
		{
			name:  "DisableControllers adds up; only unknown names is an error",
			lines: []string{"DisableControllers=memory cpu", "DisableControllers=", "DisableControllers=io bogus", "DisableControllers=foo"},
			msgs:  []string{"4: DisableControllers: Invalid cgroup string: foo, ignoring"},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.DisableControllers.Names(), []string{"io"}) },
		},
		{
			name:  "IPAddressAllow: names, prefixes masked to their length",
			lines: []string{"IPAddressAllow=localhost 10.0.0.0/8", "IPAddressAllow=link-local multicast 192.168.1.7 ::1/64", "IPAddressAllow=foo 1.2.3.4/33", "IPAddressDeny=any", "IPAddressDeny=any"},
			msgs:  []string{"3: IPAddressAllow: Address prefix is invalid, ignoring assignment: foo", "3: IPAddressAllow: Address prefix is invalid, ignoring assignment: 1.2.3.4/33"},
			check: func(t *testing.T, c *CGroupContext) {
				var got []string
				for _, p := range c.IPAddressAllow {
					got = append(got, p.String())
				}
				cgEq(t, got, []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "169.254.0.0/16", "fe80::/64", "224.0.0.0/4", "ff00::/8", "192.168.1.7/32", "::/64"})
				cgEq(t, c.IPAddressDeny, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")})
			},
		},
		{
			name:  "IP filter paths are absolute, each added once",
			lines: []string{"IPIngressFilterPath=/sys/fs/bpf/foo", "IPIngressFilterPath=/sys/fs/bpf/foo", "IPIngressFilterPath=relative", "IPEgressFilterPath=/a", "IPEgressFilterPath="},
			msgs:  []string{"3: IPIngressFilterPath: IPIngressFilterPath= path is not absolute, ignoring: relative"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.IPIngressFilterPath, []string{"/sys/fs/bpf/foo"})
				cgEq(t, len(c.IPEgressFilterPath), 0)
			},
		},
		{
			name:  "ManagedOOM settings",
			lines: []string{"ManagedOOMSwap=kill", "ManagedOOMSwap=foo", "ManagedOOMMemoryPressure=kill", "ManagedOOMMemoryPressure=", "ManagedOOMMemoryPressureLimit=50%", "ManagedOOMMemoryPressureLimit=101%", "ManagedOOMPreference=avoid", "ManagedOOMPreference=foo"},
			msgs: []string{
				"2: ManagedOOMSwap: Invalid syntax, ignoring: foo",
				"6: ManagedOOMMemoryPressureLimit: Failed to parse memory pressure limit value, ignoring: 101%",
				"8: ManagedOOMPreference: Failed to parse ManagedOOMPreference=, ignoring: foo",
			},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, []string{c.ManagedOOMSwap, c.ManagedOOMMemoryPressure, c.ManagedOOMPreference}, []string{"kill", "auto", "avoid"})
				cgEq(t, c.ManagedOOMMemoryPressureLimit, uint32(2147483648)) // 50% of 2^32-1, rounded
			},
		},
		{
			name:  "ManagedOOMMemoryPressureLimit scales permyriads to 2^32-1",
			lines: []string{"ManagedOOMMemoryPressureLimit=33.3%"},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.ManagedOOMMemoryPressureLimit, uint32(1430224109)) },
		},
		{
			name:  "BPFProgram lists newest first",
			lines: []string{"BPFProgram=ingress:/sys/fs/bpf/prog", "BPFProgram=egress:/sys/fs/bpf/prog2", "BPFProgram=foo", "BPFProgram=ingress:relative", "BPFProgram=nosuch:/x"},
			msgs: []string{
				"3: BPFProgram: Invalid syntax in BPFProgram=, ignoring: foo",
				"4: BPFProgram: BPFProgram= path is not absolute, ignoring: relative",
				"5: BPFProgram: Unknown BPF attach type=nosuch, ignoring: nosuch:/x",
			},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.BPFProgram, []BPFProgram{{"egress", "/sys/fs/bpf/prog2"}, {"ingress", "/sys/fs/bpf/prog"}})
			},
		},
		{
			name:  "SocketBindAllow lists newest first",
			lines: []string{"SocketBindAllow=ipv4:tcp:80", "SocketBindAllow=ipv6:udp:1000-2000", "SocketBindAllow=tcp:443", "SocketBindAllow=ipv6:any", "SocketBindAllow=6000", "SocketBindDeny=any", "SocketBindAllow=foo", "SocketBindDeny=ipv4:tcp:99999"},
			msgs:  []string{"7: SocketBindAllow: Unable to parse SocketBindAllow= assignment, ignoring: foo", "8: SocketBindDeny: Unable to parse SocketBindDeny= assignment, ignoring: ipv4:tcp:99999"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.SocketBindAllow, []SocketBind{{0, "", 1, 6000}, {6, "", 0, 0}, {0, "tcp", 1, 443}, {6, "udp", 1001, 1000}, {4, "tcp", 1, 80}})
				cgEq(t, c.SocketBindDeny, []SocketBind{{}})
			},
		},
		{
			// The first assignment into an empty list decides allow or
			// deny; later ones of the other kind remove names.
			name:  "RestrictNetworkInterfaces",
			lines: []string{"RestrictNetworkInterfaces=eth0 lo", "RestrictNetworkInterfaces=~lo wlan0", "RestrictNetworkInterfaces=bad/name"},
			msgs:  []string{"3: RestrictNetworkInterfaces: Invalid interface name, ignoring: bad/name"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.RestrictNetworkInterfacesAllow, true)
				cgEq(t, c.RestrictNetworkInterfaces, []string{"eth0"})
			},
		},
		{
			name:  "RestrictNetworkInterfaces empty resets the names",
			lines: []string{"RestrictNetworkInterfaces=eth0", "RestrictNetworkInterfaces=", "RestrictNetworkInterfaces=~"},
			check: func(t *testing.T, c *CGroupContext) {
				cgEq(t, c.RestrictNetworkInterfacesAllow, false)
				cgEq(t, len(c.RestrictNetworkInterfaces), 0)
			},
		},
		{
			name:  "NetClass is gone",
			lines: []string{"NetClass=1"},
			msgs:  []string{"1: NetClass: Support for option NetClass= has been removed and it is ignored"},
		},
		{
			name:  "Slice must name a slice; empty is an invalid name",
			lines: []string{"Slice=foo.service", "Slice=foo", "Slice=", "Slice=user-%i.slice"},
			msgs: []string{
				"1: Slice: Failed to assign slice foo.service to unit foo.service, ignoring: Invalid argument",
				"2: Slice: Failed to load slice unit foo, ignoring: Unit name foo is not valid.",
				"3: Slice: Failed to load slice unit , ignoring: Unit name  is not valid.",
			},
			check: func(t *testing.T, c *CGroupContext) { cgEq(t, c.Slice, "user-.slice") },
		},
		{
			name:  "a slice's slice is its parent by name",
			unit:  "a-b.slice",
			lines: []string{"Slice=gosdc.slice"},
			msgs:  []string{"1: Slice: Failed to assign slice gosdc.slice to unit a-b.slice, ignoring: Invalid argument"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.unit
			if name == "" {
				name = "foo.service"
			}
			u := cgApply(t, name, tc.lines...)
			if got := cgMsgs(u); !reflect.DeepEqual(got, tc.msgs) && !(len(got) == 0 && len(tc.msgs) == 0) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u.CGroup)
			}
		})
	}
}

func TestDefaultSlice(t *testing.T) {
	tests := []struct {
		name, unit, want string
	}{
		{"services go to system.slice", "foo.service", "system.slice"},
		{"instances go to their template's slice, escaped", "container-getty@1.service", `system-container\x2dgetty.slice`},
		{"mounts of API file systems go to the root slice", "dev-hugepages.mount", "-.slice"},
		{"other mounts go to system.slice", "tmp.mount", "system.slice"},
		{"slices sit in their parent", "gosd-sub.slice", "gosd.slice"},
		{"top-level slices sit in the root slice", "user.slice", "-.slice"},
		{"the root slice sits nowhere", "-.slice", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := cgApply(t, tc.unit)
			u.setDefaultSlice()
			cgEq(t, u.CGroup.Slice, tc.want)
		})
	}
}

func TestTasksMaxResolve(t *testing.T) {
	// The oracle's kernel allowed 192730 tasks: 15% is 28909.
	cgEq(t, defaultTasksMax.Resolve(192730), uint64(28909))
	cgEq(t, TasksMax{Value: 100}.Resolve(192730), uint64(100))
	cgEq(t, TasksMax{Value: Infinity}.Resolve(192730), Infinity)
	if n := SystemTasksMax(); n == 0 {
		t.Errorf("SystemTasksMax() = 0")
	}
}

func TestPatchCGroupContext(t *testing.T) {
	// PrivateDevices= closes the policy; ProtectClock= then allows the
	// RTC, in front of the unit's own entries (systemd-logind.service
	// shows DeviceAllow=char-rtc r first).
	u := cgApply(t, "foo.service", "DeviceAllow=/dev/foo r")
	u.Exec.PrivateDevices = true
	u.Exec.ProtectClock = true
	u.patchCGroupContext()
	cgEq(t, u.CGroup.DevicePolicy, "closed")
	cgEq(t, u.CGroup.DeviceAllow, []DeviceAllow{{"char-rtc", "r"}, {"/dev/foo", "r"}})

	// Without any device policy in force ProtectClock= adds nothing.
	u = cgApply(t, "bar.service")
	u.Exec.ProtectClock = true
	u.patchCGroupContext()
	cgEq(t, len(u.CGroup.DeviceAllow), 0)
}
