package raft

import (
	"fmt"
	"maps"
	"slices"

	"github.com/checkedraft/checkedraft/internal/bugs"
)

// raft is the protocol state machine of one node. It is deterministic and
// single-threaded: it changes only when stepped, and what it wants done
// (messages to send, state to persist) accumulates for RawNode.Ready.
//
// The handlers mirror tla/Raft.tla: each is named after, and commented with,
// the spec operator it realises.
type raft struct {
	id    uint64
	peers []uint64 // every voter, sorted, this node included

	term uint64
	vote uint64
	log  raftLog
	role StateRole
	lead uint64

	// votes is the tally of the current (pre-)campaign: who granted (true)
	// and who rejected (false). One tally serves both stages, as in etcd.
	votes map[uint64]bool
	// prs is a leader's view of every node, itself included.
	prs map[uint64]*Progress
	// leadTransferee is the target of a leader's pending transfer, None
	// when there is none (the TLA+ transferee; etcd's leadTransferee).
	leadTransferee uint64

	preVote       bool
	checkQuorum   bool
	thesisPreVote bool
	maxEntries    uint64 // 0: no bound

	electionTimeout  int
	heartbeatTimeout int
	// randomizedElectionTimeout is drawn in [electionTimeout,
	// 2*electionTimeout) at every role change.
	randomizedElectionTimeout int
	// electionElapsed counts the ticks since a follower last heard from its
	// leader (or granted a vote), or since a candidate started: its election
	// fires at randomizedElectionTimeout, and its lease holds while it is
	// below electionTimeout.
	electionElapsed int
	// heartbeatElapsed counts a leader's ticks since its last heartbeat.
	heartbeatElapsed int
	// checkQuorumElapsed counts a leader's ticks since its last quorum check.
	checkQuorumElapsed int

	// readOnly is a leader's queue of reads waiting for a quorum of
	// heartbeat acknowledgements; reset at every role change.
	readOnly readOnly
	// pendingReadIndex holds the reads a leader received before it
	// committed an entry of its term. As etcd's pendingReadIndexMessages,
	// it survives role changes: a node that leads again releases them once
	// it has committed an entry of its new term.
	pendingReadIndex []Message
	// readStates are the answered reads not yet acknowledged by Advance.
	readStates []ReadState

	rand Rand
	msgs []Message
	// msgsPeak is the most messages a Ready has handed out, to size the
	// queue's next array (send).
	msgsPeak int
	tracer   Tracer
}

