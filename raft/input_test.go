package raft_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// Step refuses input that a correct peer never sends, with a *StepError,
// never a panic, and leaves the node unchanged: same status, same log,
// nothing to hand out.
func TestStep_RefusesBadInput(t *testing.T) {
	// follower is node 1 of three at term 2, following 2, with the log 1/1
	// 2/2 committed and applied.
	follower := func(t *testing.T) *node {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Commit: 2}, []uint64{1, 2}, applied(2))
		n.step(heartbeat(2, 1, 2, 2))
		n.msgs()
		return n
	}
	// leader is node 1 elected for term 3, with the log 1/1 2/2 3/3.
	leader := func(t *testing.T) *node {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Commit: 2}, []uint64{1, 2}, applied(2))
		n.elect(2)
		n.msgs()
		return n
	}
	cases := []struct {
		name  string
		setup func(*testing.T) *node
		m     raft.Message
	}{
		{"sender outside the configuration", follower, heartbeat(4, 1, 2, 0)},
		{"sender zero", follower, heartbeat(0, 1, 2, 0)},
		{"from itself", follower, heartbeat(1, 1, 2, 0)},
		{"addressed to another node", follower, heartbeat(2, 3, 2, 0)},
		{"append without term", follower, app(2, 1, 0, 2, 2, 2)},
		{"heartbeat without term", follower, heartbeat(2, 1, 0, 0)},
		{"vote request without term", follower, voteReq(3, 1, 0, 2, 2)},
		{"pre-vote grant without term", follower, preVoteResp(3, 1, 0, false)},
		{"unknown type 0", follower, raft.Message{Type: 0, From: 2, To: 1, Term: 2}},
		{"unknown type 99", follower, raft.Message{Type: 99, From: 2, To: 1, Term: 2}},
		{"unknown type after the last", follower, raft.Message{Type: raft.MsgTimeoutNow + 1, From: 2, To: 1, Term: 2}},
		{"unknown type to a leader", leader, raft.Message{Type: raft.MsgTimeoutNow + 1, From: 2, To: 1, Term: 3}},
		{"append with an index gap", follower, app(2, 1, 2, 2, 2, 2, ent(4, 2))},
		{"append with a repeated index", follower, app(2, 1, 2, 2, 2, 2, ent(3, 2), ent(3, 2))},
		{"append with an entry above the message term", follower, app(2, 1, 2, 2, 2, 2, ent(3, 5))},
		{"append with decreasing terms", follower, app(2, 1, 3, 2, 2, 2, ent(3, 3), ent(4, 2))},
		{"append with an entry below its anchor's term", follower, app(2, 1, 3, 2, 2, 2, ent(3, 1))},
		{"append anchored at index 0 with a term", follower, app(2, 1, 2, 0, 1, 2, ent(1, 1))},
		{"append anchored at a term-0 index", follower, app(2, 1, 2, 1, 0, 2, ent(2, 2))},
		{"heartbeat with entries", follower, raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 2, Entries: []raft.Entry{ent(3, 2)}}},
		{"heartbeat committing beyond the log", follower, heartbeat(2, 1, 2, 3)},
		{"higher-term heartbeat committing beyond the log", follower, heartbeat(3, 1, 5, 9)},
		{"ack beyond the leader's log", leader, ack(2, 1, 3, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.setup(t)
			before, log := n.status(), n.rn.Log()
			err := n.rn.Step(c.m)
			if !isStepError(err) {
				t.Fatalf("Step(%v) = %v, want a *StepError", c.m, err)
			}
			wantUnchanged(t, n, before)
			if !sameEntries(n.rn.Log(), log) {
				t.Fatalf("log changed: %v -> %v", log, n.rn.Log())
			}
		})
	}
}

// Regression (found by this test): Step refuses an append that contradicts
// what the node knows is committed. Its anchor below the commit index used
// to be answered with an acknowledgement of the commit index (telling the
// sender its log matched up to there, which it did not), and the node
// adopted the sender's term and leadership; RawNode.validate only looked at
// appends anchored at or above the commit index.
func TestStep_RefusesAppendContradictingCommit(t *testing.T) {
	for _, c := range []struct {
		name string
		m    raft.Message
	}{
		// The node's leader of term 2 sends 2/1 where the node committed
		// 2/2.
		{"same term", app(2, 1, 2, 1, 1, 2, ent(2, 1))},
		// A leader of term 3 sends 2/3 where the node committed 2/2.
		{"higher term", app(3, 1, 3, 1, 1, 2, ent(2, 3))},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Commit: 2}, []uint64{1, 2}, applied(2))
			n.step(heartbeat(2, 1, 2, 2))
			n.msgs()
			before := n.status()
			err := n.rn.Step(c.m)
			if !isStepError(err) {
				var sent []raft.Message
				if err == nil {
					sent = n.msgs()
				}
				t.Errorf("Step(%v) = %v, want a *StepError; the node became %v and sent %v", c.m, err, stateOf(n.status()), sent)
				return
			}
			wantUnchanged(t, n, before)
		})
	}
}

