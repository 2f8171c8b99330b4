package raft

import (
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/internal/bugs"
)

// ReadOnlyOption chooses how a leader confirms that it is still the leader
// before it answers a read (RawNode.ReadIndex).
type ReadOnlyOption uint8

const (
	// ReadOnlySafe (the default) answers a read only once a quorum has
	// acknowledged a heartbeat carrying the read's context, sent after the
	// read arrived: the leader knows it was still the leader when the read
	// began, so no later leader can have committed anything it lacks (etcd
	// ReadOnlySafe; Raft thesis 6.4).
	ReadOnlySafe ReadOnlyOption = iota
	// ReadOnlyLeaseBased answers a read at once, trusting the leader lease
	// that CheckQuorum gives: a leader steps down when it has not heard from
	// a quorum for an election timeout, and a follower that heard from its
	// leader within the election timeout refuses to vote. This is safe only
	// if clocks advance at bounded relative rates, so that no follower's
	// lease ends (and no new leader is elected) before the old leader's
	// quorum check has made it step down (etcd ReadOnlyLeaseBased). It
	// requires CheckQuorum.
	ReadOnlyLeaseBased
)

func (o ReadOnlyOption) String() string {
	switch o {
	case ReadOnlySafe:
		return "ReadOnlySafe"
	case ReadOnlyLeaseBased:
		return "ReadOnlyLeaseBased"
	}
	return fmt.Sprintf("ReadOnlyOption(%d)", uint8(o))
}

// ReadState answers a read requested with RawNode.ReadIndex: once the
// node has applied the entries up to Index, a read of the application's
// state reflects every write committed before the read was requested.
// RequestCtx is the context the read was requested with.
type ReadState struct {
	Index      uint64
	RequestCtx []byte
}

// ReadRequest is a read a leader holds, as Status and NodeState report it:
// its context, the node it was requested at (None: this node), and, for a
// read waiting for its heartbeat quorum, the commit index it was queued at
// and who acknowledged it (sorted).
type ReadRequest struct {
	Ctx   []byte
	From  uint64
	Index uint64
	Acks  []uint64
}

// readRequests reports a leader's reads: those waiting for a quorum, and
// those held back until it commits an entry of its term.
func (r *raft) readRequests() (queue, pending []ReadRequest) {
	for _, s := range r.readOnly.queue {
		rs := r.readOnly.pending[s]
		var acks []uint64
		for _, p := range r.peers {
			if rs.acks[p] {
				acks = append(acks, p)
			}
		}
		queue = append(queue, ReadRequest{Ctx: []byte(s), From: rs.req.From, Index: rs.index, Acks: acks})
	}
	for _, m := range r.pendingReadIndex {
		pending = append(pending, ReadRequest{Ctx: slices.Clone(m.Context), From: m.From})
	}
	return queue, pending
}

// readIndexStatus is a read a leader waits to confirm (etcd's
// readIndexStatus): the request, the commit index when it arrived, and
// who acknowledged a heartbeat carrying its context.
type readIndexStatus struct {
	req   Message
	index uint64
	acks  map[uint64]bool
}

// readOnly is a leader's queue of reads waiting for a quorum of heartbeat
// acknowledgements (etcd's readOnly), in arrival order, keyed by context.
type readOnly struct {
	option  ReadOnlyOption
	pending map[string]*readIndexStatus
	queue   []string
}

func newReadOnly(option ReadOnlyOption) readOnly {
	return readOnly{option: option, pending: map[string]*readIndexStatus{}}
}

// addRequest queues a read at the commit index index, unless a read with
// the same context is already queued (etcd's addRequest).
func (ro *readOnly) addRequest(index uint64, m Message) {
	s := string(m.Context)
	if _, ok := ro.pending[s]; ok {
		return
	}
	ro.pending[s] = &readIndexStatus{req: m, index: index, acks: map[uint64]bool{}}
	ro.queue = append(ro.queue, s)
}

// recvAck records that id acknowledged the heartbeat carrying ctx and
// returns who has, or nil if no read with that context is queued.
func (ro *readOnly) recvAck(id uint64, ctx []byte) map[uint64]bool {
	rs, ok := ro.pending[string(ctx)]
	if !ok {
		return nil
	}
	rs.acks[id] = true
	return rs.acks
}

