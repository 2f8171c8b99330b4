package raft_test

import (
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// The tests in this file check liveness under partial partitions: whether
// a stable leader emerges, for each combination of PreVote and CheckQuorum.
// The scenarios are those of Howard and Abraham, "Raft does not guarantee
// liveness in the face of network faults" (2020), and the chain of
// Cloudflare's outage of November 2020.
//
// A leader is stable when it leads at the same term for holdTicks
// consecutive ticks and then commits a proposal on a quorum. holdTicks is
// 30 election timeouts, not 5: in scenario A1 without PreVote or
// CheckQuorum, leaders are deposed again and again but each one lasts a
// while (the pendant nodes' vote requests keep resetting their neighbours'
// election timers, and a leader keeps a quorum while one neighbour is
// disrupted). Over 20 seeds and 5000 ticks each, the longest of its 1261
// leaderships lasted 198 ticks, the median 74; a hold of 50 ticks cannot
// tell that churn from a stable leader, 300 ticks can.

const (
	holdTicks     = 30 * electionTick
	livenessTicks = 100 * electionTick
)

var seeds = []uint64{1, 2, 3, 4, 5}

// run is what awaitStable saw.
type run struct {
	// found is set if a stable leader emerged: id at term, found stable
	// at tick.
	found    bool
	id, term uint64
	tick     int
	// terms counts the distinct terms in which some node led, maxTerm is
	// the highest term any live node reached.
	terms   int
	maxTerm uint64
}

// awaitStable ticks the network at most maxTicks times and stops at the
// first stable leader: a live node that is leader at the same term for
// hold consecutive ticks, and then commits on a quorum, within one more
// election timeout, a proposal made at it. The proposal is made only once
// the leader has held its term, so that the test's own traffic does not
// change the logs (and so the elections) of the scenario before that; a
// stale leader that can no longer commit is not stable.
func awaitStable(t *testing.T, nw *rafttest.Network, maxTicks, hold int) run {
	t.Helper()
	type streak struct {
		term  uint64
		since int
		index uint64 // of the proposal, once made
		data  string
	}
	streaks := map[uint64]*streak{}
	terms := map[uint64]bool{}
	var r run
	for tick := 1; tick <= maxTicks; tick++ {
		nw.Tick()
		leaders := nw.Leaders()
		for _, id := range nw.IDs {
			if !nw.Node(id).Down {
				r.maxTerm = max(r.maxTerm, nw.Status(id).Term)
			}
			s := streaks[id]
			term, leading := leaders[id]
			if s != nil && (!leading || s.term != term) {
				delete(streaks, id)
				s = nil
			}
			if !leading {
				continue
			}
			terms[term] = true
			if s == nil {
				streaks[id] = &streak{term: term, since: tick}
				continue
			}
			if s.index == 0 && tick-s.since >= hold {
				s.data = fmt.Sprintf("probe of %d at term %d", id, term)
				if err := nw.Node(id).RN.Propose([]byte(s.data)); err != nil {
					t.Fatal(err)
				}
				s.index = nw.Status(id).LastIndex
				nw.Stabilize()
			}
			if s.index != 0 && committedOnQuorum(nw, id, s.term, s.index, s.data) {
				r.found, r.id, r.term, r.tick = true, id, term, tick
				r.terms = len(terms)
				return r
			}
			if s.index != 0 && tick-s.since >= hold+electionTick {
				// It could not commit: a stale leader. Watch it afresh.
				delete(streaks, id)
			}
		}
	}
	r.terms = len(terms)
	return r
}

// committedOnQuorum reports whether leader id, still leading at term,
// committed the entry (index, data), and a quorum of nodes hold it.
func committedOnQuorum(nw *rafttest.Network, id, term, index uint64, data string) bool {
	st := nw.Status(id)
	if st.Role != raft.Leader || st.Term != term || st.Commit < index {
		return false
	}
	holders := 0
	for _, o := range nw.IDs {
		if log := nw.Node(o).RN.Log(); uint64(len(log)) >= index && string(log[index-1].Data) == data && log[index-1].Term == term {
			holders++
		}
	}
	return holders > len(nw.IDs)/2
}

// feature is one configuration of the liveness scenarios.
type feature struct {
	name string
	opts []rafttest.Option
}

var (
	plain    = feature{"plain", nil}
	withPV   = feature{"PreVote", []rafttest.Option{rafttest.PreVote(true)}}
	withCQ   = feature{"CheckQuorum", []rafttest.Option{rafttest.CheckQuorum(true)}}
	withPVCQ = feature{"PreVote+CheckQuorum", []rafttest.Option{rafttest.PreVote(true), rafttest.CheckQuorum(true)}}
	withTh   = feature{"ThesisPreVote", []rafttest.Option{rafttest.PreVote(true), rafttest.ThesisPreVote(true)}}
	withThCQ = feature{"ThesisPreVote+CheckQuorum", []rafttest.Option{rafttest.PreVote(true), rafttest.ThesisPreVote(true), rafttest.CheckQuorum(true)}}
)

// expect is the expected outcome of a scenario in one configuration, the
// same for every seed.
type expect struct {
	f      feature
	stable bool
	// check, if set, checks the rest of the outcome (who leads, at which
	// term; or how it fails).
	check func(t *testing.T, r run, nw *rafttest.Network)
}

// scenario runs setup then awaitStable, for every expectation and seed.
func scenario(t *testing.T, n int, setup func(nw *rafttest.Network), expects []expect) {
	for _, e := range expects {
		t.Run(e.f.name, func(t *testing.T) {
			for _, s := range seeds {
				nw := rafttest.New(t, n, append(e.f.opts, rafttest.Seed(s))...)
				setup(nw)
				r := awaitStable(t, nw, livenessTicks, holdTicks)
				if r.found != e.stable {
					t.Fatalf("seed %d: stable leader %v (%+v), want %v; after %d ticks:\n%s", s, r.found, r, e.stable, livenessTicks, nw.Describe())
				}
				if e.check != nil {
					e.check(t, r, nw)
					if t.Failed() {
						t.Fatalf("seed %d: %+v\n%s", s, r, nw.Describe())
					}
				}
			}
		})
	}
}

// leads checks that the stable leader is id at term (term 0: any term).
func leads(id, term uint64) func(*testing.T, run, *rafttest.Network) {
	return func(t *testing.T, r run, _ *rafttest.Network) {
		if r.id != id || (term != 0 && r.term != term) {
			t.Errorf("stable leader %d at term %d, want %d at term %d (0: any)", r.id, r.term, id, term)
		}
	}
}

// Howard and Abraham, scenario A1: five nodes, 1, 2 and 3 fully connected,
// 4 linked to 2 only and 5 to 3 only. Leader 3 is elected with every link
// up (all logs hold its empty entry), then the links are cut.
func TestLiveness_HowardAbrahamA1(t *testing.T) {
	setup := func(nw *rafttest.Network) {
		nw.Campaign(3)
		nw.Topology([2]uint64{1, 2}, [2]uint64{1, 3}, [2]uint64{2, 3}, [2]uint64{2, 4}, [2]uint64{3, 5})
	}
	scenario(t, 5, setup, []expect{
		// No leader can serve both 4 (which hears only 2) and 5 (only 3):
		// whichever is starved times out, and its higher-term vote request
		// makes its neighbour adopt the term and ignore the leader (no
		// lease, and a stale leader's messages are dropped silently); the
		// neighbour then times out and deposes the leader at a higher
		// term. Leaders keep changing, terms keep growing: no stable
		// leader, and many leaders.
		{plain, false, func(t *testing.T, r run, _ *rafttest.Network) {
			if r.terms < 5 {
				t.Errorf("leaders in %d terms only: want churn", r.terms)
			}
		}},
		// 4's pre-votes reach 2 only: with its own, 2 of 5 grants, never a
		// quorum; it never raises its term, nobody is disturbed. 5 hears
		// leader 3. Leader 3 stays at term 1.
		{withPV, true, leads(3, 1)},
		// 4's vote requests reach 2 only, which hears from leader 3 every
		// tick and ignores them (lease). 3 has a quorum (1, 2, 5). Leader 3
		// stays at term 1.
		{withCQ, true, leads(3, 1)},
		// Both reasons at once.
		{withPVCQ, true, leads(3, 1)},
	})
}

// Howard and Abraham, scenario A2: the same links, 5 crashed, and 4 a
// stale leader that reaches only 2. 4 is elected with every link up, 5
// crashes, then the links are cut.
func TestLiveness_HowardAbrahamA2(t *testing.T) {
	setup := func(nw *rafttest.Network) {
		nw.Campaign(4)
		nw.Crash(5)
		nw.Topology([2]uint64{1, 2}, [2]uint64{1, 3}, [2]uint64{2, 3}, [2]uint64{2, 4}, [2]uint64{3, 5})
	}
	// The stable leader is a new one (1 or 3, whichever times out first,
	// or 2 once it no longer hears from 4), never the stale 4, and at a
	// term above 1.
	notStale := func(t *testing.T, r run, _ *rafttest.Network) {
		if r.id == 4 || r.term < 2 {
			t.Errorf("stable leader %d at term %d: want a new leader, not 4 at term 1", r.id, r.term)
		}
	}
	scenario(t, 5, setup, []expect{
		// 1 or 3 times out and asks for votes at term 2: 2 has no lease,
		// adopts term 2 and grants, so with 1 and 3 it makes a quorum of
		// 3 of the 4 live nodes. 4 stays leader of term 1 (2 drops its
		// heartbeats silently) but cannot commit, and it never times out.
		{plain, true, notStale},
		// 1's pre-vote for term 2 is granted by 3, and by 2 (etcd's
		// pre-vote only looks at term and log), then the real election as
		// above. 2 answers 4's next heartbeat with term 2, 4 steps down,
		// and its pre-votes are rejected by 2 (its log lacks the new
		// leader's empty entry).
		{withPV, true, notStale},
		// 4 hears from 2 only, no quorum: it steps down at its first
		// quorum check. 2's lease ends an election timeout after 4's last
		// heartbeat; until then it ignores vote requests. Then 1 or 3 is
		// elected with 2's vote; 4's vote requests afterwards reach only 2,
		// within its new leader's lease.
		{withCQ, true, notStale},
		{withPVCQ, true, notStale},
		// The thesis's pre-vote without CheckQuorum: 4 never steps down and
		// heartbeats 2, so 2 rejects every pre-vote; 1 and 3 get 2 grants
		// of the 3 they need (4 is out of reach, 5 crashed) and stay at
		// term 1. Nobody can commit: deadlock, the case of the blog post.
		{withTh, false, func(t *testing.T, r run, nw *rafttest.Network) {
			if r.maxTerm != 1 || r.terms != 1 {
				t.Errorf("max term %d, leaders in %d terms: want everyone stuck at term 1 under stale leader 4", r.maxTerm, r.terms)
			}
			if l := nw.Leaders(); len(l) != 1 || l[4] != 1 {
				t.Errorf("leaders %v, want only the stale 4 at term 1", l)
			}
		}},
		// With CheckQuorum, 4 steps down, 2 stops hearing from a leader and
		// grants pre-votes: a new leader as above.
		{withThCQ, true, notStale},
	})
}

// The chain of Cloudflare's 2020 outage: three nodes, the link between 1
// and 3 cut in both directions; leader 3 elected before the cut, logs in
// sync.
func TestLiveness_CloudflareChain(t *testing.T) {
	setup := func(nw *rafttest.Network) {
		nw.Campaign(3)
		nw.CutBoth(1, 3)
	}
	scenario(t, 3, setup, []expect{
		// 1 hears nothing, times out and asks for votes at term 2; 2 has
		// no lease, adopts term 2 and grants (equal logs): leader 1 at
		// term 2. 3 stays a stale leader of term 1 (2 drops its heartbeats
		// silently), which never times out and cannot commit.
		{plain, true, func(t *testing.T, r run, nw *rafttest.Network) {
			leads(1, 2)(t, r, nw)
			if st := nw.Status(3); st.Role != raft.Leader || st.Term != 1 {
				t.Errorf("3 is %v at term %d, want the stale leader of term 1", st.Role, st.Term)
			}
		}},
		// 1's pre-vote for term 2 is granted by 2 (term and log are
		// enough), then its vote: leader 1 at term 2. 2 answers 3's stale
		// heartbeat with term 2: 3 steps down, and its pre-votes for term
		// 3 are rejected by 2, whose log has 1's empty entry of term 2.
		{withPV, true, func(t *testing.T, r run, nw *rafttest.Network) {
			leads(1, 2)(t, r, nw)
			if st := nw.Status(3); st.Role == raft.Leader || st.Term != 2 {
				t.Errorf("3 is %v at term %d, want a deposed follower at term 2", st.Role, st.Term)
			}
		}},
		// 2 hears from 3 every tick and ignores 1's vote requests (lease);
		// 3 has its quorum with 2. Leader 3 at term 1; 1's term grows
		// uselessly.
		{withCQ, true, leads(3, 1)},
		// 1's pre-votes are ignored by 2 within its lease: leader 3 at
		// term 1, and 1 stays at term 1.
		{withPVCQ, true, func(t *testing.T, r run, nw *rafttest.Network) {
			leads(3, 1)(t, r, nw)
			if r.maxTerm != 1 {
				t.Errorf("max term %d, want 1", r.maxTerm)
			}
		}},
	})
}
