package explore

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/model"
)

// Agreement is the explorer's outcome on one model of tla/models.json and
// whether it agrees with the figures recorded there (TLC's, or the
// explorer's own where RecordedBy says so).
type Agreement struct {
	Model  *tlc.Model
	Result *Result
	// Problem says how the explorer disagrees ("" if it agrees).
	Problem string
}

// CheckModel is the one agreement check with the recorded figures: it runs
// the explorer on the model m of the manifest (whose files are in dir) and
// compares, for a passing model, the distinct states, the depth and the
// states generated; for an expected failure, the violated property and the
// counterexample's length. raftcheck agree (make agree) and the package's
// test both call it.
func CheckModel(dir string, m *tlc.Model, opt Options) (Agreement, error) {
	a := Agreement{Model: m}
	cfg, err := model.ParseConfig(filepath.Join(dir, m.Config))
	if err != nil {
		return a, err
	}
	if cfg.Mutation != m.Mutation {
		a.Problem = fmt.Sprintf("the cfg selects mutant %q, the manifest %q", cfg.Mutation, m.Mutation)
		return a, nil
	}
	res, err := Explore(cfg, opt)
	if err != nil {
		return a, err
	}
	a.Result = res
	v := res.Violation
	var problems []string
	if m.Expect == "pass" {
		if v != nil {
			problems = append(problems, fmt.Sprintf("%s violated (trace of %d states)", v.Property, len(v.Trace)))
		} else {
			if res.Distinct != m.Distinct {
				problems = append(problems, fmt.Sprintf("distinct %d, TLC %d", res.Distinct, m.Distinct))
			}
			if res.Depth != m.Depth {
				problems = append(problems, fmt.Sprintf("depth %d, TLC %d", res.Depth, m.Depth))
			}
			if res.Generated != m.Generated {
				problems = append(problems, fmt.Sprintf("generated %d, TLC %d", res.Generated, m.Generated))
			}
		}
	} else {
		switch {
		case v == nil:
			problems = append(problems, fmt.Sprintf("no violation, TLC violates %s", m.Expect))
		case v.Property != m.Expect:
			problems = append(problems, fmt.Sprintf("%s violated, TLC violates %s", v.Property, m.Expect))
		case len(v.Trace) != m.TraceLength:
			problems = append(problems, fmt.Sprintf("trace of %d states, TLC %d", len(v.Trace), m.TraceLength))
		}
	}
	a.Problem = strings.Join(problems, "; ")
	return a, nil
}
