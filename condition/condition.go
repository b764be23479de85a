// Package condition evaluates the Condition*= and Assert*= settings of
// unit files (systemd.unit(5)) the way systemd 252 does, including the
// corner cases its implementation has: which parameters are errors
// (failing the condition even when negated) and which merely false, the
// order of evaluation, and the texts systemd prints about the outcome.
// Every fact about the machine comes through a Host, so that the same code
// answers for the running system, for a root directory, or for a fake.
package condition

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/gosd/gosd/loader"
)

// Result is the outcome of one condition.
type Result struct {
	Cond loader.Condition
	// OK is whether the condition holds, negation applied. It is false
	// when Err is set.
	OK bool
	// Err says why the condition could not be evaluated; it unwraps to a
	// syscall.Errno (see Error).
	Err error
}

// Check evaluates a list the way systemd does: in list order (loader keeps
// systemd's order, newest first), stopping at the first non-trigger
// condition that fails; the list holds when every non-trigger condition
// holds and, if there are trigger ("|") conditions, at least one of them
// does. An empty list holds. results has one entry per condition tested,
// in order: the conditions after the last entry were not tested (State 0
// in the Conditions/Asserts properties).
func Check(conds []loader.Condition, h *Host) (ok bool, results []Result) {
	triggered := -1
	for _, c := range conds {
		held, err := Eval(c, h)
		if c.Type == "CPUFeature" {
			// systemd lowercases the parameter in place before testing it,
			// so its properties and messages show it lowercased afterwards.
			c.Param = strings.ToLower(c.Param)
		}
		results = append(results, Result{Cond: c, OK: held, Err: err})
		if !c.Trigger && !held {
			return false, results
		}
		if c.Trigger && triggered <= 0 {
			triggered = 0
			if held {
				triggered = 1
			}
		}
	}
	return triggered != 0, results
}

// Eval evaluates one condition: whether it holds, negation applied. An
// error means systemd could not evaluate it; the condition then fails
// whatever its negation.
func Eval(c loader.Condition, h *Host) (bool, error) {
	test, ok := tests[c.Type]
	if !ok {
		return false, errorf(syscall.EOPNOTSUPP, "Unknown condition type %s", c.Type)
	}
	r, err := test(h, c.Param)
	if err != nil {
		return false, err
	}
	return r != c.Negate, nil
}

var tests = map[string]func(h *Host, param string) (bool, error){
	"Architecture":           (*Host).testArchitecture,
	"Firmware":               (*Host).testFirmware,
	"Virtualization":         (*Host).testVirtualization,
	"Host":                   (*Host).testHost,
	"KernelCommandLine":      (*Host).testKernelCommandLine,
	"KernelVersion":          (*Host).testKernelVersion,
	"Credential":             (*Host).testCredential,
	"Environment":            (*Host).testEnvironment,
	"Security":               (*Host).testSecurity,
	"Capability":             (*Host).testCapability,
	"ACPower":                (*Host).testACPower,
	"NeedsUpdate":            (*Host).testNeedsUpdate,
	"FirstBoot":              (*Host).testFirstBoot,
	"PathExists":             (*Host).testPathExists,
	"PathExistsGlob":         (*Host).globExists,
	"PathIsDirectory":        (*Host).testPathIsDirectory,
	"PathIsSymbolicLink":     (*Host).testPathIsSymbolicLink,
	"PathIsMountPoint":       (*Host).testPathIsMountPoint,
	"PathIsReadWrite":        (*Host).testPathIsReadWrite,
	"PathIsEncrypted":        (*Host).testPathIsEncrypted,
	"DirectoryNotEmpty":      (*Host).testDirectoryNotEmpty,
	"FileNotEmpty":           (*Host).testFileNotEmpty,
	"FileIsExecutable":       (*Host).testFileIsExecutable,
	"User":                   (*Host).testUser,
	"Group":                  (*Host).testGroup,
	"ControlGroupController": (*Host).testControlGroupController,
	"Memory":                 (*Host).testMemory,
	"CPUs":                   (*Host).testCPUs,
	"CPUFeature":             (*Host).testCPUFeature,
	"OSRelease":              (*Host).testOSRelease,
	"MemoryPressure":         func(h *Host, p string) (bool, error) { return h.testPressure("memory", p) },
	"CPUPressure":            func(h *Host, p string) (bool, error) { return h.testPressure("cpu", p) },
	"IOPressure":             func(h *Host, p string) (bool, error) { return h.testPressure("io", p) },
}

