package model

import (
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// Hand-worked cases of the trickier operators of Raft.tla.

// mkLog builds a log of Nil entries with the given terms.
func mkLog(terms ...int) seq {
	var lg seq
	for _, t := range terms {
		lg = append(lg, entry{term: uint8(t)})
	}
	return lg
}

func logTerms(lg seq) []int {
	var out []int
	for k := 1; k <= lg.Len(); k++ {
		out = append(out, int(lg.At(k).term))
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func testStepper(n, maxBatch int) *stepper {
	cfg := &Config{N: n, Values: []string{"v1", "v2"}, MaxTerm: 5, MaxLogLen: 5, MaxInFlight: 8,
		MaxCopies: 1, MaxBatch: maxBatch}
	return newStepper(cfg)
}

func TestFindConflictByTerm(t *testing.T) {
	st := testStepper(3, 2)
	lg := mkLog(1, 1, 2, 2, 3)
	for _, c := range []struct{ idx, term, wantK, wantT int }{
		{5, 2, 4, 2}, // the last index of term <= 2
		{5, 3, 5, 3}, // idx itself qualifies
		{5, 5, 5, 3},
		{5, 0, 0, 0}, // no entry of term <= 0
		{3, 1, 2, 1},
		{4, 1, 2, 1},
		{6, 1, 6, 0}, // past the end: as is, term unknown
		{0, 5, 0, 0},
	} {
		k, term := st.FindConflictByTerm(lg, c.idx, c.term)
		if k != c.wantK || term != c.wantT {
			t.Errorf("FindConflictByTerm(%v, %d, %d) = <<%d, %d>>, want <<%d, %d>>", logTerms(lg), c.idx, c.term, k, term, c.wantK, c.wantT)
		}
	}
}

func TestMerge(t *testing.T) {
	st := testStepper(3, 2)
	for _, c := range []struct {
		lg, ents []int
		prev     int
		want     []int
	}{
		{[]int{1, 1, 2}, []int{1, 2}, 1, []int{1, 1, 2}},          // all present
		{[]int{1, 1, 2}, []int{1, 3}, 1, []int{1, 1, 3}},          // conflict replaces
		{[]int{1, 1, 2}, []int{3}, 3, []int{1, 1, 2, 3}},          // append at the end
		{[]int{1, 1, 2}, []int{2}, 0, []int{2}},                   // conflict at 1 drops the rest
		{[]int{1, 1, 2}, nil, 2, []int{1, 1, 2}},                  // empty append
		{[]int{1, 1, 2, 2}, []int{1}, 1, []int{1, 1, 2, 2}},       // a matching prefix keeps the tail
		{[]int{1, 1, 2, 2}, []int{1, 3, 3}, 1, []int{1, 1, 3, 3}}, // the tail after a conflict goes
		{nil, []int{1, 1}, 0, []int{1, 1}},
	} {
		ents := mkLog(c.ents...)
		got := logTerms(st.Merge(mkLog(c.lg...), c.prev, ents, 1))
		if !equalInts(got, c.want) {
			t.Errorf("Merge(%v, %d, %v, 1) = %v, want %v", c.lg, c.prev, c.ents, got, c.want)
		}
	}
}

// leader is server i as leader of term t with log lg and the given
// matches and nexts of its followers (index j-1).
func leader(i, t int, lg seq, match, next []int, mode []spec.Mode) server {
	s := server{term: uint8(t), vote: uint8(i), log: lg, role: spec.Leader, leader: uint8(i)}
	for j := range match {
		if j+1 == i {
			continue
		}
		s.prs[j] = progress{next: uint8(next[j]), match: uint8(match[j]), mode: mode[j]}
	}
	return s
}

func TestQuorumMatchAndMaybeCommit(t *testing.T) {
	st := testStepper(3, 2)
	probe := []spec.Mode{spec.Probe, spec.Probe, spec.Probe}
	s := leader(1, 2, mkLog(1, 2, 2), []int{0, 2, 0}, []int{0, 3, 1}, probe)
	if q := st.QuorumMatch(1, &s); q != 2 {
		t.Errorf("QuorumMatch with matches 2, 0 of 3 servers = %d, want 2", q)
	}
	if c := st.MaybeCommit(1, s).commit; c != 2 {
		t.Errorf("MaybeCommit at quorum index 2 of the leader's term = %d, want 2", c)
	}
	// Index 1 is of an earlier term: not committed by counting replicas.
	s = leader(1, 2, mkLog(1, 2), []int{0, 1, 1}, []int{0, 2, 2}, probe)
	if q := st.QuorumMatch(1, &s); q != 1 {
		t.Errorf("QuorumMatch = %d, want 1", q)
	}
	if c := st.MaybeCommit(1, s).commit; c != 0 {
		t.Errorf("MaybeCommit committed %d, an entry of an earlier term", c)
	}
	// A match beyond the leader's log counts only up to the log.
	s = leader(1, 2, mkLog(2), []int{0, 5, 5}, []int{0, 6, 6}, probe)
	if q := st.QuorumMatch(1, &s); q != 1 {
		t.Errorf("QuorumMatch with matches past the log = %d, want 1", q)
	}
	// Five servers: the leader and three followers hold 1, one holds 3.
	st5 := testStepper(5, 2)
	modes5 := []spec.Mode{0, 0, 0, 0, 0}
	s = leader(1, 1, mkLog(1, 1, 1), []int{0, 3, 1, 1, 0}, []int{0, 4, 2, 2, 1}, modes5)
	if q := st5.QuorumMatch(1, &s); q != 1 {
		t.Errorf("QuorumMatch of five = %d, want 1", q)
	}
	// The mutant commits the earlier term's entry.
	mut := testStepper(3, 2)
	mut.mut = mutCommitEarlierTerm
	s = leader(1, 2, mkLog(1, 2), []int{0, 1, 1}, []int{0, 2, 2}, probe)
	if c := mut.MaybeCommit(1, s).commit; c != 1 {
		t.Errorf("mutant CommitEarlierTerm: MaybeCommit = %d, want 1", c)
	}
}

func TestPollAndLost(t *testing.T) {
	st := testStepper(3, 2)
	s := server{role: spec.Candidate, granted: set(0).with(1)}
	s = st.Poll(s, 2, true)
	if s.granted != set(0).with(1).with(2) || s.rejected != 0 {
		t.Errorf("Poll(grant from 2): granted %b rejected %b", s.granted, s.rejected)
	}
	// A second response from 2 does not count.
	if s2 := st.Poll(s, 2, false); !s2.equal(&s) {
		t.Errorf("Poll counted a second response from 2")
	}
	s = st.Poll(s, 3, false)
	if !s.rejected.has(3) || s.granted.has(3) {
		t.Errorf("Poll(reject from 3): granted %b rejected %b", s.granted, s.rejected)
	}
	if st.Lost(&s) {
		t.Errorf("Lost with one rejection of three")
	}
	s.rejected = s.rejected.with(2)
	if !st.Lost(&s) {
		t.Errorf("not Lost with two rejections of three")
	}
	st5 := testStepper(5, 2)
	s = server{rejected: set(0).with(2).with(3)}
	if st5.Lost(&s) {
		t.Errorf("Lost with two rejections of five")
	}
	s.rejected = s.rejected.with(4)
	if !st5.Lost(&s) {
		t.Errorf("not Lost with three rejections of five")
	}
}

func TestSendAppendBatches(t *testing.T) {
	lg := mkLog(1, 1, 2, 2, 3)
	mode := func(m spec.Mode) []spec.Mode { return []spec.Mode{m, m, m} }
	// Probe: one append of at most MaxBatch entries, then paused.
	st := testStepper(3, 2)
	s := leader(1, 3, lg, []int{0, 1, 0}, []int{0, 2, 6}, mode(spec.Probe))
	s.commit = 1
	r := st.SendAppend(1, s, 2, false)
	if len(st.out) != 1 {
		t.Fatalf("Probe: %d appends sent, want 1", len(st.out))
	}
	m := st.out[0]
	if m.mprevLogIndex != 1 || m.mprevLogTerm != 1 || !equalInts(logTerms(m.mentries), []int{1, 2}) || m.mcommitIndex != 1 || m.mterm != 3 {
		t.Errorf("Probe append: prev %d/%d ents %v commit %d term %d, want prev 1/1 ents [1 2] commit 1 term 3",
			m.mprevLogIndex, m.mprevLogTerm, logTerms(m.mentries), m.mcommitIndex, m.mterm)
	}
	if pr := r.prs[1]; !pr.paused || pr.next != 2 {
		t.Errorf("Probe after send: %+v, want paused with next 2", pr)
	}
	// Paused: nothing, even with sendIfEmpty.
	st.out = st.out[:0]
	if r2 := st.SendAppend(1, r, 2, true); len(st.out) != 0 || !r2.equal(&r) {
		t.Errorf("a paused probe sent %d appends", len(st.out))
	}
	// Nothing to send and sendIfEmpty: an empty append; the progress only
	// records the commit sent.
	r3 := st.SendAppend(1, s, 3, true)
	if len(st.out) != 1 || st.out[0].mentries.Len() != 0 || st.out[0].mprevLogIndex != 5 || st.out[0].mprevLogTerm != 3 {
		t.Errorf("empty probe: %d messages, want one empty append anchored at 5/3", len(st.out))
	}
	if want := (progress{next: 6, sentCommit: 1}); r3.prs[2] != want {
		t.Errorf("an empty append left the progress %+v, want %+v", r3.prs[2], want)
	}
	st.out = st.out[:0]
	if st.SendAppend(1, s, 3, false); len(st.out) != 0 {
		t.Errorf("nothing to send without sendIfEmpty, yet %d appends", len(st.out))
	}
	// Replicate: SendAppends pipelines the whole suffix in batches.
	st = testStepper(3, 2)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 1, 6}, mode(spec.Replicate))
	r = st.SendAppends(1, s, 2)
	var got [][]int
	for _, m := range st.out {
		got = append(got, []int{int(m.mprevLogIndex), m.mentries.Len()})
	}
	if len(got) != 3 || !equalInts(got[0], []int{0, 2}) || !equalInts(got[1], []int{2, 2}) || !equalInts(got[2], []int{4, 1}) {
		t.Errorf("Replicate SendAppends: (prev, entries) = %v, want [[0 2] [2 2] [4 1]]", got)
	}
	if r.prs[1].next != 6 || r.prs[1].paused {
		t.Errorf("Replicate after SendAppends: %+v, want next 6, not paused", r.prs[1])
	}
	// Probe: SendAppends sends one append only.
	st = testStepper(3, 2)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 1, 6}, mode(spec.Probe))
	if st.SendAppends(1, s, 2); len(st.out) != 1 {
		t.Errorf("Probe SendAppends sent %d appends, want 1", len(st.out))
	}
	// A batch at least the log's length carries the whole suffix at once.
	st = testStepper(3, 10)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 1, 6}, mode(spec.Replicate))
	if r = st.SendAppends(1, s, 2); len(st.out) != 1 || st.out[0].mentries.Len() != 5 || r.prs[1].next != 6 {
		t.Errorf("MaxBatch 10: %d appends, next %d, want 1 append of 5 entries and next 6", len(st.out), r.prs[1].next)
	}
}

