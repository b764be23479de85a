package condition

import "strings"

// op is a comparison operator of the conditions that compare versions,
// sizes or numbers (ConditionKernelVersion=, ConditionOSRelease=,
// ConditionMemory=, ConditionCPUs=, smbios-field()).
type op int

const (
	opInvalid op = iota
	opFnmatchEqual
	opFnmatchUnequal
	opLE
	opGE
	opLT
	opGT
	opEqual
	opUnequal
	opStringEqual
	opStringUnequal
)

// operators are tried in this order, so that the longer of two operators
// sharing a prefix wins ("<=" before "<", "<>" before "<").
var operators = []struct {
	s  string
	op op
}{
	{"$=", opFnmatchEqual},
	{"!$=", opFnmatchUnequal},
	{"<=", opLE},
	{">=", opGE},
	{"<>", opUnequal},
	{"<", opLT},
	{">", opGT},
	{"==", opEqual},
	{"=", opStringEqual},
	{"!=", opStringUnequal},
}

// parseOperator strips a leading operator from s. With fnmatch false the
// glob operators are refused (opInvalid, s untouched), as for sizes and
// numbers. "=" and "!=" compare strings where versions are compared
// (observed on systemd 252: ConditionKernelVersion==6.18.044-x fails on
// 6.18.44-x, "==" matches it) and numbers where numbers are.
func parseOperator(s string, fnmatch bool) (op, string) {
	for _, o := range operators {
		rest, ok := strings.CutPrefix(s, o.s)
		if !ok {
			continue
		}
		if !fnmatch && (o.op == opFnmatchEqual || o.op == opFnmatchUnequal) {
			return opInvalid, s
		}
		return o.op, rest
	}
	return opInvalid, s
}

// testOrder applies a comparison operator to the result of a three-way
// comparison.
func testOrder(cmp int, o op) bool {
	switch o {
	case opLT:
		return cmp < 0
	case opLE:
		return cmp <= 0
	case opEqual, opStringEqual:
		return cmp == 0
	case opUnequal, opStringUnequal:
		return cmp != 0
	case opGE:
		return cmp >= 0
	case opGT:
		return cmp > 0
	}
	return false
}

// versionOrFnmatch compares actual against the expected value with o.
func versionOrFnmatch(o op, actual, expected string) bool {
	switch o {
	case opStringEqual:
		return actual == expected
	case opStringUnequal:
		return actual != expected
	case opFnmatchEqual:
		return fnmatch(expected, actual, 0)
	case opFnmatchUnequal:
		return !fnmatch(expected, actual, 0)
	}
	return testOrder(versionCompare(actual, expected), o)
}

func cmp3[T int | uint64 | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isVersionChar(c byte) bool {
	return isDigit(c) || isAlpha(c) || c == '~' || c == '-' || c == '^' || c == '.'
}

// versionCompare orders two version strings as systemd's
// strverscmp_improved() does (the UAPI group's version format
// specification): segments of digits or letters; "~" sorts before
// everything, even the end of the string; "-" before "^" before "."
// before a segment without prefix; numbers compare numerically and are
// newer than letters; other characters only separate segments.
func versionCompare(a, b string) int {
	if a == "" || b == "" {
		return strings.Compare(a, b)
	}
	i, j := 0, 0
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for {
		for i < len(a) && !isVersionChar(a[i]) {
			i++
		}
		for j < len(b) && !isVersionChar(b[j]) {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if r := cmpBool(ca != '~', cb != '~'); r != 0 {
				return r
			}
			i++
			j++
		}
		if i >= len(a) || j >= len(b) {
			return strings.Compare(a[min(i, len(a)):], b[min(j, len(b)):])
		}
		for _, sep := range []byte{'-', '^', '.'} {
			ca, cb = at(a, i), at(b, j)
			if ca == sep || cb == sep {
				if r := cmpBool(ca != sep, cb != sep); r != 0 {
					return r
				}
				i++
				j++
			}
		}
		ca, cb = at(a, i), at(b, j)
		if isDigit(ca) || isDigit(cb) {
			ea, eb := i, j
			for ea < len(a) && isDigit(a[ea]) {
				ea++
			}
			for eb < len(b) && isDigit(b[eb]) {
				eb++
			}
			if r := cmpBool(ea != i, eb != j); r != 0 {
				return r
			}
			for i < ea && a[i] == '0' {
				i++
			}
			for j < eb && b[j] == '0' {
				j++
			}
			if r := cmp3(ea-i, eb-j); r != 0 {
				return r
			}
			if r := strings.Compare(a[i:ea], b[j:eb]); r != 0 {
				return r
			}
			i, j = ea, eb
		} else {
			ea, eb := i, j
			for ea < len(a) && isAlpha(a[ea]) {
				ea++
			}
			for eb < len(b) && isAlpha(b[eb]) {
				eb++
			}
			n := min(ea-i, eb-j)
			if r := strings.Compare(a[i:i+n], b[j:j+n]); r != 0 {
				return r
			}
			if r := cmp3(ea-i, eb-j); r != 0 {
				return r
			}
			i, j = ea, eb
		}
	}
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
