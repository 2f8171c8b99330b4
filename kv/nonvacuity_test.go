//go:build raftbugs

package kv_test

import (
	"slices"
	"testing"

	"github.com/checkedraft/checkedraft/internal/bugs"
	"github.com/checkedraft/checkedraft/kv"
)

// Built with the tag raftbugs (make kv-nonvacuity), raft/ and kv/ can run
// with one seeded bug (internal/bugs) switched on: the property run must
// then find a history porcupine refuses, and say so by name
// (Linearizable). Without a bug the same runs pass (TestRapidLinearizable).

// TestNonVacuityLinearizable: each seeded bug of the read path (bugs.Reads)
// and of kv/ (bugs.KV) makes the property run find, within 4000 cases, a
// history porcupine finds not linearizable; rapid shrinks it and prints the shrunk schedule
// with the path of porcupine's visualisation.
func TestNonVacuityLinearizable(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	cases := []struct {
		bug bugs.Bug
		s   shape
	}{
		// A leader cut off from the others answers reads at once, while
		// a new leader commits writes.
		{bugs.ReadWithoutQuorum, shape{n: 3, reads: kv.ReadThroughIndex}},
		// A new leader answers reads at its commit index before it knows
		// what the last leader committed.
		// Rare heartbeats leave the new leader's commit index behind.
		{bugs.ReadBeforeTermCommit, shape{n: 3, reads: kv.ReadThroughIndex, heartbeat: 3}},
		// Lease reads without CheckQuorum: a deposed leader never steps
		// down, and its lease never ends.
		{bugs.LeaseReadWithoutCheckQuorum, shape{n: 3, preVote: true, reads: kv.ReadThroughIndex, lease: true}},
		// A retried put applied twice undoes a later write.
		{bugs.DuplicateApplied, shape{n: 3, reads: kv.ReadThroughLog}},
	}
	for _, b := range slices.Concat(bugs.Reads, bugs.KV) {
		if !slices.ContainsFunc(cases, func(c struct {
			bug bugs.Bug
			s   shape
		}) bool {
			return c.bug == b
		}) {
			t.Errorf("seeded bug %s has no case here", b)
		}
	}
	const steps = 600
	for _, c := range cases {
		t.Run(string(c.bug), func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			line, out := caught(t.Name(), c.s, steps, 4000)
			if line == "" {
				t.Fatalf("%s: the property run (%s) found no history porcupine refuses (%s):\n%s", c.bug, c.s, Linearizable, out)
			}
			t.Logf("%s caught by %s %s", c.bug, Linearizable, line)
			if testing.Verbose() {
				t.Logf("shrunk case:\n%s", out)
			}
		})
	}
}
