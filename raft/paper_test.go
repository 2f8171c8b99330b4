package raft_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// The tests in this file check the rules of the Raft paper (Ongaro and
// Ousterhout 2014, Figure 2 and section 5) for log replication and
// commitment, with etcd's refinements (rejection hints, probe and
// replicate).

func app(from, to, term, prevIndex, prevTerm, commit uint64, ents ...raft.Entry) raft.Message {
	return raft.Message{Type: raft.MsgApp, From: from, To: to, Term: term, Index: prevIndex, LogTerm: prevTerm, Commit: commit, Entries: ents}
}

func ack(from, to, term, index uint64) raft.Message {
	return raft.Message{Type: raft.MsgAppResp, From: from, To: to, Term: term, Index: index}
}

func reject(from, to, term, index, hint, hintTerm uint64) raft.Message {
	return raft.Message{Type: raft.MsgAppResp, From: from, To: to, Term: term, Index: index, Reject: true, RejectHint: hint, LogTerm: hintTerm}
}

func ent(index, term uint64, data ...string) raft.Entry {
	e := raft.Entry{Index: index, Term: term}
	if len(data) > 0 {
		e.Data = []byte(data[0])
	}
	return e
}

// wantLog fails the test unless the node's log has the given terms.
func wantLog(t testing.TB, n *node, terms ...uint64) {
	t.Helper()
	if got := entryTerms(n.rn.Log()); !slices.Equal(got, terms) {
		t.Fatalf("log terms %v, want %v", got, terms)
	}
}

// A follower accepts an append only if its log holds the entry before the
// new ones with the same term (Figure 2, AppendEntries 2); otherwise it
// rejects, naming the anchor and a hint of where the logs may agree.
func TestPaper_FollowerRejectsMismatchedAppend(t *testing.T) {
	// Follower 1 at term 2 with the log 1/1 2/2; leader 2 at term 3.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 2}, []uint64{1, 2})

	// The anchor 2/3 does not match 2/2. The hint: the last index at or
	// below 2 whose term is at most 3, that is 2/2.
	wantMsgs(t, n.stepMsgs(app(2, 1, 3, 2, 3, 0, ent(3, 3))), reject(1, 2, 3, 2, 2, 2))
	wantLog(t, n, 1, 2)
	wantState(t, n, state{Term: 3, Lead: 2, Role: raft.Follower})

	// An anchor past the end of the log: rejected, hinting at its end.
	wantMsgs(t, n.stepMsgs(app(2, 1, 3, 5, 3, 0, ent(6, 3))), reject(1, 2, 3, 5, 2, 2))
	wantLog(t, n, 1, 2)

	// The matching anchor 2/2 is accepted.
	wantMsgs(t, n.stepMsgs(app(2, 1, 3, 2, 2, 0, ent(3, 3))), ack(1, 2, 3, 3))
	wantLog(t, n, 1, 2, 3)
}

// An existing entry that conflicts with a new one (same index, different
// term) is deleted with everything after it (Figure 2, AppendEntries 3);
// entries that agree are kept, so an old, shorter append does not truncate
// the log.
func TestPaper_ConflictingSuffixTruncated(t *testing.T) {
	// Follower 1 at term 2 with 1/1 2/1 3/2 4/2, of which 1 is committed.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Commit: 1}, []uint64{1, 1, 2, 2}, applied(1))

	// The leader of term 3 replaces 3/2 4/2 with 3/3.
	n.step(app(2, 1, 3, 2, 1, 1, ent(3, 3)))
	rd := n.ready()
	wantMsgs(t, rd.Messages, ack(1, 2, 3, 3))
	wantLog(t, n, 1, 1, 3)
	if fmt.Sprint(rd.Entries) != fmt.Sprint([]raft.Entry{ent(3, 3)}) {
		t.Fatalf("Entries to persist %v, want the replacing entry 3/3", rd.Entries)
	}

	// A delayed append of the same leader carrying 2/1 only: nothing
	// conflicts, nothing is removed.
	wantMsgs(t, n.stepMsgs(app(2, 1, 3, 1, 1, 1, ent(2, 1))), ack(1, 2, 3, 2))
	wantLog(t, n, 1, 1, 3)
}

