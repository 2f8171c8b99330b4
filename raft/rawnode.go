package raft

import (
	"errors"
	"fmt"
	"slices"
)

// Errors returned by RawNode.
var (
	// ErrNotLeader: proposals go to the leader; this library does not
	// forward them (Status().Lead names the leader, if known).
	ErrNotLeader = errors.New("raft: not the leader")
	// ErrEmptyProposal: an entry without data is reserved for a leader's
	// empty entry.
	ErrEmptyProposal = errors.New("raft: empty proposal")
	// ErrTimerNotRunning: Fire named a timer that does not run in the
	// node's current role or configuration.
	ErrTimerNotRunning = errors.New("raft: timer not running")
	// ErrEmptyReadContext: ReadIndex needs a context, which identifies the
	// read in heartbeats and in its ReadState.
	ErrEmptyReadContext = errors.New("raft: empty read context")
	// ErrNoLeader: ReadIndex at a candidate, or at a follower that knows
	// no leader to forward the read to (etcd drops such a read silently).
	ErrNoLeader = errors.New("raft: no known leader")
	// ErrProposalDropped: the leader is transferring its leadership and
	// takes no proposals until the transfer completes or is given up
	// (etcd's ErrProposalDropped).
	ErrProposalDropped = errors.New("raft: proposal dropped")
	// ErrTransferRefused: TransferLeader named the node itself or a node
	// outside the configuration.
	ErrTransferRefused = errors.New("raft: leader transfer refused")
	// ErrForgetLeaderRefused: ForgetLeader under ReadOnlyLeaseBased, whose
	// reads rely on followers keeping their leader (etcd ignores the
	// request then).
	ErrForgetLeaderRefused = errors.New("raft: forget leader refused")
)

// StepError is returned by RawNode.Step for a message it refuses. The node
// is unchanged.
type StepError struct {
	Node   uint64
	Msg    Message
	Reason string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("raft: node %d refused %v: %s", e.Node, e.Msg, e.Reason)
}

// Ready is what a node hands out for the application to do, in this order:
// persist Snapshot (if not empty: MemoryStorage.ApplySnapshot), HardState
// (if not empty) and Entries to Storage, synchronously if MustSync; then
// send Messages (vote and append responses depend on that state being
// durable); then apply Snapshot and CommittedEntries to the state machine;
// then call Advance.
type Ready struct {
	// SoftState is the new role and leader, or nil if unchanged.
	SoftState *SoftState
	// HardState is the state to persist, or empty if unchanged.
	HardState HardState
	// Entries are to be appended to Storage (the first one may overwrite
	// stored entries from its index on).
	Entries []Entry
	// Snapshot is a snapshot received from the leader, to persist and to
	// restore the state machine from (empty if none). The node's log now
	// starts after it. A Ready with a snapshot has no CommittedEntries: the
	// entries after it come in later Readys.
	Snapshot Snapshot
	// CommittedEntries are committed and ready to apply.
	CommittedEntries []Entry
	// Messages are to be sent once HardState and Entries are durable.
	Messages []Message
	// ReadStates are the reads (RawNode.ReadIndex) answered since the
	// last Advance, in the order they were answered. The application serves
	// each once it has applied the entries up to its Index. Advance
	// consumes them: a repeated Ready before Advance hands them out again,
	// and none is handed out after the Advance that follows its Ready.
	ReadStates []ReadState
	// MustSync reports whether the state to persist must reach stable
	// storage before Messages leave: it holds entries, a snapshot, or a
	// new term or vote (etcd's MustSync; etcd leaves a snapshot's
	// durability to the application, here it is part of the flag). A
	// change of the commit index alone can be written lazily: a lost one
	// is learnt again from the leader.
	MustSync bool
}

// ready marks what the last Ready handed out, for Advance.
type ready struct {
	soft     SoftState
	hard     HardState
	last     uint64 // last index handed out for persisting
	applied  uint64 // last index handed out for applying
	snap     uint64 // index of the snapshot handed out, 0 if none
	messages int
	reads    int // read states handed out
}

// RawNode drives one node single-threadedly, in the style of etcd's
// RawNode: Tick, Step, Propose and Campaign feed it; Ready and Advance
// collect its output. It has no goroutines, clock, I/O or hidden
// randomness.
type RawNode struct {
	r       *raft
	soft    SoftState // as of the last Advance
	hard    HardState // as of the last Advance
	pending ready
	// readied: pending holds what the last Ready handed out.
	readied bool
}

