//go:build raftbugs

package etcd36_test

// Built with the tag raftbugs, raft/ can run with one seeded bug switched
// on; the differential run against etcd v3.6 must find each, in the field
// the bug changes.

import (
	"math/rand/v2"
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
		// Committing an entry of an earlier term by counting needs a
		// follower that acknowledged part of a log: one entry per append.
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
			// Schedules that stop at etcd's commit bump, which raft/ does
			// not have yet, are passed over (findBeyondBump).
			d, fig, passed := findBeyondBump(t, driver.Native, etcd36.Library, c.setup, 400, 200)
			if d == nil {
				t.Fatalf("not found in %v (%d schedules stopped at the commit bump)", fig, passed)
			}
			if !d.Caught(c.field) {
				t.Fatalf("caught by %v, want %s:\n%v", d.Paths, c.field, d)
			}
			t.Logf("caught after %d schedules (%d stopped at the commit bump), %d actions, by %v", fig.Schedules, passed, len(d.Schedule), d.Paths)
		})
	}
}

// findBeyondBump is driver.Find, but a schedule that stops at etcd's
// commit bump (isCommitBump) is passed over: it returns the first other
// divergence of seeded schedules, nil if none, and how many were passed
// over.
func findBeyondBump(t *testing.T, a, b driver.Library, s driver.Setup, schedules, steps int) (*driver.Divergence, driver.Figures, int) {
	t.Helper()
	var fig driver.Figures
	r := rand.New(rand.NewPCG(1, 0xd1ff))
	passed := 0
	for range schedules {
		d, err := driver.RunSchedule(driver.RandSource{R: r}, a, b, s, steps, &fig)
		if err != nil {
			t.Fatal(err)
		}
		if d == nil {
			continue
		}
		if !isCommitBump(t, b, d) {
			return d, fig, passed
		}
		passed++
	}
	return nil, fig, passed
}