// Figure 8: a leader never commits an entry of an earlier term by counting
// its replicas; it is committed only with an entry of the leader's term
// stored on a quorum (section 5.4.2).
func TestPaper_NoCommitOfEarlierTermByCounting(t *testing.T) {
	// Node 1 of five led term 2 and appended 2/2, which reached no one.
	// Now at term 3 it is elected for term 4 (votes of 2 and 3), and
	// appends its empty entry 3/4.
	n := restoreNode(t, 1, peers5, raft.HardState{Term: 3, Commit: 1}, []uint64{1, 2}, applied(1))
	n.elect(2, 3)
	wantLog(t, n, 1, 2, 4)

	// 2 and 3 come to hold 2/2: with 1 itself, three of five hold index 2,
	// but 2/2 is of term 2: it is not committed.
	n.stepMsgs(ack(2, 1, 4, 2))
	n.stepMsgs(ack(3, 1, 4, 2))
	if c := n.status().Commit; c != 1 {
		t.Fatalf("commit %d with a quorum holding an entry of term 2 only, want 1", c)
	}
	// 2 holds 3/4: two of five.
	n.stepMsgs(ack(2, 1, 4, 3))
	if c := n.status().Commit; c != 1 {
		t.Fatalf("commit %d with two of five holding 3/4, want 1", c)
	}
	// 3 holds 3/4: a quorum holds an entry of term 4, which commits it and
	// everything before it, 2/2 included.
	n.step(ack(3, 1, 4, 3))
	rd := n.ready()
	if c := n.status().Commit; c != 3 {
		t.Fatalf("commit %d, want 3", c)
	}
	if got := entryTerms(rd.CommittedEntries); !slices.Equal(got, []uint64{2, 4}) {
		t.Fatalf("committed entries of terms %v, want [2 4]", got)
	}
	// The new commit is broadcast at once to the followers in Replicate.
	for _, m := range rd.Messages {
		if m.Type != raft.MsgApp || m.Commit != 3 {
			t.Fatalf("unexpected %v", m)
		}
	}
	if len(rd.Messages) != 2 {
		t.Fatalf("commit sent to %d followers, want 2 (2 and 3)", len(rd.Messages))
	}
}

// The commit index advances when a quorum holds an entry of the current
// term (section 5.3), not before, and an entry is handed out for applying
// only once committed.
func TestPaper_CommitAdvancesOnQuorum(t *testing.T) {
	n := newNode(t, 1, peers5)
	n.elect(2, 3)
	n.msgs()
	if err := n.rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	n.msgs()
	for k, from := range []uint64{2, 3} {
		n.step(ack(from, 1, 1, 2))
		rd := n.ready()
		want := []uint64{0, 2}[k] // with 1 itself: two of five, then three
		if c := n.status().Commit; c != want {
			t.Fatalf("after %d acks: commit %d, want %d", k+1, c, want)
		}
		if want == 0 && len(rd.CommittedEntries) != 0 {
			t.Fatalf("applying uncommitted %v", rd.CommittedEntries)
		}
		if want == 2 && fmt.Sprint(rd.CommittedEntries) != fmt.Sprint([]raft.Entry{ent(1, 1), ent(2, 1, "x")}) {
			t.Fatalf("CommittedEntries %v", rd.CommittedEntries)
		}
	}
}

