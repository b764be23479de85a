//go:build !amd64

package condition

// cpuidFunc: gosd reads CPUID on amd64 only; elsewhere ConditionCPUFeature=
// is false, as systemd has it on every non-x86 machine. (On 386 systemd
// would test the bits; gosd does not.)
func cpuidFunc() func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32) { return nil }
