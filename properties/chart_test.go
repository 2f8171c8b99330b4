package properties

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/checkedraft/checkedraft/internal/draw"
	"github.com/checkedraft/checkedraft/spec"
)

// failedRun keeps the last failing rapid case of a test (rapid runs the
// shrunk case last), to draw it as a message sequence chart.
type failedRun struct {
	mu     sync.Mutex
	o      Options
	init   *spec.View
	steps  []draw.Compound
	report string
	// violation is what the kept case violated; first is what the first
	// failing case violated, before rapid shrank it.
	violation, first *Violation
	// others counts the checks that ended cases without failing them
	// (machine.expect), by name.
	others map[string]int
}

// other counts a violation of a check a case did not look for.
func (f *failedRun) other(v *Violation) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.others == nil {
		f.others = map[string]int{}
	}
	f.others[v.Property]++
}

// record keeps a failing case: its cluster's options, initial state, steps
// and the checker's report.
func (f *failedRun) record(o Options, init *spec.View, steps []draw.Compound, v *Violation) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.o, f.init, f.steps, f.report, f.violation = o, init, steps, v.Error(), v
	if f.first == nil {
		f.first = v
	}
}

// write draws the failing case, if there is one, into $RAFTCHECK_CHARTS
// (default: $TMPDIR/raftcheck-charts) and returns the file's path ("" if
// no case failed).
func (f *failedRun) write(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.init == nil {
		return "", nil
	}
	states := draw.Expand(ModelConfig(f.o, values), f.init, f.steps)
	title := name + ": shrunk property run"
	if !strings.Contains(name, f.o.String()) {
		title = fmt.Sprintf("%s (%v): shrunk property run", name, f.o)
	}
	c, err := draw.FromTrace(title, states)
	if err != nil {
		return "", err
	}
	c.Violation = &draw.Violation{Property: draw.PropertyOf(f.report), Step: len(c.Steps) - 1, Detail: f.report}
	dir := os.Getenv("RAFTCHECK_CHARTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "raftcheck-charts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		return "", err
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_", "=", "-").Replace(name)+".svg")
	return path, os.WriteFile(path, b.Bytes(), 0o644)
}

// logChart draws the failing case next to the test's report.
func (f *failedRun) logChart(t testing.TB) {
	path, err := f.write(t.Name())
	switch {
	case err != nil:
		t.Logf("drawing the counterexample: %v", err)
	case path != "":
		t.Logf("chart of the shrunk counterexample: %s", path)
	}
}