// A follower sets its commit index to min(leaderCommit, index of last new
// entry) (Figure 2, AppendEntries 5), and never lowers it.
func TestPaper_FollowerAdvancesCommitFromLeader(t *testing.T) {
	n := newNode(t, 1, peers3)
	commit := func(want uint64, wantApplied ...uint64) {
		t.Helper()
		rd := n.ready()
		if c := n.status().Commit; c != want {
			t.Fatalf("commit %d, want %d", c, want)
		}
		var got []uint64
		for _, e := range rd.CommittedEntries {
			got = append(got, e.Index)
		}
		if !slices.Equal(got, wantApplied) {
			t.Fatalf("applied %v, want %v", got, wantApplied)
		}
	}
	n.step(app(2, 1, 1, 0, 0, 1, ent(1, 1), ent(2, 1), ent(3, 1)))
	commit(1, 1)
	// A reordered append carrying only 2/1 with the leader's newer commit
	// 3: only what the append itself vouches for, up to 2, is committed.
	n.step(app(2, 1, 1, 1, 1, 3, ent(2, 1)))
	commit(2, 2)
	// A heartbeat brings the commit to 3.
	n.step(heartbeat(2, 1, 1, 3))
	commit(3, 3)
	// An older, lower commit lowers nothing.
	n.step(heartbeat(2, 1, 1, 1))
	n.step(app(2, 1, 1, 3, 1, 2))
	commit(3)
}

// A heartbeat carries the leader's commit bounded by what the follower is
// known to hold, so that it never commits past its match.
func TestPaper_HeartbeatCommitBoundedByMatch(t *testing.T) {
	n := newNode(t, 1, peers3)
	n.elect(2)
	n.stepMsgs(ack(2, 1, 1, 1))
	if err := n.rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	n.msgs()
	n.stepMsgs(ack(2, 1, 1, 2))
	if c := n.status().Commit; c != 2 {
		t.Fatalf("commit %d, want 2", c)
	}
	// 2 holds everything, 3 nothing known.
	if err := n.rn.Fire(raft.HeartbeatTimer); err != nil {
		t.Fatal(err)
	}
	wantMsgs(t, n.msgs(), heartbeat(1, 2, 1, 2), heartbeat(1, 3, 1, 0))
	// 3 turns out to hold 1/1.
	n.stepMsgs(ack(3, 1, 1, 1))
	if err := n.rn.Fire(raft.HeartbeatTimer); err != nil {
		t.Fatal(err)
	}
	wantMsgs(t, n.msgs(), heartbeat(1, 2, 1, 2), heartbeat(1, 3, 1, 1))
}

// figure7 is the leader's log of Figure 7 of the Raft paper (terms of
// entries 1 to 10); the leader is elected for term 8.
var figure7 = []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}

// The leader backs off its next index with the follower's rejection hint
// (etcd's findConflictByTerm on both sides), skipping a whole term at a
// time: each follower of Figure 7 costs at most one rejection.
func TestPaper_LeaderBacksOffWithHints(t *testing.T) {
	cases := []struct {
		name     string
		follower []uint64
		// rejects are the rejections the follower sends, in order.
		rejects []raft.Message
		// probes are the anchors (index/term) of the leader's appends
		// carrying entries (the last append only announces the commit).
		probes []string
	}{
		// (a) lacks 10/6: it hints at its end 9/6, the leader resumes at 10.
		{"a", []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6}, []raft.Message{reject(2, 1, 8, 10, 9, 6)}, []string{"10/6", "9/6"}},
		// (b) stops at 4/4: hint 4/4, the leader resumes at 5.
		{"b", []uint64{1, 1, 1, 4}, []raft.Message{reject(2, 1, 8, 10, 4, 4)}, []string{"10/6", "4/4"}},
		// (c) and (d) hold 10/6: accepted at once, their extra entries
		// replaced by 11/8.
		{"c", []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, nil, []string{"10/6"}},
		{"d", []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, nil, []string{"10/6"}},
		// (e) ends with 6/4 7/4: hint 7/4; the leader's last entry of term
		// at most 4 is 5/4, where it resumes.
		{"e", []uint64{1, 1, 1, 4, 4, 4, 4}, []raft.Message{reject(2, 1, 8, 10, 7, 4)}, []string{"10/6", "5/4"}},
		// (f) has 10/3: hint 10/3; the leader's last entry of term at most
		// 3 is 3/1.
		{"f", []uint64{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, []raft.Message{reject(2, 1, 8, 10, 10, 3)}, []string{"10/6", "3/1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leader := restoreNode(t, 1, peers3, raft.HardState{Term: 7}, figure7)
			follower := restoreNode(t, 2, peers3, raft.HardState{Term: 7}, c.follower)
			pending := leader.elect(3)
			var rejects []raft.Message
			var probes []string
			for len(pending) > 0 {
				m := pending[0]
				pending = pending[1:]
				switch {
				case m.To == 3:
					continue // 3 is not part of this story
				case m.To == 2:
					if m.Type == raft.MsgApp && len(m.Entries) > 0 {
						probes = append(probes, fmt.Sprintf("%d/%d", m.Index, m.LogTerm))
					}
					pending = append(pending, follower.stepMsgs(m)...)
				case m.To == 1:
					if m.Reject {
						rejects = append(rejects, m)
					}
					pending = append(pending, leader.stepMsgs(m)...)
				}
			}
			wantMsgs(t, rejects, c.rejects...)
			if !slices.Equal(probes, c.probes) {
				t.Fatalf("appends anchored at %v, want %v", probes, c.probes)
			}
			wantLog(t, follower, append(slices.Clone(figure7), 8)...)
			if pr := leader.status().Progress[2]; pr.Match != 11 || pr.Mode != raft.ProgressReplicate {
				t.Fatalf("leader's progress of 2: %v, want Replicate match=11", pr)
			}
		})
	}
}

