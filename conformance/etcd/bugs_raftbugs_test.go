//go:build raftbugs

package etcd_test

// Built with the tag raftbugs (make conformance-bugs), raft/ can run with
// one seeded bug switched on; the differential run against etcd must find
// each, in the field the bug changes. This file is the only one that uses
// raft/'s bug switch.

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/internal/bugs"
)

func TestSeededRaftBugsFound(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	cases := []struct {
		bug   bugs.Bug
		setup driver.Setup
		// field is a path fragment of a field that must differ.
		field string
	}{
		{bugs.PreCandidateBumpsTerm, driver.Setup{N: 3, PreVote: true}, "State.Server.Term"},
		{bugs.PreVoteAdoptsTerm, driver.Setup{N: 3, PreVote: true}, "State.Server.Term"},
		{bugs.GrantWithoutLogCheck, driver.Setup{N: 3}, ".Reject"},
		// Only with one entry per append can a quorum hold an earlier
		// term's entry without the leader's own (the figure 8 situation).
		{bugs.CommitEarlierTerm, driver.Setup{N: 3, MaxEntriesPerMsg: 1}, "State.Server.Commit"},
		{bugs.RestartForgetsVote, driver.Setup{N: 3}, "State.Server.Vote"},
		{bugs.RestartLosesLastEntry, driver.Setup{N: 3}, "State.Server.Log"},
	}
	if len(cases) != len(bugs.All) {
		t.Fatalf("%d cases for %d seeded bugs", len(cases), len(bugs.All))
	}
	for _, c := range cases {
		t.Run(string(c.bug), func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			d, fig, err := driver.Find(1, driver.Native, etcd.Library, c.setup, 400, 200)
			if err != nil {
				t.Fatal(err)
			}
			if d == nil {
				t.Fatalf("not found in %v", fig)
			}
			if !d.Caught(c.field) {
				t.Fatalf("caught by %v, want %s:\n%v", d.Paths, c.field, d)
			}
			t.Logf("caught after %d schedules, %d actions, by %v", fig.Schedules, len(d.Schedule), d.Paths)
		})
	}
}
