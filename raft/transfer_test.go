package raft_test

import (
	"errors"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// Leader transfer and ForgetLeader (etcd's MsgTransferLeader, MsgTimeoutNow
// and MsgForgetLeader), through the public API. The scenarios are etcd's
// (raft_test.go TestLeaderTransfer*, testdata/forget_leader*.txt) told
// again on this library's network.

// transferNet is a three-node network with leader 1 at term 1 that has
// committed "a" everywhere.
func transferNet(t *testing.T, opts ...rafttest.Option) *rafttest.Network {
	t.Helper()
	nw := rafttest.New(t, 3, opts...)
	nw.Campaign(1)
	if err := nw.Propose(1, "a"); err != nil {
		t.Fatal(err)
	}
	if l, term := nw.Leader(); l != 1 || term != 1 {
		t.Fatalf("setup: leader %d at term %d\n%s", l, term, nw.Describe())
	}
	return nw
}

// wantLeader fails unless id is the only leader, at term.
func wantLeader(t *testing.T, nw *rafttest.Network, id, term uint64) {
	t.Helper()
	if l, tm := nw.Leader(); l != id || tm != term {
		t.Fatalf("leader %d at term %d, want %d at term %d\n%s", l, tm, id, term, nw.Describe())
	}
}

// A transfer to an up-to-date follower: MsgTimeoutNow at once, and the
// target wins the next term, with or without PreVote and CheckQuorum. With
// CheckQuorum every voter is within its lease; the forced vote requests
// pass through it (etcd TestLeaderTransferWithCheckQuorum). With PreVote
// the target skips the pre-election: no MsgPreVote is ever sent.
func TestTransfer_ToUpToDateFollower(t *testing.T) {
	for _, pv := range []bool{false, true} {
		for _, cq := range []bool{false, true} {
			t.Run("prevote="+onOff(pv)+",checkquorum="+onOff(cq), func(t *testing.T) {
				nw := transferNet(t, rafttest.PreVote(pv), rafttest.CheckQuorum(cq))
				if cq && !nw.Status(3).Lease {
					t.Fatalf("setup: 3 is not within its lease: %+v", nw.Status(3))
				}
				if err := nw.Node(1).RN.TransferLeader(2); err != nil {
					t.Fatal(err)
				}
				if st := nw.Status(1); st.LeadTransferee != 2 {
					t.Fatalf("LeadTransferee %d, want 2", st.LeadTransferee)
				}
				nw.ProcessAll()
				var sawTimeoutNow, sawPreVote, sawForced bool
				for len(nw.Queue) > 0 {
					m := nw.Queue[0]
					switch {
					case m.Type == raft.MsgTimeoutNow && m.From == 1 && m.To == 2 && m.Term == 1:
						sawTimeoutNow = true
					case m.Type == raft.MsgPreVote:
						sawPreVote = true
					case m.Type == raft.MsgVote && m.From == 2 && m.Transfer:
						sawForced = true
					}
					if err := nw.Deliver(0); err != nil {
						t.Fatal(err)
					}
				}
				if !sawTimeoutNow || sawPreVote || !sawForced {
					t.Fatalf("MsgTimeoutNow %v, MsgPreVote %v, forced MsgVote %v; want true, false, true", sawTimeoutNow, sawPreVote, sawForced)
				}
				wantLeader(t, nw, 2, 2)
				if st := nw.Status(1); st.Role != raft.Follower || st.LeadTransferee != raft.None {
					t.Fatalf("old leader: %+v", st)
				}
				if err := nw.Propose(2, "b"); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// While a transfer is pending the leader drops proposals; after the
// transfer is given up it takes them again (etcd
// TestLeaderTransferIgnoreProposal).
func TestTransfer_ProposalDropped(t *testing.T) {
	nw := transferNet(t)
	nw.Isolate(3)
	if err := nw.Node(1).RN.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	err := nw.Node(1).RN.Propose([]byte("b"))
	if !errors.Is(err, raft.ErrProposalDropped) {
		t.Fatalf("Propose during a transfer: %v, want ErrProposalDropped", err)
	}
	if st := nw.Status(1); st.LastIndex != 2 {
		t.Fatalf("the dropped proposal reached the log: last index %d", st.LastIndex)
	}
	if err := nw.Node(1).RN.Fire(raft.TransferTimer); err != nil {
		t.Fatal(err)
	}
	if err := nw.Propose(1, "b"); err != nil {
		t.Fatalf("Propose after the transfer was given up: %v", err)
	}
}

// A transfer that cannot complete is given up after an election timeout:
// the leader stays leader at its term (etcd TestLeaderTransferTimeout).
func TestTransfer_TimeoutAborts(t *testing.T) {
	nw := transferNet(t)
	nw.Isolate(3)
	if err := nw.Node(1).RN.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	nw.TickN(electionTick - 1)
	if st := nw.Status(1); st.LeadTransferee != 3 {
		t.Fatalf("transfer given up before an election timeout: %+v", st)
	}
	nw.Tick()
	if st := nw.Status(1); st.LeadTransferee != raft.None {
		t.Fatalf("transfer still pending after an election timeout: %+v", st)
	}
	wantLeader(t, nw, 1, 1)
	if err := nw.Node(1).RN.Fire(raft.TransferTimer); !errors.Is(err, raft.ErrTimerNotRunning) {
		t.Fatalf("Fire(TransferTimer) with no transfer: %v, want ErrTimerNotRunning", err)
	}
}

// A transfer to a follower that lags: the leader first brings its log up to
// date, and sends MsgTimeoutNow only when the follower acknowledges the
// leader's last entry (etcd TestLeaderTransferToSlowFollower).
func TestTransfer_ToSlowFollower(t *testing.T) {
	nw := transferNet(t, rafttest.PreVote(true), rafttest.CheckQuorum(true))
	nw.Isolate(3)
	if err := nw.Propose(1, "b"); err != nil {
		t.Fatal(err)
	}
	nw.HealAll()
	if st := nw.Status(3); st.LastIndex != 2 {
		t.Fatalf("setup: 3 has last index %d, want 2", st.LastIndex)
	}
	if err := nw.Node(1).RN.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	nw.ProcessAll()
	if len(nw.Queue) != 1 || nw.Queue[0].Type != raft.MsgApp || nw.Queue[0].To != 3 {
		t.Fatalf("the transfer to a lagging follower sent %v, want one MsgApp to 3", nw.Queue)
	}
	nw.Stabilize()
	wantLeader(t, nw, 3, 2)
	if st := nw.Status(3); st.LastIndex != 4 || st.Commit != 4 {
		t.Fatalf("new leader: %+v", st)
	}
}

// A higher-term vote request makes the leader step down, and the step-down
// gives its pending transfer up (etcd TestLeaderTransferReceiveHigherTermVote).
func TestTransfer_HigherTermVoteAborts(t *testing.T) {
	nw := transferNet(t)
	nw.Isolate(3)
	if err := nw.Node(1).RN.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	nw.Campaign(2)
	wantLeader(t, nw, 2, 2)
	if st := nw.Status(1); st.Role != raft.Follower || st.Term != 2 || st.LeadTransferee != raft.None {
		t.Fatalf("old leader: %+v", st)
	}
}

// A second transfer to the same target changes nothing; one to another
// target replaces the pending one (etcd TestLeaderTransferSecondTransferToSameNode
// and ...ToAnotherNode).
func TestTransfer_SecondTransfer(t *testing.T) {
	nw := transferNet(t)
	nw.Isolate(3)
	rn := nw.Node(1).RN
	if err := rn.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	nw.TickN(electionTick / 2)
	if err := rn.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	if rn.HasReady() {
		t.Fatalf("a second transfer to the same node did something: %+v", rn.Ready())
	}
	// The second request did not restart the transfer's timeout.
	nw.TickN(electionTick - electionTick/2)
	if st := nw.Status(1); st.LeadTransferee != raft.None {
		t.Fatalf("transfer still pending: %+v", st)
	}
	if err := rn.TransferLeader(3); err != nil {
		t.Fatal(err)
	}
	if err := rn.TransferLeader(2); err != nil {
		t.Fatal(err)
	}
	if st := nw.Status(1); st.LeadTransferee != 2 {
		t.Fatalf("LeadTransferee %d, want 2", st.LeadTransferee)
	}
	nw.Stabilize()
	wantLeader(t, nw, 2, 2)
}

// A transfer to the leader itself or to a node outside the configuration is
// refused with an error and changes nothing; a node that is not the leader
// refuses to start one.
func TestTransfer_Refused(t *testing.T) {
	nw := transferNet(t)
	for _, tc := range []struct {
		node, to uint64
		want     error
	}{
		{1, 1, raft.ErrTransferRefused},
		{1, 7, raft.ErrTransferRefused},
		{1, 0, raft.ErrTransferRefused},
		{2, 3, raft.ErrNotLeader},
	} {
		before := nw.Status(tc.node)
		if err := nw.Node(tc.node).RN.TransferLeader(tc.to); !errors.Is(err, tc.want) {
			t.Errorf("node %d TransferLeader(%d): %v, want %v", tc.node, tc.to, err, tc.want)
		}
		if after := nw.Status(tc.node); after.LeadTransferee != before.LeadTransferee || nw.Node(tc.node).RN.HasReady() {
			t.Errorf("node %d TransferLeader(%d) changed the node: %+v", tc.node, tc.to, after)
		}
	}
}

// A forced vote request passes through the lease, but the log is still
// checked: a voter within its lease adopts the term and rejects a
// candidate whose log is behind. The same request without Transfer is
// ignored.
func TestTransfer_ForcedVoteChecksLog(t *testing.T) {
	for _, transfer := range []bool{false, true} {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2}, checkQuorum)
		n.step(raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 2})
		n.msgs()
		if !n.status().Lease {
			t.Fatal("setup: not within the lease")
		}
		before := n.status()
		vote := raft.Message{Type: raft.MsgVote, From: 3, To: 1, Term: 3, Index: 1, LogTerm: 1, Transfer: transfer}
		out := n.stepMsgs(vote)
		if !transfer {
			if len(out) != 0 || stateOf(n.status()) != stateOf(before) {
				t.Fatalf("unforced: sent %v, state %v; want the request ignored", out, stateOf(n.status()))
			}
			continue
		}
		wantMsgs(t, out, raft.Message{Type: raft.MsgVoteResp, From: 1, To: 3, Term: 3, Reject: true})
		wantState(t, n, state{Term: 3, Role: raft.Follower})
		// An up-to-date forced request is granted.
		n = restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2}, checkQuorum)
		n.step(raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 2})
		n.msgs()
		out = n.stepMsgs(raft.Message{Type: raft.MsgVote, From: 3, To: 1, Term: 3, Index: 2, LogTerm: 2, Transfer: true})
		wantMsgs(t, out, raft.Message{Type: raft.MsgVoteResp, From: 1, To: 3, Term: 3})
		wantState(t, n, state{Term: 3, Vote: 3, Role: raft.Follower})
	}
}

