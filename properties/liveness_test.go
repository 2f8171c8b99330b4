package properties

import (
	"fmt"
	"maps"
	"strings"
	"sync"

	"pgregory.net/rapid"
)

// liveTotals adds up what the bounded liveness check saw over a test run,
// with PreVote ([1]) and without ([0]): their bounds differ.
var liveTotals = &livenessTotals{}

type livenessTotals struct {
	mu sync.Mutex
	by [2]livenessFigures
}

type livenessFigures struct {
	cases, steps      int
	rounds            int // the bound, in rounds
	leader, commit    int // the largest round seen
	all               int
	sumLeader, sumAll int
}

func (l *livenessTotals) add(o Options, r LivenessResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := &l.by[0]
	if o.PreVote {
		f = &l.by[1]
	}
	f.cases++
	f.rounds = LivenessBound(o) * o.ElectionTick
	f.steps += r.Steps
	f.leader = max(f.leader, r.Leader)
	f.commit = max(f.commit, r.Commit)
	f.all = max(f.all, r.All)
	f.sumLeader += r.Leader
	f.sumAll += r.All
}

func (l *livenessTotals) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var parts []string
	for pv, f := range l.by {
		if f.cases == 0 {
			continue
		}
		k := LivenessBound(Options{PreVote: pv == 1})
		parts = append(parts, fmt.Sprintf("prevote=%v (K = %d election timeouts, %d rounds): %d cases, %d steps; rounds to a leader a quorum follows max %d mean %.1f, to a new proposal committed max %d, to every node following max %d mean %.1f",
			pv == 1, k, f.rounds, f.cases, f.steps, f.leader, float64(f.sumLeader)/float64(f.cases), f.commit, f.all, float64(f.sumAll)/float64(f.cases)))
	}
	if len(parts) == 0 {
		return "property runs: bounded liveness: no case checked"
	}
	return "property runs: bounded liveness held after the heal (a round: one tick of every node, then every message delivered): " + strings.Join(parts, "; ")
}

// liveness ends a case: the bounded liveness check (CheckLiveness), every
// step of it checked like the case's own. The case's figures (Stats) stay
// those of its random actions; the fair rounds are counted in liveTotals.
func (m *machine) liveness(t *rapid.T) {
	if m.ended {
		return // another check ended the case (see machine.expect)
	}
	saved := m.c.Stats
	saved.Faults = maps.Clone(saved.Faults)
	m.k.liftBounds()
	res, err := CheckLiveness(m.c, func(labels []Label, stepErr error) { m.check(t, labels, stepErr) })
	m.c.Stats = saved
	if m.ended {
		return // a step of the fair rounds failed a check this case does not look for
	}
	if err != nil {
		if len(m.steps) > 0 {
			m.steps[len(m.steps)-1].Post = m.c.View()
		}
		v := &Violation{Property: LivenessName, All: []string{LivenessName}, Err: err}
		if m.expect != "" && !v.Has(m.expect) {
			m.failed.other(v)
			m.ended = true
			return
		}
		m.failed.record(m.c.Options(), m.init, m.steps, v)
		t.Fatal(err)
	}
	liveTotals.add(m.c.Options(), res)
}