// A leader probes a follower it knows nothing of with one append at a
// time; the first acknowledgement moves it to Replicate, where appends are
// sent without waiting; a rejection goes back to Probe; a heartbeat
// response unpauses a probe.
func TestPaper_ProbeAndReplicate(t *testing.T) {
	// Node 1 of three has 1/1 2/1 3/1 and is elected for term 2.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 1}, []uint64{1, 1, 1})
	wantMsgs(t, n.elect(3),
		app(1, 2, 2, 3, 1, 0, ent(4, 2)),
		app(1, 3, 2, 3, 1, 0, ent(4, 2)))
	mode := func(id uint64, want raft.Progress) {
		t.Helper()
		if got := n.status().Progress[id]; got != want {
			t.Fatalf("progress of %d: %v, want %v", id, got, want)
		}
	}
	mode(2, raft.Progress{Mode: raft.ProgressProbe, Next: 4, Paused: true})

	// Both followers are paused: a proposal sends nothing.
	if err := n.rn.Propose([]byte("a")); err != nil {
		t.Fatal(err)
	}
	wantMsgs(t, n.msgs())

	// 2 acknowledges 4: Replicate, and the rest is sent at once, with the
	// commit 4 (1 and 2 are a quorum holding 4/2).
	wantMsgs(t, n.stepMsgs(ack(2, 1, 2, 4)), app(1, 2, 2, 4, 2, 4, ent(5, 2, "a")))
	mode(2, raft.Progress{Mode: raft.ProgressReplicate, Match: 4, Next: 6, SentCommit: 4, RecentActive: true})

	// A new proposal goes to 2 without waiting for its answer; 3 is still
	// paused.
	if err := n.rn.Propose([]byte("b")); err != nil {
		t.Fatal(err)
	}
	wantMsgs(t, n.msgs(), app(1, 2, 2, 5, 2, 4, ent(6, 2, "b")))
	mode(2, raft.Progress{Mode: raft.ProgressReplicate, Match: 4, Next: 7, SentCommit: 4, RecentActive: true})

	// 2 rejects the append anchored at 5 (it lost it): back to Probe from
	// its match, with one append.
	wantMsgs(t, n.stepMsgs(reject(2, 1, 2, 5, 4, 2)), app(1, 2, 2, 4, 2, 4, ent(5, 2, "a"), ent(6, 2, "b")))
	mode(2, raft.Progress{Mode: raft.ProgressProbe, Match: 4, Next: 5, Paused: true, SentCommit: 4, RecentActive: true})

	// 3 answers a heartbeat: its probe is resent, carrying everything.
	hb := raft.Message{Type: raft.MsgHeartbeatResp, From: 3, To: 1, Term: 2}
	wantMsgs(t, n.stepMsgs(hb), app(1, 3, 2, 3, 1, 4, ent(4, 2), ent(5, 2, "a"), ent(6, 2, "b")))
}

