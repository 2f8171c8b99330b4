package properties

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// Checker follows a cluster step by step and checks, after every step:
// every spec invariant on the projected state; every action property on
// each model step the implementation's step is made of; that the
// implementation's step is a step the model allows (refinement); and that
// committed entries are never lost nor changed, across crashes and restarts.
type Checker struct {
	cfg       model.Config
	props     []spec.NamedActionProperty
	prev      *spec.View
	committed []spec.Entry
	// Refinement can be turned off to run the safety checks alone.
	Refinement bool
}

// MaxTerm is the highest term a property run reaches: the model represents
// terms and indexes up to 255, so runs stop campaigning at MaxTerm and
// proposing at MaxProposedIndex entries, and logs (one empty entry per
// term at most) stay within range.
const MaxTerm = 100

// MaxProposedIndex is the log length at which property runs stop
// proposing.
const MaxProposedIndex = 150

// ModelConfig is the model configuration a cluster refines: the cluster's
// size and features, values v1..vK, and bounds that never bind within a
// property run.
func ModelConfig(o Options, values int) model.Config {
	vals := make([]string, values)
	for i := range vals {
		vals[i] = fmt.Sprintf("v%d", i+1)
	}
	batch := o.MaxEntriesPerMsg
	if batch == 0 {
		batch = 255
	}
	return model.Config{
		N: o.N, Values: vals, PreVote: o.PreVote, CheckQuorum: o.CheckQuorum,
		MaxTerm: MaxTerm, MaxLogLen: 255 - MaxTerm, MaxInFlight: 1 << 20, MaxCopies: 255,
		MaxCutLinks: o.N * o.N, MaxBatch: batch, AllowRestart: true, AllowCompaction: o.Compaction,
		CuttableLinks: model.AllLinks(o.N),
	}
}

// NewChecker starts checking a fresh cluster, whose projection must be the
// model's initial state.
func NewChecker(c *Cluster, values int) (*Checker, error) {
	k := &Checker{
		cfg:        ModelConfig(c.Options(), values),
		props:      spec.ActionPropertiesWith(c.Options().PreVote, c.Options().CheckQuorum),
		Refinement: true,
	}
	v := c.View()
	if d := cmp.Diff(model.Init(k.cfg), v, cmpopts.EquateEmpty()); d != "" {
		return nil, fmt.Errorf("the fresh cluster is not the model's initial state (-model +cluster):\n%s", d)
	}
	k.prev = v
	return k, k.invariants(v)
}

// The names of the checker's own checks, next to the spec's invariants
// and action properties (spec.Invariants, spec.ActionProperties).
const (
	// Refinement: the implementation's step is a step the model allows,
	// to the state the model reaches.
	Refinement = "Refinement"
	// CommittedNeverLost: what was committed is never changed, and stays
	// on a quorum, across crashes and restarts.
	CommittedNeverLost = "CommittedNeverLost"
	// NodeRefusedMessage: a node refused a message (a correct node never
	// sends one that another refuses).
	NodeRefusedMessage = "NodeRefusedMessage"
)

// A Violation is what a step violated: the first failing check's error,
// and the names of every check that fails on the step (Property first).
type Violation struct {
	// Property names the check that failed first.
	Property string
	// All names every check that fails on the step, Property first.
	All []string
	// Err says what was violated where.
	Err error
}

func (v *Violation) Error() string { return v.Err.Error() }

// Unwrap returns the first failing check's error.
func (v *Violation) Unwrap() error { return v.Err }

// Has reports whether the check named name fails on the step.
func (v *Violation) Has(name string) bool { return slices.Contains(v.All, name) }

// violations collects the failing checks of one step.
type violations struct{ v *Violation }

func (vs *violations) add(name string, err error) {
	if err == nil {
		return
	}
	if vs.v == nil {
		vs.v = &Violation{Property: name, Err: err}
	}
	if !slices.Contains(vs.v.All, name) {
		vs.v.All = append(vs.v.All, name)
	}
}

// err returns the step's Violation, or nil (a nil error, not a nil
// *Violation).
func (vs *violations) err() error {
	if vs.v == nil {
		return nil
	}
	return vs.v
}

func (k *Checker) invariants(v *spec.View) error {
	var vs violations
	k.checkInvariants(&vs, v)
	return vs.err()
}

