package properties

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// totals adds up the Stats of every case of a test run.
var totals = &runTotals{faults: map[string]int{}}

type runTotals struct {
	mu        sync.Mutex
	cases     int
	steps     int
	faults    map[string]int
	maxTerm   uint64
	elections int
	commits   uint64
}

func (r *runTotals) add(s *Stats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cases++
	r.steps += s.Steps
	for k, v := range s.Faults {
		r.faults[k] += v
	}
	r.maxTerm = max(r.maxTerm, s.MaxTerm)
	r.elections += s.Elections
	r.commits += s.Commits
}

func (r *runTotals) String(elapsed time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var faults []string
	for _, k := range slices.Sorted(maps.Keys(r.faults)) {
		faults = append(faults, fmt.Sprintf("%s=%d", k, r.faults[k]))
	}
	return fmt.Sprintf("property runs: %d cases, %d implementation steps (%.0f steps/s), faults: %s; max term %d, %d elections, %d entries committed (sum of the highest commit index per case)",
		r.cases, r.steps, float64(r.steps)/elapsed.Seconds(), strings.Join(faults, " "), r.maxTerm, r.elections, r.commits)
}

func TestMain(m *testing.M) {
	start := time.Now()
	code := m.Run()
	if totals.cases > 0 {
		fmt.Println(totals.String(time.Since(start)))
	}
	os.Exit(code)
}