// MsgTimeoutNow makes a follower campaign at once; a candidate, a
// pre-candidate and a leader ignore it, and a stale one (lower term) is
// ignored by anyone (etcd: stepCandidate, stepLeader, Step).
func TestTransfer_TimeoutNowOnlyAtFollower(t *testing.T) {
	tn := func(term uint64) raft.Message {
		return raft.Message{Type: raft.MsgTimeoutNow, From: 2, To: 1, Term: term}
	}

	f := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1}, preVote)
	out := f.stepMsgs(tn(2))
	wantState(t, f, state{Term: 3, Vote: 1, Role: raft.Candidate})
	wantMsgs(t, out,
		raft.Message{Type: raft.MsgVote, From: 1, To: 2, Term: 3, Index: 1, LogTerm: 1, Transfer: true},
		raft.Message{Type: raft.MsgVote, From: 1, To: 3, Term: 3, Index: 1, LogTerm: 1, Transfer: true})

	stale := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil)
	before := stale.status()
	stale.step(tn(1))
	wantUnchanged(t, stale, before)

	pc := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil, preVote)
	pc.campaign()
	before = pc.status()
	pc.step(tn(2))
	wantUnchanged(t, pc, before)

	c := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil)
	c.campaign()
	before = c.status()
	c.step(raft.Message{Type: raft.MsgTimeoutNow, From: 2, To: 1, Term: 3})
	wantUnchanged(t, c, before)

	l := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil)
	l.elect(2)
	before = l.status()
	l.step(raft.Message{Type: raft.MsgTimeoutNow, From: 2, To: 1, Term: 3})
	wantUnchanged(t, l, before)
}