func newRaft(c *Config) (*raft, error) {
	peers, err := c.validate()
	if err != nil {
		return nil, err
	}
	hs, err := c.Storage.InitialState()
	if err != nil {
		return nil, fmt.Errorf("raft: reading the hard state from storage: %w", err)
	}
	if bugs.On(bugs.RestartLosesLastEntry) {
		if ms, ok := c.Storage.(*MemoryStorage); ok {
			if last, _ := ms.LastIndex(); last > hs.Commit {
				// Seeded bug: the last entry, acknowledged as persisted, is gone.
				ms.dropLast()
			}
		}
	}
	snap, err := c.Storage.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("raft: reading the snapshot from storage: %w", err)
	}
	first, err := c.Storage.FirstIndex()
	if err != nil {
		return nil, fmt.Errorf("raft: reading the first index from storage: %w", err)
	}
	last, err := c.Storage.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("raft: reading the last index from storage: %w", err)
	}
	if first-1 > snap.Metadata.Index {
		return nil, fmt.Errorf("raft: storage log starts at %d, after its snapshot at %d: entries are missing", first, snap.Metadata.Index)
	}
	if last < first-1 {
		return nil, fmt.Errorf("raft: storage last index %d is below its snapshot index %d", last, first-1)
	}
	if snap.Metadata.Term > hs.Term {
		return nil, fmt.Errorf("raft: storage snapshot %d has term %d, beyond the hard state term %d", snap.Metadata.Index, snap.Metadata.Term, hs.Term)
	}
	// The entries after the snapshot are read once, to check them; the node
	// keeps none of them in memory.
	ents, err := c.Storage.Entries(first, last+1)
	if err != nil {
		return nil, fmt.Errorf("raft: reading entries [%d, %d] from storage: %w", first, last, err)
	}
	prevTerm, err := c.Storage.Term(first - 1)
	if err != nil {
		return nil, fmt.Errorf("raft: reading the term of index %d, where the storage log starts: %w", first-1, err)
	}
	for k, e := range ents {
		if want := first + uint64(k); e.Index != want {
			return nil, fmt.Errorf("raft: storage entry at position %d has index %d, want %d", k, e.Index, want)
		}
		if e.Term == 0 || e.Term > hs.Term || e.Term < prevTerm {
			return nil, fmt.Errorf("raft: storage entry %d has term %d (previous term %d, hard state term %d)",
				e.Index, e.Term, prevTerm, hs.Term)
		}
		prevTerm = e.Term
	}
	if hs.Vote != None && !slices.Contains(peers, hs.Vote) {
		return nil, fmt.Errorf("raft: storage hard state votes for %d, which is not a peer %v", hs.Vote, peers)
	}
	if hs.Commit > last {
		return nil, fmt.Errorf("raft: storage hard state commits index %d beyond the last stored index %d", hs.Commit, last)
	}
	if hs.Commit < snap.Metadata.Index {
		return nil, fmt.Errorf("raft: storage hard state commits index %d, below its snapshot index %d (a snapshot holds committed entries only)", hs.Commit, snap.Metadata.Index)
	}
	if c.Applied > hs.Commit {
		return nil, fmt.Errorf("raft: config Applied %d is beyond the stored commit index %d", c.Applied, hs.Commit)
	}
	r := &raft{
		id:               c.ID,
		peers:            peers,
		log:              raftLog{storage: c.Storage, offset: last + 1, stableLastTerm: prevTerm, committed: hs.Commit, applied: max(c.Applied, first-1)},
		prs:              make(map[uint64]*Progress, len(peers)),
		votes:            make(map[uint64]bool, len(peers)),
		preVote:          c.PreVote,
		checkQuorum:      c.CheckQuorum,
		thesisPreVote:    c.ThesisPreVote,
		maxEntries:       uint64(c.MaxEntriesPerMsg),
		electionTimeout:  c.ElectionTick,
		heartbeatTimeout: c.HeartbeatTick,
		readOnly:         newReadOnly(c.ReadOnlyOption),
		rand:             c.rand(),
		tracer:           c.Tracer,
	}
	for _, p := range peers {
		r.prs[p] = &Progress{}
	}
	r.becomeFollower(hs.Term, None)
	r.vote = hs.Vote
	if bugs.On(bugs.RestartForgetsVote) {
		r.vote = None
	}
	return r, nil
}

func (r *raft) quorum() int { return len(r.peers)/2 + 1 }

func (r *raft) hardState() HardState {
	return HardState{Term: r.term, Vote: r.vote, Commit: r.log.committed}
}

// send queues m for the next Ready. The queue only ever grows at its end:
// Ready hands out its prefix and Advance drops it without writing to it
// (the caller may still hold it), so the array is shared until full, then
// a new one is started, room for two of the largest Readies so far.
func (r *raft) send(m Message) {
	m.From = r.id
	if len(r.msgs) == cap(r.msgs) {
		q := make([]Message, len(r.msgs), max(2*len(r.msgs), 2*r.msgsPeak, msgQueueChunk))
		copy(q, r.msgs)
		r.msgs = q
	}
	r.msgs = append(r.msgs, m)
}

// msgQueueChunk is the least room a new message queue array has.
const msgQueueChunk = 64

// heardFromLeader reports whether r is a follower that heard from its
// leader within the last election timeout.
func (r *raft) heardFromLeader() bool {
	return r.role == Follower && r.lead != None && r.electionElapsed < r.electionTimeout
}

// inLease reports whether r ignores higher-term (pre-)vote requests: with
// CheckQuorum, a leader always, a follower while it heard from its leader
// within the election timeout (the TLA+ InLease; etcd: checkQuorum and lead
// != None and electionElapsed < electionTimeout).
func (r *raft) inLease() bool {
	if bugs.On(bugs.LeaseIgnored) {
		return r.checkQuorum && r.role == Leader
	}
	return r.checkQuorum && (r.role == Leader || r.heardFromLeader())
}

// --- Role changes (the TLA+ BecomeFollower, CampaignPreElection,
// CampaignElection, BecomeLeader) ---

