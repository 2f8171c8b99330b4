package raft_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// A node restarted from its Storage keeps its term, vote, log and commit
// index; it forgets its role and leader.
func TestRestart_KeepsDurableState(t *testing.T) {
	nw := rafttest.New(t, 3, rafttest.PreVote(true))
	nw.Campaign(1)
	for _, v := range []string{"a", "b"} {
		if err := nw.Propose(1, v); err != nil {
			t.Fatal(err)
		}
	}
	nw.Tick() // the commit reaches the followers
	for _, id := range []uint64{1, 2} {
		before, log := nw.Status(id), nw.Node(id).RN.Log()
		nw.Crash(id)
		nw.Restart(id)
		after := nw.Status(id)
		if after.HardState != before.HardState || !sameEntries(nw.Node(id).RN.Log(), log) {
			t.Fatalf("node %d: restarted with %+v %v, want %+v %v", id, after.HardState, nw.Node(id).RN.Log(), before.HardState, log)
		}
		if after.Role != raft.Follower || after.Lead != raft.None {
			t.Fatalf("node %d: restarted as %v with leader %d, want a follower knowing no leader", id, after.Role, after.Lead)
		}
		// Nothing was applied since the start (Config.Applied is 0): the
		// committed entries are handed out again.
		nw.Process(id)
		if got := len(nw.Node(id).Applied); uint64(got) != before.Commit {
			t.Fatalf("node %d: reapplied %d entries, want %d", id, got, before.Commit)
		}
	}
	if st := nw.Status(1); st.Term != 1 || st.Vote != 1 || st.Commit != 3 {
		t.Fatalf("leader restarted with %+v, want term 1, its own vote, commit 3", st.HardState)
	}
}

// What a node did in a step whose Ready was not processed is lost in a
// crash: a vote granted but not persisted is not remembered, and its
// response was never sent; entries appended but not persisted are gone and
// were never acknowledged.
func TestRestart_UnpersistedStepIsLost(t *testing.T) {
	nw := rafttest.New(t, 3)
	n2 := nw.Node(2)
	// 2 grants a vote to 1 for term 1, and crashes before handling the
	// Ready.
	if err := n2.RN.Step(voteReq(1, 2, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if st := n2.RN.Status(); st.Vote != 1 || st.Term != 1 {
		t.Fatalf("setup: %+v", st.HardState)
	}
	nw.Crash(2)
	nw.Restart(2)
	if st := nw.Status(2); st.Term != 0 || st.Vote != 0 {
		t.Fatalf("restarted with %+v: the unpersisted vote was remembered", st.HardState)
	}
	if len(nw.Queue) != 0 {
		t.Fatalf("in flight: %v: the response of an unpersisted vote left", nw.Queue)
	}
	// Having promised nothing, it may vote for 3 in term 1.
	if err := nw.Node(2).RN.Step(voteReq(3, 2, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	nw.Process(2)
	wantMsgs(t, nw.Queue, voteResp(2, 3, 1, false))
	nw.Queue = nil

	// 3 appends two entries from leader 1 and crashes before persisting.
	nw.Campaign(1)
	nw.Tick()
	before := nw.Status(3)
	if err := nw.Node(3).RN.Step(app(1, 3, before.Term, before.LastIndex, before.LastTerm, before.Commit, ent(before.LastIndex+1, before.Term, "x"))); err != nil {
		t.Fatal(err)
	}
	nw.Crash(3)
	nw.Restart(3)
	if st := nw.Status(3); st.LastIndex != before.LastIndex {
		t.Fatalf("restarted with last index %d, want %d: an unpersisted entry survived", st.LastIndex, before.LastIndex)
	}
	for _, m := range nw.Queue {
		if m.From == 3 {
			t.Fatalf("%v left before its entries were persisted", m)
		}
	}
}

// A cluster whose nodes all crash and restart elects a leader again and
// keeps every committed entry.
func TestRestart_ClusterReelectsAndKeepsCommitted(t *testing.T) {
	for _, pv := range []bool{false, true} {
		t.Run("prevote="+onOff(pv), func(t *testing.T) {
			nw := rafttest.New(t, 3, rafttest.PreVote(pv), rafttest.Seed(3))
			nw.Campaign(2)
			for _, v := range []string{"a", "b", "c"} {
				if err := nw.Propose(2, v); err != nil {
					t.Fatal(err)
				}
			}
			nw.Tick()
			committed := slices.Clone(nw.Node(2).RN.Log()[:nw.Status(2).Commit])
			term := nw.Status(2).Term
			for _, id := range nw.IDs {
				nw.Crash(id)
			}
			for _, id := range nw.IDs {
				nw.Restart(id)
			}
			var leader uint64
			for k := 0; k < 4*electionTick && leader == 0; k++ {
				nw.Tick()
				leader, _ = nw.Leader()
			}
			if leader == 0 {
				t.Fatalf("no leader after restart:\n%s", nw.Describe())
			}
			if st := nw.Status(leader); st.Term <= term {
				t.Fatalf("new leader at term %d, want above %d", st.Term, term)
			}
			if err := nw.Propose(leader, "d"); err != nil {
				t.Fatal(err)
			}
			nw.Tick()
			for _, id := range nw.IDs {
				log := nw.Node(id).RN.Log()
				if !sameEntries(log[:len(committed)], committed) {
					t.Fatalf("node %d lost committed entries: %v, want prefix %v", id, log, committed)
				}
				// Everything applied since the restart, in order: the old
				// entries, the new leader's empty entry, then d.
				var got []string
				for _, d := range nw.Node(id).Applied {
					got = append(got, string(d))
				}
				if want := []string{"", "a", "b", "c", "", "d"}; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("node %d applied %q, want %q", id, got, want)
				}
			}
		})
	}
}
