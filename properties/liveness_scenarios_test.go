package properties

import (
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// Named liveness scenarios: a cluster is driven through the public API
// (Cluster, on raft/rafttest's network) into a situation reported against
// a Raft implementation, every step checked by a Checker, then
// CheckLiveness heals it and runs fair rounds: each must reach a leader
// followed by every node with a new proposal committed, within the bound.

// scripted drives one scenario's cluster, checking every step.
type scripted struct {
	t testing.TB
	c *Cluster
	k *Checker
}

func (s *scripted) do(labels []Label, err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("a node refused a message: %v", err)
	}
	if err := s.k.Step(labels, s.c.View()); err != nil {
		s.t.Fatal(err)
	}
}

// deliver delivers, oldest first, every message in flight that match
// selects (also those sent on the way), and returns how many.
func (s *scripted) deliver(match func(raft.Message) bool) int {
	s.t.Helper()
	n := 0
	for {
		i := s.find(match)
		if i < 0 {
			return n
		}
		s.do(s.c.Deliver(i))
		n++
	}
}

// drop loses every message in flight that match selects.
func (s *scripted) drop(match func(raft.Message) bool) {
	s.t.Helper()
	for i := s.find(match); i >= 0; i = s.find(match) {
		s.do(s.c.Drop(i), nil)
	}
}

func (s *scripted) find(match func(raft.Message) bool) int {
	for i, m := range s.c.Flight() {
		if match(m) {
			return i
		}
	}
	return -1
}

func (s *scripted) status(id int) raft.Status { return s.c.Node(id).Status() }

func all(raft.Message) bool { return true }

func typed(t raft.MessageType, from, to int) func(raft.Message) bool {
	return func(m raft.Message) bool {
		return m.Type == t && (from == 0 || m.From == uint64(from)) && (to == 0 || m.To == uint64(to))
	}
}

func between(a, b int) func(raft.Message) bool {
	return func(m raft.Message) bool {
		return (m.From == uint64(a) && m.To == uint64(b)) || (m.From == uint64(b) && m.To == uint64(a))
	}
}

// livenessScenario is one named scenario: the cluster's shape and the
// script that leads it into the situation.
type livenessScenario struct {
	name   string
	o      Options
	script func(s *scripted)
}