// reset starts a new role at term: a new term forgets the vote; timers
// restart; the tally and every progress are cleared.
func (r *raft) reset(term uint64) {
	if r.term != term {
		r.term = term
		r.vote = None
	}
	r.lead = None
	r.leadTransferee = None
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	r.checkQuorumElapsed = 0
	r.randomizedElectionTimeout = r.electionTimeout + r.rand.IntN(r.electionTimeout)
	clear(r.votes)
	last := r.log.lastIndex()
	for _, p := range r.peers {
		*r.prs[p] = Progress{Next: last + 1}
	}
	r.prs[r.id].Match = last
	r.readOnly = newReadOnly(r.readOnly.option)
}

// becomeFollower is the TLA+ BecomeFollower: a follower at term knowing
// leader lead; with CheckQuorum its lease holds at once when lead is known.
func (r *raft) becomeFollower(term, lead uint64) {
	r.reset(term)
	r.role = Follower
	r.lead = lead
}

// becomePreCandidate changes neither term nor vote, and forgets the known
// leader (etcd#8334: a pre-candidate must not keep voting as if it still
// had a leader).
func (r *raft) becomePreCandidate() {
	clear(r.votes)
	r.role = PreCandidate
	r.lead = None
	if bugs.On(bugs.PreCandidateBumpsTerm) {
		r.term++
	}
}

func (r *raft) becomeCandidate() {
	r.reset(r.term + 1)
	r.vote = r.id
	r.role = Candidate
}

// becomeLeader is the TLA+ BecomeLeader: every follower is probed from just
// after the last entry, then the leader appends its empty entry (which it
// commits alone in a single-node cluster) and sends it.
func (r *raft) becomeLeader() {
	r.reset(r.term)
	r.role = Leader
	r.lead = r.id
	self := r.prs[r.id]
	self.Mode = ProgressReplicate
	self.RecentActive = true
	r.appendEntry(nil)
}

// hup is the TLA+ Timeout: with PreVote it starts a pre-election,
// otherwise an election. A leader never gets here (etcd's leader ignores
// MsgHup): its election timer does not run, and Campaign ignores it.
func (r *raft) hup() {
	if r.preVote {
		r.campaign(campaignPreElection)
	} else {
		r.campaign(campaignElection)
	}
}

// campaignType is etcd's CampaignType: a pre-election, an election, or the
// election a leader transfer forces (no pre-election, and vote requests
// that pass through the voters' lease).
type campaignType uint8

const (
	campaignPreElection campaignType = iota
	campaignElection
	campaignTransfer
)

// campaign is the TLA+ CampaignPreElection (a pre-election) or
// CampaignElection (an election, forced or not). The node votes for
// itself; alone it is a quorum and goes on at once.
func (r *raft) campaign(kind campaignType) {
	var t MessageType
	var term uint64
	pre := kind == campaignPreElection
	if pre {
		r.becomePreCandidate()
		t, term = MsgPreVote, r.term+1 // a pre-vote asks for the next term
	} else {
		r.becomeCandidate()
		t, term = MsgVote, r.term
	}
	r.votes[r.id] = true
	if r.tally() == voteWon {
		if pre {
			r.campaign(campaignElection)
		} else {
			r.becomeLeader()
		}
		return
	}
	for _, p := range r.peers {
		if p != r.id {
			r.send(Message{Type: t, To: p, Term: term, Index: r.log.lastIndex(), LogTerm: r.log.lastTerm(),
				Transfer: kind == campaignTransfer})
		}
	}
}

type voteResult uint8

const (
	votePending voteResult = iota
	voteWon
	voteLost
)

// tally is the TLA+ IsQuorum(granted) and Lost: won with a quorum of
// grants, lost when a quorum can no longer be reached.
func (r *raft) tally() voteResult {
	granted, rejected := 0, 0
	for _, v := range r.votes {
		if v {
			granted++
		} else {
			rejected++
		}
	}
	switch {
	case granted >= r.quorum():
		return voteWon
	case rejected > len(r.peers)-r.quorum():
		return voteLost
	}
	return votePending
}

// poll is the TLA+ Poll: the first response from a node counts.
func (r *raft) poll(from uint64, granted bool) voteResult {
	if _, ok := r.votes[from]; !ok {
		r.votes[from] = granted
	}
	return r.tally()
}

// --- Timers ---