// Propose refuses on a non-leader and refuses empty data; Fire refuses a
// timer that does not run. The node is unchanged.
func TestRawNode_RefusedCalls(t *testing.T) {
	follower := newNode(t, 1, peers3, checkQuorum)
	before := follower.status()
	if err := follower.rn.Propose([]byte("x")); !errors.Is(err, raft.ErrNotLeader) {
		t.Fatalf("Propose on a follower: %v, want ErrNotLeader", err)
	}
	if err := follower.rn.Propose(nil); !errors.Is(err, raft.ErrEmptyProposal) {
		t.Fatalf("empty Propose: %v, want ErrEmptyProposal", err)
	}
	wantUnchanged(t, follower, before)

	candidate := newNode(t, 1, peers3)
	candidate.campaign()
	if err := candidate.rn.Propose([]byte("x")); !errors.Is(err, raft.ErrNotLeader) {
		t.Fatalf("Propose on a candidate: %v, want ErrNotLeader", err)
	}

	leader := newNode(t, 1, peers3)
	leader.elect(2)
	leader.msgs()
	if err := leader.rn.Propose([]byte{}); !errors.Is(err, raft.ErrEmptyProposal) {
		t.Fatalf("empty Propose on a leader: %v, want ErrEmptyProposal", err)
	}
	wantUnchanged(t, leader, leader.status())

	cqLeader := newNode(t, 1, peers3, checkQuorum)
	cqLeader.elect(2)
	cqLeader.msgs()

	notRunning := []struct {
		who   string
		n     *node
		timer raft.Timer
	}{
		{"follower", follower, raft.HeartbeatTimer},
		{"follower", follower, raft.CheckQuorumTimer},
		{"follower without a leader", follower, raft.LeaseTimer},
		{"candidate", candidate, raft.HeartbeatTimer},
		{"candidate", candidate, raft.LeaseTimer},
		{"leader", leader, raft.ElectionTimer},
		{"leader", leader, raft.LeaseTimer},
		{"leader without CheckQuorum", leader, raft.CheckQuorumTimer},
		{"leader with CheckQuorum", cqLeader, raft.ElectionTimer},
		{"follower", follower, raft.Timer(0)},
		{"leader", leader, raft.Timer(42)},
	}
	for _, c := range notRunning {
		t.Run(fmt.Sprintf("%v on a %s", c.timer, c.who), func(t *testing.T) {
			before := c.n.status()
			if err := c.n.rn.Fire(c.timer); !errors.Is(err, raft.ErrTimerNotRunning) {
				t.Fatalf("Fire(%v): %v, want ErrTimerNotRunning", c.timer, err)
			}
			wantUnchanged(t, c.n, before)
		})
	}
}

// Fire makes a running timer go off now.
func TestRawNode_FireRunningTimers(t *testing.T) {
	t.Run("election", func(t *testing.T) {
		n := newNode(t, 1, peers3)
		if err := n.rn.Fire(raft.ElectionTimer); err != nil {
			t.Fatal(err)
		}
		wantMsgs(t, n.msgs(), requests(raft.MsgVote, 1, []uint64{2, 3}, 1, 0, 0)...)
	})
	t.Run("heartbeat", func(t *testing.T) {
		n := newNode(t, 1, peers3)
		n.elect(2)
		n.msgs()
		if err := n.rn.Fire(raft.HeartbeatTimer); err != nil {
			t.Fatal(err)
		}
		wantMsgs(t, n.msgs(), heartbeat(1, 2, 1, 0), heartbeat(1, 3, 1, 0))
	})
	t.Run("check quorum", func(t *testing.T) {
		n := newNode(t, 1, peers3, checkQuorum)
		n.elect(2)
		n.msgs()
		n.step(raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 1})
		n.msgs()
		// 2 was heard from: the leader stays; the next check, with nothing
		// heard since, makes it step down.
		if err := n.rn.Fire(raft.CheckQuorumTimer); err != nil {
			t.Fatal(err)
		}
		wantState(t, n, state{Term: 1, Vote: 1, Lead: 1, Role: raft.Leader})
		if err := n.rn.Fire(raft.CheckQuorumTimer); err != nil {
			t.Fatal(err)
		}
		wantState(t, n, state{Term: 1, Vote: 1, Role: raft.Follower})
	})
	t.Run("lease", func(t *testing.T) {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 1}, nil, checkQuorum)
		n.step(heartbeat(2, 1, 1, 0))
		n.msgs()
		if err := n.rn.Fire(raft.LeaseTimer); err != nil {
			t.Fatal(err)
		}
		// The lease is over: a vote request of a higher term is granted.
		if st := n.status(); st.Lease {
			t.Fatal("lease still held")
		}
		wantMsgs(t, n.stepMsgs(voteReq(3, 1, 2, 0, 0)), voteResp(1, 3, 2, false))
	})
}

// Regression (found by FuzzStep): an append anchored at index 0 whose entry
// has term 0 used to pass RawNode.validate (which checked entry terms
// against the anchor's term, 0 there, but never that they are at least 1);
// the node persisted the entry and could not restart from its own storage
// afterwards.
func TestStep_RefusesEntryOfTermZero(t *testing.T) {
	n := newNode(t, 1, peers3)
	m := app(2, 1, 1, 0, 0, 0, ent(1, 0, "x"))
	err := n.rn.Step(m)
	if err == nil {
		n.msgs() // persisted, as the application must
		cfg := raft.Config{ID: 1, Peers: peers3, ElectionTick: electionTick, HeartbeatTick: heartbeatTick, Storage: n.st}
		_, rerr := raft.NewRawNode(&cfg)
		t.Fatalf("Step(%v) accepted an entry of term 0: log %v; restarting from storage then fails: %v", m, n.rn.Log(), rerr)
	}
	if !isStepError(err) {
		t.Fatalf("Step(%v) = %v, want a *StepError", m, err)
	}
}