// NewRawNode starts a node from cfg.Storage: a fresh node if the storage is
// empty, otherwise a restart that keeps the term, vote, log and commit index
// it persisted.
func NewRawNode(cfg *Config) (*RawNode, error) {
	r, err := newRaft(cfg)
	if err != nil {
		return nil, err
	}
	return &RawNode{r: r, soft: SoftState{Lead: r.lead, Role: r.role}, hard: r.hardState()}, nil
}

// Tick advances the node's logical clock by one tick: a follower's or
// candidate's election timer and lease, a leader's heartbeat and quorum
// check.
func (rn *RawNode) Tick() { rn.r.tick() }

// Campaign makes the node start an election now (a pre-election with
// PreVote), as if its election timer had fired. A leader ignores it, as
// etcd's does (the spec's Timeout is not enabled at a leader).
//
// Campaign cannot fail, so it returns nothing (etcd's RawNode.Campaign
// returns an error that is always nil when stepping MsgHup). A driver that
// must know whether an election started, such as a conformance harness
// mapping it to the spec's Timeout, calls Fire(ElectionTimer) instead: it
// returns ErrTimerNotRunning on a leader.
func (rn *RawNode) Campaign() {
	if rn.r.role == Leader {
		return
	}
	rn.r.traced(ActionTimeout, nil, nil, func() { rn.r.hup() })
}

// Timer names a node's timers, for Fire.
type Timer uint8

const (
	// ElectionTimer runs on followers and candidates; firing it starts an
	// election (or pre-election), as Campaign does.
	ElectionTimer Timer = iota + 1
	// HeartbeatTimer runs on leaders; firing it broadcasts heartbeats.
	HeartbeatTimer
	// CheckQuorumTimer runs on leaders with CheckQuorum; firing it makes
	// the leader step down unless it heard from a quorum since the last
	// check.
	CheckQuorumTimer
	// LeaseTimer runs on a follower that heard from its leader within the
	// election timeout; firing it ends the lease (the election timer runs
	// on).
	LeaseTimer
	// TransferTimer runs on a leader with a pending transfer; firing it
	// gives the transfer up, as an election timeout without the transfer
	// completing does.
	TransferTimer
)

func (t Timer) String() string {
	switch t {
	case ElectionTimer:
		return "ElectionTimer"
	case HeartbeatTimer:
		return "HeartbeatTimer"
	case CheckQuorumTimer:
		return "CheckQuorumTimer"
	case LeaseTimer:
		return "LeaseTimer"
	case TransferTimer:
		return "TransferTimer"
	}
	return fmt.Sprintf("Timer(%d)", uint8(t))
}

// Fire makes one timer go off now, whatever its count. Tick fires timers
// when they are due; Fire lets a deterministic driver (a simulation, a
// conformance harness, trace replay) choose exactly when. It returns
// ErrTimerNotRunning if the timer does not run in the node's current role.
func (rn *RawNode) Fire(t Timer) error {
	r := rn.r
	var action Action
	var step func()
	switch {
	case t == ElectionTimer && r.role != Leader:
		action, step = ActionTimeout, func() { r.electionElapsed = 0; r.hup() }
	case t == HeartbeatTimer && r.role == Leader:
		action, step = ActionHeartbeat, func() { r.heartbeatElapsed = 0; r.bcastHeartbeat() }
	case t == CheckQuorumTimer && r.role == Leader && r.checkQuorum:
		action, step = ActionQuorumCheck, func() { r.checkQuorumElapsed = 0; r.quorumCheck() }
	case t == TransferTimer && r.role == Leader && r.leadTransferee != None:
		action, step = ActionAbortTransfer, r.abortLeaderTransfer
	case t == LeaseTimer && r.heardFromLeader():
		action, step = ActionLeaseExpire, func() { r.electionElapsed = max(r.electionElapsed, r.electionTimeout) }
		if !r.checkQuorum {
			// Only CheckQuorum's lease is part of the spec.
			step()
			return nil
		}
	default:
		return fmt.Errorf("%w: %v on node %d (%v, CheckQuorum %v)", ErrTimerNotRunning, t, r.id, r.role, r.checkQuorum)
	}
	r.traced(action, nil, nil, step)
	return nil
}