// tick advances the node's timers by one tick.
func (r *raft) tick() {
	if r.role == Leader {
		r.tickLeader()
		return
	}
	leased := r.heardFromLeader()
	r.electionElapsed++
	if leased && !r.heardFromLeader() && r.checkQuorum {
		r.traced(ActionLeaseExpire, nil, nil, func() {})
	}
	if r.electionElapsed >= r.randomizedElectionTimeout {
		r.electionElapsed = 0
		r.traced(ActionTimeout, nil, nil, func() { r.hup() })
	}
}

func (r *raft) tickLeader() {
	r.heartbeatElapsed++
	r.checkQuorumElapsed++
	if r.checkQuorumElapsed >= r.electionTimeout {
		r.checkQuorumElapsed = 0
		if r.checkQuorum {
			r.traced(ActionQuorumCheck, nil, nil, r.quorumCheck)
		}
		// A transfer not done within an election timeout is given up
		// (etcd's tickHeartbeat, after its quorum check).
		if r.role == Leader && r.leadTransferee != None {
			r.traced(ActionAbortTransfer, nil, nil, r.abortLeaderTransfer)
		}
	}
	if r.role == Leader && r.heartbeatElapsed >= r.heartbeatTimeout {
		r.heartbeatElapsed = 0
		r.traced(ActionHeartbeat, nil, nil, r.bcastHeartbeat)
	}
}

// quorumCheck is the TLA+ QuorumCheck: a leader that has not heard from a
// quorum since the last check steps down in its term; either way it counts
// afresh.
func (r *raft) quorumCheck() {
	active := 0
	for _, p := range r.peers {
		if p == r.id || r.prs[p].RecentActive {
			active++
		}
	}
	if active < r.quorum() && !bugs.On(bugs.NoStepDown) {
		r.becomeFollower(r.term, None)
	}
	for _, p := range r.peers {
		if p != r.id {
			r.prs[p].RecentActive = false
		}
	}
}

// bcastHeartbeat is the TLA+ Heartbeat: the heartbeats carry the context
// of the last read waiting for its quorum, if any (etcd's bcastHeartbeat).
func (r *raft) bcastHeartbeat() { r.bcastHeartbeatWithCtx(r.readOnly.lastPendingRequestCtx()) }

// bcastHeartbeatWithCtx sends every follower a heartbeat carrying ctx. The
// commit a heartbeat carries is bounded by the follower's match, so that it
// never commits past what it is known to hold; it is recorded as the commit
// sent (etcd's sendHeartbeat).
func (r *raft) bcastHeartbeatWithCtx(ctx []byte) {
	for _, p := range r.peers {
		if p != r.id {
			commit := min(r.prs[p].Match, r.log.committed)
			r.send(Message{Type: MsgHeartbeat, To: p, Term: r.term, Commit: commit, Context: ctx})
			r.prs[p].sentCommit(commit)
		}
	}
}

// --- Messages ---

// step handles a message from another node that has passed validation: the
// term check of the TLA+ On* operators, then vote requests, then the role's
// handler.
func (r *raft) step(m Message) {
	if m.Type == MsgReadIndex {
		// A read request has no term (etcd sends MsgReadIndex as it does a
		// local message): whoever holds it answers or forwards it.
		r.stepReadIndex(m)
		return
	}
	if !r.checkTerm(m) {
		return
	}
	switch m.Type {
	case MsgVote, MsgPreVote:
		r.handleVoteRequest(m)
	default:
		switch r.role {
		case Leader:
			r.stepLeader(m)
		case Candidate, PreCandidate:
			r.stepCandidate(m)
		default:
			r.stepFollower(m)
		}
	}
}