// ForgetLeader: a follower forgets its leader and nothing else; a leader, a
// candidate and a follower that knows no leader are unchanged; a node with
// lease-based reads refuses (etcd TestForgetLeader and
// testdata/forget_leader.txt).
func TestForgetLeader(t *testing.T) {
	nw := transferNet(t, rafttest.CheckQuorum(true))
	for _, id := range []uint64{1, 2} {
		before := nw.Status(id)
		if err := nw.Node(id).RN.ForgetLeader(); err != nil {
			t.Fatal(err)
		}
		after := nw.Status(id)
		if id == 1 {
			if after.Lead != 1 || after.Role != raft.Leader {
				t.Fatalf("the leader changed: %+v", after)
			}
			continue
		}
		if after.Lead != raft.None || after.Lease || after.Term != before.Term || after.Vote != before.Vote || after.Role != raft.Follower {
			t.Fatalf("follower after ForgetLeader: %+v (before %+v)", after, before)
		}
		// Forgetting again changes nothing.
		if err := nw.Node(id).RN.ForgetLeader(); err != nil {
			t.Fatal(err)
		}
		nw.ProcessAll()
		if again := nw.Status(id); again.Lead != raft.None {
			t.Fatalf("%+v", again)
		}
	}
	// The next heartbeat brings the leader back.
	if err := nw.Node(1).RN.Fire(raft.HeartbeatTimer); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	if st := nw.Status(2); st.Lead != 1 || !st.Lease {
		t.Fatalf("after a heartbeat: %+v", st)
	}

	c := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil)
	c.campaign()
	before := c.status()
	if err := c.rn.ForgetLeader(); err != nil {
		t.Fatal(err)
	}
	wantUnchanged(t, c, before)

	lb := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, nil, checkQuorum, func(c *raft.Config) { c.ReadOnlyOption = raft.ReadOnlyLeaseBased })
	lb.step(raft.Message{Type: raft.MsgHeartbeat, From: 2, To: 1, Term: 2})
	lb.msgs()
	if err := lb.rn.ForgetLeader(); !errors.Is(err, raft.ErrForgetLeaderRefused) {
		t.Fatalf("ForgetLeader with lease-based reads: %v, want ErrForgetLeaderRefused", err)
	}
	if st := lb.status(); st.Lead != 2 {
		t.Fatalf("the refused ForgetLeader forgot the leader: %+v", st)
	}
}

