package raft_test

import (
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// PreVote's point (Raft thesis 9.6): a node cut off from the cluster keeps
// its term while isolated, and does not disrupt the leader when it comes
// back. Without PreVote, the same run shows its term growing and the
// leader deposed when it rejoins: PreVote makes the difference.
func TestPreVote_PartitionedNodeDoesNotDisrupt(t *testing.T) {
	for _, pv := range []bool{true, false} {
		t.Run("prevote="+onOff(pv), func(t *testing.T) {
			for _, s := range []uint64{1, 2, 3} {
				nw := rafttest.New(t, 3, rafttest.PreVote(pv), rafttest.Seed(s))
				// Leader 1 at term 1 commits "a" on all three nodes.
				nw.Campaign(1)
				if err := nw.Propose(1, "a"); err != nil {
					t.Fatal(err)
				}
				// 3 is isolated for ten election timeouts: it times out
				// at least five times.
				nw.Isolate(3)
				nw.TickN(10 * electionTick)
				isolated := nw.Status(3)
				// It rejoins; five election timeouts later:
				nw.HealAll()
				nw.TickN(5 * electionTick)
				leader, term := nw.Leader()
				desc := fmt.Sprintf("seed %d: 3 reached term %d isolated; then leader %d at term %d\n%s", s, isolated.Term, leader, term, nw.Describe())
				if pv {
					// Its pre-votes reached no one: term 1 still, and the
					// leader's next heartbeat makes it a follower again.
					if isolated.Term != 1 || leader != 1 || term != 1 {
						t.Fatalf("%s\nwant 3 at term 1, then leader 1 at term 1", desc)
					}
					if st := nw.Status(3); st.Lead != 1 || st.Term != 1 {
						t.Fatalf("%s\nwant 3 following 1 at term 1", desc)
					}
					continue
				}
				// Each timeout raised its term. Back, its vote request of a
				// term above the leader's makes 1 and 2 adopt it: leader 1
				// of term 1 is deposed, and the new leader's term is above
				// the term 3 reached.
				if isolated.Term < 5 || term <= isolated.Term || nw.Status(1).Term == 1 {
					t.Fatalf("%s\nwant 3's term raised at least 5 times, then a new leader at a higher term", desc)
				}
			}
		})
	}
}

// etcd#8243: a stale node at a high term, with a short log, must not block
// the election of the node with the longest log. It learns the term only
// from an explicit rejection of its lower-term pre-vote.
func TestRegression_Etcd8243_LowerTermPreVoteRejected(t *testing.T) {
	for _, s := range []uint64{1, 2, 3, 4, 5} {
		nw := rafttest.New(t, 3, rafttest.PreVote(true), rafttest.Seed(s))
		nw.Campaign(1) // leader 1 at term 1, 1/1 committed everywhere
		// 3 pre-campaigns twice; each time 1 and 2 grant its pre-vote (no
		// lease, its log as good), but its vote requests are lost. It is a
		// candidate at term 3 that nobody else knows of.
		for range 2 {
			nw.Node(3).RN.Campaign()
			nw.ProcessAll()
			for len(nw.Queue) > 0 {
				if m := nw.Queue[0]; m.Type == raft.MsgVote && m.From == 3 {
					nw.Drop(0)
				} else if err := nw.Deliver(0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if st := nw.Status(3); st.Role != raft.Candidate || st.Term != 3 || nw.Status(1).Term != 1 {
			t.Fatalf("seed %d: setup: 3 is %v at term %d, 1 at term %d", s, st.Role, st.Term, nw.Status(1).Term)
		}
		// Cut off, 3 misses the next entry, which 1 commits with 2. Then 1
		// crashes and the links heal.
		nw.Isolate(3)
		if err := nw.Propose(1, "x"); err != nil {
			t.Fatal(err)
		}
		nw.Crash(1)
		nw.HealAll()
		// 2 (term 1, the longest log) times out and pre-votes at term 2; 3
		// (term 3) rejects explicitly with term 3; 2 adopts term 3, times
		// out again, pre-votes at term 4, which 3 grants (2's log is
		// better), and wins the election at term 4. 3's own pre-votes are
		// rejected by 2 for its log. Two election timeouts at most: by
		// 4*ElectionTick ticks.
		var leader, term uint64
		for k := 0; k < 4*electionTick && leader == 0; k++ {
			nw.Tick()
			leader, term = nw.Leader()
		}
		if leader != 2 || term != 4 {
			t.Fatalf("seed %d: leader %d at term %d, want 2 at term 4:\n%s", s, leader, term, nw.Describe())
		}
		if st := nw.Status(2); st.Commit < 3 || string(nw.Node(2).RN.Log()[1].Data) != "x" {
			t.Fatalf("seed %d: the committed entry x is lost: %+v", s, st)
		}
	}
}

// etcd#9586: with PreVote and CheckQuorum, when the leader is cut off the
// two followers must elect a new leader, although their leases expire at
// different times: a follower still within its lease ignores the other's
// pre-vote, and when its own turn comes, the other, now a pre-candidate,
// has forgotten its leader, so it is not within a lease and grants.
func TestRegression_Etcd9586_PreCandidateHasNoLease(t *testing.T) {
	for _, s := range []uint64{1, 2, 3, 4, 5} {
		for _, late := range []int{3, 6, 9} {
			nw := rafttest.New(t, 3, rafttest.PreVote(true), rafttest.CheckQuorum(true), rafttest.Seed(s))
			nw.Campaign(1)
			// 2 stops hearing from leader 1 late ticks before 3 does (1
			// keeps its quorum with 3 meanwhile), then 1 is cut off.
			nw.Cut(1, 2)
			nw.TickN(late)
			nw.Isolate(1)
			// Within ten election timeouts, 2 or 3 leads. (At term 2
			// usually; if both time out in the same tick they grant each
			// other's pre-vote and split the vote of term 2.)
			var leader, term uint64
			for k := 0; k < 10*electionTick && (leader == 0 || leader == 1); k++ {
				nw.Tick()
				leader, term = nw.Leader()
				// The mechanism: a pre-candidate knows no leader, so it
				// holds no lease.
				for _, id := range []uint64{2, 3} {
					if st := nw.Status(id); st.Role == raft.PreCandidate && (st.Lead != raft.None || st.Lease) {
						t.Fatalf("seed %d, lag %d, tick %d: pre-candidate %d still follows %d (lease %v)", s, late, k+1, id, st.Lead, st.Lease)
					}
				}
			}
			if leader != 2 && leader != 3 {
				t.Fatalf("seed %d, lag %d: leader %d at term %d, want 2 or 3:\n%s", s, late, leader, term, nw.Describe())
			}
		}
	}
}