// checkTerm compares the message's term with the node's and reports whether
// the message is to be handled further.
//
// A higher term makes the node a follower at that term, except that within
// the lease a higher-term (pre-)vote request is ignored (thesis 9.6), a
// pre-vote request never changes the receiver (it asks about a term the
// sender has not reached), and a granted pre-vote response echoes a term in
// the receiver's future. A rejected pre-vote response carries the voter's
// term: it does make a follower.
//
// A lower-term message is dropped, but with PreVote or CheckQuorum a stale
// leader's append or heartbeat gets a response at the node's term, or the
// stale leader, which no vote request may reach, would never learn the new
// term; and a lower-term pre-vote request gets an explicit rejection, or a
// pre-candidate stuck at a low term never learns the term (etcd#8243).
func (r *raft) checkTerm(m Message) bool {
	switch {
	case m.Term > r.term:
		// A vote request of a campaign forced by a leader transfer passes
		// through the lease (etcd's Step: force).
		if (m.Type == MsgVote || m.Type == MsgPreVote) && r.inLease() && !m.Transfer {
			return false
		}
		switch {
		case m.Type == MsgPreVote && bugs.On(bugs.PreVoteAdoptsTerm):
			r.becomeFollower(m.Term, None)
		case m.Type == MsgPreVote:
		case m.Type == MsgPreVoteResp && !m.Reject:
		case m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap:
			r.becomeFollower(m.Term, m.From)
		default:
			r.becomeFollower(m.Term, None)
		}
	case m.Term < r.term:
		switch {
		case (r.checkQuorum || r.preVote) && (m.Type == MsgApp || m.Type == MsgHeartbeat):
			if !bugs.On(bugs.NoStaleLeaderReply) {
				r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term})
			}
		case m.Type == MsgPreVote && bugs.On(bugs.NoLowerTermPreVoteReject):
		case m.Type == MsgPreVote:
			r.send(Message{Type: MsgPreVoteResp, To: m.From, Term: r.term, Reject: true})
		}
		return false
	}
	return true
}

// handleVoteRequest is the vote decision of the TLA+ OnPreVoteRequest and
// OnVoteRequest (the term is already brought up to date). The node can vote
// if it already voted for this candidate, or has no vote and knows no
// leader, or (a pre-vote) the request is for a higher term; it grants if
// moreover the candidate's log is at least as up to date. A grant echoes
// the request term and a rejection carries the node's term. A pre-vote
// changes nothing; a real vote is recorded, and restarts the election timer.
func (r *raft) handleVoteRequest(m Message) {
	canVote := r.vote == m.From ||
		(r.vote == None && r.lead == None) ||
		(m.Type == MsgPreVote && m.Term > r.term)
	if m.Type == MsgPreVote && r.thesisPreVote && r.heardFromLeader() {
		canVote = false
	}
	resp := MsgVoteResp
	if m.Type == MsgPreVote {
		resp = MsgPreVoteResp
	}
	if canVote && (r.log.isUpToDate(m.LogTerm, m.Index) || bugs.On(bugs.GrantWithoutLogCheck)) {
		if m.Type == MsgVote {
			r.vote = m.From
			r.electionElapsed = 0
		}
		r.send(Message{Type: resp, To: m.From, Term: m.Term})
		return
	}
	r.send(Message{Type: resp, To: m.From, Term: r.term, Reject: true})
}

func (r *raft) stepFollower(m Message) {
	switch m.Type {
	case MsgTimeoutNow:
		// The TLA+ OnTimeoutNowRequest: the target of a transfer
		// campaigns at once, never with a pre-election (etcd's
		// stepFollower: hup(campaignTransfer)).
		r.campaign(campaignTransfer)
	case MsgApp:
		r.electionElapsed = 0
		r.lead = m.From
		r.handleAppendEntries(m)
	case MsgHeartbeat:
		r.electionElapsed = 0
		r.lead = m.From
		r.handleHeartbeat(m)
	case MsgReadIndexResp:
		// The TLA+ HandleReadIndexResponse.
		r.readStates = append(r.readStates, ReadState{Index: m.Index, RequestCtx: slices.Clone(m.Context)})
	case MsgSnap:
		r.electionElapsed = 0
		r.lead = m.From
		r.handleSnapshot(m)
	}
}

// stepCandidate serves PreCandidate and Candidate: each counts only its own
// response type, so a stale pre-vote response is ignored by a candidate
// (the TLA+ OnPreVoteResponse and OnVoteResponse).
func (r *raft) stepCandidate(m Message) {
	mine := MsgVoteResp
	if r.role == PreCandidate {
		mine = MsgPreVoteResp
	}
	switch m.Type {
	case MsgApp:
		r.becomeFollower(m.Term, m.From)
		r.handleAppendEntries(m)
	case MsgHeartbeat:
		r.becomeFollower(m.Term, m.From)
		r.handleHeartbeat(m)
	case MsgSnap:
		r.becomeFollower(m.Term, m.From)
		r.handleSnapshot(m)
	case mine:
		switch r.poll(m.From, !m.Reject) {
		case voteWon:
			if r.role == PreCandidate {
				r.campaign(campaignElection)
			} else {
				r.becomeLeader()
			}
		case voteLost:
			r.becomeFollower(r.term, None)
		}
	}
}

