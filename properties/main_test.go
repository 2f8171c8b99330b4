package properties

import (
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
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
	// capped counts the cases that reached the term bound MaxTerm.
	capped int
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
	if s.MaxTerm >= MaxTerm {
		r.capped++
	}
}

// restarts is the number of restarts of every kind.
func (r *runTotals) restarts() int {
	return r.faults["restart"] + r.faults["crash-before-persist"] + r.faults["crash-after-persist"]
}

// The least figures a property run must reach, per implementation step,
// so that a run that thins out (cases ending early on rejected draws, a
// cluster that stops electing or committing, faults no longer drawn, terms
// running into the bound) fails instead of passing quietly. The rates are
// about half those measured with the weights of machine.actions (RAPID_STEPS
// 3000: a commit every 60 steps, an election every 90, a restart every 90),
// and apply to cases of 1000 actions or more: shorter ones spend most of
// their steps on the first election. At make prop's budget (800 cases of
// 3000 actions) they ask for more than 10^4 commits.
const (
	minCommitsPerStep   = 1.0 / 150
	minElectionsPerStep = 1.0 / 200
	minRestartsPerStep  = 1.0 / 200
	// maxCappedFraction: at most this fraction of the cases reach MaxTerm.
	maxCappedFraction = 0.05
)

// meets checks the figures of a run against the least ones its budget
// implies (stepsPerCase: rapid's average number of actions per case).
func (r *runTotals) meets(stepsPerCase int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cases == 0 {
		return fmt.Errorf("property runs: no case ran")
	}
	// rapid draws each case's length geometrically (mean stepsPerCase):
	// the total lies within 4 standard deviations of its mean.
	want := float64(r.cases*stepsPerCase) * max(0.2, 1-4/math.Sqrt(float64(r.cases)))
	var errs []string
	if float64(r.steps) < want {
		errs = append(errs, fmt.Sprintf("%d implementation steps in %d cases of about %d actions, want at least %.0f: cases end early (skipped actions?)", r.steps, r.cases, stepsPerCase, want))
	}
	if stepsPerCase >= 1000 {
		steps := float64(r.steps)
		if c := float64(r.commits); c < steps*minCommitsPerStep {
			errs = append(errs, fmt.Sprintf("%d entries committed in %d steps, want at least %.0f", r.commits, r.steps, steps*minCommitsPerStep))
		}
		if e := float64(r.elections); e < steps*minElectionsPerStep {
			errs = append(errs, fmt.Sprintf("%d elections in %d steps, want at least %.0f", r.elections, r.steps, steps*minElectionsPerStep))
		}
		if rs := float64(r.restarts()); rs < steps*minRestartsPerStep {
			errs = append(errs, fmt.Sprintf("%d restarts in %d steps, want at least %.0f", r.restarts(), r.steps, steps*minRestartsPerStep))
		}
	}
	if f := float64(r.capped) / float64(r.cases); f > maxCappedFraction {
		errs = append(errs, fmt.Sprintf("%d of %d cases reached the term bound %d (%.1f%%), want at most %.0f%%", r.capped, r.cases, MaxTerm, 100*f, 100*maxCappedFraction))
	}
	if len(errs) > 0 {
		return fmt.Errorf("property runs thinned out:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// rapidSteps is rapid's average number of actions per case (its flag
// rapid.steps, which RAPID_STEPS sets).
func rapidSteps() int {
	if f := flag.Lookup("rapid.steps"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil {
			return n
		}
	}
	return 0
}

func (r *runTotals) String(elapsed time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var faults []string
	for _, k := range slices.Sorted(maps.Keys(r.faults)) {
		faults = append(faults, fmt.Sprintf("%s=%d", k, r.faults[k]))
	}
	return fmt.Sprintf("property runs: %d cases, %d implementation steps (%.0f steps/s), faults: %s; %d restarts; max term %d, %d cases reached the term bound %d; %d elections, %d entries committed (sum of the highest commit index per case)",
		r.cases, r.steps, float64(r.steps)/elapsed.Seconds(), strings.Join(faults, " "), r.restarts(), r.maxTerm, r.capped, MaxTerm, r.elections, r.commits)
}

func TestMain(m *testing.M) {
	start := time.Now()
	code := m.Run()
	if totals.cases > 0 {
		fmt.Println(totals.String(time.Since(start)))
	}
	os.Exit(code)
}
