package raft_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// FuzzStep drives node 1 of a three-node cluster with arbitrary input:
// messages of any type, sender, term, anchor and entries (most of them
// near the node's own term and log, so that they are often accepted),
// interleaved with ticks, campaigns, proposals, fired timers, Ready
// handling and restarts from storage. It checks that nothing panics, that
// a refused message changes nothing, and that the state invariants hold
// after every call. Run it with
//
//	go test -run XXX -fuzz FuzzStep ./raft/
func FuzzStep(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{0x03, 0x01, 5, 0, 0x82, 2, 0x81, 0x80, 1, 0, 0, 0, 4, 7, 2, 2, 0x81, 0x80, 0x81, 0x82, 0, 0, 2, 0x81, 0x81})
	f.Add([]byte{0x19, 0, 5, 2, 0, 0x80, 0x80, 0x80, 0, 0, 0, 0, 0, 7, 0, 7, 1, 0, 7, 9, 3, 1, 3, 9, 0x81, 0x81, 0x80})
	f.Add([]byte{0x0a, 2, 5, 0, 0x83, 1, 0x80, 0x80, 2, 1, 0, 1, 0, 0x81, 0x81, 4, 4, 4, 4, 7, 6, 6, 3, 0, 2, 0x81, 0x82, 0x81, 0x80, 3})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, 0123456789 times"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fz := &fuzzer{t: t, data: data}
		fz.run()
	})
}

type fuzzer struct {
	t    *testing.T
	data []byte
	pos  int

	cfg raft.Config
	st  *raft.MemoryStorage
	rn  *raft.RawNode
	// prev and prevLog are the state after the last call, for the
	// invariants about change.
	prev    raft.Status
	prevLog []raft.Entry
	// taken is set while a Ready is handed out and persisted but not yet
	// acknowledged by Advance; ops counts the calls since the last
	// Advance.
	taken bool
	ops   int
}

// next consumes one byte of input (0 when the input is exhausted).
func (fz *fuzzer) next() byte {
	if fz.pos >= len(fz.data) {
		return 0
	}
	b := fz.data[fz.pos]
	fz.pos++
	return b
}