// Propose appends data to the log if the node is the leader. It returns
// ErrNotLeader otherwise (the proposal is not forwarded), and
// ErrProposalDropped while the leader transfers its leadership.
func (rn *RawNode) Propose(data []byte) error {
	if len(data) == 0 {
		return ErrEmptyProposal
	}
	if rn.r.role != Leader {
		return fmt.Errorf("%w: node %d is %v at term %d (leader: %d)", ErrNotLeader, rn.r.id, rn.r.role, rn.r.term, rn.r.lead)
	}
	if rn.r.leadTransferee != None {
		return fmt.Errorf("%w: node %d is transferring its leadership to %d", ErrProposalDropped, rn.r.id, rn.r.leadTransferee)
	}
	data = slices.Clone(data)
	rn.r.traced(ActionClientRequest, nil, data, func() { rn.r.appendEntry(data) })
	return nil
}

// ReadIndex requests a read index for a linearizable read identified by
// rctx (the TLA+ ClientRead). A leader answers it once it is sure it was
// still the leader when the read arrived (Config.ReadOnlyOption) and has
// committed an entry of its term; a follower forwards it to its leader.
// The answer comes out as a ReadState in a later Ready, carrying rctx; it
// may never come (a lost message, a change of leader), so the application
// retries after a timeout of its own. Reads in flight at once should have
// distinct contexts: as in etcd, a leader drops a read whose context
// equals one it is still confirming.
//
// It returns ErrEmptyReadContext for an empty rctx, and ErrNoLeader at a
// candidate or at a follower that knows no leader.
func (rn *RawNode) ReadIndex(rctx []byte) error {
	r := rn.r
	if len(rctx) == 0 {
		return ErrEmptyReadContext
	}
	if r.role != Leader && (r.role != Follower || r.lead == None) {
		return fmt.Errorf("%w: node %d is %v at term %d", ErrNoLeader, r.id, r.role, r.term)
	}
	rctx = slices.Clone(rctx)
	r.traced(ActionClientRead, nil, rctx, func() { r.stepReadIndex(Message{Type: MsgReadIndex, Context: rctx}) })
	return nil
}

// TransferLeader makes the leader hand its leadership to node to (etcd's
// MsgTransferLeader): it stops taking proposals, brings to's log up to date
// and then sends it MsgTimeoutNow, upon which to campaigns at once, without
// a pre-election, with vote requests that voters grant even within their
// lease. The transfer is given up after an election timeout, or when the
// leader steps down. A transfer to the node already targeted changes
// nothing; one to another node replaces it.
//
// It returns ErrTransferRefused if to is the node itself or not in the
// configuration (etcd ignores both silently), and ErrNotLeader on a node
// that is not the leader (etcd forwards the request to the leader; this
// library forwards nothing, as for proposals).
func (rn *RawNode) TransferLeader(to uint64) error {
	r := rn.r
	switch {
	case to == r.id:
		return fmt.Errorf("%w: node %d cannot transfer its leadership to itself", ErrTransferRefused, r.id)
	case !slices.Contains(r.peers, to):
		return fmt.Errorf("%w: node %d is not in the configuration %v", ErrTransferRefused, to, r.peers)
	case r.role != Leader:
		return fmt.Errorf("%w: node %d is %v at term %d (leader: %d)", ErrNotLeader, r.id, r.role, r.term, r.lead)
	case r.leadTransferee == to:
		return nil
	}
	r.traced(ActionTransferLeadership, nil, nil, func() { r.transferLeader(to) })
	return nil
}

// ForgetLeader makes a follower forget its leader (etcd's MsgForgetLeader):
// its term, vote and timers are unchanged, but knowing no leader it is no
// longer within its lease, so it can grant votes and pre-votes at once
// (still checking the candidate's log). It suits a follower that knows its
// leader is gone; it re-learns a live leader from its next append or
// heartbeat. It does nothing on a leader, a candidate or a follower that
// knows no leader, and returns ErrForgetLeaderRefused under
// ReadOnlyLeaseBased.
func (rn *RawNode) ForgetLeader() error {
	r := rn.r
	if r.readOnly.option == ReadOnlyLeaseBased {
		return fmt.Errorf("%w: node %d serves lease-based reads", ErrForgetLeaderRefused, r.id)
	}
	if r.role != Follower || r.lead == None {
		return nil
	}
	r.traced(ActionForgetLeader, nil, nil, func() { r.lead = None })
	return nil
}