// handleAppendEntries is the TLA+ AcceptAppend. An anchor below the commit
// index is answered with the commit index; a matching anchor is accepted
// (entries merged, commit advanced to the leader's commit bounded by the
// last new index); otherwise the append is rejected with a hint: the largest
// index at or below the anchor whose term is at most the anchor's term, and
// that index's term, so that the leader can skip a whole term at a time.
func (r *raft) handleAppendEntries(m Message) {
	if m.Index < r.log.committed {
		r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term, Index: r.log.committed})
		return
	}
	if r.log.matchTerm(m.Index, m.LogTerm) {
		last := m.Index + uint64(len(m.Entries))
		r.log.merge(m.Index, m.Entries)
		r.log.commitTo(min(m.Commit, last))
		r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term, Index: last})
		return
	}
	hint, hintTerm := r.log.findConflictByTerm(min(m.Index, r.log.lastIndex()), m.LogTerm)
	r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term, Index: m.Index, Reject: true, RejectHint: hint, LogTerm: hintTerm})
}

// handleHeartbeat is the TLA+ OnHeartbeatRequest after its term check.
func (r *raft) handleHeartbeat(m Message) {
	r.log.commitTo(m.Commit)
	r.send(Message{Type: MsgHeartbeatResp, To: m.From, Term: r.term, Context: m.Context})
}

// handleSnapshot handles MsgSnap after its term check (traced as
// ActionHandleSnapshotRequest; etcd's handleSnapshot and restore). A snapshot at or below the commit
// index is old news: the answer is an ack of the commit index. A snapshot
// whose index and term the log holds matches it: the log is kept whole and
// committed up to the snapshot's index, and the ack carries the commit
// index (etcd acks the commit index in both cases). Otherwise the log
// restarts after the snapshot, which is committed and to be persisted, and
// the ack carries its index.
func (r *raft) handleSnapshot(m Message) {
	meta := m.Snapshot.Metadata
	switch {
	case meta.Index <= r.log.committed:
	case r.log.matchTerm(meta.Index, meta.Term):
		r.log.commitTo(meta.Index)
	default:
		r.log.restore(*m.Snapshot)
		r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term, Index: r.log.lastIndex()})
		return
	}
	r.send(Message{Type: MsgAppResp, To: m.From, Term: r.term, Index: r.log.committed})
}

// reportSnapshot is the application reporting the fate of the snapshot sent
// to a follower (etcd's MsgSnapStatus): either way the follower is probed
// again, after the snapshot if it was applied, and paused until it answers.
func (r *raft) reportSnapshot(id uint64, failed bool) {
	pr := r.prs[id]
	if r.role != Leader || pr == nil || id == r.id || pr.Mode != ProgressSnapshot {
		return
	}
	if failed {
		pr.PendingSnapshot = 0
	}
	pr.becomeProbe()
	pr.Paused = true
}

func (r *raft) stepLeader(m Message) {
	pr := r.prs[m.From]
	switch m.Type {
	case MsgAppResp:
		pr.RecentActive = true
		if m.Reject {
			r.onReject(m, pr)
		} else {
			r.onAck(m, pr)
		}
	case MsgHeartbeatResp:
		// The TLA+ OnHeartbeatResponse: unpause a probed follower and send
		// it an append if it lacks entries or is being probed.
		pr.RecentActive = true
		pr.Paused = false
		if pr.Match < r.log.lastIndex() || pr.Mode == ProgressProbe {
			r.sendAppend(m.From, true)
		}
		r.readAck(m)
	}
}

// transferLeader is the TLA+ TransferLeadership (etcd's stepLeader on
// MsgTransferLeader): a pending transfer to another node is given up, the
// transfer has an election timeout to complete (etcd resets its one
// election counter, which also times the quorum check), and the target gets
// MsgTimeoutNow at once if its log is up to date, an append otherwise.
func (r *raft) transferLeader(to uint64) {
	r.leadTransferee = to
	r.checkQuorumElapsed = 0
	if r.prs[to].Match == r.log.lastIndex() {
		r.sendTimeoutNow(to)
	} else {
		r.sendAppend(to, true)
	}
}

