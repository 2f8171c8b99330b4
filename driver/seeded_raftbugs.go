//go:build raftbugs

package driver

import (
	"testing"

	"github.com/checkedraft/checkedraft/internal/bugs"
)

// SeededBug is one of raft/'s seeded bugs (tag raftbugs) with the setup in
// which a differential run against a correct library must find it, and a
// fragment of the path of a field that must differ when it does.
type SeededBug struct {
	Bug   bugs.Bug
	Setup Setup
	Field string
}

// SeededBugs lists every seeded bug of raft/, the safety ones (bugs.All),
// the liveness ones (bugs.Liveness) and the read ones (bugs.Reads): a
// differential run finds each kind, since each changes what a node sends,
// holds or answers.
var SeededBugs = []SeededBug{
	{bugs.PreCandidateBumpsTerm, Setup{N: 3, PreVote: true}, "State.Server.Term"},
	{bugs.PreVoteAdoptsTerm, Setup{N: 3, PreVote: true}, "State.Server.Term"},
	{bugs.GrantWithoutLogCheck, Setup{N: 3}, ".Reject"},
	// Only with one entry per append can a quorum hold an earlier term's
	// entry without the leader's own (the figure 8 situation).
	{bugs.CommitEarlierTerm, Setup{N: 3, MaxEntriesPerMsg: 1}, "State.Server.Commit"},
	{bugs.RestartForgetsVote, Setup{N: 3}, "State.Server.Vote"},
	// A restarted node loses an entry it acknowledged.
	{bugs.RestartLosesLastEntry, Setup{N: 3}, "State.Server.Log"},
	// A follower within its lease answers a vote request it must ignore.
	{bugs.LeaseIgnored, Setup{N: 3, CheckQuorum: true}, "State.Server.Term"},
	// A leader without a quorum stays leader.
	{bugs.NoStepDown, Setup{N: 3, CheckQuorum: true}, "State.Server.Role"},
	// The rejection a lower-term pre-vote is owed (etcd#8243) is not sent.
	{bugs.NoLowerTermPreVoteReject, Setup{N: 3, PreVote: true}, ".Sent"},
	// The reply a stale leader is owed is not sent.
	{bugs.NoStaleLeaderReply, Setup{N: 3, CheckQuorum: true}, ".Sent"},
	// The read bugs (bugs.Reads): a leader answers a read without a quorum
	// of acknowledgements (its read queue stays empty where the correct
	// library's holds the read), or before it committed an entry of its
	// term (nothing held back where the correct library holds the read).
	{bugs.ReadWithoutQuorum, Setup{N: 3, Reads: true}, ".ReadQueue"},
	{bugs.ReadBeforeTermCommit, Setup{N: 3, Reads: true}, ".PendingReads"},
}

// CheckSeededBugs runs, for each of SeededBugs, raft/ with that bug
// switched on against lib in lockstep, and fails t unless a divergence is
// found in the field the bug changes. It fails too when a seeded bug has no
// entry in SeededBugs, so a new bug cannot go unchecked.
func CheckSeededBugs(t *testing.T, lib Library) {
	t.Helper()
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	listed := map[bugs.Bug]bool{}
	for _, c := range SeededBugs {
		listed[c.Bug] = true
	}
	// kv's seeded bugs (bugs.KV) are not listed: LeaseReadWithoutCheckQuorum
	// is a Config validation that Config.Validate refuses before raft/ is
	// reached (no setup has lease-based reads without CheckQuorum), and
	// DuplicateApplied is kv/'s.
	for _, b := range append(append(append([]bugs.Bug{}, bugs.All...), bugs.Liveness...), bugs.Reads...) {
		if !listed[b] {
			t.Errorf("seeded bug %s has no entry in driver.SeededBugs", b)
		}
	}
	probe, err := lib.Start(Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}, &Storage{})
	if err != nil {
		t.Fatal(err)
	}
	_, canRead := probe.(Reader)
	for _, c := range SeededBugs {
		t.Run(string(c.Bug), func(t *testing.T) {
			if c.Setup.Reads && !canRead {
				// Not passed: skipped, and said so.
				t.Skipf("%s: the driver of %s is no Reader: a read bug cannot be looked for", c.Bug, lib.Name)
			}
			bugs.Set(c.Bug)
			defer bugs.Set("")
			d, fig, err := Find(1, Native, lib, c.Setup, 400, 200)
			if err != nil {
				t.Fatal(err)
			}
			if d == nil {
				t.Fatalf("%s not found against %s in %v", c.Bug, lib.Name, fig)
			}
			if !d.Caught(c.Field) {
				t.Fatalf("%s caught by %v, want a path with %s:\n%v", c.Bug, d.Paths, c.Field, d)
			}
			t.Logf("caught %s after %d schedules, %d actions, by %v", c.Bug, fig.Schedules, len(d.Schedule), d.Paths)
		})
	}
}
