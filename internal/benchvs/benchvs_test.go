package benchvs_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/internal/benchvs"
)

// BenchmarkRaft runs the workloads on raft/ alone (the side-by-side runs
// are in the conformance modules).
func BenchmarkRaft(b *testing.B) { benchvs.Run(b, benchvs.Bind(benchvs.Raft)) }

// Check catches a cluster that did less than it was asked.
func TestCheckCatchesMissingProposals(t *testing.T) {
	c, err := benchvs.NewCluster(benchvs.Raft, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Elect(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := c.Nodes[0].Propose(benchvs.Proposal); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Check(3); err == nil {
		t.Fatal("Check passed with three proposals not yet committed")
	}
	if err := c.Stabilize(); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(3); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(4); err == nil {
		t.Fatal("Check passed four proposals when three were made")
	}
}