func (r *raft) sendTimeoutNow(to uint64) {
	r.send(Message{Type: MsgTimeoutNow, To: to, Term: r.term})
}

// abortLeaderTransfer is the TLA+ AbortTransfer.
func (r *raft) abortLeaderTransfer() { r.leadTransferee = None }

// onReject is the TLA+ LeaderOnReject.
func (r *raft) onReject(m Message, pr *Progress) {
	hint := m.RejectHint
	if m.LogTerm > 0 {
		hint, _ = r.log.findConflictByTerm(m.RejectHint, m.LogTerm)
	}
	if pr.maybeDecrTo(m.Index, hint) {
		if pr.Mode == ProgressReplicate {
			pr.becomeProbe()
		}
		r.sendAppend(m.From, true)
	}
}

// onAck is the TLA+ LeaderOnAck: a probed follower that answers moves to
// Replicate; a commit that advances is broadcast; otherwise a follower that
// may not know the commit gets an append carrying it (etcd's stepLeader on
// MsgAppResp and CanBumpCommit, v3.6 on: it may arrive before the next
// heartbeat); entries the follower still lacks are sent.
func (r *raft) onAck(m Message, pr *Progress) {
	if !pr.maybeUpdate(m.Index) && !(pr.Match == m.Index && pr.Mode == ProgressProbe) {
		return
	}
	switch {
	case pr.Mode == ProgressProbe:
		pr.becomeReplicate()
	case pr.Mode == ProgressSnapshot && pr.Match+1 >= r.log.firstIndex():
		// The follower holds enough to go on from the log (etcd: through
		// Probe, which takes the pending snapshot into account, to
		// Replicate).
		pr.becomeProbe()
		pr.becomeReplicate()
	}
	if r.maybeCommit() {
		// The commit advanced in the leader's term: the reads it queued
		// until then can go ahead (etcd, stepLeader on MsgAppResp).
		r.releasePendingReadIndex()
		r.bcastAppend()
	} else if pr.canBumpCommit(r.log.committed) {
		r.sendAppend(m.From, true)
	}
	for r.sendAppend(m.From, false) {
	}
	// The target of a pending transfer has caught up (etcd's stepLeader on
	// MsgAppResp).
	if m.From == r.leadTransferee && pr.Match == r.log.lastIndex() {
		r.sendTimeoutNow(m.From)
	}
}

// maybeCommit is the TLA+ MaybeCommit: the highest index held by a quorum is
// committed if its entry is of the leader's term (Raft paper 5.4.2: an
// earlier term's entry is never committed by counting replicas).
func (r *raft) maybeCommit() bool {
	// On the stack for clusters of up to 9 nodes.
	var buf [9]uint64
	matches := buf[:0]
	for _, p := range r.peers {
		if p == r.id {
			matches = append(matches, r.log.lastIndex())
		} else {
			matches = append(matches, r.prs[p].Match)
		}
	}
	slices.Sort(matches)
	q := min(matches[len(matches)-r.quorum()], r.log.lastIndex())
	if q > r.log.committed && (r.log.term(q) == r.term || bugs.On(bugs.CommitEarlierTerm)) {
		r.log.commitTo(q)
		return true
	}
	return false
}

// sendAppend is the TLA+ SendAppend (etcd's maybeSendAppend): an append
// carrying the entries from the follower's next on (at most maxEntries of
// them), unless the follower is paused, or there is nothing to send and
// sendIfEmpty is false. It reports whether it sent.
func (r *raft) sendAppend(to uint64, sendIfEmpty bool) bool {
	pr := r.prs[to]
	if !pr.canSend() {
		return false
	}
	prevTerm, ok := r.log.termOK(pr.Next - 1)
	if !ok || pr.Next < r.log.firstIndex() {
		return r.sendSnapshot(to, pr)
	}
	last := r.log.lastIndex()
	if r.maxEntries > 0 {
		last = min(last, pr.Next+r.maxEntries-1)
	}
	n := last + 1 - pr.Next
	if n == 0 && !sendIfEmpty {
		return false
	}
	r.send(Message{
		Type:    MsgApp,
		To:      to,
		Term:    r.term,
		Index:   pr.Next - 1,
		LogTerm: prevTerm,
		Entries: r.log.slice(pr.Next, last),
		Commit:  r.log.committed,
	})
	pr.sentEntries(n)
	pr.sentCommit(r.log.committed)
	return true
}