// Step hands the node a message from another node. It returns a *StepError,
// and leaves the node unchanged, for a message it refuses: an unknown type,
// a sender outside the configuration or the node itself, a message
// addressed to another node, a missing term, a malformed append, or one
// that contradicts what the node knows is committed.
//
// The node copies the entries of an append into its log but keeps their
// Data: the caller must not change those bytes afterwards (see the package
// doc).
func (rn *RawNode) Step(m Message) error {
	if reason := rn.validate(m); reason != "" {
		return &StepError{Node: rn.r.id, Msg: m, Reason: reason}
	}
	rn.r.traced(HandleAction(m.Type), &m, nil, func() { rn.r.step(m) })
	return nil
}

func (rn *RawNode) validate(m Message) string {
	r := rn.r
	switch {
	case !m.Type.valid():
		return "unknown message type"
	case m.To != r.id:
		return fmt.Sprintf("addressed to node %d", m.To)
	case m.From == r.id && m.Type != MsgReadIndex:
		// A read requested here may come back forwarded (etcd keeps the
		// origin of a forwarded MsgReadIndex): nothing else may.
		return "a message from the node itself"
	case !slices.Contains(r.peers, m.From):
		return fmt.Sprintf("sender %d is not in the configuration %v", m.From, r.peers)
	case m.Type == MsgReadIndex && m.Term != 0:
		return fmt.Sprintf("a read request carries term %d (it has none)", m.Term)
	case (m.Type == MsgReadIndex || m.Type == MsgReadIndexResp) && len(m.Context) == 0:
		return "a read without a context"
	case m.Term == 0 && m.Type != MsgReadIndex && !(m.Type == MsgPreVoteResp && m.Reject):
		// Only a pre-vote rejection from a node that never left term 0 has
		// no term.
		return "term is missing (0)"
	}
	if m.Type == MsgApp {
		if (m.Index == 0) != (m.LogTerm == 0) {
			return fmt.Sprintf("anchor index %d with term %d", m.Index, m.LogTerm)
		}
		prevTerm := max(m.LogTerm, 1)
		for k, e := range m.Entries {
			if e.Index != m.Index+1+uint64(k) {
				return fmt.Sprintf("entry %d of %d has index %d, want %d", k, len(m.Entries), e.Index, m.Index+1+uint64(k))
			}
			if e.Term < prevTerm || e.Term > m.Term {
				return fmt.Sprintf("entry %d has term %d, outside [%d, %d]", e.Index, e.Term, prevTerm, m.Term)
			}
			prevTerm = e.Term
		}
	} else if len(m.Entries) > 0 {
		return fmt.Sprintf("%v carries entries", m.Type)
	}
	if (m.Type == MsgSnap) != (m.Snapshot != nil) {
		return "a snapshot outside MsgSnap, or a MsgSnap without one"
	}
	if m.Type == MsgSnap && (m.Snapshot.Metadata.Index == 0 || m.Snapshot.Metadata.Term == 0 || m.Snapshot.Metadata.Term > m.Term) {
		return fmt.Sprintf("snapshot %d/%d is empty or not of a term in [1, %d]", m.Snapshot.Metadata.Index, m.Snapshot.Metadata.Term, m.Term)
	}
	// What the node would do with the message must not contradict what it
	// knows: check before anything changes.
	follows := m.Term > r.term || (m.Term == r.term && r.role != Leader)
	switch {
	case m.Type == MsgHeartbeat && follows && m.Commit > r.log.lastIndex():
		return fmt.Sprintf("heartbeat commits index %d beyond the last index %d", m.Commit, r.log.lastIndex())
	case m.Type == MsgApp && follows:
		// Any leader of the node's term or later holds every entry the
		// node knows is committed (Leader Completeness): an append that
		// disagrees with them comes from a broken sender.
		if _, known := r.log.termOK(m.Index); known && m.Index <= r.log.committed && !r.log.matchTerm(m.Index, m.LogTerm) {
			return fmt.Sprintf("anchor %d/%d contradicts the committed entry %d/%d (commit index %d)",
				m.Index, m.LogTerm, m.Index, r.log.term(m.Index), r.log.committed)
		}
		if m.Index <= r.log.lastIndex() && r.log.matchTerm(m.Index, m.LogTerm) {
			// Entries the snapshot covers cannot be compared: skip them
			// (they are committed, and the append is answered with the
			// commit index anyway).
			prev, ents := m.Index, m.Entries
			// Only an anchor below offset-1 can lie under the snapshot
			// (which spares Storage's FirstIndex on the usual append).
			if prev+1 < r.log.offset {
				if snap := r.log.firstIndex() - 1; prev < snap {
					ents = ents[min(snap-prev, uint64(len(ents))):]
					prev = snap
				}
			}
			if c := r.log.findConflict(prev, ents); c != 0 && c <= r.log.committed {
				return fmt.Sprintf("entry %d conflicts with the committed log (commit index %d)", c, r.log.committed)
			}
		}
	case m.Type == MsgSnap && follows:
		// The snapshot stands for committed entries: where the node knows
		// the entry at its index to be committed, the terms must agree.
		meta := m.Snapshot.Metadata
		if t, known := r.log.termOK(meta.Index); known && meta.Index <= r.log.committed && t != meta.Term {
			return fmt.Sprintf("snapshot %d/%d contradicts the committed entry %d/%d (commit index %d)",
				meta.Index, meta.Term, meta.Index, t, r.log.committed)
		}
	case m.Type == MsgAppResp && !m.Reject && m.Term == r.term && r.role == Leader && m.Index > r.log.lastIndex():
		return fmt.Sprintf("acknowledges index %d beyond the last index %d", m.Index, r.log.lastIndex())
	}
	return ""
}