// An ack that commits nothing still earns the follower an append carrying
// the commit, if the leader has not yet sent it a commit that covers what it
// holds (etcd v3.6 on: stepLeader on MsgAppResp, Progress.CanBumpCommit and
// sentCommit; the follower need not wait for the next heartbeat). The commit
// last sent is recorded by appends and heartbeats alike.
func TestPaper_AckSendsCommitToLaggingFollower(t *testing.T) {
	hbResp := func(from, term uint64) raft.Message {
		return raft.Message{Type: raft.MsgHeartbeatResp, From: from, To: 1, Term: term}
	}
	sentCommit := func(t *testing.T, n *node, id, want uint64) {
		t.Helper()
		if got := n.status().Progress[id].SentCommit; got != want {
			t.Fatalf("SentCommit of %d: %d, want %d", id, got, want)
		}
	}
	// 1 leads with the votes of 2, and sends its empty entry 1/1 to 2 and
	// 3; 3 is probed, so paused. 2's ack commits 1, sent to 2 alone.
	start := func(t *testing.T) *node {
		t.Helper()
		n := newNode(t, 1, peers3)
		wantMsgs(t, n.elect(2), app(1, 2, 1, 0, 0, 0, ent(1, 1)), app(1, 3, 1, 0, 0, 0, ent(1, 1)))
		wantMsgs(t, n.stepMsgs(ack(2, 1, 1, 1)), app(1, 2, 1, 1, 1, 1))
		sentCommit(t, n, 3, 0)
		return n
	}

	t.Run("ack of the entry the commit covers", func(t *testing.T) {
		n := start(t)
		// 3's ack commits nothing, but 3 was never sent commit 1.
		wantMsgs(t, n.stepMsgs(ack(3, 1, 1, 1)), app(1, 3, 1, 1, 1, 1))
		sentCommit(t, n, 3, 1)
		// A later ack of the same index changes nothing and sends nothing.
		wantMsgs(t, n.stepMsgs(ack(3, 1, 1, 1)))
	})

	t.Run("commit already in flight", func(t *testing.T) {
		n := start(t)
		// A heartbeat response unpauses 3: the probe is resent with
		// commit 1, so the ack of the first probe needs no append.
		wantMsgs(t, n.stepMsgs(hbResp(3, 1)), app(1, 3, 1, 0, 0, 1, ent(1, 1)))
		sentCommit(t, n, 3, 1)
		wantMsgs(t, n.stepMsgs(ack(3, 1, 1, 1)))
	})

	t.Run("heartbeat overwrites the commit sent", func(t *testing.T) {
		n := start(t)
		wantMsgs(t, n.stepMsgs(hbResp(3, 1)), app(1, 3, 1, 0, 0, 1, ent(1, 1)))
		// The heartbeat to 3 carries min(match 0, commit 1) = 0, and that
		// is now the commit last sent: 3's ack earns an append again.
		if err := n.rn.Fire(raft.HeartbeatTimer); err != nil {
			t.Fatal(err)
		}
		wantMsgs(t, n.msgs(), heartbeat(1, 2, 1, 1), heartbeat(1, 3, 1, 0))
		sentCommit(t, n, 3, 0)
		wantMsgs(t, n.stepMsgs(ack(3, 1, 1, 1)), app(1, 3, 1, 1, 1, 1))
	})

	t.Run("probe after a rejection", func(t *testing.T) {
		// 1 has 1/1 2/1 committed at 2 and is elected for term 2; 2's ack
		// commits 3, and 3's resent probe carries it. 3 rejects it at 2:
		// next backs off to 1 and the commit sent is lowered to 0 (etcd's
		// MaybeDecrTo), then the new probe records commit 3 again; 3's ack
		// of it commits nothing and earns no further append.
		n := restoreNode(t, 1, peers3, raft.HardState{Term: 1, Commit: 2}, []uint64{1, 1})
		n.elect(2)
		n.stepMsgs(ack(2, 1, 2, 3))
		wantMsgs(t, n.stepMsgs(hbResp(3, 2)), app(1, 3, 2, 2, 1, 3, ent(3, 2)))
		sentCommit(t, n, 3, 3)
		wantMsgs(t, n.stepMsgs(reject(3, 1, 2, 2, 0, 0)), app(1, 3, 2, 0, 0, 3, ent(1, 1), ent(2, 1), ent(3, 2)))
		sentCommit(t, n, 3, 3)
		wantMsgs(t, n.stepMsgs(ack(3, 1, 2, 3)))
	})
}

