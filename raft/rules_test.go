package raft_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// The tests in this file check the election rules of the project's issue,
// one test per rule (a to l), on a single RawNode fed hand-built messages.
// Node 1 is the node under test unless said otherwise.

// Message constructors for the common cases, to keep the tables readable.

func preVoteReq(from, to, term, index, logTerm uint64) raft.Message {
	return raft.Message{Type: raft.MsgPreVote, From: from, To: to, Term: term, Index: index, LogTerm: logTerm}
}

func voteReq(from, to, term, index, logTerm uint64) raft.Message {
	return raft.Message{Type: raft.MsgVote, From: from, To: to, Term: term, Index: index, LogTerm: logTerm}
}

func preVoteResp(from, to, term uint64, reject bool) raft.Message {
	return raft.Message{Type: raft.MsgPreVoteResp, From: from, To: to, Term: term, Reject: reject}
}

func voteResp(from, to, term uint64, reject bool) raft.Message {
	return raft.Message{Type: raft.MsgVoteResp, From: from, To: to, Term: term, Reject: reject}
}

func heartbeat(from, to, term, commit uint64) raft.Message {
	return raft.Message{Type: raft.MsgHeartbeat, From: from, To: to, Term: term, Commit: commit}
}

// requests returns the (pre-)vote requests from one node to each of to.
func requests(t raft.MessageType, from uint64, to []uint64, term, index, logTerm uint64) []raft.Message {
	var out []raft.Message
	for _, p := range to {
		out = append(out, raft.Message{Type: t, From: from, To: p, Term: term, Index: index, LogTerm: logTerm})
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Rule a: tickElection (etcd's name; here raft.tick). Every tick a follower
// or candidate counts one more tick; past its randomized timeout, drawn in
// [ElectionTick, 2*ElectionTick), it restarts its count and campaigns.
func TestRuleA_TickElection(t *testing.T) {
	for _, pv := range []bool{false, true} {
		// The request a campaign sends, and the state it leads to from a
		// fresh node.
		req, first := raft.MsgVote, state{Term: 1, Vote: 1, Role: raft.Candidate}
		opts := []option{}
		if pv {
			req, first = raft.MsgPreVote, state{Term: 0, Vote: 0, Role: raft.PreCandidate}
			opts = append(opts, preVote)
		}

		t.Run("bounds/prevote="+onOff(pv), func(t *testing.T) {
			// With the random draw pinned at its extremes, the follower
			// campaigns exactly at ElectionTick and at 2*ElectionTick-1.
			for _, k := range []int{0, electionTick - 1} {
				n := newNode(t, 1, peers3, append(opts, timeout(k))...)
				if got, want := n.tickUntil(req, 3*electionTick), electionTick+k; got != want {
					t.Fatalf("draw %d: campaigned after %d ticks, want %d", k, got, want)
				}
				wantState(t, n, first)
				// The count restarted: the next campaign is a whole
				// timeout later, not at the next tick.
				if got, want := n.tickUntil(req, 3*electionTick), electionTick+k; got != want {
					t.Fatalf("draw %d: campaigned again after %d more ticks, want %d", k, got, want)
				}
			}
		})

		t.Run("seeds/prevote="+onOff(pv), func(t *testing.T) {
			seen := map[int]bool{}
			for s := uint64(1); s <= 50; s++ {
				n := newNode(t, 1, peers3, append(opts, seed(s))...)
				got := n.tickUntil(req, 2*electionTick-1)
				if got < electionTick {
					t.Fatalf("seed %d: campaigned after %d ticks (0: not within %d): not in [%d, %d]", s, got, 2*electionTick-1, electionTick, 2*electionTick-1)
				}
				seen[got] = true
				wantState(t, n, first)
				// After campaigning its timer restarted: silent for at
				// least ElectionTick-1 ticks, campaigning again by
				// 2*ElectionTick-1.
				again := n.tickUntil(req, 2*electionTick-1)
				if again < electionTick {
					t.Fatalf("seed %d: campaigned again after %d ticks (0: not within %d): not in [%d, %d]", s, again, 2*electionTick-1, electionTick, 2*electionTick-1)
				}
			}
			// The timeout is randomized: fifty seeds do not all draw the
			// same one.
			if len(seen) < 2 {
				t.Fatalf("every seed campaigned after the same number of ticks: %v", seen)
			}
		})
	}
}

// Rule b: a leader ignores Hup: Campaign on a leader changes nothing and
// sends nothing, and its own timers never make it campaign.
func TestRuleB_LeaderIgnoresHup(t *testing.T) {
	for _, pv := range []bool{false, true} {
		t.Run("prevote="+onOff(pv), func(t *testing.T) {
			var opts []option
			if pv {
				opts = append(opts, preVote)
			}
			n := newNode(t, 1, peers3, opts...)
			n.elect(2)
			n.msgs()
			before := n.status()

			n.rn.Campaign()
			wantUnchanged(t, n, before)

			if err := n.rn.Fire(raft.ElectionTimer); !errors.Is(err, raft.ErrTimerNotRunning) {
				t.Fatalf("Fire(ElectionTimer) on a leader: got %v, want ErrTimerNotRunning", err)
			}
			wantUnchanged(t, n, before)

			// Ticking well past any election timeout only makes it send
			// heartbeats at its term.
			for k := 0; k < 3*electionTick; k++ {
				n.rn.Tick()
				for _, m := range n.msgs() {
					if m.Type != raft.MsgHeartbeat || m.Term != before.Term {
						t.Fatalf("tick %d: leader sent %v", k+1, m)
					}
				}
			}
			wantState(t, n, stateOf(before))
		})
	}
}

// Rule c: with PreVote, Hup makes the node a PreCandidate with its term and
// vote unchanged (nothing to persist) and its known leader forgotten
// (etcd#8334).
func TestRuleC_PreVoteHupMakesPreCandidate(t *testing.T) {
	n := newNode(t, 1, peers3, preVote)
	// Node 1 voted for 2 at term 2, and 2 won: it follows 2.
	n.step(voteReq(2, 1, 2, 0, 0))
	n.step(heartbeat(2, 1, 2, 0))
	n.msgs()
	wantState(t, n, state{Term: 2, Vote: 2, Lead: 2, Role: raft.Follower})

	n.rn.Campaign()
	rd := n.ready()
	wantState(t, n, state{Term: 2, Vote: 2, Lead: raft.None, Role: raft.PreCandidate})
	if !rd.HardState.IsEmpty() {
		t.Fatalf("a pre-candidate has nothing new to persist, Ready.HardState = %+v", rd.HardState)
	}
	if want := (raft.SoftState{Lead: raft.None, Role: raft.PreCandidate}); rd.SoftState == nil || *rd.SoftState != want {
		t.Fatalf("Ready.SoftState = %+v, want %+v", rd.SoftState, want)
	}
	wantMsgs(t, rd.Messages, requests(raft.MsgPreVote, 1, []uint64{2, 3}, 3, 0, 0)...)
}

// Rule d: MsgPreVote is sent for Term+1 with the last log index and term,
// to every voter except the node itself.
func TestRuleD_PreVoteRequests(t *testing.T) {
	// Node 3 of five, at term 4, with the log 1/1 2/1 3/2.
	n := restoreNode(t, 3, peers5, raft.HardState{Term: 4}, []uint64{1, 1, 2}, preVote)
	n.rn.Campaign()
	rd := n.ready()
	wantMsgs(t, rd.Messages, requests(raft.MsgPreVote, 3, []uint64{1, 2, 4, 5}, 5, 3, 2)...)
	if !rd.HardState.IsEmpty() {
		t.Fatalf("Ready.HardState = %+v, want none (term and vote unchanged)", rd.HardState)
	}
	wantState(t, n, state{Term: 4, Role: raft.PreCandidate})
}

// Rule e: a node alone in its cluster wins each stage with its own vote:
// PreCandidate, Candidate, Leader in one step, one term up, with its empty
// entry committed.
func TestRuleE_SingleNodeWinsAtOnce(t *testing.T) {
	for _, pv := range []bool{false, true} {
		var opts []option
		if pv {
			opts = append(opts, preVote)
		}
		t.Run("fresh/prevote="+onOff(pv), func(t *testing.T) {
			n := newNode(t, 1, []uint64{1}, opts...)
			n.rn.Campaign()
			rd := n.ready()
			wantState(t, n, state{Term: 1, Vote: 1, Lead: 1, Role: raft.Leader})
			empty := []raft.Entry{{Index: 1, Term: 1}}
			if want := (raft.HardState{Term: 1, Vote: 1, Commit: 1}); rd.HardState != want {
				t.Fatalf("HardState = %+v, want %+v", rd.HardState, want)
			}
			if fmt.Sprint(rd.Entries) != fmt.Sprint(empty) || fmt.Sprint(rd.CommittedEntries) != fmt.Sprint(empty) {
				t.Fatalf("Entries %v, CommittedEntries %v, want %v for both", rd.Entries, rd.CommittedEntries, empty)
			}
			if len(rd.Messages) != 0 {
				t.Fatalf("a single node sends nothing, got %v", rd.Messages)
			}
		})
		t.Run("restored/prevote="+onOff(pv), func(t *testing.T) {
			// Restarted at term 3 with the log 1/1 2/3, both committed and
			// applied.
			n := restoreNode(t, 1, []uint64{1}, raft.HardState{Term: 3, Commit: 2}, []uint64{1, 3}, append(opts, applied(2))...)
			n.rn.Campaign()
			rd := n.ready()
			wantState(t, n, state{Term: 4, Vote: 1, Lead: 1, Role: raft.Leader})
			if want := (raft.HardState{Term: 4, Vote: 1, Commit: 3}); rd.HardState != want {
				t.Fatalf("HardState = %+v, want %+v", rd.HardState, want)
			}
			empty := []raft.Entry{{Index: 3, Term: 4}}
			if fmt.Sprint(rd.Entries) != fmt.Sprint(empty) || fmt.Sprint(rd.CommittedEntries) != fmt.Sprint(empty) {
				t.Fatalf("Entries %v, CommittedEntries %v, want %v for both", rd.Entries, rd.CommittedEntries, empty)
			}
		})
		t.Run("timer/prevote="+onOff(pv), func(t *testing.T) {
			// Its own election timer is enough: leader by 2*ElectionTick-1
			// ticks, at term 1.
			n := newNode(t, 1, []uint64{1}, append(opts, seed(7))...)
			for k := 1; k < 2*electionTick && n.status().Role != raft.Leader; k++ {
				n.rn.Tick()
				n.msgs()
			}
			wantState(t, n, state{Term: 1, Vote: 1, Lead: 1, Role: raft.Leader})
		})
	}
}

// Rule f: Candidate and PreCandidate share one handler, which counts only
// the response type of the node's own stage.
func TestRuleF_EachStageCountsItsOwnResponses(t *testing.T) {
	t.Run("candidate ignores a late pre-vote response", func(t *testing.T) {
		n := newNode(t, 1, peers3, preVote)
		n.campaign()
		// 2's pre-vote grant makes a quorum: 1 is a candidate at term 1.
		got := n.stepMsgs(preVoteResp(2, 1, 1, false))
		wantMsgs(t, got, requests(raft.MsgVote, 1, []uint64{2, 3}, 1, 0, 0)...)
		wantState(t, n, state{Term: 1, Vote: 1, Role: raft.Candidate})
		before := n.status()

		// 3's pre-vote grant, for the same term, arrives late. Counted as
		// a vote it would make 1 leader; it must change nothing.
		n.step(preVoteResp(3, 1, 1, false))
		wantUnchanged(t, n, before)
		n.step(preVoteResp(3, 1, 1, true))
		wantUnchanged(t, n, before)
		if !slices.Equal(before.VotesGranted, []uint64{1}) || len(before.VotesRejected) != 0 {
			t.Fatalf("tally %v/%v, want only the candidate's own vote", before.VotesGranted, before.VotesRejected)
		}
	})
	t.Run("pre-candidate ignores a vote response", func(t *testing.T) {
		// Node 1 is at term 1 (it was a candidate of term 1 once): vote
		// responses of term 1 may still be in flight when it pre-campaigns.
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 1, Vote: 1}, nil, preVote)
		n.campaign()
		before := n.status()
		n.step(voteResp(2, 1, 1, false))
		wantUnchanged(t, n, before)
		n.step(voteResp(3, 1, 1, true))
		wantUnchanged(t, n, before)
		// Its own response type is counted.
		got := n.stepMsgs(preVoteResp(2, 1, 2, false))
		wantMsgs(t, got, requests(raft.MsgVote, 1, []uint64{2, 3}, 2, 0, 0)...)
	})
}

// Rule g: a quorum of pre-vote grants starts the real election; a quorum of
// rejections makes the node a follower at its term, knowing no leader.
func TestRuleG_PreVoteQuorum(t *testing.T) {
	t.Run("grants", func(t *testing.T) {
		n := restoreNode(t, 1, peers5, raft.HardState{Term: 1}, nil, preVote)
		n.campaign()
		// Two grants of five (with its own) and a rejection: undecided.
		if got := n.stepMsgs(preVoteResp(2, 1, 2, false)); len(got) != 0 {
			t.Fatalf("sent %v", got)
		}
		if got := n.stepMsgs(preVoteResp(4, 1, 1, true)); len(got) != 0 {
			t.Fatalf("sent %v", got)
		}
		wantState(t, n, state{Term: 1, Role: raft.PreCandidate})
		// The third grant is a quorum: a real election at term 2.
		got := n.stepMsgs(preVoteResp(3, 1, 2, false))
		wantMsgs(t, got, requests(raft.MsgVote, 1, []uint64{2, 3, 4, 5}, 2, 0, 0)...)
		wantState(t, n, state{Term: 2, Vote: 1, Role: raft.Candidate})
	})
	t.Run("rejections", func(t *testing.T) {
		n := restoreNode(t, 1, peers5, raft.HardState{Term: 1}, nil, preVote)
		n.step(heartbeat(2, 1, 1, 0)) // it follows 2 at term 1
		n.campaign()
		n.stepMsgs(preVoteResp(2, 1, 1, true))
		n.stepMsgs(preVoteResp(3, 1, 1, true))
		n.stepMsgs(preVoteResp(4, 1, 2, false))
		wantState(t, n, state{Term: 1, Role: raft.PreCandidate})
		// Three rejections of five: a quorum can no longer grant.
		n.step(preVoteResp(5, 1, 1, true))
		rd := n.ready()
		wantState(t, n, state{Term: 1, Lead: raft.None, Role: raft.Follower})
		if !rd.HardState.IsEmpty() || len(rd.Messages) != 0 {
			t.Fatalf("losing a pre-election persists and sends nothing, got %+v", rd)
		}
		// As any follower, it holds no tally (the spec's BecomeFollower).
		if st := n.status(); st.VotesGranted != nil || st.VotesRejected != nil {
			t.Fatalf("a follower with a tally: granted %v, rejected %v", st.VotesGranted, st.VotesRejected)
		}
	})
}

// Rule h: becoming Candidate raises the term, votes for itself (handed out
// for persisting with the requests) and asks every other voter for a vote
// at the new term.
func TestRuleH_BecomeCandidate(t *testing.T) {
	// Node 2 of five, at term 3 with the log 1/1 2/3.
	t.Run("timeout", func(t *testing.T) {
		n := restoreNode(t, 2, peers5, raft.HardState{Term: 3}, []uint64{1, 3})
		n.rn.Campaign()
		rd := n.ready()
		wantState(t, n, state{Term: 4, Vote: 2, Role: raft.Candidate})
		if want := (raft.HardState{Term: 4, Vote: 2}); rd.HardState != want {
			t.Fatalf("HardState = %+v, want %+v", rd.HardState, want)
		}
		wantMsgs(t, rd.Messages, requests(raft.MsgVote, 2, []uint64{1, 3, 4, 5}, 4, 2, 3)...)
	})
	t.Run("after a pre-election", func(t *testing.T) {
		n := restoreNode(t, 2, peers5, raft.HardState{Term: 3}, []uint64{1, 3}, preVote)
		n.campaign()
		n.step(preVoteResp(1, 2, 4, false))
		n.step(preVoteResp(3, 2, 4, false))
		rd := n.ready()
		wantState(t, n, state{Term: 4, Vote: 2, Role: raft.Candidate})
		if want := (raft.HardState{Term: 4, Vote: 2}); rd.HardState != want {
			t.Fatalf("HardState = %+v, want %+v", rd.HardState, want)
		}
		wantMsgs(t, rd.Messages, requests(raft.MsgVote, 2, []uint64{1, 3, 4, 5}, 4, 2, 3)...)
	})
}

// Rule i: a quorum of votes makes the candidate leader: it appends an empty
// entry of its term and sends appends to every follower at once.
func TestRuleI_VoteQuorumMakesLeader(t *testing.T) {
	// Node 1 of three, at term 1 with the entry 1/1 committed.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 1, Commit: 1}, []uint64{1}, applied(1))
	n.campaign()
	wantState(t, n, state{Term: 2, Vote: 1, Role: raft.Candidate})
	n.step(voteResp(3, 1, 2, false))
	rd := n.ready()
	wantState(t, n, state{Term: 2, Vote: 1, Lead: 1, Role: raft.Leader})
	empty := []raft.Entry{{Index: 2, Term: 2}}
	if fmt.Sprint(rd.Entries) != fmt.Sprint(empty) {
		t.Fatalf("Entries = %v, want the empty entry %v", rd.Entries, empty)
	}
	app := func(to uint64) raft.Message {
		return raft.Message{Type: raft.MsgApp, From: 1, To: to, Term: 2, Index: 1, LogTerm: 1, Entries: empty, Commit: 1}
	}
	wantMsgs(t, rd.Messages, app(2), app(3))
	if st := n.status(); st.Commit != 1 {
		t.Fatalf("commit %d: the empty entry is not committed before a quorum holds it", st.Commit)
	}
}

// Rule j: how a voter decides. It grants if the candidate's log is at
// least as up to date and it has voted for this candidate, or has no vote
// and knows no leader, or (pre-vote only) the request is for a higher term.
// A grant echoes the request term, a rejection carries the voter's term. A
// pre-vote changes nothing; a real vote is recorded, one per term, and
// handed out for persisting in the same Ready as the response.
func TestRuleJ_VoteDecision(t *testing.T) {
	// The voter is node 1 of three at term 2 with the log 1/1 2/2, in one
	// of four situations. Node 2 is the candidate.
	type setup int
	const (
		free       setup = iota // no vote, no known leader
		votedCand               // voted for 2
		votedOther              // voted for 3
		hasLeader               // no vote, follows 3
	)
	voter := func(t *testing.T, s setup) *node {
		hs := raft.HardState{Term: 2}
		switch s {
		case votedCand:
			hs.Vote = 2
		case votedOther:
			hs.Vote = 3
		}
		n := restoreNode(t, 1, peers3, hs, []uint64{1, 2}, preVote)
		if s == hasLeader {
			n.step(heartbeat(3, 1, 2, 0))
			n.msgs()
		}
		return n
	}
	cases := []struct {
		name   string
		setup  setup
		req    raft.Message
		grant  bool
		term   uint64 // of the response
		after  state  // the voter's state after
		record bool   // the voter has a new term or vote to persist
	}{
		{"vote/free/longer log", free, voteReq(2, 1, 2, 3, 2), true, 2, state{2, 2, 0, raft.Follower}, true},
		{"vote/free/equal log", free, voteReq(2, 1, 2, 2, 2), true, 2, state{2, 2, 0, raft.Follower}, true},
		{"vote/free/lower last term, longer log", free, voteReq(2, 1, 2, 5, 1), false, 2, state{2, 0, 0, raft.Follower}, false},
		{"vote/free/same last term, shorter log", free, voteReq(2, 1, 2, 1, 2), false, 2, state{2, 0, 0, raft.Follower}, false},
		{"vote/voted for the candidate", votedCand, voteReq(2, 1, 2, 2, 2), true, 2, state{2, 2, 0, raft.Follower}, false},
		{"vote/voted for another", votedOther, voteReq(2, 1, 2, 3, 2), false, 2, state{2, 3, 0, raft.Follower}, false},
		{"vote/knows a leader", hasLeader, voteReq(2, 1, 2, 3, 2), false, 2, state{2, 0, 3, raft.Follower}, false},
		{"vote/higher term, higher last term, shorter log", free, voteReq(2, 1, 3, 1, 3), true, 3, state{3, 2, 0, raft.Follower}, true},
		{"vote/higher term forgets the vote", votedOther, voteReq(2, 1, 3, 2, 2), true, 3, state{3, 2, 0, raft.Follower}, true},
		{"vote/higher term forgets the leader", hasLeader, voteReq(2, 1, 3, 2, 2), true, 3, state{3, 2, 0, raft.Follower}, true},
		{"vote/higher term, log behind", free, voteReq(2, 1, 3, 1, 1), false, 3, state{3, 0, 0, raft.Follower}, true},
		{"prevote/higher term, voted for another", votedOther, preVoteReq(2, 1, 3, 2, 2), true, 3, state{2, 3, 0, raft.Follower}, false},
		{"prevote/higher term, knows a leader", hasLeader, preVoteReq(2, 1, 3, 2, 2), true, 3, state{2, 0, 3, raft.Follower}, false},
		{"prevote/higher term, higher last term, shorter log", free, preVoteReq(2, 1, 3, 1, 3), true, 3, state{2, 0, 0, raft.Follower}, false},
		{"prevote/higher term, log behind", votedOther, preVoteReq(2, 1, 3, 1, 1), false, 2, state{2, 3, 0, raft.Follower}, false},
		{"prevote/same term, free", free, preVoteReq(2, 1, 2, 2, 2), true, 2, state{2, 0, 0, raft.Follower}, false},
		{"prevote/same term, voted for the candidate", votedCand, preVoteReq(2, 1, 2, 2, 2), true, 2, state{2, 2, 0, raft.Follower}, false},
		{"prevote/same term, voted for another", votedOther, preVoteReq(2, 1, 2, 3, 2), false, 2, state{2, 3, 0, raft.Follower}, false},
		{"prevote/same term, knows a leader", hasLeader, preVoteReq(2, 1, 2, 3, 2), false, 2, state{2, 0, 3, raft.Follower}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := voter(t, c.setup)
			before := n.status()
			n.step(c.req)
			rd := n.ready()
			respType := raft.MsgVoteResp
			if c.req.Type == raft.MsgPreVote {
				respType = raft.MsgPreVoteResp
			}
			wantMsgs(t, rd.Messages, raft.Message{Type: respType, From: 1, To: 2, Term: c.term, Reject: !c.grant})
			wantState(t, n, c.after)
			// What changed is persisted in the same Ready as the response,
			// and only then.
			if c.record {
				if want := (raft.HardState{Term: c.after.Term, Vote: c.after.Vote}); rd.HardState != want {
					t.Fatalf("HardState = %+v, want %+v with the response", rd.HardState, want)
				}
			} else if !rd.HardState.IsEmpty() {
				t.Fatalf("HardState = %+v, want none", rd.HardState)
			}
			if c.req.Type == raft.MsgPreVote {
				if rd.SoftState != nil {
					t.Fatalf("a pre-vote changed the soft state to %+v", *rd.SoftState)
				}
				if after := n.status(); after.Lease != before.Lease || after.Lead != before.Lead {
					t.Fatalf("a pre-vote changed the lease or leader: %+v -> %+v", before, after)
				}
			}
			if n.rn.HasReady() {
				t.Fatalf("more to hand out after the response: %+v", n.rn.Ready())
			}
		})
	}

	t.Run("one vote per term", func(t *testing.T) {
		n := voter(t, free)
		wantMsgs(t, n.stepMsgs(voteReq(2, 1, 2, 2, 2)), voteResp(1, 2, 2, false))
		// 3's log is as good, but the vote of term 2 is taken.
		wantMsgs(t, n.stepMsgs(voteReq(3, 1, 2, 2, 2)), voteResp(1, 3, 2, true))
		// 2 asking again (a duplicate) gets the same answer.
		wantMsgs(t, n.stepMsgs(voteReq(2, 1, 2, 2, 2)), voteResp(1, 2, 2, false))
		if hs, _ := n.st.InitialState(); hs.Vote != 2 || hs.Term != 2 {
			t.Fatalf("persisted %+v, want the vote for 2 at term 2", hs)
		}
	})

	t.Run("a pre-vote leaves the election timer alone", func(t *testing.T) {
		// The voter follows 3 and times out exactly ElectionTick+5 ticks
		// after hearing from it. One tick before, it answers two pre-vote
		// requests (a grant and a rejection): it must still time out on
		// time.
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2}, preVote, timeout(5))
		n.step(heartbeat(3, 1, 2, 0))
		n.msgs()
		for range electionTick + 4 {
			n.rn.Tick()
		}
		if got := n.msgs(); len(got) != 0 {
			t.Fatalf("sent %v before its timeout", got)
		}
		wantMsgs(t, n.stepMsgs(preVoteReq(2, 1, 3, 2, 2)), preVoteResp(1, 2, 3, false))
		wantMsgs(t, n.stepMsgs(preVoteReq(2, 1, 3, 1, 1)), preVoteResp(1, 2, 2, true))
		if got := n.tickUntil(raft.MsgPreVote, 2*electionTick); got != 1 {
			t.Fatalf("timed out %d ticks after the pre-votes, want 1 (its timer was reset)", got)
		}
	})

	t.Run("a granted vote restarts the election timer", func(t *testing.T) {
		// The same voter, free at term 2, grants a vote of its own term one
		// tick before its timeout: it waits a whole timeout again.
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2}, preVote, timeout(5))
		for range electionTick + 4 {
			n.rn.Tick()
		}
		wantMsgs(t, n.stepMsgs(voteReq(2, 1, 2, 2, 2)), voteResp(1, 2, 2, false))
		if got := n.tickUntil(raft.MsgPreVote, 3*electionTick); got != electionTick+5 {
			t.Fatalf("timed out %d ticks after voting, want %d", got, electionTick+5)
		}
	})
}

