package model

import (
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// This file transcribes the operators of tla/Raft.tla, in its order and
// under its names: each is a method of stepper, which holds the constants
// (Min and Max are Go's min and max). Two conventions stand for TLA+
// constructs:
//
//   - A server step Result(s, out) is a method that returns s and sends the
//     messages of out with st.send (appending to st.out, the step's set of
//     messages; PutAll drops repeats, so it stays a set).
//   - Records are Go values: [s EXCEPT !.f = x] is a copy s1 := s with
//     s1.f = x.
//
// The seeded mutants of tla/Mut*.tla are marked "Mutant <Name>" where they
// deviate.

// stepper evaluates the operators of Raft.tla for one config: it holds the
// constants and the messages sent by the step being evaluated.
type stepper struct {
	cfg      *Config
	n        int      // Cardinality(Server)
	mut      mutation // the seeded mutant, if any
	cuttable links    // CuttableLinks
	out      []message
	scratch  state // the successor handed to Next's emit
	bagBuf   bag   // scratch memory for the successor's messages
	arena    seq   // scratch memory for the sequences steps build
}

func newStepper(cfg *Config) *stepper {
	st := &stepper{cfg: cfg, n: cfg.N, mut: mutationOf(cfg.Mutation), out: make([]message, 0, 32)}
	for _, l := range cfg.CuttableLinks {
		st.cuttable |= linkBit(l.From, l.To)
	}
	return st
}

// resetScratch lets the stepper reuse the memory of the states its steps
// built so far: none of them may be used afterwards.
func (st *stepper) resetScratch() { st.arena = st.arena[:0] }

// alloc returns room for n entries that no other sequence uses (until
// resetScratch).
func (st *stepper) alloc(n int) seq {
	if len(st.arena)+n > cap(st.arena) {
		st.arena = make(seq, 0, max(4096, 2*n))
	}
	out := st.arena[len(st.arena) : len(st.arena)+n : len(st.arena)+n]
	st.arena = st.arena[:len(st.arena)+n]
	return out
}

// Append is Append(lg, e), a new sequence. A log longer than 255 entries is
// beyond the model's range: it panics with errCapacity.
func (st *stepper) Append(lg seq, e entry) seq {
	if len(lg) >= maxLog {
		panic(errCapacity)
	}
	out := st.alloc(len(lg) + 1)
	copy(out, lg)
	out[len(lg)] = e
	return out
}

// Concat is a \o b, a new sequence.
func (st *stepper) Concat(a, b seq) seq {
	if len(a)+len(b) > maxLog {
		panic(errCapacity)
	}
	out := st.alloc(len(a) + len(b))
	copy(out, a)
	copy(out[len(a):], b)
	return out
}

// send adds m to the messages of the current step.
func (st *stepper) send(m message) { st.out = append(st.out, m) }

// QuorumSize is Raft.tla's QuorumSize: a majority of Server.
func (st *stepper) QuorumSize() int { return st.n/2 + 1 }

// IsQuorum is Raft.tla's IsQuorum(S).
func (st *stepper) IsQuorum(s set) bool { return s.cardinality() >= st.QuorumSize() }

// TermAt is Raft.tla's TermAt(lg, k): 0 for index 0 and past the end.
func (st *stepper) TermAt(lg seq, k int) int {
	if k == 0 || k > lg.Len() {
		return 0
	}
	return int(lg.At(k).term)
}

// LastTerm is Raft.tla's LastTerm(lg).
func (st *stepper) LastTerm(lg seq) int { return st.TermAt(lg, lg.Len()) }

// UpToDate is Raft.tla's UpToDate(lastTerm, lastIndex, lg): etcd's
// isUpToDate.
func (st *stepper) UpToDate(lastTerm, lastIndex int, lg seq) bool {
	return lastTerm > st.LastTerm(lg) || lastTerm == st.LastTerm(lg) && lastIndex >= lg.Len()
}

// FindConflictByTerm is Raft.tla's FindConflictByTerm(lg, idx, t): the
// largest index k <= idx whose term is at most t (0 if none) and its term;
// an index past the end is returned as is, with term 0.
func (st *stepper) FindConflictByTerm(lg seq, idx, t int) (int, int) {
	if idx > lg.Len() {
		return idx, 0
	}
	k := idx
	for k > 0 && int(lg.At(k).term) > t {
		k--
	}
	return k, st.TermAt(lg, k)
}

// LastIndex is Raft.tla's LastIndex(s): the index of s's last entry.
func (st *stepper) LastIndex(s *server) int { return int(s.snapIndex) + s.log.Len() }

// TermOf is Raft.tla's TermOf(s, k): the snapshot's term at its index, 0 at
// a compacted index and past the end.
func (st *stepper) TermOf(s *server, k int) int {
	switch {
	case k == int(s.snapIndex):
		return int(s.snapTerm)
	case k < int(s.snapIndex) || k > st.LastIndex(s):
		return 0
	}
	return int(s.log.At(k - int(s.snapIndex)).term)
}

// LastTermOf is Raft.tla's LastTermOf(s).
func (st *stepper) LastTermOf(s *server) int { return st.TermOf(s, st.LastIndex(s)) }

// EntriesOf is Raft.tla's EntriesOf(s, lo, hi): the entries from index lo
// to hi, lo > s.snapIndex.
func (st *stepper) EntriesOf(s *server, lo, hi int) seq {
	return s.log.SubSeq(lo-int(s.snapIndex), hi-int(s.snapIndex))
}

// FindConflictByTermOf is Raft.tla's FindConflictByTermOf(s, idx, t):
// etcd's findConflictByTerm over a compacted log, scanning down from idx
// to the first index whose term is at most t; an index whose term is
// unknown (past the end, or compacted) is returned with term 0.
func (st *stepper) FindConflictByTermOf(s *server, idx, t int) (int, int) {
	if idx > st.LastIndex(s) {
		return idx, 0
	}
	k := idx
	for k > 0 && k >= int(s.snapIndex) && st.TermOf(s, k) > t {
		k--
	}
	if k < int(s.snapIndex) {
		return k, 0
	}
	return k, st.TermOf(s, k)
}

// Isolated is Raft.tla's Isolated(i): no other server can reach i.
func (st *stepper) Isolated(v *state, i int) bool {
	for j := 1; j <= st.n; j++ {
		if j != i && !v.cut.has(j, i) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// The network

// PutAll is Raft.tla's PutAll(b, ms): every message of the set ms added to
// b, unless its link is cut. It reports false if the bag overflowed its
// capacity (then it also holds more than MaxInFlight messages).
func (st *stepper) PutAll(v *state, b *bag, ms []message) bool {
	for k := range ms {
		m := &ms[k]
		if v.cut.has(int(m.msource), int(m.mdest)) || repeated(ms[:k], m) {
			continue
		}
		if !b.Put(m) {
			return false
		}
	}
	return true
}

// repeated reports whether m is among ms (ms is a set).
func repeated(ms []message, m *message) bool {
	for k := range ms {
		if compareMsg(&ms[k], m) == 0 {
			return true
		}
	}
	return false
}

// NetworkBecomes is Raft.tla's NetworkBecomes(b): the guard that b holds at
// most MaxInFlight messages.
func (st *stepper) NetworkBecomes(b *bag) bool { return b.InFlight() <= st.cfg.MaxInFlight }

// ---------------------------------------------------------------------------
// Messages

// VoteRequestMsg is Raft.tla's VoteRequestMsg(type, i, j, term, s,
// transfer).
func (st *stepper) VoteRequestMsg(typ spec.MsgType, i, j, term int, s *server, transfer bool) message {
	return message{mtype: typ, mterm: uint8(term), mlastLogTerm: uint8(st.LastTermOf(s)),
		mlastLogIndex: uint8(st.LastIndex(s)), mtransfer: transfer, msource: uint8(i), mdest: uint8(j)}
}

// VoteResponseMsg is Raft.tla's VoteResponseMsg(type, i, j, term, reject).
func (st *stepper) VoteResponseMsg(typ spec.MsgType, i, j, term int, reject bool) message {
	return message{mtype: typ, mterm: uint8(term), mreject: reject, msource: uint8(i), mdest: uint8(j)}
}

// AppendMsg is Raft.tla's AppendMsg(i, j, s, next, last).
func (st *stepper) AppendMsg(i, j int, s *server, next, last int) message {
	return message{mtype: spec.AppendEntriesRequest, mterm: s.term,
		mprevLogIndex: uint8(next - 1), mprevLogTerm: uint8(st.TermOf(s, next-1)),
		mentries: st.EntriesOf(s, next, last), mcommitIndex: s.commit,
		msource: uint8(i), mdest: uint8(j)}
}

// AppendResponseMsg is Raft.tla's AppendResponseMsg(i, j, t, reject, index,
// hint, hintTerm).
func (st *stepper) AppendResponseMsg(i, j, t int, reject bool, index, hint, hintTerm int) message {
	return message{mtype: spec.AppendEntriesResponse, mterm: uint8(t), mreject: reject,
		mindex: uint8(index), mrejectHint: uint8(hint), mlogTerm: uint8(hintTerm),
		msource: uint8(i), mdest: uint8(j)}
}

// HeartbeatMsg is Raft.tla's HeartbeatMsg(i, j, t, ci, ctx) (ctx is 0
// whenever MaxReads = 0, the spec's heartbeat without mctx).
func (st *stepper) HeartbeatMsg(i, j, t, ci, ctx int) message {
	return message{mtype: spec.HeartbeatRequest, mterm: uint8(t), mcommitIndex: uint8(ci),
		mctx: uint8(ctx), msource: uint8(i), mdest: uint8(j)}
}

// HeartbeatResponseMsg is Raft.tla's HeartbeatResponseMsg(i, j, t, ctx).
func (st *stepper) HeartbeatResponseMsg(i, j, t, ctx int) message {
	return message{mtype: spec.HeartbeatResponse, mterm: uint8(t), mctx: uint8(ctx), msource: uint8(i), mdest: uint8(j)}
}

// ReadIndexRequestMsg is Raft.tla's ReadIndexRequestMsg(o, j, id).
func (st *stepper) ReadIndexRequestMsg(o, j, id int) message {
	return message{mtype: spec.ReadIndexRequest, mctx: uint8(id), msource: uint8(o), mdest: uint8(j)}
}

// ReadIndexResponseMsg is Raft.tla's ReadIndexResponseMsg(i, j, t, index, id).
func (st *stepper) ReadIndexResponseMsg(i, j, t, index, id int) message {
	return message{mtype: spec.ReadIndexResponse, mterm: uint8(t), mindex: uint8(index), mctx: uint8(id),
		msource: uint8(i), mdest: uint8(j)}
}

// SnapshotMsg is Raft.tla's SnapshotMsg(i, j, t, si, st).
func (st *stepper) SnapshotMsg(i, j, t, si, sterm int) message {
	return message{mtype: spec.SnapshotRequest, mterm: uint8(t), msnapshotIndex: uint8(si),
		msnapshotTerm: uint8(sterm), msource: uint8(i), mdest: uint8(j)}
}

// TimeoutNowMsg is Raft.tla's TimeoutNowMsg(i, j, t).
func (st *stepper) TimeoutNowMsg(i, j, t int) message {
	return message{mtype: spec.TimeoutNowRequest, mterm: uint8(t), msource: uint8(i), mdest: uint8(j)}
}

// ---------------------------------------------------------------------------
// One server's state as a record

// NoProgress is Raft.tla's NoProgress: the progress of every follower at a
// server that is not a leader, and a leader's progress for itself.
func (st *stepper) NoProgress() progress {
	return progress{next: 0, match: 0, mode: spec.Probe, paused: false, sentCommit: 0}
}

// NoProgresses is Raft.tla's NoProgresses: NoProgress for every server.
func (st *stepper) NoProgresses() [maxServers]progress {
	var prs [maxServers]progress
	for j := range prs {
		prs[j] = st.NoProgress()
	}
	return prs
}

// InLease is Raft.tla's InLease(s): s ignores higher-term (pre-)vote
// requests.
func (st *stepper) InLease(s *server) bool {
	switch st.mut {
	case mutLeaseIgnored:
		// Mutant LeaseIgnored: MutInLease(s) == CheckQuorum /\ s.role = Leader.
		return st.cfg.CheckQuorum && s.role == spec.Leader
	case mutLeaderNotInOwnLease:
		// Mutant LeaderNotInOwnLease: MutInLease(s) == CheckQuorum /\ s.lease.
		return st.cfg.CheckQuorum && s.lease
	}
	return st.cfg.CheckQuorum && (s.role == spec.Leader || s.lease)
}

// ---------------------------------------------------------------------------
// Role changes

// BecomeFollower is Raft.tla's BecomeFollower(s, t, l): etcd's
// becomeFollower.
func (st *stepper) BecomeFollower(s server, t, l int) server {
	if t != int(s.term) {
		s.vote = 0
	}
	s.term = uint8(t)
	s.role = spec.Follower
	s.leader = uint8(l)
	s.lease = st.cfg.CheckQuorum && l != 0
	s.granted, s.rejected = 0, 0
	s.prs = st.NoProgresses()
	s.active = 0
	if st.mut != mutTransferKeptOnStepDown {
		// Mutant TransferKeptOnStepDown keeps the pending transfer.
		s.transferee = 0
	}
	s.rq = nil
	return s
}

// CampaignMsgs is Raft.tla's CampaignMsgs(i, s, type, t): sends the
// (pre-)vote requests for term t to every other server.
func (st *stepper) CampaignMsgs(i int, s *server, typ spec.MsgType, t int) {
	for j := 1; j <= st.n; j++ {
		if j != i {
			st.send(st.VoteRequestMsg(typ, i, j, t, s, false))
		}
	}
}

// TransferCampaignMsgs is Raft.tla's TransferCampaignMsgs(i, s, t): the
// vote requests of a campaign forced by a leader transfer.
func (st *stepper) TransferCampaignMsgs(i int, s *server, t int) {
	for j := 1; j <= st.n; j++ {
		if j != i {
			st.send(st.VoteRequestMsg(spec.VoteRequest, i, j, t, s, true))
		}
	}
}

// SendSnapshot is Raft.tla's SendSnapshot(i, s, j): etcd's
// maybeSendSnapshot and BecomeSnapshot, to a recently active follower.
func (st *stepper) SendSnapshot(i int, s server, j int) server {
	if !s.active.has(j) {
		return s
	}
	pr := s.prs[j-1]
	pr.mode = spec.Snapshot
	pr.paused = false
	pr.next = s.snapIndex + 1
	pr.sentCommit = s.snapIndex
	s.prs[j-1] = pr
	st.send(st.SnapshotMsg(i, j, int(s.term), int(s.snapIndex), int(s.snapTerm)))
	return s
}

// SendAppend is Raft.tla's SendAppend(i, s, j, sendIfEmpty): etcd's
// maybeSendAppend, which sends the snapshot when the entry before next is
// compacted.
func (st *stepper) SendAppend(i int, s server, j int, sendIfEmpty bool) server {
	pr := s.prs[j-1]
	next := int(pr.next)
	last := min(st.LastIndex(&s), next+st.cfg.MaxBatch-1)
	n := last - next + 1
	pr1 := pr
	switch {
	case n == 0:
	case pr.mode == spec.Replicate:
		pr1.next = uint8(next + n)
	default:
		pr1.paused = true
	}
	switch {
	case pr.mode == spec.Snapshot || pr.mode == spec.Probe && pr.paused:
		return s
	case next-1 < int(s.snapIndex):
		return st.SendSnapshot(i, s, j)
	case n > 0 || sendIfEmpty:
		st.send(st.AppendMsg(i, j, &s, next, last))
		pr1.sentCommit = s.commit
		s.prs[j-1] = pr1
		return s
	}
	return s
}

// SendAppends is Raft.tla's SendAppends(i, s, j): etcd's loop
// "for maybeSendAppend(j, false) {}".
func (st *stepper) SendAppends(i int, s server, j int) server {
	for {
		before := len(st.out)
		s = st.SendAppend(i, s, j, false)
		if len(st.out) == before {
			return s
		}
	}
}

// BcastAppend is Raft.tla's BcastAppend(i, s): SendAppend(i, s, j, TRUE) for
// every follower j, each from the same s.
func (st *stepper) BcastAppend(i int, s server) server {
	out := s
	for j := 1; j <= st.n; j++ {
		if j != i {
			r := st.SendAppend(i, s, j, true)
			out.prs[j-1] = r.prs[j-1]
		}
	}
	return out
}

// QuorumMatch is Raft.tla's QuorumMatch(i, s): the highest index held by a
// quorum, counting the leader's whole log.
func (st *stepper) QuorumMatch(i int, s *server) int {
	holders := func(k int) set {
		h := set(0).with(i)
		for j := 1; j <= st.n; j++ {
			if j != i && int(s.prs[j-1].match) >= k {
				h = h.with(j)
			}
		}
		return h
	}
	for k := st.LastIndex(s); k > 0; k-- {
		if st.IsQuorum(holders(k)) {
			return k
		}
	}
	return 0
}

// MaybeCommit is Raft.tla's MaybeCommit(i, s): etcd's maybeCommit.
func (st *stepper) MaybeCommit(i int, s server) server {
	if st.mut == mutCommitWithoutQuorum {
		// Mutant CommitWithoutQuorum: the leader's last entry counts as
		// committed once it is of its term, as if the leader alone were a
		// quorum.
		if s.log.Len() > int(s.commit) && st.TermAt(s.log, s.log.Len()) == int(s.term) {
			s.commit = uint8(s.log.Len())
		}
		return s
	}
	q := st.QuorumMatch(i, &s)
	if st.mut == mutCommitEarlierTerm {
		// Mutant CommitEarlierTerm: whatever the term of entry q.
		if q > int(s.commit) {
			s.commit = uint8(q)
		}
		return s
	}
	if q > int(s.commit) && st.TermOf(&s, q) == int(s.term) {
		s.commit = uint8(q)
	}
	return s
}

// AppendEntry is Raft.tla's AppendEntry(i, s, v): etcd's appendEntry
// followed by bcastAppend.
func (st *stepper) AppendEntry(i int, s server, v int) server {
	s.log = st.Append(s.log, entry{term: s.term, value: uint8(v)})
	return st.BcastAppend(i, st.MaybeCommit(i, s))
}

// BecomeLeader is Raft.tla's BecomeLeader(i, s): etcd's becomeLeader and
// bcastAppend, with the leader's empty entry.
func (st *stepper) BecomeLeader(i int, s server) server {
	s.role = spec.Leader
	s.leader = uint8(i)
	s.lease = false
	s.granted, s.rejected = 0, 0
	for j := 1; j <= st.n; j++ {
		if j == i {
			s.prs[j-1] = st.NoProgress()
		} else {
			s.prs[j-1] = progress{next: uint8(st.LastIndex(&s)) + 1, match: 0, mode: spec.Probe, paused: false, sentCommit: 0}
		}
	}
	s.active = 0
	s.transferee = 0
	s.rq = nil
	return st.AppendEntry(i, s, 0)
}

// CampaignElection is Raft.tla's CampaignElection(i, s): etcd's
// campaign(campaignElection).
func (st *stepper) CampaignElection(i int, s server) server { return st.Campaign(i, s, false) }

// Campaign is Raft.tla's Campaign(i, s, forced): etcd's campaign, of
// campaignElection or (forced) campaignTransfer.
func (st *stepper) Campaign(i int, s server, forced bool) server {
	if s.term == 255 {
		panic(errCapacity)
	}
	s1 := s
	s1.term = s.term + 1
	s1.vote = uint8(i)
	s1.role = spec.Candidate
	s1.leader = 0
	s1.lease = false
	s1.granted = set(0).with(i)
	s1.rejected = 0
	s1.transferee = 0
	if st.IsQuorum(set(0).with(i)) {
		return st.BecomeLeader(i, s1)
	}
	if forced {
		st.TransferCampaignMsgs(i, &s1, int(s1.term))
	} else {
		st.CampaignMsgs(i, &s1, spec.VoteRequest, int(s1.term))
	}
	return s1
}

// CampaignPreElection is Raft.tla's CampaignPreElection(i, s): etcd's
// campaign(campaignPreElection).
func (st *stepper) CampaignPreElection(i int, s server) server {
	s1 := s
	if st.mut == mutPreCandidateBumpsTerm {
		// Mutant PreCandidateBumpsTerm: the pre-candidate increments its
		// term (and asks for pre-votes at its new term, which is s.term+1).
		if s.term == 255 {
			panic(errCapacity)
		}
		s1.term = s.term + 1
	}
	s1.role = spec.PreCandidate
	if st.mut != mutPreCandidateKeepsLeader {
		// Mutant PreCandidateKeepsLeader (etcd#8334) keeps both.
		s1.leader = 0
		s1.lease = false
	}
	s1.granted = set(0).with(i)
	s1.rejected = 0
	if st.IsQuorum(set(0).with(i)) {
		return st.CampaignElection(i, s1)
	}
	st.CampaignMsgs(i, &s1, spec.PreVoteRequest, int(s.term)+1)
	return s1
}

// Poll is Raft.tla's Poll(s, j, granted): etcd's poll.
func (st *stepper) Poll(s server, j int, granted bool) server {
	switch {
	case s.granted.union(s.rejected).has(j):
	case granted:
		s.granted = s.granted.with(j)
	default:
		s.rejected = s.rejected.with(j)
	}
	return s
}

// Lost is Raft.tla's Lost(s): etcd's quorum.VoteLost.
func (st *stepper) Lost(s *server) bool {
	return s.rejected.cardinality() > st.n-st.QuorumSize()
}

// ---------------------------------------------------------------------------
// What one server does with one message

// CanVote is Raft.tla's CanVote(s, m): etcd's canVote.
func (st *stepper) CanVote(s *server, m *message) bool {
	if st.mut == mutVoteTwice {
		// Mutant VoteTwice: MutCanVote(s, m) == TRUE.
		return true
	}
	return s.vote == m.msource ||
		s.vote == 0 && s.leader == 0 ||
		m.mtype == spec.PreVoteRequest && m.mterm > s.term
}

// VoteGranted is Raft.tla's VoteGranted(s, m).
func (st *stepper) VoteGranted(s *server, m *message) bool {
	if st.mut == mutGrantWithoutLogCheck {
		// Mutant GrantWithoutLogCheck: MutVoteGranted(s, m) == CanVote(s, m).
		return st.CanVote(s, m)
	}
	if st.mut == mutTransferSkipsLogCheck && m.mtype == spec.VoteRequest && m.mtransfer {
		// Mutant TransferSkipsLogCheck: a forced vote is granted without
		// the up-to-date check.
		return st.CanVote(s, m)
	}
	return st.CanVote(s, m) &&
		(int(m.mlastLogTerm) > st.LastTermOf(s) ||
			int(m.mlastLogTerm) == st.LastTermOf(s) && int(m.mlastLogIndex) >= st.LastIndex(s))
}

// OnPreVoteRequest is Raft.tla's OnPreVoteRequest(i, s, m): a pre-vote
// request never changes the receiver.
func (st *stepper) OnPreVoteRequest(i int, s server, m *message) server {
	j := int(m.msource)
	f := s
	if st.mut == mutPreVoteAdoptsTerm && m.mterm > s.term {
		// Mutant PreVoteAdoptsTerm: the receiver adopts a higher term
		// first, as for a real vote request (f in MutOnPreVoteRequest).
		f = st.BecomeFollower(s, int(m.mterm), 0)
	}
	switch {
	case m.mterm > s.term && st.InLease(&s) && !m.mtransfer:
		return s
	case m.mterm < s.term:
		st.send(st.VoteResponseMsg(spec.PreVoteResponse, i, j, int(s.term), true))
		return s
	case st.VoteGranted(&f, m):
		st.send(st.VoteResponseMsg(spec.PreVoteResponse, i, j, int(m.mterm), false))
		return f
	default:
		st.send(st.VoteResponseMsg(spec.PreVoteResponse, i, j, int(f.term), true))
		return f
	}
}

// OnVoteRequest is Raft.tla's OnVoteRequest(i, s, m).
func (st *stepper) OnVoteRequest(i int, s server, m *message) server {
	j := int(m.msource)
	s1 := s
	if m.mterm > s.term {
		s1 = st.BecomeFollower(s, int(m.mterm), 0)
	}
	switch {
	case m.mterm > s.term && st.InLease(&s) && !m.mtransfer:
		return s
	case m.mterm < s.term:
		return s
	case st.VoteGranted(&s1, m):
		s2 := s1
		s2.vote = uint8(j)
		s2.lease = st.cfg.CheckQuorum && s1.role == spec.Follower && s1.leader != 0
		st.send(st.VoteResponseMsg(spec.VoteResponse, i, j, int(m.mterm), false))
		return s2
	default:
		st.send(st.VoteResponseMsg(spec.VoteResponse, i, j, int(s1.term), true))
		return s1
	}
}

// OnPreVoteResponse is Raft.tla's OnPreVoteResponse(i, s, m).
func (st *stepper) OnPreVoteResponse(i int, s server, m *message) server {
	switch {
	case m.mterm > s.term && m.mreject:
		return st.BecomeFollower(s, int(m.mterm), 0)
	case st.mut == mutCandidateCountsStalePreVote && m.mterm >= s.term && s.role == spec.Candidate:
		// Mutant CandidateCountsStalePreVote: a candidate counts a grant
		// left over from its pre-campaign as a vote.
		s1 := st.Poll(s, int(m.msource), !m.mreject)
		if st.IsQuorum(s1.granted) {
			return st.BecomeLeader(i, s1)
		}
		return s1
	case m.mterm < s.term || s.role != spec.PreCandidate:
		return s
	}
	s1 := st.Poll(s, int(m.msource), !m.mreject)
	switch {
	case st.IsQuorum(s1.granted):
		return st.CampaignElection(i, s1)
	case st.Lost(&s1):
		return st.BecomeFollower(s1, int(s1.term), 0)
	default:
		return s1
	}
}

// OnVoteResponse is Raft.tla's OnVoteResponse(i, s, m).
func (st *stepper) OnVoteResponse(i int, s server, m *message) server {
	switch {
	case m.mterm > s.term:
		return st.BecomeFollower(s, int(m.mterm), 0)
	case m.mterm < s.term || s.role != spec.Candidate:
		return s
	}
	s1 := st.Poll(s, int(m.msource), !m.mreject)
	switch {
	case st.IsQuorum(s1.granted):
		return st.BecomeLeader(i, s1)
	case st.Lost(&s1):
		return st.BecomeFollower(s1, int(s1.term), 0)
	default:
		return s1
	}
}

// StaleLeaderReply is Raft.tla's StaleLeaderReply(i, s, m): with PreVote or
// CheckQuorum, a server at a higher term answers a stale leader.
func (st *stepper) StaleLeaderReply(i int, s *server, m *message) {
	if st.cfg.CheckQuorum || st.cfg.PreVote {
		st.send(st.AppendResponseMsg(i, int(m.msource), int(s.term), false, 0, 0, 0))
	}
}

// Merge is Raft.tla's Merge(lg, prev, ents, k): the log after accepting
// ents anchored after prev; entries already present are kept, the first
// conflicting one and all after it are replaced.
func (st *stepper) Merge(lg seq, prev int, ents seq, k int) seq {
	for ; k <= ents.Len(); k++ {
		if !(prev+k <= lg.Len() && lg.At(prev+k).term == ents.At(k).term) {
			return st.Concat(lg.SubSeq(1, prev+k-1), ents.SubSeq(k, ents.Len()))
		}
	}
	return lg
}

// AcceptAppend is Raft.tla's AcceptAppend(i, s, m): a follower handles an
// append.
func (st *stepper) AcceptAppend(i int, s server, m *message) server {
	j := int(m.msource)
	prev := int(m.mprevLogIndex)
	last := prev + m.mentries.Len()
	// Mutant AppendSkipsTermCheck: the anchor's term is not checked.
	termOK := st.mut == mutAppendSkipsTermCheck || st.TermOf(&s, prev) == int(m.mprevLogTerm)
	switch {
	case prev < int(s.commit):
		st.send(st.AppendResponseMsg(i, j, int(s.term), false, int(s.commit), 0, 0))
		return s
	case prev <= st.LastIndex(&s) && termOK:
		// prev >= commit >= snapIndex (SnapshotCommitted): the anchor is
		// not compacted.
		s.log = st.Merge(s.log, prev-int(s.snapIndex), m.mentries, 1)
		s.commit = uint8(max(int(s.commit), min(int(m.mcommitIndex), last)))
		st.send(st.AppendResponseMsg(i, j, int(s.term), false, last, 0, 0))
		return s
	default:
		hint, hintTerm := st.FindConflictByTermOf(&s, min(prev, st.LastIndex(&s)), int(m.mprevLogTerm))
		st.send(st.AppendResponseMsg(i, j, int(s.term), true, prev, hint, hintTerm))
		return s
	}
}

// OnAppendEntriesRequest is Raft.tla's OnAppendEntriesRequest(i, s, m).
func (st *stepper) OnAppendEntriesRequest(i int, s server, m *message) server {
	if st.mut == mutLeaderAcceptsStaleAppend && s.role == spec.Leader {
		// Mutant LeaderAcceptsStaleAppend: a leader accepts any append as a
		// follower would, without stepping down.
		return st.AcceptAppend(i, s, m)
	}
	switch {
	case m.mterm < s.term:
		st.StaleLeaderReply(i, &s, m)
		return s
	case m.mterm == s.term && s.role == spec.Leader:
		return s
	default:
		return st.AcceptAppend(i, st.BecomeFollower(s, int(m.mterm), int(m.msource)), m)
	}
}

// OnHeartbeatRequest is Raft.tla's OnHeartbeatRequest(i, s, m).
func (st *stepper) OnHeartbeatRequest(i int, s server, m *message) server {
	switch {
	case m.mterm < s.term:
		st.StaleLeaderReply(i, &s, m)
		return s
	case m.mterm == s.term && s.role == spec.Leader:
		return s
	}
	s1 := st.BecomeFollower(s, int(m.mterm), int(m.msource))
	s1.commit = uint8(max(int(s1.commit), int(m.mcommitIndex)))
	st.send(st.HeartbeatResponseMsg(i, int(m.msource), int(s1.term), int(m.mctx)))
	return s1
}

// LeaderOnReject is Raft.tla's LeaderOnReject(i, s, m): etcd's
// MaybeDecrTo, BecomeProbe and sendAppend.
func (st *stepper) LeaderOnReject(i int, s server, m *message) server {
	j := int(m.msource)
	pr := s.prs[j-1]
	hint := int(m.mrejectHint)
	if m.mlogTerm > 0 {
		hint, _ = st.FindConflictByTermOf(&s, int(m.mrejectHint), int(m.mlogTerm))
	}
	if pr.mode == spec.Replicate {
		if m.mindex <= pr.match {
			return s
		}
		pr1 := pr
		pr1.mode = spec.Probe
		pr1.paused = false
		pr1.next = pr.match + 1
		pr1.sentCommit = min(pr.sentCommit, pr.match)
		s.prs[j-1] = pr1
		return st.SendAppend(i, s, j, true)
	}
	if int(pr.next)-1 != int(m.mindex) {
		return s
	}
	pr1 := pr
	pr1.next = uint8(max(min(int(m.mindex), hint+1), int(pr.match)+1))
	pr1.paused = false
	pr1.sentCommit = min(pr.sentCommit, pr1.next-1)
	s.prs[j-1] = pr1
	return st.SendAppend(i, s, j, true)
}

// SnapshotNewer is Raft.tla's SnapshotNewer(s, m): the snapshot is above
// the receiver's commit.
func (st *stepper) SnapshotNewer(s *server, m *message) bool {
	if st.mut == mutInstallStaleSnapshot {
		// Mutant InstallStaleSnapshot: MutSnapshotNewer(s, m) == TRUE.
		return true
	}
	return m.msnapshotIndex > s.commit
}

// RestoreSnapshot is Raft.tla's RestoreSnapshot(i, s, m): etcd's
// handleSnapshot and restore.
func (st *stepper) RestoreSnapshot(i int, s server, m *message) server {
	j := int(m.msource)
	si, sterm := int(m.msnapshotIndex), int(m.msnapshotTerm)
	switch {
	case !st.SnapshotNewer(&s, m):
		st.send(st.AppendResponseMsg(i, j, int(s.term), false, int(s.commit), 0, 0))
		return s
	case si <= st.LastIndex(&s) && si >= int(s.snapIndex) && st.TermOf(&s, si) == sterm:
		// etcd's commitTo never lowers the commit.
		s.commit = max(s.commit, uint8(si))
		st.send(st.AppendResponseMsg(i, j, int(s.term), false, int(s.commit), 0, 0))
		return s
	}
	s.log = nil
	s.snapIndex, s.snapTerm = uint8(si), uint8(sterm)
	if st.mut != mutRestoreKeepsCommit {
		// Mutant RestoreKeepsCommit keeps the commit index.
		s.commit = uint8(si)
	}
	st.send(st.AppendResponseMsg(i, j, int(s.term), false, si, 0, 0))
	return s
}

// OnSnapshotRequest is Raft.tla's OnSnapshotRequest(i, s, m).
func (st *stepper) OnSnapshotRequest(i int, s server, m *message) server {
	switch {
	case m.mterm < s.term:
		return s
	case m.mterm == s.term && s.role == spec.Leader:
		return s
	}
	return st.RestoreSnapshot(i, st.BecomeFollower(s, int(m.mterm), int(m.msource)), m)
}

// CompactLimit is Raft.tla's CompactLimit(s): the highest index s may
// compact up to.
func (st *stepper) CompactLimit(s *server) int {
	if st.mut == mutCompactUncommitted {
		// Mutant CompactUncommitted: MutCompactLimit(s) == LastIndex(s).
		return st.LastIndex(s)
	}
	return int(s.commit)
}

// CompactTo is Raft.tla's CompactTo(s, k): the entries up to k go into the
// snapshot.
func (st *stepper) CompactTo(s server, k int) server {
	t := st.TermOf(&s, k)
	s.log = s.log.SubSeq(k-int(s.snapIndex)+1, s.log.Len())
	s.snapIndex, s.snapTerm = uint8(k), uint8(t)
	return s
}

// KeepActive is Raft.tla's KeepActive: a leader records the followers it
// hears from when CheckQuorum or snapshots read it.
func (st *stepper) KeepActive() bool { return st.cfg.CheckQuorum || st.cfg.AllowCompaction }

// CanBumpCommit is Raft.tla's CanBumpCommit(pr, ci): etcd's
// Progress.CanBumpCommit.
func (st *stepper) CanBumpCommit(pr progress, ci int) bool {
	return ci > int(pr.sentCommit) && int(pr.sentCommit) < int(pr.next)-1
}

// LeaderOnAck is Raft.tla's LeaderOnAck(i, s, m): etcd's MaybeUpdate,
// BecomeReplicate, maybeCommit, bcastAppend and maybeSendAppend, and the
// append that carries the commit to a follower that may not know it.
func (st *stepper) LeaderOnAck(i int, s server, m *message) server {
	j := int(m.msource)
	pr := s.prs[j-1]
	updated := m.mindex > pr.match
	if !(updated || pr.match == m.mindex && pr.mode == spec.Probe) {
		return s
	}
	pr1 := pr
	if updated {
		pr1.match = m.mindex
		pr1.next = uint8(max(int(pr.next), int(m.mindex)+1))
		pr1.paused = false
	}
	pr2 := pr1
	// From Snapshot once j can be caught up from the log: etcd's BecomeProbe
	// then BecomeReplicate (see Raft.tla on the commit sent).
	if pr1.mode == spec.Probe || pr1.mode == spec.Snapshot && pr1.match >= s.snapIndex {
		pr2.mode = spec.Replicate
		pr2.paused = false
		pr2.next = pr1.match + 1
	}
	s1 := s
	s1.prs[j-1] = pr2
	s2 := st.MaybeCommit(i, s1)
	b := s2
	switch {
	case s2.commit > s.commit:
		b = st.BcastAppend(i, st.ReleasePendingReads(i, s2))
	case st.CanBumpCommit(s2.prs[j-1], int(s2.commit)):
		b = st.SendAppend(i, s2, j, true)
	}
	r := st.SendAppends(i, b, j)
	if j == int(s.transferee) && int(r.prs[j-1].match) == st.LastIndex(&s) {
		st.send(st.TimeoutNowMsg(i, j, int(s.term)))
	}
	return r
}

// OnAppendEntriesResponse is Raft.tla's OnAppendEntriesResponse(i, s, m).
func (st *stepper) OnAppendEntriesResponse(i int, s server, m *message) server {
	switch {
	case m.mterm > s.term:
		return st.BecomeFollower(s, int(m.mterm), 0)
	case m.mterm < s.term || s.role != spec.Leader:
		return s
	}
	s1 := s
	if st.KeepActive() {
		s1.active = s1.active.with(int(m.msource))
	}
	if m.mreject {
		return st.LeaderOnReject(i, s1, m)
	}
	return st.LeaderOnAck(i, s1, m)
}

// OnHeartbeatResponse is Raft.tla's OnHeartbeatResponse(i, s, m).
func (st *stepper) OnHeartbeatResponse(i int, s server, m *message) server {
	switch {
	case m.mterm > s.term:
		return st.BecomeFollower(s, int(m.mterm), 0)
	case m.mterm < s.term || s.role != spec.Leader:
		return s
	}
	j := int(m.msource)
	s1 := s
	if st.KeepActive() {
		s1.active = s1.active.with(j)
	}
	s1.prs[j-1].paused = false
	if int(s1.prs[j-1].match) < st.LastIndex(&s1) || s1.prs[j-1].mode == spec.Probe {
		s1 = st.SendAppend(i, s1, j, true)
	}
	return st.ReadAck(i, s1, m)
}

// ---------------------------------------------------------------------------
// Reads

// BcastHeartbeat is Raft.tla's BcastHeartbeat(i, s, ctx).
func (st *stepper) BcastHeartbeat(i int, s server, ctx int) server {
	for j := 1; j <= st.n; j++ {
		if j != i {
			commit := min(int(s.prs[j-1].match), int(s.commit))
			s.prs[j-1].sentCommit = uint8(commit)
			st.send(st.HeartbeatMsg(i, j, int(s.term), commit, ctx))
		}
	}
	return s
}

// LastReadCtx is Raft.tla's LastReadCtx(s).
func (st *stepper) LastReadCtx(s *server) int {
	if len(s.rq) == 0 {
		return 0
	}
	return int(s.rq[len(s.rq)-1].id)
}

// CommittedInTerm is Raft.tla's CommittedInTerm(s).
func (st *stepper) CommittedInTerm(s *server) bool {
	return st.TermOf(s, int(s.commit)) == int(s.term)
}

// addAnswer is s.rs \cup {<<id, idx>>}, as a new sorted slice.
func addAnswer(rs []answer, a answer) []answer {
	k, found := slices.BinarySearchFunc(rs, a, cmpAnswer)
	if found {
		return rs
	}
	return slices.Insert(slices.Clip(rs), k, a)
}

// RespondRead is Raft.tla's RespondRead(i, s, req, idx).
func (st *stepper) RespondRead(i int, s server, req readReq, idx int) server {
	if int(req.from) == i {
		s.rs = addAnswer(s.rs, answer{id: req.id, index: uint8(idx)})
		return s
	}
	st.send(st.ReadIndexResponseMsg(i, int(req.from), int(s.term), idx, int(req.id)))
	return s
}

// SendReadIndexResponse is Raft.tla's SendReadIndexResponse(i, s, req).
func (st *stepper) SendReadIndexResponse(i int, s server, req readReq) server {
	if st.cfg.ReadOnlyLeaseBased || st.mut == mutReadWithoutQuorum {
		// Mutant ReadWithoutQuorum: MutSendReadIndexResponse answers at once.
		return st.RespondRead(i, s, req, int(s.commit))
	}
	k := slices.IndexFunc(s.rq, func(r readReq) bool { return r.id == req.id })
	rq := slices.Clone(s.rq)
	if k < 0 {
		rq = append(rq, readReq{id: req.id, from: req.from, index: s.commit, acks: set(0).with(i)})
	} else {
		rq[k].acks = rq[k].acks.with(i)
	}
	s.rq = rq
	return st.BcastHeartbeat(i, s, int(req.id))
}

// ReleasePendingReads is Raft.tla's ReleasePendingReads(i, s) (with
// SendReadIndexResponses, its fold).
func (st *stepper) ReleasePendingReads(i int, s server) server {
	if len(s.pend) == 0 || !st.CommittedInTerm(&s) {
		return s
	}
	reqs := s.pend
	s.pend = nil
	for _, req := range reqs {
		s = st.SendReadIndexResponse(i, s, req)
	}
	return s
}

// ReadIndex is Raft.tla's ReadIndex(i, s, req).
func (st *stepper) ReadIndex(i int, s server, req readReq) server {
	switch {
	case s.role == spec.Leader:
		switch {
		case st.n == 1:
			return st.RespondRead(i, s, req, int(s.commit))
		case !st.CommittedInTerm(&s) && st.mut != mutReadBeforeTermCommit:
			// (Mutant ReadBeforeTermCommit: MutReadIndex skips this.)
			s.pend = append(slices.Clip(s.pend), readReq{id: req.id, from: req.from})
			return s
		}
		return st.SendReadIndexResponse(i, s, req)
	case s.role == spec.Follower && s.leader != 0:
		st.send(st.ReadIndexRequestMsg(int(req.from), int(s.leader), int(req.id)))
	}
	return s
}

// ReadAck is Raft.tla's ReadAck(i, s, m) (with RespondReads).
func (st *stepper) ReadAck(i int, s server, m *message) server {
	ctx := m.mctx
	k := slices.IndexFunc(s.rq, func(r readReq) bool { return r.id == ctx })
	if st.cfg.ReadOnlyLeaseBased || ctx == 0 || k < 0 {
		return s
	}
	rq := slices.Clone(s.rq)
	rq[k].acks = rq[k].acks.with(int(m.msource))
	s.rq = rq
	if !st.IsQuorum(rq[k].acks) {
		return s
	}
	s.rq = slices.Clone(rq[k+1:])
	if len(s.rq) == 0 {
		s.rq = nil
	}
	for _, r := range rq[:k+1] {
		s = st.RespondRead(i, s, r, int(r.index))
	}
	return s
}

// OnReadIndexResponse is Raft.tla's OnReadIndexResponse(i, s, m).
func (st *stepper) OnReadIndexResponse(i int, s server, m *message) server {
	s1 := s
	if m.mterm > s.term {
		s1 = st.BecomeFollower(s, int(m.mterm), 0)
	}
	if m.mterm < s.term || s1.role != spec.Follower {
		return s1
	}
	s1.rs = addAnswer(s1.rs, answer{id: m.mctx, index: m.mindex})
	return s1
}

// OnTimeoutNowRequest is Raft.tla's OnTimeoutNowRequest(i, s, m): etcd's
// stepFollower on MsgTimeoutNow, hup(campaignTransfer).
func (st *stepper) OnTimeoutNowRequest(i int, s server, m *message) server {
	if m.mterm < s.term {
		return s
	}
	s1 := s
	if m.mterm > s.term {
		s1 = st.BecomeFollower(s, int(m.mterm), 0)
	}
	if s1.role == spec.Follower {
		return st.Campaign(i, s1, true)
	}
	return s1
}

// StartTransfer is Raft.tla's StartTransfer(i, s, j): etcd's stepLeader on
// MsgTransferLeader.
func (st *stepper) StartTransfer(i int, s server, j int) server {
	s1 := s
	s1.transferee = uint8(j)
	if int(s1.prs[j-1].match) == st.LastIndex(&s1) {
		st.send(st.TimeoutNowMsg(i, j, int(s.term)))
		return s1
	}
	return st.SendAppend(i, s1, j, true)
}
