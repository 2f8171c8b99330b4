package rafttest_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// index returns the position in the queue of the message of type t to id.
func index(t *testing.T, nw *rafttest.Network, typ raft.MessageType, to uint64) int {
	t.Helper()
	for i, m := range nw.Queue {
		if m.Type == typ && m.To == to {
			return i
		}
	}
	t.Fatalf("no %v to %d in flight: %v", typ, to, nw.Queue)
	return -1
}

// electing2 is a network where 1 leads term 1 and 2 has just started an
// election for term 2: its vote requests to 1 and 3 are in flight.
func electing2(t *testing.T) *rafttest.Network {
	nw := rafttest.New(t, 3)
	nw.Campaign(1)
	if l, term := nw.Leader(); l != 1 || term != 1 {
		t.Fatalf("leader %d at term %d, want 1 at term 1\n%s", l, term, nw.Describe())
	}
	nw.Node(2).RN.Campaign()
	nw.Process(2)
	return nw
}

// A receiver that crashes before persisting loses the step: it restarts at
// its old term and answers nothing; the other messages stay in flight.
func TestDeliverThenRestart(t *testing.T) {
	nw := electing2(t)
	m, err := nw.DeliverThenRestart(index(t, nw, raft.MsgVote, 3))
	if err != nil || m.Type != raft.MsgVote || m.To != 3 || m.Term != 2 {
		t.Fatalf("DeliverThenRestart = %v, %v; want the vote request to 3 at term 2", m, err)
	}
	if st := nw.Status(3); st.Term != 1 || st.Vote != 1 {
		t.Fatalf("node 3 at term %d voting %d after the crash, want its persisted term 1 and vote 1", st.Term, st.Vote)
	}
	if len(nw.Queue) != 1 || nw.Queue[0].To != 1 {
		t.Fatalf("in flight %v, want only the vote request to 1", nw.Queue)
	}
}

// A receiver that crashes after persisting keeps the step's state but
// sends nothing: its answer is returned, not put in flight.
func TestDeliverPersistThenRestart(t *testing.T) {
	nw := electing2(t)
	m, unsent, err := nw.DeliverPersistThenRestart(index(t, nw, raft.MsgVote, 1))
	if err != nil || m.Type != raft.MsgVote || m.To != 1 {
		t.Fatalf("DeliverPersistThenRestart = %v, %v; want the vote request to 1", m, err)
	}
	if st := nw.Status(1); st.Term != 2 || st.Vote != 2 || st.Role != raft.Follower {
		t.Fatalf("node 1 %v at term %d voting %d after the crash, want a follower at term 2 voting 2", st.Role, st.Term, st.Vote)
	}
	if len(unsent) != 1 || unsent[0].Type != raft.MsgVoteResp || unsent[0].To != 2 || unsent[0].Reject {
		t.Fatalf("unsent %v, want the vote granted to 2", unsent)
	}
	for _, q := range nw.Queue {
		if q.From == 1 {
			t.Fatalf("%v in flight from the crashed node", q)
		}
	}
}

// What the step would send over a cut link is not reported unsent: it
// would have been lost anyway.
func TestDeliverPersistThenRestartCutLink(t *testing.T) {
	nw := electing2(t)
	nw.Cut(1, 2)
	if !nw.IsCut(1, 2) || nw.IsCut(2, 1) {
		t.Fatalf("IsCut(1, 2) = %v, IsCut(2, 1) = %v after Cut(1, 2)", nw.IsCut(1, 2), nw.IsCut(2, 1))
	}
	_, unsent, err := nw.DeliverPersistThenRestart(index(t, nw, raft.MsgVote, 1))
	if err != nil || len(unsent) != 0 {
		t.Fatalf("unsent %v, %v; want nothing (the answer goes over the cut link)", unsent, err)
	}
}

// A duplicate is an equal message last in the queue, with its own entries.
func TestDuplicate(t *testing.T) {
	nw := rafttest.New(t, 3)
	nw.Campaign(1)
	if err := nw.Node(1).RN.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	nw.Process(1)
	i := index(t, nw, raft.MsgApp, 2)
	n := len(nw.Queue)
	nw.Duplicate(i)
	if len(nw.Queue) != n+1 {
		t.Fatalf("%d messages in flight after Duplicate, want %d", len(nw.Queue), n+1)
	}
	orig, dup := nw.Queue[i], nw.Queue[n]
	if dup.Type != orig.Type || dup.To != orig.To || len(dup.Entries) != 1 || string(dup.Entries[0].Data) != "x" {
		t.Fatalf("duplicate %v of %v", dup, orig)
	}
	term := dup.Entries[0].Term
	dup.Entries[0].Term = 99
	if orig.Entries[0].Term == 99 {
		t.Fatal("the duplicate shares its entries with the original")
	}
	dup.Entries[0].Term = term
	// Both copies are delivered: the second is a stale append, answered.
	nw.Stabilize()
	if st := nw.Status(2); st.LastIndex != 2 || st.Commit != 2 {
		t.Fatalf("node 2 last=%d commit=%d, want 2 and 2", st.LastIndex, st.Commit)
	}
}