func TestLeaderOnReject(t *testing.T) {
	lg := mkLog(1, 1, 2, 2, 3)
	st := testStepper(3, 2)
	rej := func(index, hint, hintTerm int) *message {
		m := st.AppendResponseMsg(2, 1, 3, true, index, hint, hintTerm)
		return &m
	}
	// Replicate: a rejection at or below match is stale.
	s := leader(1, 3, lg, []int{0, 3, 0}, []int{0, 6, 6}, []spec.Mode{0, spec.Replicate, 0})
	if r := st.LeaderOnReject(1, s, rej(3, 3, 2)); !r.equal(&s) || len(st.out) != 0 {
		t.Errorf("stale rejection in Replicate changed the leader or sent %d messages", len(st.out))
	}
	// Replicate: a rejection above match falls back to Probe from match+1.
	r := st.LeaderOnReject(1, s, rej(5, 4, 2))
	if pr := r.prs[1]; pr.mode != spec.Probe || pr.next != 4 || !pr.paused || len(st.out) != 1 || st.out[0].mprevLogIndex != 3 {
		t.Errorf("rejection in Replicate: %+v and %d messages, want Probe next 4 paused, one append anchored at 3", pr, len(st.out))
	}
	// Probe: a rejection of another probe than the latest is stale.
	st = testStepper(3, 2)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 6, 6}, []spec.Mode{0, 0, 0})
	s.prs[1].paused = true
	if r := st.LeaderOnReject(1, s, rej(4, 4, 2)); !r.equal(&s) || len(st.out) != 0 {
		t.Errorf("stale rejection in Probe changed the leader or sent %d messages", len(st.out))
	}
	// Probe: the hint skips the follower's term 1 entries at once.
	// Follower: its entry 3 has term 1; the leader's last entry of term <= 1
	// is 2, so the next probe goes from 3 (anchored at 2).
	r = st.LeaderOnReject(1, s, rej(5, 3, 1))
	if pr := r.prs[1]; pr.next != 3 || !pr.paused || len(st.out) != 1 || st.out[0].mprevLogIndex != 2 || st.out[0].mprevLogTerm != 1 {
		t.Errorf("hinted rejection: %+v, %d messages, want next 3 paused and one append anchored at 2/1", pr, len(st.out))
	}
	// Probe without a hint term: next is the hint + 1, but not below match+1
	// nor above the rejected index.
	st.out = st.out[:0]
	s.prs[1].match = 0
	if r = st.LeaderOnReject(1, s, rej(5, 1, 0)); r.prs[1].next != 2 {
		t.Errorf("rejection with hint 1 and no term: next %d, want 2", r.prs[1].next)
	}
	st.out = st.out[:0]
	if r = st.LeaderOnReject(1, s, rej(5, 9, 0)); r.prs[1].next != 5 {
		t.Errorf("rejection with a hint past the index: next %d, want 5", r.prs[1].next)
	}
}

