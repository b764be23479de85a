package loader

import (
	"slices"
)

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

// Deps holds a unit's dependencies by kind. Lists may hold duplicates
// until the unit's Set is linked; after that each is sorted and unique.
type Deps [NumDeps][]string

// Add records a dependency on name of kind d.
func (ds *Deps) Add(d Dep, name string) { ds[d] = append(ds[d], name) }

// Has reports whether name is among the dependencies of kind d.
func (ds *Deps) Has(d Dep, name string) bool { return slices.Contains(ds[d], name) }
