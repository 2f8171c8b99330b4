package explore

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// WalkOptions configure Walk.
type WalkOptions struct {
	// Walks is the number of random behaviours; Depth the most states each
	// has, its initial state included (TLC's -simulate num=Walks
	// -depth Depth).
	Walks, Depth int
	// Seed makes the walks reproducible.
	Seed uint64
}

// WalkResult is the outcome of Walk.
type WalkResult struct {
	// Walks is the number of behaviours walked, Steps the steps taken,
	// Checked the successors whose step and state were checked (every
	// successor of every state on a walk).
	Walks, Steps, Checked int64
	// Deadlocked counts the walks that ended before Depth because no
	// step was enabled (the model's bounds).
	Deadlocked int64
	// Longest is the number of states of the longest walk.
	Longest int
	// Elapsed is the wall-clock time.
	Elapsed time.Duration
	// Violation is the first violation found (its Trace is the walk up to
	// it, not a shortest counterexample), nil if none.
	Violation *Violation
}

// Walk checks cfg's properties on random behaviours, as TLC's simulation
// mode does: from the initial state it takes a uniformly random enabled
// step until Depth states or no step is enabled. At every state of a walk
// it checks the action properties on the step to every successor and the
// invariants on every successor, not only on the one it takes. It is the
// cross-check for configs too large for an exhaustive search by TLC.
func Walk(cfg model.Config, opt WalkOptions) (*WalkResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Walks < 1 || opt.Depth < 1 {
		return nil, fmt.Errorf("walks %d and depth %d: both must be at least 1", opt.Walks, opt.Depth)
	}
	var invs []spec.NamedInvariant
	for _, name := range cfg.Invariants {
		check, _ := spec.LookupInvariant(name)
		invs = append(invs, spec.NamedInvariant{Name: name, Check: check})
	}
	var props []spec.NamedActionProperty
	for _, name := range cfg.Properties {
		check, _ := spec.LookupActionProperty(name)
		props = append(props, spec.NamedActionProperty{Name: name, Check: check})
	}
	start := time.Now()
	res := &WalkResult{}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	enc := model.NewEncoder(cfg)
	var pre, post spec.View
	var curEnc []byte
	for w := 0; w < opt.Walks; w++ {
		res.Walks++
		enc.Init()
		enc.View(&pre)
		trace := []TraceStep{{State: pre.Clone()}}
		for _, inv := range invs {
			if err := inv.Check(&pre); err != nil {
				res.Violation = &Violation{Property: inv.Name, Err: err, Trace: trace}
				res.Elapsed = time.Since(start)
				return res, nil
			}
		}
		length := 1
		for length < opt.Depth {
			enc.View(&pre)
			succs := 0
			var bad *Violation
			err := enc.Next(func(s *model.Step) {
				res.Checked++
				succs++
				if bad != nil {
					return
				}
				s.View(&post)
				for _, p := range props {
					if err := p.Check(&pre, &post); err != nil {
						bad = &Violation{Property: p.Name, Action: true, Err: err}
						break
					}
				}
				for _, inv := range invs {
					if bad != nil {
						break
					}
					if err := inv.Check(&post); err != nil {
						bad = &Violation{Property: inv.Name, Err: err}
					}
				}
				if bad != nil {
					lb := s.Label()
					bad.Trace = append(append([]TraceStep(nil), trace...), TraceStep{Label: &lb, State: post.Clone()})
				}
			})
			if err != nil {
				return nil, err
			}
			if bad != nil {
				res.Violation = bad
				res.Elapsed = time.Since(start)
				return res, nil
			}
			if succs == 0 {
				res.Deadlocked++
				break
			}
			// The picked step, found again by its position in Next's order.
			pick, k := rng.IntN(succs), 0
			var lb model.Label
			if err := enc.Next(func(s *model.Step) {
				if k == pick {
					lb, curEnc = s.Label(), append(curEnc[:0], s.Raw()...)
				}
				k++
			}); err != nil {
				return nil, err
			}
			enc.Load(curEnc)
			var v spec.View
			enc.View(&v)
			trace = append(trace, TraceStep{Label: &lb, State: &v})
			res.Steps++
			length++
		}
		res.Longest = max(res.Longest, length)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
