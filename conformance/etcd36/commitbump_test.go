package etcd36_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
)

// The smallest case of etcd's commit bump (issue 10, section 5), on 3 nodes
// without PreVote: once the leader has committed its empty entry, the
// acknowledgement of the follower it had not told gets an empty append
// carrying the commit (etcd: stepLeader's MsgAppResp branch,
// Progress.CanBumpCommit). raft/ must do the same, in lockstep.
func TestCommitBumpSmallestCase(t *testing.T) {
	l, d, err := driver.NewLockstep(driver.Native, etcd36.Library, driver.Setup{N: 3}, []int{5, 9, 9})
	if err != nil || d != nil {
		t.Fatal(err, d)
	}
	step := func(a driver.Action) {
		t.Helper()
		d, err := l.Step(a)
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			t.Fatal(d)
		}
	}
	// deliver delivers the message in flight of that type between from
	// and to.
	deliver := func(typ spec.MsgType, from, to int) {
		t.Helper()
		for i, m := range l.A.Flight() {
			if m.Type == typ && m.From == from && m.To == to {
				step(driver.Action{Kind: driver.Deliver, Msg: i})
				return
			}
		}
		t.Fatalf("no %v %d->%d in flight %v", typ, from, to, l.A.Flight())
	}
	step(driver.Action{Kind: driver.Campaign, Node: 1})
	deliver(spec.VoteRequest, 1, 2)
	deliver(spec.VoteResponse, 2, 1)
	deliver(spec.AppendEntriesRequest, 1, 2)
	deliver(spec.AppendEntriesRequest, 1, 3)
	deliver(spec.AppendEntriesResponse, 2, 1)
	if c := l.B.Snapshot().Nodes[0].State.Server.Commit; c != 1 {
		t.Fatalf("etcd's leader commits %d, want 1", c)
	}
	deliver(spec.AppendEntriesResponse, 3, 1)
	want := spec.Message{Type: spec.AppendEntriesRequest, From: 1, To: 3, Term: 1, PrevLogIndex: 1, PrevLogTerm: 1, Commit: 1}
	if sent := l.B.Sent(); len(sent) != 1 || !sent[0].Equal(want) {
		t.Fatalf("etcd sent %v, want %v", sent, want)
	}
}