// Rule k: terms. A lower-term pre-vote request gets an explicit rejection
// with the voter's term (etcd#8243); a rejected pre-vote with a higher term
// makes the pre-candidate a follower at that term; any other message of a
// higher term makes the receiver a follower at that term, except a
// pre-vote request and a granted pre-vote response, which never change the
// receiver's term.
func TestRuleK_Terms(t *testing.T) {
	t.Run("lower-term pre-vote is rejected explicitly", func(t *testing.T) {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 3}, nil, preVote)
		before := n.status()
		// However good the candidate's log, the answer is a rejection that
		// tells it term 3.
		got := n.stepMsgs(preVoteReq(2, 1, 2, 9, 2))
		wantMsgs(t, got, preVoteResp(1, 2, 3, true))
		wantUnchanged(t, n, before)
		// A lower-term vote request is simply dropped.
		if got := n.stepMsgs(voteReq(2, 1, 2, 9, 2)); len(got) != 0 {
			t.Fatalf("answered a stale vote request with %v", got)
		}
		wantUnchanged(t, n, before)
	})
	t.Run("higher-term pre-vote rejection makes a follower", func(t *testing.T) {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 1, Vote: 1}, nil, preVote)
		n.campaign()
		n.step(preVoteResp(2, 1, 5, true))
		rd := n.ready()
		wantState(t, n, state{Term: 5, Role: raft.Follower})
		if want := (raft.HardState{Term: 5}); rd.HardState != want {
			t.Fatalf("HardState = %+v, want %+v", rd.HardState, want)
		}
	})
	t.Run("granted pre-vote response keeps the term", func(t *testing.T) {
		n := restoreNode(t, 1, peers5, raft.HardState{Term: 1}, nil, preVote)
		n.campaign()
		n.step(preVoteResp(2, 1, 2, false))
		wantState(t, n, state{Term: 1, Role: raft.PreCandidate})
		if st := n.status(); !slices.Equal(st.VotesGranted, []uint64{1, 2}) {
			t.Fatalf("granted %v, want [1 2]", st.VotesGranted)
		}
	})

	// Any role, at a term below 5, receiving a message of term 5 from 2.
	roles := []struct {
		role  raft.StateRole
		setup func(t *testing.T) *node
	}{
		{raft.Follower, func(t *testing.T) *node {
			n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Vote: 3}, []uint64{1, 2}, preVote)
			n.step(heartbeat(3, 1, 2, 0))
			return n
		}},
		{raft.PreCandidate, func(t *testing.T) *node {
			n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2}, preVote)
			n.campaign()
			return n
		}},
		{raft.Candidate, func(t *testing.T) *node {
			n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2})
			n.campaign()
			return n
		}},
		{raft.Leader, func(t *testing.T) *node {
			n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2})
			n.elect(3)
			return n
		}},
	}
	higher := []struct {
		m    raft.Message
		want state // the receiver's state after
	}{
		{raft.Message{Type: raft.MsgApp, From: 2, To: 1, Term: 5}, state{Term: 5, Lead: 2, Role: raft.Follower}},
		{heartbeat(2, 1, 5, 0), state{Term: 5, Lead: 2, Role: raft.Follower}},
		{voteReq(2, 1, 5, 9, 5), state{Term: 5, Vote: 2, Role: raft.Follower}},
		{voteResp(2, 1, 5, true), state{Term: 5, Role: raft.Follower}},
		{voteResp(2, 1, 5, false), state{Term: 5, Role: raft.Follower}},
		{raft.Message{Type: raft.MsgAppResp, From: 2, To: 1, Term: 5}, state{Term: 5, Role: raft.Follower}},
		{raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: 5}, state{Term: 5, Role: raft.Follower}},
		{preVoteResp(2, 1, 5, true), state{Term: 5, Role: raft.Follower}},
	}
	for _, r := range roles {
		for _, h := range higher {
			name := fmt.Sprintf("%v receives %v", r.role, h.m.Type)
			if h.m.Type == raft.MsgVoteResp && !h.m.Reject {
				name += " grant"
			}
			t.Run(name, func(t *testing.T) {
				n := r.setup(t)
				n.msgs()
				if n.status().Role != r.role {
					t.Fatalf("setup: %v, want %v", n.status().Role, r.role)
				}
				n.step(h.m)
				wantState(t, n, h.want)
				if hs, _ := n.st.InitialState(); hs.Term == 5 {
					t.Fatalf("term persisted before the Ready: %+v", hs)
				}
				if rd := n.ready(); rd.HardState.Term != 5 {
					t.Fatalf("HardState = %+v, want term 5 to persist", rd.HardState)
				}
			})
		}
		t.Run(fmt.Sprintf("%v receives a higher-term pre-vote request", r.role), func(t *testing.T) {
			n := r.setup(t)
			n.msgs()
			before := n.status()
			got := n.stepMsgs(preVoteReq(2, 1, 5, 9, 5))
			wantMsgs(t, got, preVoteResp(1, 2, 5, false))
			wantUnchanged(t, n, before)
		})
		t.Run(fmt.Sprintf("%v receives a higher-term pre-vote grant", r.role), func(t *testing.T) {
			n := r.setup(t)
			n.msgs()
			before := n.status()
			n.step(preVoteResp(2, 1, before.Term+1, false))
			n.msgs()
			if r.role == raft.PreCandidate {
				// It is counted, and wins the pre-election: the term grows
				// by the real election, to the term it asked for.
				wantState(t, n, state{Term: before.Term + 1, Vote: 1, Role: raft.Candidate})
				return
			}
			wantState(t, n, stateOf(before))
		})
	}
}

