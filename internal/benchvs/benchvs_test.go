package benchvs_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/internal/benchvs"
	"github.com/checkedraft/checkedraft/raft"
)

// BenchmarkRaft runs the workloads on raft/ alone (the side-by-side runs
// are in the conformance modules).
func BenchmarkRaft(b *testing.B) { benchvs.Run(b, benchvs.Bind(benchvs.Raft)) }

// Check catches a cluster that did less than it was asked.
func TestCheckCatchesMissingProposals(t *testing.T) { benchvs.CheckSide(t, benchvs.Raft) }

// The allocation figures of raft/'s hot path (issue 15), as a regression
// check: a serial proposal committed on three nodes allocates once (the
// copy of the proposal's data), a follower appending in steady state not
// at all, both amortized over the growth of logs and message queues.
func TestRaftAllocations(t *testing.T) {
	c, err := benchvs.NewCluster(benchvs.Raft, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Elect(); err != nil {
		t.Fatal(err)
	}
	proposals := 0
	serial := func() {
		if err := c.Nodes[0].Propose(benchvs.Proposal); err != nil {
			t.Fatal(err)
		}
		if err := c.Stabilize(); err != nil {
			t.Fatal(err)
		}
		proposals++
	}
	for range 100 {
		serial()
	}
	if got := testing.AllocsPerRun(2000, serial); got > 1 {
		t.Errorf("a serial proposal on 3 nodes allocates %v times, want at most 1", got)
	}
	if err := c.Check(proposals); err != nil {
		t.Fatal(err)
	}

	f, err := benchvs.Raft.New(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	var out []raft.Message
	i := uint64(0)
	msgs := make([]raft.Message, 0, 3000)
	for k := range uint64(3000) {
		prevTerm := uint64(1)
		if k == 0 {
			prevTerm = 0
		}
		msgs = append(msgs, benchvs.Raft.App(1, 2, 1, k, prevTerm, k, benchvs.Proposal))
	}
	appendOne := func() {
		if err := f.Step(msgs[i]); err != nil {
			t.Fatal(err)
		}
		i++
		var ok bool
		out, ok, err = f.HandleReady(out[:0])
		if err != nil || !ok {
			t.Fatalf("append %d: Ready %v, %v", i, ok, err)
		}
	}
	for range 500 {
		appendOne()
	}
	if got := testing.AllocsPerRun(2000, appendOne); got > 0 {
		t.Errorf("a follower's append allocates %v times, want none", got)
	}
	if f.Commit() != i-1 {
		t.Fatalf("the follower commits %d after %d appends, want %d", f.Commit(), i, i-1)
	}
}