// sendSnapshot is the leader sending MsgSnap
// (etcd's maybeSendSnapshot): a follower whose next entry was compacted away
// gets the storage's snapshot, if it has been heard from (etcd sends no
// snapshot to a follower that may be down), and is not sent anything more
// until it acknowledges or the snapshot is reported.
func (r *raft) sendSnapshot(to uint64, pr *Progress) bool {
	if !pr.RecentActive {
		return false
	}
	snap, err := r.log.storage.Snapshot()
	if err != nil {
		storageFailed("snapshot", err)
	}
	if snap.IsEmpty() || snap.Metadata.Index < r.log.firstIndex()-1 {
		storageFailed("snapshot", fmt.Errorf("the log starts after %d, the snapshot is at %d", r.log.firstIndex()-1, snap.Metadata.Index))
	}
	pr.becomeSnapshot(snap.Metadata.Index)
	r.send(Message{Type: MsgSnap, To: to, Term: r.term, Snapshot: &snap})
	return true
}

// bcastAppend is the TLA+ BcastAppend: sendAppend(p, true) for every
// follower p.
func (r *raft) bcastAppend() {
	for _, p := range r.peers {
		if p != r.id {
			r.sendAppend(p, true)
		}
	}
}

// appendEntry is the TLA+ AppendEntry: the leader appends an entry of its
// term, commits if it alone is a quorum, and sends.
func (r *raft) appendEntry(data []byte) {
	r.log.append(Entry{Term: r.term, Index: r.log.lastIndex() + 1, Data: data})
	r.prs[r.id].Match = r.log.lastIndex()
	r.maybeCommit()
	r.bcastAppend()
}

// --- Tracing ---

// traced runs a step that the spec sees as action, and reports it to the
// tracer with the messages it sent.
func (r *raft) traced(action Action, m *Message, value []byte, step func()) {
	if r.tracer == nil {
		step()
		return
	}
	start, reads := len(r.msgs), len(r.readStates)
	step()
	ev := TraceEvent{
		Action:     action,
		Node:       r.id,
		Value:      value,
		State:      r.nodeState(),
		Sent:       slices.Clone(r.msgs[start:]),
		ReadStates: slices.Clone(r.readStates[reads:]),
	}
	if m != nil {
		c := *m
		c.Entries = cloneEntries(m.Entries)
		ev.Msg = &c
	}
	r.tracer.Trace(ev)
}

func (r *raft) nodeState() NodeState {
	granted, rejected := r.votesCast()
	snap := r.log.snapshotMeta()
	queue, pending := r.readRequests()
	return NodeState{
		SnapshotIndex:  snap.Index,
		SnapshotTerm:   snap.Term,
		Term:           r.term,
		Vote:           r.vote,
		Role:           r.role,
		Lead:           r.lead,
		Lease:          r.checkQuorum && r.heardFromLeader(),
		Commit:         r.log.committed,
		LastIndex:      r.log.lastIndex(),
		LastTerm:       r.log.lastTerm(),
		Log:            cloneEntries(r.log.entries()),
		VotesGranted:   granted,
		VotesRejected:  rejected,
		Progress:       r.progressCopy(),
		LeadTransferee: r.leadTransferee,
		ReadQueue:      queue,
		PendingReads:   pending,
	}
}

// votesCast lists who granted and who rejected the current
// (pre-)campaign, each sorted.
func (r *raft) votesCast() (granted, rejected []uint64) {
	for _, id := range slices.Sorted(maps.Keys(r.votes)) {
		if r.votes[id] {
			granted = append(granted, id)
		} else {
			rejected = append(rejected, id)
		}
	}
	return granted, rejected
}

// progressCopy is a copy of a leader's progress of every node, nil on other
// roles.
func (r *raft) progressCopy() map[uint64]Progress {
	if r.role != Leader {
		return nil
	}
	out := make(map[uint64]Progress, len(r.peers))
	for _, p := range r.peers {
		out[p] = *r.prs[p]
	}
	return out
}