func (k *Checker) checkInvariants(vs *violations, v *spec.View) {
	for _, inv := range spec.Invariants {
		vs.add(inv.Name, inv.Check(v))
	}
}

// Step checks the step labels took the cluster through, to post. A
// failure is a *Violation naming every check the step fails.
func (k *Checker) Step(labels []Label, post *spec.View) error {
	pre := k.prev
	k.prev = post
	var vs violations
	k.checkInvariants(&vs, post)
	if vs.v != nil {
		vs.v.Err = fmt.Errorf("after %s: %w", describe(labels), vs.v.Err)
	}
	// The model steps the implementation's step is made of: each must be
	// enabled, each must satisfy the action properties, and together they
	// must reach the projected state (no label: a stutter).
	v := pre
	for i, l := range labels {
		last := i == len(labels)-1
		next := post
		if k.Refinement {
			m, err := model.Apply(k.cfg, v, l)
			if err != nil {
				vs.add(Refinement, fmt.Errorf("refinement: the model does not allow step %d of %d, %v: %w", i+1, len(labels), l, err))
				// The step as a whole is still checked against the action
				// properties when it is a single model step: which
				// property the refused step breaks, if any.
				if len(labels) == 1 {
					k.actionProperties(&vs, l, v, post)
				}
				break
			}
			if !last {
				next = m
			} else if !spec.Equal(m, post) {
				vs.add(Refinement, fmt.Errorf("refinement: after %s the cluster is not in the state the model reaches (-model +cluster):\n%s", describe(labels), cmp.Diff(m, post, cmpopts.EquateEmpty())))
			}
		} else if !last || i > 0 {
			// Without the model, the states between the steps of a
			// compound step are unknown: check whole single steps only.
			break
		}
		k.actionProperties(&vs, l, v, next)
		v = next
	}
	if len(labels) == 0 && !spec.Equal(pre, post) {
		vs.add(Refinement, fmt.Errorf("refinement: a step with no spec-visible event changed the abstract state (-before +after):\n%s", cmp.Diff(pre, post, cmpopts.EquateEmpty())))
	}
	vs.add(CommittedNeverLost, k.committedNeverLost(post))
	return vs.err()
}

func (k *Checker) actionProperties(vs *violations, l Label, pre, post *spec.View) {
	for _, p := range k.props {
		if err := p.Check(pre, post); err != nil {
			vs.add(p.Name, fmt.Errorf("at %v: %w", l, err))
		}
	}
}

// committedNeverLost checks that what any node committed agrees with what
// was ever committed, and that every committed entry is held by a quorum
// (it was persisted there before it could commit, and is never truncated);
// over compacted logs, an entry a server's snapshot covers counts as held
// (the spec's invariants check the snapshot against the committed log).
func (k *Checker) committedNeverLost(v *spec.View) error {
	for i := 1; i <= v.N(); i++ {
		s := v.Server(i)
		c := min(s.Commit, s.LastIndex())
		for idx := s.SnapshotIndex + 1; idx <= c; idx++ {
			e := s.EntryAt(idx)
			switch n := uint64(len(k.committed)); {
			case idx <= n:
				if k.committed[idx-1] != e {
					return fmt.Errorf("committed entry changed: server %d commits %v at index %d, where %v was committed before", i, e, idx, k.committed[idx-1])
				}
			case idx == n+1:
				k.committed = append(k.committed, e)
			}
		}
	}
	for idx, e := range k.committed {
		holders := 0
		for i := 1; i <= v.N(); i++ {
			s := v.Server(i)
			if k := uint64(idx + 1); k <= s.SnapshotIndex || s.Holds(k) && s.EntryAt(k) == e {
				holders++
			}
		}
		if holders < spec.QuorumSize(v.N()) {
			return fmt.Errorf("committed entry %v at index %d is held by %d servers only, fewer than a quorum", e, idx+1, holders)
		}
	}
	return nil
}

// Committed returns the entries known committed so far.
func (k *Checker) Committed() []spec.Entry { return slices.Clone(k.committed) }

func describe(labels []Label) string {
	if len(labels) == 0 {
		return "a stutter"
	}
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = l.String()
	}
	return strings.Join(parts, "; ")
}