// HasReady reports whether Ready has anything to hand out.
func (rn *RawNode) HasReady() bool {
	r := rn.r
	return SoftState{Lead: r.lead, Role: r.role} != rn.soft ||
		r.hardState() != rn.hard ||
		len(r.log.ents) > 0 || r.log.snap != nil ||
		len(r.msgs) > 0 ||
		len(r.readStates) > 0 ||
		r.log.committed > r.log.applied
}

// Ready returns what the node has for the application (see Ready). Calling
// it again before Advance returns everything since the last Advance.
func (rn *RawNode) Ready() Ready {
	r := rn.r
	var rd Ready
	soft := SoftState{Lead: r.lead, Role: r.role}
	if soft != rn.soft {
		// Only a change is worth an allocation.
		changed := soft
		rd.SoftState = &changed
	}
	if hs := r.hardState(); hs != rn.hard {
		rd.HardState = hs
	}
	// Shared, not copied: the node never writes to what it hands out (see
	// the package doc, What is whose), and the slices' capacity ends at
	// their length, so that the caller's appends cannot reach the node's.
	if n := len(r.log.ents); n > 0 {
		rd.Entries = r.log.ents[:n:n]
	}
	applied := r.log.committed
	var snap uint64
	if r.log.snap != nil {
		// The snapshot's Data is shared too (restore kept the sender's).
		rd.Snapshot = *r.log.snap
		snap = r.log.snap.Metadata.Index
		applied = snap
	} else {
		rd.CommittedEntries = r.log.slice(r.log.applied+1, r.log.committed)
	}
	if len(r.msgs) > 0 {
		rd.Messages = r.msgs[:len(r.msgs):len(r.msgs)]
		r.msgsPeak = max(r.msgsPeak, len(r.msgs))
	}
	rd.ReadStates = cloneReadStates(r.readStates)
	rd.MustSync = len(rd.Entries) > 0 || snap != 0 || r.term != rn.hard.Term || r.vote != rn.hard.Vote
	rn.pending = ready{soft: soft, hard: r.hardState(), last: r.log.lastIndex(), applied: applied, snap: snap,
		messages: len(r.msgs), reads: len(r.readStates)}
	rn.readied = true
	r.log.overwritten = 0
	return rd
}

