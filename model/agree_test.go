package model

import (
	"path/filepath"
	"testing"

	"github.com/checkedraft/checkedraft/internal/tlc"
)

// TestAgreesWithTLC runs the explorer on every model of make check and
// compares with what TLC recorded in tla/models.json: the distinct states,
// the depth and the states generated of a passing model; the violated
// property and the counterexample's length of an expected failure.
func TestAgreesWithTLC(t *testing.T) {
	if testing.Short() {
		t.Skip("the agreement test takes several seconds")
	}
	man, err := tlc.LoadManifest(filepath.Join("..", "tla", "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range man.Models {
		if !m.Check {
			continue
		}
		checked++
		t.Run(m.Name, func(t *testing.T) {
			cfg := mustConfig(t, m.Config)
			if cfg.Mutation != m.Mutation {
				t.Fatalf("the cfg selects mutant %q, the manifest %q", cfg.Mutation, m.Mutation)
			}
			res, err := Explore(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Violation
			if m.Expect == "pass" {
				if v != nil {
					t.Fatalf("%s violated: %v", v.Property, v.Err)
				}
				if res.Distinct != m.Distinct || res.Depth != m.Depth {
					t.Errorf("%d distinct states at depth %d, TLC %d at depth %d", res.Distinct, res.Depth, m.Distinct, m.Depth)
				}
				if res.Generated != m.Generated {
					t.Errorf("%d states generated, TLC %d", res.Generated, m.Generated)
				}
				return
			}
			if v == nil {
				t.Fatalf("no violation; TLC violates %s", m.Expect)
			}
			if v.Property != m.Expect || len(v.Trace) != m.TraceLength {
				t.Errorf("%s violated with a counterexample of %d states; TLC: %s with %d", v.Property, len(v.Trace), m.Expect, m.TraceLength)
			}
		})
	}
	if checked < 10 {
		t.Errorf("only %d models to check in tla/models.json", checked)
	}
}
