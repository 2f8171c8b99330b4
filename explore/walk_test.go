package explore_test

import (
	"path/filepath"
	"testing"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/model"
)

func walkConfig(t *testing.T, name string) model.Config {
	t.Helper()
	cfg, err := model.ParseConfig(filepath.Join("..", "tla", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestWalkHolds walks a passing config: no violation, and the walks really
// move (steps taken and successors checked), the same seed giving the same
// figures.
func TestWalkHolds(t *testing.T) {
	cfg := walkConfig(t, "MCRaft_prevote.cfg")
	opt := explore.WalkOptions{Walks: 50, Depth: 40, Seed: 7}
	res, err := explore.Walk(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil {
		t.Fatalf("%s violated: %v", res.Violation.Property, res.Violation.Err)
	}
	if res.Walks != 50 || res.Steps < 50 || res.Checked < res.Steps || res.Longest < 2 || res.Longest > 40 {
		t.Fatalf("walks %d, steps %d, checked %d, longest %d: the walks did not move as asked", res.Walks, res.Steps, res.Checked, res.Longest)
	}
	again, err := explore.Walk(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if again.Steps != res.Steps || again.Checked != res.Checked {
		t.Fatalf("same seed, different walks: %d/%d steps, %d/%d checked", res.Steps, again.Steps, res.Checked, again.Checked)
	}
}

// TestWalkCatchesMutants: random walks find each seeded bug by the
// property it is seeded for, with a walk that ends in the violating step.
func TestWalkCatchesMutants(t *testing.T) {
	for _, c := range []struct{ cfg, property string }{
		{"MutVoteTwice.cfg", "ElectionSafety"},
		{"MutPreVoteAdoptsTerm.cfg", "PreVoteRequestHarmless"},
		{"MCRaft_isolation_noprevote.cfg", "IsolatedTermStable"},
	} {
		t.Run(c.cfg, func(t *testing.T) {
			res, err := explore.Walk(walkConfig(t, c.cfg), explore.WalkOptions{Walks: 5000, Depth: 60, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Violation
			if v == nil {
				t.Fatalf("%d walks, %d steps: %s never violated", res.Walks, res.Steps, c.property)
			}
			if v.Property != c.property {
				t.Fatalf("%s violated, want %s", v.Property, c.property)
			}
			if len(v.Trace) < 2 || v.Trace[len(v.Trace)-1].Label == nil {
				t.Fatalf("a counterexample of %d states without its last step", len(v.Trace))
			}
		})
	}
}

// TestWalkRejectsBadOptions: zero walks or depth are an error, not an
// empty success.
func TestWalkRejectsBadOptions(t *testing.T) {
	cfg := walkConfig(t, "MCRaft_prevote.cfg")
	for _, o := range []explore.WalkOptions{{Walks: 0, Depth: 10}, {Walks: 3, Depth: 0}} {
		if _, err := explore.Walk(cfg, o); err == nil {
			t.Errorf("Walk with %+v: no error", o)
		}
	}
}