// With MaxEntriesPerMsg, a follower in Replicate gets several appends in
// flight at once (pipelining); in Probe, one at a time.
func TestPaper_MaxEntriesPerMsgPipelining(t *testing.T) {
	// Node 1 of three has seven entries of term 1 and is elected for term
	// 2; 2 has an empty log. At most two entries per append.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 1}, []uint64{1, 1, 1, 1, 1, 1, 1}, maxEntries(2))
	n.elect(3)
	// 2 rejects the first probe (anchored at 7/1) with the hint 0: one
	// append of two entries from the start, and no more (Probe).
	wantMsgs(t, n.stepMsgs(reject(2, 1, 2, 7, 0, 0)), app(1, 2, 2, 0, 0, 0, ent(1, 1), ent(2, 1)))
	// 2 acknowledges them: Replicate, and the other six entries leave at
	// once in three appends.
	wantMsgs(t, n.stepMsgs(ack(2, 1, 2, 2)),
		app(1, 2, 2, 2, 1, 0, ent(3, 1), ent(4, 1)),
		app(1, 2, 2, 4, 1, 0, ent(5, 1), ent(6, 1)),
		app(1, 2, 2, 6, 1, 0, ent(7, 1), ent(8, 2)))
	if pr := n.status().Progress[2]; pr.Mode != raft.ProgressReplicate || pr.Next != 9 {
		t.Fatalf("progress of 2: %v, want Replicate next=9", pr)
	}
}

// Log Matching, Election Safety and State Machine Safety (Figure 3) hold
// at every step of random runs: random elections, proposals, deliveries in
// any order, losses, partitions, crashes and restarts; and once the faults
// stop, the cluster converges on one log.
func TestPaper_LogMatchingAfterRandomElections(t *testing.T) {
	for s := uint64(1); s <= 8; s++ {
		t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(s, 99))
			opts := []rafttest.Option{rafttest.Seed(s)}
			if s%2 == 0 {
				opts = append(opts, rafttest.PreVote(true))
			}
			if s%4 >= 2 {
				opts = append(opts, rafttest.CheckQuorum(true))
			}
			nw := rafttest.New(t, 5, opts...)
			leaders := map[uint64]uint64{} // term -> leader
			live := func() []uint64 {
				var out []uint64
				for _, id := range nw.IDs {
					if !nw.Node(id).Down {
						out = append(out, id)
					}
				}
				return out
			}
			for step := 0; step < 3000; step++ {
				ids := live()
				id := ids[rng.IntN(len(ids))]
				switch r := rng.IntN(100); {
				case r < 3:
					if err := nw.Node(id).RN.Campaign(); err != nil {
						t.Fatal(err)
					}
					nw.Process(id)
				case r < 10:
					nw.Node(id).RN.Tick()
					nw.Process(id)
				case r < 20:
					if nw.Status(id).Role == raft.Leader {
						if err := nw.Node(id).RN.Propose(fmt.Appendf(nil, "v%d", step)); err != nil {
							t.Fatal(err)
						}
						nw.Process(id)
					}
				case r < 22:
					a, b := nw.IDs[rng.IntN(5)], nw.IDs[rng.IntN(5)]
					if a != b {
						nw.Cut(a, b)
					}
				case r < 25:
					nw.HealAll()
				case r < 26 && len(ids) > 3:
					nw.Crash(id)
				case r < 28:
					for _, d := range nw.IDs {
						if nw.Node(d).Down {
							nw.Restart(d)
						}
					}
				case r < 33 && len(nw.Queue) > 0:
					nw.Drop(rng.IntN(len(nw.Queue)))
				default:
					if len(nw.Queue) > 0 {
						if err := nw.Deliver(rng.IntN(len(nw.Queue))); err != nil {
							t.Fatalf("step %d: a correct cluster sent a refused message: %v", step, err)
						}
					}
				}
				checkSafety(t, nw, leaders)
				if t.Failed() {
					t.Fatalf("step %d:\n%s", step, nw.Describe())
				}
			}
			// The faults stop: every node up, every link healed. A leader
			// emerges, commits a last proposal everywhere, and all logs
			// are the same.
			nw.HealAll()
			for _, d := range nw.IDs {
				if nw.Node(d).Down {
					nw.Restart(d)
				}
			}
			nw.Queue = nil
			for k := 0; k < 50*electionTick; k++ {
				nw.Tick()
				checkSafety(t, nw, leaders)
				if l, _ := nw.Leader(); l != 0 && len(nw.Leaders()) == 1 {
					if err := nw.Propose(l, "last"); err != nil {
						t.Fatal(err)
					}
					nw.TickN(3)
					break
				}
			}
			want := nw.Node(1).RN.Log()
			for _, id := range nw.IDs {
				st := nw.Status(id)
				if got := nw.Node(id).RN.Log(); !sameEntries(got, want) || st.Commit != uint64(len(want)) {
					t.Fatalf("no convergence:\n%s", nw.Describe())
				}
			}
			if last := want[len(want)-1]; string(last.Data) != "last" {
				t.Fatalf("the last entry is %v, want the last proposal", last)
			}
			if len(leaders) < 3 {
				t.Fatalf("a weak run: leaders in %d terms only", len(leaders))
			}
			t.Logf("leaders in %d terms, final log of %d entries, %d deliveries", len(leaders), len(want), nw.Delivered)
		})
	}
}