// advance removes the read with context ctx and every read queued before
// it, and returns them in order (etcd's advance: a quorum that acknowledged
// a later heartbeat confirms the earlier reads too). It returns nil if no
// read with that context is queued.
func (ro *readOnly) advance(ctx []byte) []*readIndexStatus {
	k := slices.Index(ro.queue, string(ctx))
	if k < 0 {
		return nil
	}
	rss := make([]*readIndexStatus, 0, k+1)
	for _, s := range ro.queue[:k+1] {
		rss = append(rss, ro.pending[s])
		delete(ro.pending, s)
	}
	ro.queue = slices.Delete(ro.queue, 0, k+1)
	return rss
}

// lastPendingRequestCtx is the context of the last queued read, nil if
// none: a periodic heartbeat carries it (etcd's bcastHeartbeat).
func (ro *readOnly) lastPendingRequestCtx() []byte {
	if len(ro.queue) == 0 {
		return nil
	}
	return []byte(ro.queue[len(ro.queue)-1])
}

// --- The leader's and follower's handling of reads ---

// committedEntryInCurrentTerm reports whether the leader has committed an
// entry of its term: until then its commit index may lag what an earlier
// leader committed, so it cannot answer reads (etcd's
// committedEntryInCurrentTerm).
func (r *raft) committedEntryInCurrentTerm() bool {
	return r.log.term(r.log.committed) == r.term
}

// stepReadIndex is the TLA+ HandleReadIndexRequest (and, for a read
// requested at this node, ClientRead): a leader answers, queues or
// confirms the read; a follower forwards it to its leader, keeping its
// origin; a candidate, or a follower knowing no leader, drops it (etcd's
// stepLeader and stepFollower on MsgReadIndex).
func (r *raft) stepReadIndex(m Message) {
	switch {
	case r.role == Leader:
		if len(r.peers) == 1 {
			r.respondRead(m, r.log.committed)
			return
		}
		if !r.committedEntryInCurrentTerm() && !bugs.On(bugs.ReadBeforeTermCommit) {
			r.pendingReadIndex = append(r.pendingReadIndex, m)
			return
		}
		r.sendReadIndexResponse(m)
	case r.role == Follower && r.lead != None:
		m.To = r.lead
		if m.From == None {
			m.From = r.id
		}
		r.msgs = append(r.msgs, m)
	}
}

// sendReadIndexResponse is etcd's sendMsgReadIndexResponse: with
// ReadOnlySafe the read is queued at the commit index, acknowledged by the
// leader itself, and a heartbeat carrying its context goes to every
// follower; with ReadOnlyLeaseBased it is answered at once.
func (r *raft) sendReadIndexResponse(m Message) {
	if r.readOnly.option == ReadOnlyLeaseBased || bugs.On(bugs.ReadWithoutQuorum) {
		r.respondRead(m, r.log.committed)
		return
	}
	r.readOnly.addRequest(r.log.committed, m)
	r.readOnly.recvAck(r.id, m.Context)
	r.bcastHeartbeatWithCtx(m.Context)
}

// releasePendingReadIndex answers the reads queued until the leader
// committed an entry of its term (etcd's releasePendingReadIndexMessages).
func (r *raft) releasePendingReadIndex() {
	if len(r.pendingReadIndex) == 0 || !r.committedEntryInCurrentTerm() {
		return
	}
	msgs := r.pendingReadIndex
	r.pendingReadIndex = nil
	for _, m := range msgs {
		r.sendReadIndexResponse(m)
	}
}

// respondRead answers read m at index: a read requested here becomes a
// ReadState, a forwarded one gets a MsgReadIndexResp (etcd's
// responseToReadIndexReq).
func (r *raft) respondRead(m Message, index uint64) {
	if m.From == None || m.From == r.id {
		r.readStates = append(r.readStates, ReadState{Index: index, RequestCtx: slices.Clone(m.Context)})
		return
	}
	r.send(Message{Type: MsgReadIndexResp, To: m.From, Term: r.term, Index: index, Context: m.Context})
}

// readAck is the read part of the TLA+ HandleHeartbeatResponse: with
// ReadOnlySafe, an acknowledged heartbeat that carried a read's context
// counts towards that read's quorum; once a quorum acknowledged it, it and
// every read queued before it are answered at the commit index each was
// queued with.
func (r *raft) readAck(m Message) {
	if r.readOnly.option != ReadOnlySafe || len(m.Context) == 0 {
		return
	}
	acks := r.readOnly.recvAck(m.From, m.Context)
	if len(acks) < r.quorum() {
		return
	}
	for _, rs := range r.readOnly.advance(m.Context) {
		r.respondRead(rs.req, rs.index)
	}
}