// Name is the setting as systemd prints it in its messages:
// "ConditionPathExists=|!/x" or "AssertPathExists=/x".
func Name(c loader.Condition, assert bool) string {
	kind := "Condition"
	if assert {
		kind = "Assert"
	}
	var b strings.Builder
	b.WriteString(kind + c.Type + "=")
	if c.Trigger {
		b.WriteByte('|')
	}
	if c.Negate {
		b.WriteByte('!')
	}
	b.WriteString(c.Param)
	return b.String()
}

// LogLine is the line systemd logs for each tested condition, after the
// unit's name and ": ": "ConditionPathExists=/x succeeded." at debug
// level, or for an error, at warning level, "Couldn't determine result
// for ConditionCapability=!foo, assuming failed: Invalid argument".
func LogLine(r Result, assert bool) string {
	if r.Err != nil {
		return fmt.Sprintf("Couldn't determine result for %s, assuming failed: %s", Name(r.Cond, assert), errnoText(errnoOf(r.Err)))
	}
	verdict := "failed"
	if r.OK {
		verdict = "succeeded"
	}
	return fmt.Sprintf("%s %s.", Name(r.Cond, assert), verdict)
}

// SkipMessage is what systemd 252 logs when a start job is skipped
// because the conditions failed. label is the unit as systemd names it in
// such messages: "ID - Description", or the ID when it has no
// description. results are Check's for the unit's conditions.
func SkipMessage(label string, results []Result) string {
	for _, r := range results {
		if !r.Cond.Trigger && !r.OK {
			return fmt.Sprintf("%s was skipped because of an unmet condition check (%s).", label, Name(r.Cond, false))
		}
	}
	return label + " was skipped because no trigger condition checks were met."
}

// AssertStartMessage is what systemd logs under the unit's name when its
// asserts fail ("x.service: Starting requested but asserts failed.").
const AssertStartMessage = "Starting requested but asserts failed."

// AssertFailedMessage is the job's result message when the asserts
// failed; label as for SkipMessage. `systemctl start` says "Assertion
// failed on job for ID." on its side.
func AssertFailedMessage(label string) string {
	return "Assertion failed for " + label + "."
}

// States are the states the Conditions and Asserts properties give each
// condition of conds, in their order: 1 held, -1 failed or could not be
// evaluated, 0 not tested. results are Check's for conds, or nil before
// the first check.
func States(conds []loader.Condition, results []Result) []int32 {
	s := make([]int32, len(conds))
	for i, r := range results {
		if i >= len(s) {
			break
		}
		s[i] = -1
		if r.OK {
			s[i] = 1
		}
	}
	return s
}

// NotMet are the lines `systemctl status` prints under "Condition: start
// condition failed at ..." (assert false) or "Assert: start assertion
// failed at ..." (assert true), without the tree glyphs systemctl puts in
// front of each condition line. For conditions there is one line per
// failed condition, in unit file order (the reverse of the list):
// "ConditionPathExists=|/x was not met". For asserts there is one line:
// the last failed non-trigger assert in list order, without "|"
// ("AssertPathExists=!/x was not met"), or "none of the trigger
// assertions were met". systemctl prints them only when the check
// failed; results of a check that held may list failed triggers too.
func NotMet(results []Result, assert bool) []string {
	var out []string
	if !assert {
		for i := len(results) - 1; i >= 0; i-- {
			if r := results[i]; !r.OK {
				out = append(out, Name(r.Cond, false)+" was not met")
			}
		}
		return out
	}
	var failed *Result
	for i := range results {
		r := &results[i]
		if !r.OK && (!r.Cond.Trigger || failed == nil) {
			failed = r
		}
	}
	switch {
	case failed == nil:
		return nil
	case failed.Cond.Trigger:
		return []string{"none of the trigger assertions were met"}
	}
	c := failed.Cond
	c.Trigger = false
	return []string{Name(c, true) + " was not met"}
}
