package properties

import (
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// TestReadsRefine: reads at a leader and at a follower, through an
// election and the heartbeat quorum, are steps the model allows
// (Refinement), each checked against every invariant, ReadIndexLinearizable
// included; both reads are answered, at the commit index of the term.
func TestReadsRefine(t *testing.T) {
	c := NewCluster(Options{N: 3})
	k, err := NewChecker(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	step := func(labels []Label, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Step(labels, c.View()); err != nil {
			t.Fatal(err)
		}
	}
	settle := func() {
		t.Helper()
		for len(c.Flight()) > 0 {
			step(c.Deliver(0))
		}
	}
	step(c.Campaign(1), nil)
	settle()
	l, ok := c.Read(1)
	if !ok {
		t.Fatal("the leader refused a read")
	}
	step(l, nil)
	if l, ok = c.Read(3); !ok {
		t.Fatal("a follower that knows the leader refused a read")
	}
	step(l, nil)
	settle()
	v := c.View()
	want := map[int][]spec.ReadAnswer{1: {{ID: 1, Index: 1}}, 3: {{ID: 2, Index: 1}}}
	for id, as := range want {
		got := v.Server(id).ReadStates
		if len(got) != len(as) || got[0] != as[0] {
			t.Errorf("node %d handed out %v, want %v", id, got, as)
		}
	}
	if c.Stats.Reads != 2 || c.Stats.Answers != 2 {
		t.Errorf("%d reads, %d answers, want 2 and 2", c.Stats.Reads, c.Stats.Answers)
	}
}

// TestReadsCheckerCatchesStaleAnswer: an answer below what was committed
// when the read began violates ReadIndexLinearizable, by name (the check
// can fail).
func TestReadsCheckerCatchesStaleAnswer(t *testing.T) {
	v := &spec.View{Servers: make([]spec.Server, 3), Reads: []spec.Read{{From: 2, Begin: 3}}}
	v.Servers[1].ReadStates = []spec.ReadAnswer{{ID: 1, Index: 2}}
	if err := spec.ReadIndexLinearizable(v); err == nil {
		t.Fatal("a read answered at 2 after index 3 was committed passed")
	}
	v.Servers[1].ReadStates[0].Index = 3
	if err := spec.ReadIndexLinearizable(v); err != nil {
		t.Fatal(err)
	}
}
