package properties

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// TestRapidCompaction runs the rapid cases with compaction: nodes compact
// their logs at random applied indexes, leaders send snapshots to the
// followers that need compacted entries, nodes restart from their
// snapshots; every step is checked against the spec's invariants and action
// properties over compacted logs, CommittedNeverLost, and refinement of the
// model with AllowCompaction (Compact, HandleSnapshotRequest).
// A run of 20000 steps or more fails unless snapshots were installed and
// nodes restarted from compacted storage (a run that never exercised them
// proves nothing; at the CI budget it takes some 50000 steps and installs
// dozens); shorter ones are too short to be sure to.
func TestRapidCompaction(t *testing.T) {
	var compactions, installed, restarts, steps, cases int
	for _, o := range []Options{
		{N: 3, Compaction: true},
		{N: 3, PreVote: true, CheckQuorum: true, Compaction: true},
		{N: 5, PreVote: true, Compaction: true},
	} {
		t.Run(o.String(), func(t *testing.T) {
			failed := &failedRun{}
			defer failed.logChart(t)
			rapid.Check(t, func(t *rapid.T) {
				m := newMachine(t, o)
				m.failed = failed
				defer func() {
					s := m.c.Stats
					cases++
					steps += s.Steps
					compactions += s.Compactions
					installed += s.SnapshotsInstalled
					restarts += s.Faults["restart"] + s.Faults["crash-before-persist"] + s.Faults["crash-after-persist"]
				}()
				t.Repeat(m.actions())
				m.liveness(t)
			})
		})
	}
	fmt.Printf("property runs with compaction: %d cases, %d steps, %d compactions, %d snapshots installed, %d restarts\n",
		cases, steps, compactions, installed, restarts)
	if t.Failed() || steps < 20000 {
		return
	}
	if compactions == 0 || installed == 0 || restarts == 0 {
		t.Errorf("a compaction run that did not compact (%d), install a snapshot (%d) and restart (%d)", compactions, installed, restarts)
	}
}
