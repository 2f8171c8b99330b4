package explore_test

import (
	"path/filepath"
	"testing"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/model"
)

// mustConfig parses a config of tla/.
func mustConfig(t testing.TB, name string) model.Config {
	t.Helper()
	cfg, err := model.ParseConfig(filepath.Join("..", "tla", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestExploreIsDeterministic: the counts and the counterexample do not
// depend on the number of workers.
func TestExploreIsDeterministic(t *testing.T) {
	for _, name := range []string{"MutCommitEarlierTerm.cfg", "MCRaft_restart.cfg"} {
		cfg := mustConfig(t, name)
		var first *explore.Result
		for _, w := range []int{1, 2, 3} {
			res, err := explore.Explore(cfg, explore.Options{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res
				continue
			}
			if res.Distinct != first.Distinct || res.Generated != first.Generated || res.Depth != first.Depth {
				t.Errorf("%s: %d workers: %d/%d/%d, 1 worker %d/%d/%d", name, w, res.Distinct, res.Generated, res.Depth,
					first.Distinct, first.Generated, first.Depth)
			}
			if (res.Violation == nil) != (first.Violation == nil) {
				t.Fatalf("%s: a violation with one number of workers only", name)
			}
			if res.Violation != nil {
				a, b := res.Violation.Trace, first.Violation.Trace
				if len(a) != len(b) {
					t.Fatalf("%s: counterexamples of %d and %d states", name, len(a), len(b))
				}
				for k := range a {
					if a[k].Label != nil && a[k].Label.String() != b[k].Label.String() {
						t.Errorf("%s: step %d is %v with %d workers, %v with 1", name, k, a[k].Label, w, b[k].Label)
					}
				}
			}
		}
	}
}

// TestSpilledLevels explores with BFS levels spilled to disk after a few
// hundred bytes: the outcome is the same as in memory.
func TestSpilledLevels(t *testing.T) {
	cfg := mustConfig(t, "MutAppendSkipsTermCheck.cfg")
	mem, err := explore.Explore(cfg, explore.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	disk, err := explore.Explore(cfg, explore.Options{Workers: 2, TempDir: t.TempDir(), SpillBytes: 300})
	if err != nil {
		t.Fatal(err)
	}
	if mem.Distinct != disk.Distinct || mem.Generated != disk.Generated || mem.Depth != disk.Depth {
		t.Errorf("in memory %d/%d/%d, spilled %d/%d/%d (distinct/generated/depth)",
			mem.Distinct, mem.Generated, mem.Depth, disk.Distinct, disk.Generated, disk.Depth)
	}
	if mem.Violation == nil || disk.Violation == nil || len(mem.Violation.Trace) != len(disk.Violation.Trace) {
		t.Errorf("the counterexamples differ")
	}
}
