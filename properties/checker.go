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
// proposing at 200 entries, and logs (one empty entry per term at most)
// stay within range.
const MaxTerm = 50

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
		MaxCutLinks: o.N * o.N, MaxBatch: batch, AllowRestart: true,
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

func (k *Checker) invariants(v *spec.View) error {
	for _, inv := range spec.Invariants {
		if err := inv.Check(v); err != nil {
			return err
		}
	}
	return nil
}

// Step checks the step labels took the cluster through, to post.
func (k *Checker) Step(labels []Label, post *spec.View) error {
	pre := k.prev
	k.prev = post
	if err := k.invariants(post); err != nil {
		return fmt.Errorf("after %s: %w", describe(labels), err)
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
				return fmt.Errorf("refinement: the model does not allow step %d of %d, %v: %w", i+1, len(labels), l, err)
			}
			if !last {
				next = m
			} else if !spec.Equal(m, post) {
				return fmt.Errorf("refinement: after %s the cluster is not in the state the model reaches (-model +cluster):\n%s", describe(labels), cmp.Diff(m, post, cmpopts.EquateEmpty()))
			}
		} else if !last || i > 0 {
			// Without the model, the states between the steps of a
			// compound step are unknown: check whole single steps only.
			break
		}
		for _, p := range k.props {
			if err := p.Check(v, next); err != nil {
				return fmt.Errorf("at %v: %w", l, err)
			}
		}
		v = next
	}
	if len(labels) == 0 && !spec.Equal(pre, post) {
		return fmt.Errorf("refinement: a step with no spec-visible event changed the abstract state (-before +after):\n%s", cmp.Diff(pre, post, cmpopts.EquateEmpty()))
	}
	return k.committedNeverLost(post)
}

// committedNeverLost checks that what any node committed agrees with what
// was ever committed, and that every committed entry is held by a quorum
// (it was persisted there before it could commit, and is never truncated).
func (k *Checker) committedNeverLost(v *spec.View) error {
	for i := 1; i <= v.N(); i++ {
		s := v.Server(i)
		c := min(s.Commit, uint64(len(s.Log)))
		for idx := uint64(1); idx <= c; idx++ {
			e := s.Log[idx-1]
			if idx <= uint64(len(k.committed)) {
				if k.committed[idx-1] != e {
					return fmt.Errorf("committed entry changed: server %d commits %v at index %d, where %v was committed before", i, e, idx, k.committed[idx-1])
				}
				continue
			}
			k.committed = append(k.committed, e)
		}
	}
	for idx, e := range k.committed {
		holders := 0
		for i := 1; i <= v.N(); i++ {
			if lg := v.Server(i).Log; idx < len(lg) && lg[idx] == e {
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
