package loader

import "slices"

// Dep is a kind of dependency between two units.
type Dep int

// Dependency kinds, forward and reverse, as systemd's D-Bus properties
// name them.
const (
	Requires Dep = iota
	Requisite
	Wants
	BindsTo
	PartOf
	Upholds
	RequiredBy
	RequisiteOf
	WantedBy
	BoundBy
	UpheldBy
	ConsistsOf
	Conflicts
	ConflictedBy
	Before
	After
	OnSuccess
	OnSuccessOf
	OnFailure
	OnFailureOf
	Triggers
	TriggeredBy
	PropagatesReloadTo
	ReloadPropagatedFrom
	PropagatesStopTo
	StopPropagatedFrom
	JoinsNamespaceOf
	References
	ReferencedBy
	NumDeps
)

var depNames = [NumDeps]string{
	"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds",
	"RequiredBy", "RequisiteOf", "WantedBy", "BoundBy", "UpheldBy", "ConsistsOf",
	"Conflicts", "ConflictedBy", "Before", "After", "OnSuccess", "OnSuccessOf",
	"OnFailure", "OnFailureOf", "Triggers", "TriggeredBy", "PropagatesReloadTo",
	"ReloadPropagatedFrom", "PropagatesStopTo", "StopPropagatedFrom",
	"JoinsNamespaceOf", "References", "ReferencedBy",
}

var depInverse = [NumDeps]Dep{
	Requires: RequiredBy, RequiredBy: Requires,
	Requisite: RequisiteOf, RequisiteOf: Requisite,
	Wants: WantedBy, WantedBy: Wants,
	BindsTo: BoundBy, BoundBy: BindsTo,
	PartOf: ConsistsOf, ConsistsOf: PartOf,
	Upholds: UpheldBy, UpheldBy: Upholds,
	Conflicts: ConflictedBy, ConflictedBy: Conflicts,
	Before: After, After: Before,
	OnSuccess: OnSuccessOf, OnSuccessOf: OnSuccess,
	OnFailure: OnFailureOf, OnFailureOf: OnFailure,
	Triggers: TriggeredBy, TriggeredBy: Triggers,
	PropagatesReloadTo: ReloadPropagatedFrom, ReloadPropagatedFrom: PropagatesReloadTo,
	PropagatesStopTo: StopPropagatedFrom, StopPropagatedFrom: PropagatesStopTo,
	JoinsNamespaceOf: JoinsNamespaceOf,
	References:       ReferencedBy, ReferencedBy: References,
}

func (d Dep) String() string { return depNames[d] }

// Inverse returns the kind the other unit records for this dependency.
func (d Dep) Inverse() Dep { return depInverse[d] }

// DepByName returns the kind with systemd's property name s.
func DepByName(s string) (Dep, bool) {
	for i, n := range depNames {
		if n == s {
			return Dep(i), true
		}
	}
	return 0, false
}

// Deps holds a unit's dependencies by kind, each list sorted and unique
// (linking the unit's Set computes them). The zero value holds none.
//
// Only the kinds a unit has take memory (a unit has a handful of the 29):
// every list lives in one slice, kind after kind in Dep order, and spans
// says where each present kind's list ends.
type Deps struct {
	names []string
	// spans has one entry per kind present, in Dep order: the kind in the
	// low spanKindBits bits, the end of its list in names above them.
	spans []uint32
}

const (
	spanKindBits = 5
	spanKindMask = 1<<spanKindBits - 1
)

// Every kind fits in spanKindBits bits (the conversion fails to compile
// otherwise).
const _ = uint(1<<spanKindBits - NumDeps)

// span is the entry of spans for a list of kind d that ends at end.
func span(d Dep, end int) uint32 { return uint32(end)<<spanKindBits | uint32(d) }

// Of returns the dependencies of kind d, nil when there are none. The
// slice is shared: a caller must not change its elements (appending to it
// copies it).
func (ds *Deps) Of(d Dep) []string {
	start := 0
	for _, sp := range ds.spans {
		k, end := Dep(sp&spanKindMask), int(sp>>spanKindBits)
		switch {
		case k == d:
			return ds.names[start:end:end]
		case k > d:
			return nil
		}
		start = end
	}
	return nil
}

// All returns the units of every kind, kind after kind: a unit related
// in two ways is there twice. The slice is shared, as Of's.
func (ds *Deps) All() []string { return ds.names }

// Has reports whether name is among the dependencies of kind d.
func (ds *Deps) Has(d Dep, name string) bool { return slices.Contains(ds.Of(d), name) }