// Advance acknowledges the last Ready: its state is persisted, its messages
// sent, its committed entries applied.
func (rn *RawNode) Advance() {
	if !rn.readied {
		return
	}
	p := rn.pending
	rn.readied = false
	r := rn.r
	rn.soft, rn.hard = p.soft, p.hard
	stable := p.last
	if o := r.log.overwritten; o != 0 && o <= stable {
		// Entries handed out were overwritten after Ready (or a snapshot
		// superseded them): what was persisted from there on is stale.
		stable = o - 1
	}
	if s := r.log.snap; s != nil && s.Metadata.Index == p.snap {
		r.log.snap = nil
	}
	if r.log.snap == nil {
		r.log.stableTo(min(stable, r.log.lastIndex()))
	}
	r.log.overwritten = 0
	r.log.applied = max(r.log.applied, p.applied)
	// The messages handed out stay as they are: the queue goes on after
	// them, in the same array while it has room (send).
	r.msgs = r.msgs[p.messages:]
	r.readStates = slices.Delete(r.readStates, 0, p.reads)
}

func cloneReadStates(rss []ReadState) []ReadState {
	if len(rss) == 0 {
		return nil
	}
	out := make([]ReadState, len(rss))
	for k, rs := range rss {
		out[k] = ReadState{Index: rs.Index, RequestCtx: slices.Clone(rs.RequestCtx)}
	}
	return out
}

// Status reports the node's state.
type Status struct {
	ID uint64
	HardState
	SoftState
	// Lease: with CheckQuorum, the node is a follower that heard from its
	// leader within the election timeout.
	Lease     bool
	LastIndex uint64
	LastTerm  uint64
	Applied   uint64
	// Snapshot is where the log starts: the index and term of the latest
	// snapshot, persisted or not (zero before any compaction).
	Snapshot SnapshotMetadata
	// VotesGranted and VotesRejected are the tally of the current
	// (pre-)campaign, sorted.
	VotesGranted  []uint64
	VotesRejected []uint64
	// Progress is a leader's view of every node (itself included); nil on
	// other roles.
	Progress map[uint64]Progress
	// LeadTransferee is the target of a leader's pending transfer, None
	// when there is none.
	LeadTransferee uint64
	// ReadQueue and PendingReads are the reads the node holds (as in
	// NodeState).
	ReadQueue    []ReadRequest
	PendingReads []ReadRequest
}

// Status returns the node's current state.
func (rn *RawNode) Status() Status {
	r := rn.r
	st := Status{
		ID:             r.id,
		HardState:      r.hardState(),
		SoftState:      SoftState{Lead: r.lead, Role: r.role},
		Lease:          r.checkQuorum && r.heardFromLeader(),
		LastIndex:      r.log.lastIndex(),
		LastTerm:       r.log.lastTerm(),
		Applied:        r.log.applied,
		Snapshot:       r.log.snapshotMeta(),
		LeadTransferee: r.leadTransferee,
	}
	st.VotesGranted, st.VotesRejected = r.votesCast()
	st.Progress = r.progressCopy()
	st.ReadQueue, st.PendingReads = r.readRequests()
	return st
}

// Log returns a copy of every entry the node holds, persisted or not: the
// entries after Status().Snapshot.Index.
func (rn *RawNode) Log() []Entry { return cloneEntries(rn.r.log.entries()) }

// SnapshotStatus is the fate of a snapshot sent to a follower, for
// ReportSnapshot.
type SnapshotStatus uint8

const (
	// SnapshotFinish: the snapshot reached the follower.
	SnapshotFinish SnapshotStatus = iota + 1
	// SnapshotFailure: the snapshot was lost on its way.
	SnapshotFailure
)

func (s SnapshotStatus) String() string {
	switch s {
	case SnapshotFinish:
		return "SnapshotFinish"
	case SnapshotFailure:
		return "SnapshotFailure"
	}
	return fmt.Sprintf("SnapshotStatus(%d)", uint8(s))
}

// ReportSnapshot tells a leader what became of the MsgSnap it sent to
// follower id (etcd's RawNode.ReportSnapshot). Until then, or until the
// follower acknowledges, the leader sends the follower nothing more. Either
// way the follower is probed again, paused until it answers (a heartbeat
// response unpauses it): after the snapshot if it finished, from its last
// acknowledged index if it failed. It does nothing unless the node is the
// leader and the follower's progress is in Snapshot mode; an unknown status
// is an error.
func (rn *RawNode) ReportSnapshot(id uint64, status SnapshotStatus) error {
	if status != SnapshotFinish && status != SnapshotFailure {
		return fmt.Errorf("raft: node %d: ReportSnapshot(%d, %v): unknown status", rn.r.id, id, status)
	}
	rn.r.reportSnapshot(id, status == SnapshotFailure)
	return nil
}