// checkSafety checks the safety properties of Figure 3 across the network:
// at most one leader per term (leaders accumulates every leader seen),
// Log Matching, State Machine Safety on the committed prefixes, and Leader
// Completeness for the current leaders.
func checkSafety(t *testing.T, nw *rafttest.Network, leaders map[uint64]uint64) {
	t.Helper()
	logs := map[uint64][]raft.Entry{}
	sts := map[uint64]raft.Status{}
	for _, id := range nw.IDs {
		st := nw.Status(id)
		sts[id], logs[id] = st, nw.Node(id).RN.Log()
		if st.Role == raft.Leader {
			if l, ok := leaders[st.Term]; ok && l != id {
				t.Errorf("two leaders of term %d: %d and %d", st.Term, l, id)
			}
			leaders[st.Term] = id
		}
	}
	for _, a := range nw.IDs {
		for _, b := range nw.IDs {
			if a >= b {
				continue
			}
			la, lb := logs[a], logs[b]
			// Log Matching: from the last index where the terms agree
			// down, the logs are the same.
			k := min(len(la), len(lb)) - 1
			for k >= 0 && la[k].Term != lb[k].Term {
				k--
			}
			if !sameEntries(la[:k+1], lb[:k+1]) {
				t.Errorf("log matching: %d and %d agree on %v but differ before", a, b, la[k])
			}
			c := min(sts[a].Commit, sts[b].Commit)
			if !sameEntries(la[:c], lb[:c]) {
				t.Errorf("state machine safety: %d and %d committed different entries", a, b)
			}
			// Leader Completeness: a leader of a term at least another
			// node's holds everything that node committed.
			for _, p := range [][2]uint64{{a, b}, {b, a}} {
				l, o := p[0], p[1]
				sl, so := sts[l], sts[o]
				if sl.Role == raft.Leader && sl.Term >= so.Term &&
					(uint64(len(logs[l])) < so.Commit || !sameEntries(logs[l][:so.Commit], logs[o][:so.Commit])) {
					t.Errorf("leader completeness: leader %d of term %d lacks what %d committed", l, sl.Term, o)
				}
			}
		}
	}
}

func sameEntries(a, b []raft.Entry) bool {
	return slices.EqualFunc(a, b, func(x, y raft.Entry) bool {
		return x.Index == y.Index && x.Term == y.Term && string(x.Data) == string(y.Data)
	})
}
