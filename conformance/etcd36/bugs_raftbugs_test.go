//go:build raftbugs

package etcd36_test

// Built with the tag raftbugs (make conformance-bugs), raft/ can run with
// one seeded bug switched on; the differential run against etcd v3.6 must find
// each, in the field the bug changes. This file is the only one that uses
// raft/'s bug switch.

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/raft"
)

func TestSeededRaftBugsFound(t *testing.T) {
	if !raft.BugsAvailable {
		t.Fatal("built without the raftbugs tag")
	}
	cases := []struct {
		bug   raft.Bug
		setup driver.Setup
		// field is a path fragment of a field that must differ.
		field string
	}{
		{raft.BugPreCandidateBumpsTerm, driver.Setup{N: 3, PreVote: true}, "State.Server.Term"},
		{raft.BugPreVoteAdoptsTerm, driver.Setup{N: 3, PreVote: true}, "State.Server.Term"},
		{raft.BugGrantWithoutLogCheck, driver.Setup{N: 3}, ".Reject"},
		// Only with one entry per append can a quorum hold an earlier
		// term's entry without the leader's own (the figure 8 situation).
		{raft.BugCommitEarlierTerm, driver.Setup{N: 3, MaxEntriesPerMsg: 1}, "State.Server.Commit"},
		{raft.BugRestartForgetsVote, driver.Setup{N: 3}, "State.Server.Vote"},
	}
	if len(cases) != len(raft.Bugs) {
		t.Fatalf("%d cases for %d seeded bugs", len(cases), len(raft.Bugs))
	}
	for _, c := range cases {
		t.Run(string(c.bug), func(t *testing.T) {
			raft.SetBug(c.bug)
			defer raft.SetBug("")
			d, fig, err := driver.Find(1, driver.Native, etcd36.Library, c.setup, 400, 200)
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
