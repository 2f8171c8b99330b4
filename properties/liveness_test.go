package properties

import (
	"fmt"
	"maps"
	"sync"

	"pgregory.net/rapid"
)

// liveTotals adds up what the bounded liveness check saw over a test run.
var liveTotals = &livenessTotals{}

type livenessTotals struct {
	mu                sync.Mutex
	cases, steps      int
	leader, commit    int // the largest round seen
	all               int
	sumLeader, sumAll int
}

func (l *livenessTotals) add(r LivenessResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cases++
	l.steps += r.Steps
	l.leader = max(l.leader, r.Leader)
	l.commit = max(l.commit, r.Commit)
	l.all = max(l.all, r.All)
	l.sumLeader += r.Leader
	l.sumAll += r.All
}

func (l *livenessTotals) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cases == 0 {
		return "property runs: bounded liveness: no case checked"
	}
	return fmt.Sprintf("property runs: bounded liveness (K = %d election timeouts with PreVote, %d without) held in %d cases, %d steps of fair rounds; rounds after the heal (one tick of every node, then every message delivered) to a leader a quorum follows: max %d, mean %.1f; to a new proposal committed on a quorum: max %d; to every node following: max %d, mean %.1f",
		LivenessTimeouts, LivenessTimeoutsNoPreVote, l.cases, l.steps, l.leader, float64(l.sumLeader)/float64(l.cases), l.commit, l.all, float64(l.sumAll)/float64(l.cases))
}

// liveness ends a case: the bounded liveness check (CheckLiveness), every
// step of it checked like the case's own. The case's figures (Stats) stay
// those of its random actions; the fair rounds are counted in liveTotals.
func (m *machine) liveness(t *rapid.T) {
	saved := m.c.Stats
	saved.Faults = maps.Clone(saved.Faults)
	m.k.liftBounds()
	res, err := CheckLiveness(m.c, func(labels []Label, stepErr error) { m.check(t, labels, stepErr) })
	m.c.Stats = saved
	if err != nil {
		if len(m.steps) > 0 {
			m.steps[len(m.steps)-1].Post = m.c.View()
		}
		m.failed.record(m.c.Options(), m.init, m.steps, err.Error())
		t.Fatal(err)
	}
	liveTotals.add(res)
}