func (fz *fuzzer) run() {
	flags := fz.next()
	fz.st = raft.NewMemoryStorage()
	// An initial storage: empty, or one of two histories.
	switch (flags >> 3) % 3 {
	case 1:
		must(fz.t, fz.st.Append(logOf(1, 1, 2)))
		must(fz.t, fz.st.SetHardState(raft.HardState{Term: 2, Commit: 1}))
	case 2:
		must(fz.t, fz.st.Append(logOf(1, 2, 2, 3)))
		must(fz.t, fz.st.SetHardState(raft.HardState{Term: 3, Vote: 2, Commit: 3}))
	}
	fz.cfg = raft.Config{
		ID: 1, Peers: peers3, ElectionTick: 5, HeartbeatTick: 1, Storage: fz.st,
		PreVote: flags&1 != 0, CheckQuorum: flags&2 != 0, ThesisPreVote: flags&4 != 0,
		MaxEntriesPerMsg: int(flags>>5) % 3, Seed: uint64(flags),
	}
	fz.restart()
	for steps := 0; fz.pos < len(fz.data) && steps < 500; steps++ {
		switch op := fz.next() % 10; op {
		case 0, 1, 2, 3, 4:
			fz.step(fz.message())
		case 5:
			fz.rn.Tick()
		case 6:
			fz.rn.Campaign()
		case 7:
			var d []byte
			if b := fz.next(); b != 0 {
				d = []byte{b}
			}
			_ = fz.rn.Propose(d) // refused off a leader, or when empty
		case 8:
			_ = fz.rn.Fire(raft.Timer(fz.next() % 6)) // refused when not running
		case 9:
			switch fz.next() % 4 {
			case 0:
				fz.restart()
			case 1:
				fz.take()
			case 2:
				fz.advance()
			default:
				fz.take()
				fz.advance()
			}
		}
		fz.ops++
		fz.check()
	}
	fz.take()
	fz.advance()
	fz.check()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// restart starts the node (again) from its storage: what was not handed
// out and persisted is lost.
func (fz *fuzzer) restart() {
	hs, _ := fz.st.InitialState()
	last, _ := fz.st.LastIndex()
	fz.cfg.Applied = min(fz.cfg.Applied, hs.Commit)
	rn, err := raft.NewRawNode(&fz.cfg)
	if err != nil {
		fz.t.Fatalf("restart from storage %+v (last %d): %v", hs, last, err)
	}
	fz.rn, fz.taken, fz.ops = rn, false, 0
	st := rn.Status()
	if st.HardState != hs || st.LastIndex != last || st.Role != raft.Follower || st.Lead != raft.None {
		fz.t.Fatalf("restarted as %+v from %+v, last %d", st, hs, last)
	}
	fz.prev, fz.prevLog = st, rn.Log()
}

// take takes a Ready and persists it as the application must, without
// acknowledging it yet. If it holds the output of a single call, it checks
// that what each message depends on is persisted before it leaves. (Over
// several calls, arbitrary input can make a later call overwrite what an
// earlier message acknowledged, for instance two leaders in one term.)
func (fz *fuzzer) take() {
	if !fz.rn.HasReady() {
		return
	}
	rd := fz.rn.Ready()
	fz.taken = true
	if !rd.HardState.IsEmpty() {
		must(fz.t, fz.st.SetHardState(rd.HardState))
	}
	must(fz.t, fz.st.Append(rd.Entries))
	hs, _ := fz.st.InitialState()
	last, _ := fz.st.LastIndex()
	if hs.Commit > last {
		fz.t.Fatalf("persisted commit %d beyond the persisted log %d", hs.Commit, last)
	}
	fz.cfg.Applied = max(fz.cfg.Applied, lastIndexOf(rd.CommittedEntries))
	if fz.ops > 1 {
		return
	}
	stored, _ := fz.st.Entries(1, last+1)
	for _, m := range rd.Messages {
		if m.From != 1 || (m.To != 2 && m.To != 3) || (m.Term == 0 && !(m.Type == raft.MsgPreVoteResp && m.Reject)) {
			fz.t.Fatalf("bad message out: %v", m)
		}
		switch {
		case m.Type == raft.MsgVoteResp && !m.Reject:
			// The vote is durable, or superseded by a later term (a
			// Ready may hold the responses of several steps).
			if hs.Term < m.Term || (hs.Term == m.Term && hs.Vote != m.To) {
				fz.t.Fatalf("%v leaves with the hard state %+v persisted", m, hs)
			}
		case hs.Term > m.Term:
			// A later step of the same Ready moved to a higher term (and
			// may have overwritten what this message carried or
			// acknowledged): the message is what it would have been had it
			// left before that step.
		case m.Type == raft.MsgAppResp && !m.Reject:
			if m.Index > last {
				fz.t.Fatalf("%v leaves with only %d entries persisted", m, last)
			}
		case m.Type == raft.MsgApp:
			// A leader sends only what it persists in the same Ready.
			for _, e := range m.Entries {
				if e.Index > last || stored[e.Index-1].Term != e.Term {
					fz.t.Fatalf("%v sends %v, not persisted", m, e)
				}
			}
		}
		if m.Term > hs.Term && !(m.Type == raft.MsgPreVote || m.Type == raft.MsgPreVoteResp) {
			fz.t.Fatalf("%v leaves at a term above the persisted %d", m, hs.Term)
		}
	}
}

// advance acknowledges the Ready taken, if any.
func (fz *fuzzer) advance() {
	if fz.taken {
		fz.rn.Advance()
		fz.taken, fz.ops = false, 0
		// The node answers its last index without asking Storage: with
		// everything handed out persisted, the two must agree.
		if !fz.rn.HasReady() {
			last, err := fz.st.LastIndex()
			must(fz.t, err)
			term, err := fz.st.Term(last)
			must(fz.t, err)
			if st := fz.rn.Status(); st.LastIndex != last || st.LastTerm != term {
				fz.t.Fatalf("after Advance with nothing left to persist the node's log ends at %d/%d, the storage's at %d/%d", st.LastIndex, st.LastTerm, last, term)
			}
		}
	}
}

func lastIndexOf(ents []raft.Entry) uint64 {
	if len(ents) == 0 {
		return 0
	}
	return ents[len(ents)-1].Index
}

// message decodes a message to node 1, mostly well formed.
func (fz *fuzzer) message() raft.Message {
	st := fz.rn.Status()
	log := fz.rn.Log()
	m := raft.Message{Type: raft.MessageType(fz.next() % 10), From: uint64(fz.next() % 5), To: 1}
	if b := fz.next(); b >= 250 {
		m.To = uint64(b % 4)
	}
	// A byte with the high bit set means "near the node's own": a term
	// within one of its term, an anchor within two of its last entry (with
	// that entry's term).
	if b := fz.next(); b&0x80 != 0 {
		m.Term = max(1, st.Term+uint64(b%3)) - uint64(b>>2&1)
	} else {
		m.Term = uint64(b % 8)
	}
	if b := fz.next(); b&0x80 != 0 {
		m.Index = st.LastIndex - min(st.LastIndex, uint64(b%3))
		if m.Index > 0 {
			m.LogTerm = log[m.Index-1].Term
		}
	} else {
		m.Index, m.LogTerm = uint64(b%8), uint64(fz.next()%8)
	}
	if b := fz.next(); b&0x80 != 0 {
		m.Commit = st.Commit + uint64(b%3)
	} else {
		m.Commit = uint64(b % 8)
	}
	m.Reject = fz.next()&1 != 0
	m.RejectHint = uint64(fz.next() % 8)
	if m.Type == raft.MsgApp {
		n := int(fz.next() % 4)
		term := m.LogTerm
		for k := range n {
			b := fz.next()
			if b&0x80 != 0 {
				term = max(term, min(m.Term, term+uint64(b%2)))
			} else {
				term = uint64(b % 8)
			}
			m.Entries = append(m.Entries, raft.Entry{Index: m.Index + 1 + uint64(k), Term: term, Data: []byte{b}})
		}
	}
	return m
}

// step steps m; a refused message must change nothing.
func (fz *fuzzer) step(m raft.Message) {
	before, log, hadReady := fz.rn.Status(), fz.rn.Log(), fz.rn.HasReady()
	err := fz.rn.Step(m)
	if err == nil {
		return
	}
	if !isStepError(err) {
		fz.t.Fatalf("Step(%v): %v is not a *StepError", m, err)
	}
	if after := fz.rn.Status(); fmt.Sprint(after) != fmt.Sprint(before) || !sameEntries(fz.rn.Log(), log) || fz.rn.HasReady() != hadReady {
		fz.t.Fatalf("refused %v (%v) but changed: %+v -> %+v", m, err, before, after)
	}
}

// check checks the invariants of the node's state, and of its change since
// the last call.
func (fz *fuzzer) check() {
	t := fz.t
	st, log := fz.rn.Status(), fz.rn.Log()
	prev, prevLog := fz.prev, fz.prevLog
	fz.prev, fz.prevLog = st, log
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nstatus %+v\nlog %v\nbefore %+v\nlog before %v", fmt.Sprintf(format, args...), st, log, prev, prevLog)
	}
	if st.LastIndex != uint64(len(log)) || st.LastTerm != lastTermOf(log) {
		fail("last %d/%d does not match the log", st.LastIndex, st.LastTerm)
	}
	if st.Applied > st.Commit || st.Commit > st.LastIndex {
		fail("applied %d, commit %d, last %d out of order", st.Applied, st.Commit, st.LastIndex)
	}
	for k, e := range log {
		if e.Index != uint64(k+1) || e.Term == 0 || e.Term > st.Term || (k > 0 && e.Term < log[k-1].Term) {
			fail("bad entry %v at position %d", e, k)
		}
	}
	// Terms never decrease; a vote is never changed within a term; the
	// committed prefix never changes.
	if st.Term < prev.Term {
		fail("term went down")
	}
	if st.Term == prev.Term && prev.Vote != raft.None && st.Vote != prev.Vote {
		fail("vote changed within term %d", st.Term)
	}
	if st.Commit < prev.Commit || !sameEntries(log[:prev.Commit], prevLog[:prev.Commit]) {
		fail("committed prefix changed")
	}
	if st.Vote > 3 || st.Lead > 3 {
		fail("vote or leader outside the cluster")
	}
	switch st.Role {
	case raft.Leader:
		if st.Lead != 1 || st.Vote != 1 || st.Progress == nil || st.Progress[1].Match != st.LastIndex {
			fail("a leader must lead itself, have voted for itself, and track its own log")
		}
		for id, pr := range st.Progress {
			if pr.Match > st.LastIndex || pr.Next == 0 || pr.Next > st.LastIndex+1 {
				fail("bad progress of %d: %v", id, pr)
			}
		}
	case raft.Candidate:
		if st.Vote != 1 || st.Lead != raft.None || !slices.Contains(st.VotesGranted, 1) {
			fail("a candidate votes for itself and knows no leader")
		}
	case raft.PreCandidate:
		if st.Lead != raft.None || !slices.Contains(st.VotesGranted, 1) {
			fail("a pre-candidate knows no leader and grants itself")
		}
	case raft.Follower:
		if st.Lead == 1 {
			fail("a follower leading itself")
		}
	}
	if st.Role != raft.Leader && st.Progress != nil {
		fail("progress on a %v", st.Role)
	}
	if (st.Role == raft.Leader || st.Role == raft.Follower) && (st.VotesGranted != nil || st.VotesRejected != nil) {
		fail("a tally on a %v", st.Role)
	}
	for _, g := range st.VotesGranted {
		if slices.Contains(st.VotesRejected, g) || g > 3 || g == 0 {
			fail("bad tally")
		}
	}
	if st.Lease && (st.Role != raft.Follower || st.Lead == raft.None || !fz.cfg.CheckQuorum) {
		fail("a lease on a %v with leader %d (CheckQuorum %v)", st.Role, st.Lead, fz.cfg.CheckQuorum)
	}
}

func lastTermOf(log []raft.Entry) uint64 {
	if len(log) == 0 {
		return 0
	}
	return log[len(log)-1].Term
}
