package properties

import (
	"strings"
	"testing"
)

// TestRunFiguresThinned: the figures a property run asserts fail for a
// run that thinned out, each naming the figure.
func TestRunFiguresThinned(t *testing.T) {
	full := func() *runTotals {
		return &runTotals{cases: 800, steps: 2_400_000, elections: 30_000, commits: 40_000, faults: map[string]int{"restart": 10_000, "crash-before-persist": 5_000, "crash-after-persist": 5_000}}
	}
	if err := full().meets(3000); err != nil {
		t.Fatalf("a full run fails its figures: %v", err)
	}
	cases := []struct {
		name string
		thin func(r *runTotals)
		want string
	}{
		{"cases end early", func(r *runTotals) { r.steps = 1_000_000 }, "implementation steps"},
		{"few commits", func(r *runTotals) { r.commits = 3_000 }, "entries committed"},
		{"few elections", func(r *runTotals) { r.elections = 1_000 }, "elections"},
		{"few restarts", func(r *runTotals) { r.faults = map[string]int{"restart": 100} }, "restarts"},
		{"terms at the bound", func(r *runTotals) { r.capped = 100 }, "term bound"},
	}
	for _, c := range cases {
		r := full()
		c.thin(r)
		err := r.meets(3000)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: meets = %v, want an error about %s", c.name, err, c.want)
		}
	}
}