var livenessScenarios = []livenessScenario{
	{
		// etcd#9586 ("No leader using prevote feature"), PreVote and
		// CheckQuorum: leader 1 is cut off, and its followers 2 and 3 both
		// start a pre-election. In etcd then, pre-candidate 2 kept its
		// leader, so it was within its lease and ignored 3's pre-vote (and
		// 3 had ignored 2's): no leader until 1 came back. A pre-candidate
		// forgets its leader (etcd#8334), so 2 grants 3's pre-vote and 3
		// is elected at once, before the heal.
		name: "etcd9586_PreVoteCheckQuorumLeaderCutOff",
		o:    Options{N: 3, PreVote: true, CheckQuorum: true},
		script: func(s *scripted) {
			s.do(s.c.Campaign(1), nil)
			s.deliver(all)
			for _, j := range []int{2, 3} {
				s.do(s.c.Partition(1, j), nil)
				s.do(s.c.Partition(j, 1), nil)
			}
			s.do(s.c.Campaign(2), nil)
			s.deliver(all)
			s.do(s.c.Campaign(3), nil)
			s.deliver(all)
			if st := s.status(3); st.Role != raft.Leader || st.Term != 2 {
				s.t.Fatalf("etcd#9586: node 3 is %v at term %d, want the leader of term 2 before the heal", st.Role, st.Term)
			}
		},
	},
	{
		// etcd#10355 ("Prevote never elect a new leader"), PreVote and
		// CheckQuorum: the leader is gone and the followers' timers are
		// one tick apart, so the first to fire asks one that is still
		// within its lease ("lease is not expired (remaining ticks: 1)")
		// and is ignored. Here node 1 is cut off after its followers heard
		// from it; 3 ticks one tick fewer than 2, then 2's election timer
		// fires. 3 ignores 2's pre-vote (asserted), and a leader must
		// still come.
		name: "etcd10355_PreVoteWithinLeaseByOneTick",
		o:    Options{N: 3, PreVote: true, CheckQuorum: true},
		script: func(s *scripted) {
			s.do(s.c.Campaign(1), nil)
			s.deliver(all)
			for _, j := range []int{2, 3} {
				s.do(s.c.Partition(1, j), nil)
				s.do(s.c.Partition(j, 1), nil)
			}
			e := s.c.Options().ElectionTick
			for range e - 2 {
				s.do(s.c.Tick(3), nil)
			}
			for range e - 1 {
				s.do(s.c.Tick(2), nil)
			}
			s.deliver(all)
			if !s.status(3).Lease {
				s.t.Fatal("etcd#10355: node 3 is not within its lease; the scenario needs it")
			}
			l, ok := s.c.Fire(2, raft.ElectionTimer)
			if !ok {
				s.t.Fatal("etcd#10355: node 2's election timer is not running")
			}
			s.do(l, nil)
			s.deliver(all)
			if st, st3 := s.status(2), s.status(3); st.Role != raft.PreCandidate || st3.Role != raft.Follower || st3.Term != 1 {
				s.t.Fatalf("etcd#10355: node 2 is %v, node 3 %v at term %d: want 2's pre-vote ignored by 3 within its lease", st.Role, st3.Role, st3.Term)
			}
		},
	},
	{
		// canonical/raft#279 ("Possible pre-vote bug"), PreVote: a node
		// restarted with a lower term rejoins two nodes at higher terms,
		// which need its vote. There its pre-vote grant carried its own
		// (lower) term and was ignored: no leader. Here 2 and 3 reach
		// terms 2 and 3 while 1 is cut off (2 elected, 3's later
		// candidacy unanswered), then 1 restarts at term 1 with the
		// stalest log; its grants echo the request term and count.
		name: "canonical279_RestartedLowerTermRejoins",
		o:    Options{N: 3, PreVote: true},
		script: func(s *scripted) {
			s.do(s.c.Campaign(1), nil)
			s.deliver(all)
			for _, j := range []int{2, 3} {
				s.do(s.c.Partition(1, j), nil)
				s.do(s.c.Partition(j, 1), nil)
			}
			s.do(s.c.Campaign(2), nil)
			s.deliver(all)
			l, ok := s.c.Propose(2, "v1")
			if !ok {
				s.t.Fatalf("canonical/raft#279: node 2 is not the leader:\n%s", describeNodes(s.c))
			}
			s.do(l, nil)
			s.deliver(all)
			s.do(s.c.Restart(2), nil)
			s.do(s.c.Campaign(3), nil)
			s.deliver(typed(raft.MsgPreVote, 3, 2))
			s.deliver(typed(raft.MsgPreVoteResp, 2, 3))
			s.drop(all)
			s.do(s.c.Restart(1), nil)
			if t1, t2, t3 := s.status(1).Term, s.status(2).Term, s.status(3).Term; t1 != 1 || t2 != 2 || t3 != 3 {
				s.t.Fatalf("canonical/raft#279: terms %d, %d, %d, want 1, 2, 3", t1, t2, t3)
			}
		},
	},
	{
		// The same rejoin, but the restarted node has the freshest log and
		// the two others are at distinct higher terms, each two apart, with
		// staler logs: only 1 can win, and only once it learns the highest
		// term. etcd#8243 ("Node with smaller term can get stuck in
		// election when PreVote is true") and etcd#8501 (a higher term
		// with a shorter log, left by nodes that ran without PreVote):
		// a lower-term pre-vote must be rejected at the receiver's term,
		// not dropped, or 1 (term 1) never hears of terms 3 and 5, 2
		// (term 3) never of 5, and 3's own pre-votes are refused on its
		// log: nobody is ever elected.
		//
		// How it arises with PreVote: 3 wins pre-votes for terms 2..5
		// from 2 (equal logs), its vote requests are lost but the one of
		// term 3, which reaches 2 late, after 2 took an entry from leader
		// 1; 1 keeps a last entry for itself and restarts.
		name: "etcd8243_LowerTermFreshestLogRejoins",
		o:    Options{N: 3, PreVote: true},
		script: func(s *scripted) {
			s.do(s.c.Campaign(1), nil)
			s.deliver(all)
			var late raft.Message
			for term := uint64(2); term <= 5; term++ {
				s.do(s.c.Campaign(3), nil)
				s.deliver(typed(raft.MsgPreVote, 3, 2))
				s.drop(typed(raft.MsgPreVote, 3, 1))
				s.deliver(typed(raft.MsgPreVoteResp, 2, 3))
				s.drop(typed(raft.MsgVote, 3, 1))
				if term == 3 {
					late = s.c.Flight()[s.find(typed(raft.MsgVote, 3, 2))]
					continue
				}
				s.drop(func(m raft.Message) bool { return typed(raft.MsgVote, 3, 2)(m) && m.Term == term })
			}
			for _, v := range []string{"v1", "v2"} {
				l, ok := s.c.Propose(1, v)
				if !ok {
					s.t.Fatalf("etcd#8243: node 1 is not the leader:\n%s", describeNodes(s.c))
				}
				s.do(l, nil)
				s.drop(func(m raft.Message) bool { return m.To == 3 })
				if v == "v1" {
					s.deliver(between(1, 2))
				}
				s.drop(func(m raft.Message) bool { return m.From == 1 })
			}
			s.deliver(func(m raft.Message) bool {
				return m.Type == late.Type && m.From == 3 && m.To == 2 && m.Term == late.Term
			})
			s.deliver(all)
			s.do(s.c.Restart(1), nil)
			for id, want := range map[int][2]uint64{1: {1, 3}, 2: {3, 2}, 3: {5, 1}} {
				if st := s.status(id); st.Term != want[0] || st.LastIndex != want[1] || st.Role == raft.Leader {
					s.t.Fatalf("etcd#8243: node %d at term %d with %d entries (%v), want term %d with %d entries, no leader:\n%s", id, st.Term, st.LastIndex, st.Role, want[0], want[1], describeNodes(s.c))
				}
			}
		},
	},
	{
		// A stale leader, PreVote and CheckQuorum: 3 reached term 2 in two
		// unanswered candidacies before anyone led, then 1 is elected at
		// term 1 with 2's vote, and 3's empty log can win nothing. 3 must
		// answer 1's appends at its term (etcd raft's reply to a
		// lower-term leader; cockroachdb#1131 is the same rejoin without
		// it), so that 1 steps down and a leader at a term 3 accepts is
		// elected; otherwise 1 keeps its quorum and 3 never rejoins.
		name: "StaleLeaderLearnsHigherTerm",
		o:    Options{N: 3, PreVote: true, CheckQuorum: true},
		script: func(s *scripted) {
			for range 2 {
				s.do(s.c.Campaign(3), nil)
				s.deliver(typed(raft.MsgPreVote, 3, 0))
				s.deliver(typed(raft.MsgPreVoteResp, 0, 3))
				s.drop(typed(raft.MsgVote, 3, 0))
			}
			s.do(s.c.Campaign(1), nil)
			s.deliver(typed(raft.MsgPreVote, 1, 2))
			s.drop(typed(raft.MsgPreVote, 1, 3))
			s.deliver(typed(raft.MsgPreVoteResp, 2, 1))
			s.drop(func(m raft.Message) bool { return m.To == 3 })
			s.deliver(between(1, 2))
			if st, st3 := s.status(1), s.status(3); st.Role != raft.Leader || st.Term != 1 || st3.Term != 2 || st3.LastIndex != 0 {
				s.t.Fatalf("stale leader: want 1 leading term 1 and 3 at term 2 with an empty log:\n%s", describeNodes(s.c))
			}
		},
	},
}

// runLivenessScenario runs a scenario's script, then CheckLiveness.
func runLivenessScenario(t testing.TB, sc livenessScenario, refine bool) (LivenessResult, error) {
	t.Helper()
	c := NewCluster(sc.o)
	k, err := NewChecker(c, values)
	if err != nil {
		t.Fatal(err)
	}
	k.Refinement = refine
	s := &scripted{t: t, c: c, k: k}
	sc.script(s)
	k.liftBounds()
	return CheckLiveness(c, s.do)
}

func TestLivenessScenarios(t *testing.T) {
	for _, sc := range livenessScenarios {
		t.Run(sc.name, func(t *testing.T) {
			res, err := runLivenessScenario(t, sc, true)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("rounds after the heal: leader %d, commit %d, every node following %d", res.Leader, res.Commit, res.All)
		})
	}
}