// etcd testdata/forget_leader_prevote_checkquorum.txt: with PreVote and
// CheckQuorum, followers within their lease ignore a pre-campaign; once
// one of them forgets the leader, it grants the pre-vote and the vote, and
// the campaign wins, but only for a candidate whose log is up to date.
func TestForgetLeader_PreVoteCheckQuorum(t *testing.T) {
	nw := transferNet(t, rafttest.PreVote(true), rafttest.CheckQuorum(true))
	nw.Campaign(3)
	if st := nw.Status(3); st.Term != 1 || st.Role == raft.Candidate {
		t.Fatalf("3's campaign got through the lease: %+v", st)
	}
	wantLeader(t, nw, 1, 1)

	// 3 falls behind: "b" reaches 1 and 2 only.
	nw.Isolate(3)
	if err := nw.Propose(1, "b"); err != nil {
		t.Fatal(err)
	}
	nw.HealAll()
	nw.Node(3).RN.Campaign() // 3 stays cut off from the leader's appends
	nw.Cut(1, 3)
	if err := nw.Node(2).RN.ForgetLeader(); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	if st := nw.Status(3); st.Role == raft.Leader || st.Term != 1 {
		t.Fatalf("3 with a stale log got elected: %+v", st)
	}
	wantLeader(t, nw, 1, 1)
	nw.HealAll()
	if err := nw.Node(1).RN.Fire(raft.HeartbeatTimer); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	if st := nw.Status(3); st.LastIndex != 3 {
		t.Fatalf("setup: 3 did not catch up: %+v", st)
	}

	// Up to date now: 2 forgets the leader, and 3's campaign wins.
	if err := nw.Node(2).RN.ForgetLeader(); err != nil {
		t.Fatal(err)
	}
	nw.Campaign(3)
	wantLeader(t, nw, 3, 2)
}