// Rule l: CheckQuorum. A follower that heard from its leader within the
// election timeout, and a leader, ignore higher-term vote and pre-vote
// requests (the lease); a leader that has not heard from a quorum within an
// election timeout steps down. ThesisPreVote rejects pre-votes while
// hearing from a leader even without CheckQuorum.
func TestRuleL_CheckQuorumLease(t *testing.T) {
	// follower is node 1 at term 1 following 3, with an empty log and an
	// election timeout of 2*ElectionTick-1 (so that the lease, of
	// ElectionTick ticks, ends before it campaigns).
	follower := func(t *testing.T, opts ...option) *node {
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 1}, nil, append(opts, timeout(electionTick-1))...)
		n.step(heartbeat(3, 1, 1, 0))
		n.msgs()
		return n
	}
	for _, pv := range []bool{false, true} {
		t.Run("follower lease/prevote="+onOff(pv), func(t *testing.T) {
			opts := []option{checkQuorum}
			if pv {
				opts = append(opts, preVote)
			}
			n := follower(t, opts...)
			for range electionTick - 1 {
				n.rn.Tick()
			}
			before := n.status()
			if !before.Lease {
				t.Fatalf("no lease %d ticks after hearing from the leader", electionTick-1)
			}
			// Within the lease both requests are ignored: no answer, no
			// change.
			if got := n.stepMsgs(voteReq(2, 1, 2, 0, 0)); len(got) != 0 {
				t.Fatalf("answered within the lease: %v", got)
			}
			if got := n.stepMsgs(preVoteReq(2, 1, 2, 0, 0)); len(got) != 0 {
				t.Fatalf("answered within the lease: %v", got)
			}
			wantUnchanged(t, n, before)
			// One more tick and the lease is over: the same requests are
			// granted.
			n.rn.Tick()
			if n.status().Lease {
				t.Fatalf("lease still held %d ticks after hearing from the leader", electionTick)
			}
			wantMsgs(t, n.stepMsgs(preVoteReq(2, 1, 2, 0, 0)), preVoteResp(1, 2, 2, false))
			wantMsgs(t, n.stepMsgs(voteReq(2, 1, 2, 0, 0)), voteResp(1, 2, 2, false))
			wantState(t, n, state{Term: 2, Vote: 2, Role: raft.Follower})
		})
	}
	t.Run("no lease without CheckQuorum", func(t *testing.T) {
		n := follower(t)
		if n.status().Lease {
			t.Fatal("lease without CheckQuorum")
		}
		wantMsgs(t, n.stepMsgs(voteReq(2, 1, 2, 0, 0)), voteResp(1, 2, 2, false))
		wantState(t, n, state{Term: 2, Vote: 2, Role: raft.Follower})
	})
	t.Run("leader lease", func(t *testing.T) {
		n := newNode(t, 1, peers3, checkQuorum, preVote)
		n.elect(2)
		n.msgs()
		before := n.status()
		if got := n.stepMsgs(voteReq(2, 1, 2, 9, 9)); len(got) != 0 {
			t.Fatalf("leader answered %v", got)
		}
		if got := n.stepMsgs(preVoteReq(3, 1, 2, 9, 9)); len(got) != 0 {
			t.Fatalf("leader answered %v", got)
		}
		wantUnchanged(t, n, before)
	})
	t.Run("leader without a quorum steps down", func(t *testing.T) {
		n := newNode(t, 1, peers3, checkQuorum)
		n.elect(2)
		n.msgs()
		// Nobody answers its heartbeats.
		for range electionTick - 1 {
			n.rn.Tick()
		}
		n.msgs()
		wantState(t, n, state{Term: 1, Vote: 1, Lead: 1, Role: raft.Leader})
		n.rn.Tick()
		n.msgs()
		wantState(t, n, state{Term: 1, Vote: 1, Lead: raft.None, Role: raft.Follower})
	})
	t.Run("leader with a quorum stays", func(t *testing.T) {
		n := newNode(t, 1, peers3, checkQuorum)
		n.elect(2)
		n.msgs()
		// 2 answers every heartbeat: with 1 itself, a quorum.
		for range 3 * electionTick {
			n.rn.Tick()
			for _, m := range n.msgs() {
				if m.Type == raft.MsgHeartbeat && m.To == 2 {
					n.step(raft.Message{Type: raft.MsgHeartbeatResp, From: 2, To: 1, Term: m.Term})
				}
			}
		}
		wantState(t, n, state{Term: 1, Vote: 1, Lead: 1, Role: raft.Leader})
	})
	t.Run("thesis pre-vote", func(t *testing.T) {
		for _, thesis := range []bool{false, true} {
			opts := []option{preVote}
			if thesis {
				opts = append(opts, thesisPreVote)
			}
			n := follower(t, opts...)
			before := n.status()
			got := n.stepMsgs(preVoteReq(2, 1, 2, 0, 0))
			if !thesis {
				// etcd's pre-vote only looks at the term and the log.
				wantMsgs(t, got, preVoteResp(1, 2, 2, false))
				continue
			}
			// Hearing from its leader, it rejects (explicitly: there is no
			// lease to ignore the request within), changing nothing.
			wantMsgs(t, got, preVoteResp(1, 2, 1, true))
			wantUnchanged(t, n, before)
			// Once an election timeout has passed without the leader, it
			// grants.
			for range electionTick {
				n.rn.Tick()
			}
			wantMsgs(t, n.stepMsgs(preVoteReq(2, 1, 2, 0, 0)), preVoteResp(1, 2, 2, false))
		}
	})
}