func TestLeaderOnAck(t *testing.T) {
	st := testStepper(3, 2)
	ack := func(from, index int) *message {
		m := st.AppendResponseMsg(from, 1, 3, false, index, 0, 0)
		return &m
	}
	lg := mkLog(1, 3, 3)
	// A probed follower acks the leader's whole log: it moves to
	// Replicate, the entry of term 3 is committed by a quorum of two, and
	// the commit is broadcast (an empty append to 2, a probe to 3).
	s := leader(1, 3, lg, []int{0, 0, 0}, []int{0, 4, 4}, []spec.Mode{0, 0, 0})
	s.prs[1].paused = true
	r := st.LeaderOnAck(1, s, ack(2, 3))
	if pr := r.prs[1]; pr.match != 3 || pr.next != 4 || pr.mode != spec.Replicate || pr.paused {
		t.Errorf("after the ack: %+v, want match 3 next 4 Replicate unpaused", pr)
	}
	if r.commit != 3 {
		t.Errorf("commit %d, want 3", r.commit)
	}
	if len(st.out) != 2 {
		t.Fatalf("%d messages, want 2 (the broadcast of the commit)", len(st.out))
	}
	for _, m := range st.out {
		if m.mcommitIndex != 3 || m.mentries.Len() != 0 || m.mprevLogIndex != 3 {
			t.Errorf("broadcast %+v, want an empty append anchored at 3 with commit 3", m)
		}
	}
	// A follower that lags gets the entries it lacks at once, in batches.
	st = testStepper(3, 1)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 1, 4}, []spec.Mode{0, 0, 0})
	r = st.LeaderOnAck(1, s, ack(2, 0))
	if pr := r.prs[1]; pr.mode != spec.Replicate || pr.next != 4 || len(st.out) != 3 {
		t.Errorf("probe acked at 0: %+v and %d appends, want Replicate next 4 after 3 appends of one entry", pr, len(st.out))
	}
	// A stale ack in Replicate changes nothing.
	st = testStepper(3, 2)
	s = leader(1, 3, lg, []int{0, 2, 0}, []int{0, 4, 4}, []spec.Mode{0, spec.Replicate, 0})
	if r = st.LeaderOnAck(1, s, ack(2, 1)); !r.equal(&s) || len(st.out) != 0 {
		t.Errorf("stale ack changed the leader or sent %d messages", len(st.out))
	}
	// Without a new commit there is no broadcast: an ack of index 1 (term 1)
	// commits nothing.
	st = testStepper(3, 2)
	s = leader(1, 3, lg, []int{0, 0, 0}, []int{0, 2, 4}, []spec.Mode{0, spec.Replicate, 0})
	r = st.LeaderOnAck(1, s, ack(2, 1))
	if r.commit != 0 || r.prs[1].match != 1 || len(st.out) != 1 || st.out[0].mdest != 2 || st.out[0].mprevLogIndex != 1 {
		t.Errorf("ack of 1: commit %d match %d and %d messages, want commit 0, match 1, one append to 2 anchored at 1", r.commit, r.prs[1].match, len(st.out))
	}
	// An ack that commits nothing, from a follower that lacks nothing:
	// CanBumpCommit decides whether an empty append carries the commit.
	lg2 := mkLog(3, 3)
	for _, c := range []struct {
		sent int
		want int // appends sent
	}{{0, 1}, {1, 1}, {2, 0}} {
		st = testStepper(3, 2)
		s = leader(1, 3, lg2, []int{0, 2, 0}, []int{0, 3, 1}, []spec.Mode{0, 0, 0})
		s.commit = 2
		s.prs[1].sentCommit = uint8(c.sent)
		r = st.LeaderOnAck(1, s, ack(2, 2))
		if len(st.out) != c.want {
			t.Fatalf("probe acked at 2 with commit %d sent: %d appends, want %d", c.sent, len(st.out), c.want)
		}
		if c.want == 1 {
			if m := st.out[0]; m.mdest != 2 || m.mentries.Len() != 0 || m.mprevLogIndex != 2 || m.mcommitIndex != 2 || r.prs[1].sentCommit != 2 {
				t.Errorf("commit append %+v, sentCommit %d; want an empty append to 2 anchored at 2 with commit 2, sentCommit 2", m, r.prs[1].sentCommit)
			}
		}
	}
}

func TestBecomeFollower(t *testing.T) {
	st := testStepper(3, 2)
	st.cfg.CheckQuorum = true
	s := leader(1, 2, mkLog(1, 2), []int{0, 1, 1}, []int{0, 2, 2}, []spec.Mode{0, 0, 0})
	s.active = set(0).with(2)
	f := st.BecomeFollower(s, 2, 0)
	if f.vote != 1 || f.role != spec.Follower || f.lease || f.prs != st.NoProgresses() || f.active != 0 {
		t.Errorf("BecomeFollower in the same term: %+v", f)
	}
	f = st.BecomeFollower(s, 3, 2)
	if f.vote != 0 || f.term != 3 || f.leader != 2 || !f.lease {
		t.Errorf("BecomeFollower to a new term with a leader: %+v", f)
	}
}
