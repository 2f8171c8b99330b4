package model

import (
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// This file transcribes the actions of tla/Raft.tla and its Next. An action
// method computes the successor into next and returns "" when the action
// is enabled, or why it is not (a fixed phrase; Apply puts it in its
// error). next is only meaningful when the action is enabled.

// action numbers the actions of Next, in Next's order.
type action uint8

const (
	actTimeout action = iota
	actClientRequest
	actHeartbeat
	actQuorumCheck
	actLeaseExpire
	actRestart
	actHandlePreVoteRequest // + the message type: one handler per type
	actHandlePreVoteResponse
	actHandleVoteRequest
	actHandleVoteResponse
	actHandleAppendEntriesRequest
	actHandleAppendEntriesResponse
	actHandleHeartbeatRequest
	actHandleHeartbeatResponse
	actDropMessage
	actDuplicateMessage
	actPartition
	actHeal
	actCompact
	actHandleSnapshotRequest // the handler of SnapshotRequest, after Heal
	numActions
)

// actionNames are the spec's names of the actions. They are raft.Actions()
// in the same order (TestActionNamesAreRaft's): model/ does not import the
// implementation, so the names are written twice and compared.
var actionNames = [numActions]string{
	"Timeout", "ClientRequest", "Heartbeat", "QuorumCheck", "LeaseExpire", "Restart",
	"HandlePreVoteRequest", "HandlePreVoteResponse", "HandleVoteRequest", "HandleVoteResponse",
	"HandleAppendEntriesRequest", "HandleAppendEntriesResponse",
	"HandleHeartbeatRequest", "HandleHeartbeatResponse",
	"DropMessage", "DuplicateMessage", "Partition", "Heal",
	"Compact", "HandleSnapshotRequest",
}

func (a action) String() string { return actionNames[a] }

// handlerFor is the action that handles messages of type t.
func handlerFor(t spec.MsgType) action {
	if t == spec.SnapshotRequest {
		return actHandleSnapshotRequest
	}
	return actHandlePreVoteRequest + action(t)
}

// isHandler reports whether the action handles one message.
func (a action) isHandler() bool {
	return a >= actHandlePreVoteRequest && a < actDropMessage || a == actHandleSnapshotRequest
}

// handledType is the message type the handler a handles.
func (a action) handledType() spec.MsgType {
	if a == actHandleSnapshotRequest {
		return spec.SnapshotRequest
	}
	return spec.MsgType(a - actHandlePreVoteRequest)
}

// isMessageAction reports whether the action consumes, drops or duplicates
// one message.
func (a action) isMessageAction() bool {
	return a.isHandler() || a == actDropMessage || a == actDuplicateMessage
}

// label is a step: the action, its parameters, and for a message action
// the position of its message in the bag.
type label struct {
	act   action
	i, j  uint8
	value uint8 // ClientRequest's value (1-based)
	msg   uint8 // position in messages
}

// Why an action is not enabled.
const (
	whyInFlight    = "the step would leave more than MaxInFlight messages in flight"
	whyNotLeader   = "the server is not Leader"
	whyLeader      = "the server is Leader"
	whyMaxTerm     = "currentTerm = MaxTerm"
	whyMaxLogLen   = "the leader's log has MaxLogLen entries"
	whyNoCQ        = "CheckQuorum is FALSE"
	whyNoLease     = "the server holds no lease"
	whyNoRestart   = "AllowRestart is FALSE"
	whyNoCompact   = "AllowCompaction is FALSE"
	whyCompacted   = "the server has compacted up to its commit already"
	whyMsgType     = "the message is not of the action's type"
	whyMsgLink     = "the message is not from J to I"
	whyMaxCopies   = "the message has MaxCopies copies in flight"
	whySameServer  = "I = J"
	whyNotCuttable = "the link is not in CuttableLinks"
	whyCut         = "the link is cut already"
	whyMaxCut      = "MaxCutLinks links are cut already"
	whyNotCut      = "the link is not cut"
)

// SendAll is Raft.tla's SendAll(ms) for the messages ms of the step: the
// network b (a copy of messages) becomes PutAll(b, ms), within the
// MaxInFlight guard of NetworkBecomes.
func (st *stepper) SendAll(v *state, ms []message, b *bag) string {
	if !st.PutAll(v, b, ms) || !st.NetworkBecomes(b) {
		return whyInFlight
	}
	return ""
}

// Reply is Raft.tla's Reply(m, ms) for the message m at position k of the
// network b (a copy of messages): m is consumed and ms sent.
func (st *stepper) Reply(v *state, k int, ms []message, b *bag) string {
	b.Take(k)
	return st.SendAll(v, ms, b)
}

// Act is Raft.tla's Act(i, r): server i takes the state s and sends the
// step's messages (st.out), without consuming one.
func (st *stepper) Act(v *state, i int, s server, next *state) string {
	*next = *v
	next.SetSrv(i, s)
	next.messages = st.scratchBag(v.messages)
	why := st.SendAll(v, st.out, &next.messages)
	st.keepBag(next.messages)
	return why
}

// Deliver is Raft.tla's Deliver(m, r) for the message m at position k: its
// receiver takes the state s, m is consumed and the step's messages sent.
func (st *stepper) Deliver(v *state, k int, s server, next *state) string {
	*next = *v
	next.SetSrv(int(v.messages[k].msg.mdest), s)
	next.messages = st.scratchBag(v.messages)
	why := st.Reply(v, k, st.out, &next.messages)
	st.keepBag(next.messages)
	return why
}

// scratchBag copies b into the stepper's scratch memory for the successor's
// messages, to be changed in place there (b itself never changes).
func (st *stepper) scratchBag(b bag) bag {
	st.bagBuf = append(st.bagBuf[:0], b...)
	return st.bagBuf
}

// keepBag keeps the scratch memory b may have grown into.
func (st *stepper) keepBag(b bag) { st.bagBuf = b[:0] }

// Timeout is Raft.tla's Timeout(i).
func (st *stepper) Timeout(v *state, i int, next *state) string {
	s := v.Srv(i)
	switch {
	case s.role == spec.Leader:
		return whyLeader
	case int(s.term) >= st.cfg.MaxTerm:
		return whyMaxTerm
	}
	st.out = st.out[:0]
	preVote := st.cfg.PreVote
	if st.mut == mutCandidateSkipsPreVote && s.role == spec.Candidate {
		// Mutant CandidateSkipsPreVote: a candidate goes straight to the
		// next election.
		preVote = false
	}
	if preVote {
		return st.Act(v, i, st.CampaignPreElection(i, s), next)
	}
	return st.Act(v, i, st.CampaignElection(i, s), next)
}

// ClientRequest is Raft.tla's ClientRequest(i, v) for the value val.
func (st *stepper) ClientRequest(v *state, i, val int, next *state) string {
	s := v.Srv(i)
	switch {
	case s.role != spec.Leader:
		return whyNotLeader
	case st.LastIndex(&s) >= st.cfg.MaxLogLen:
		return whyMaxLogLen
	}
	st.out = st.out[:0]
	return st.Act(v, i, st.AppendEntry(i, s, val), next)
}

// Heartbeat is Raft.tla's Heartbeat(i).
func (st *stepper) Heartbeat(v *state, i int, next *state) string {
	s := v.Srv(i)
	if s.role != spec.Leader {
		return whyNotLeader
	}
	st.out = st.out[:0]
	for j := 1; j <= st.n; j++ {
		if j != i {
			commit := min(int(s.prs[j-1].match), int(s.commit))
			if st.mut == mutHeartbeatCommitUnbounded {
				// Mutant HeartbeatCommitUnbounded: the leader's commit,
				// not bounded by j's match.
				commit = int(s.commit)
			}
			s.prs[j-1].sentCommit = uint8(commit)
			st.send(st.HeartbeatMsg(i, j, int(s.term), commit))
		}
	}
	return st.Act(v, i, s, next)
}

// QuorumCheck is Raft.tla's QuorumCheck(i).
func (st *stepper) QuorumCheck(v *state, i int, next *state) string {
	s := v.Srv(i)
	switch {
	case !st.cfg.CheckQuorum:
		return whyNoCQ
	case s.role != spec.Leader:
		return whyNotLeader
	}
	st.out = st.out[:0]
	if st.IsQuorum(set(0).with(i).union(s.active)) || st.mut == mutNoStepDown {
		// Mutant NoStepDown: the check never steps down, it only counts
		// afresh.
		s.active = 0
		return st.Act(v, i, s, next)
	}
	return st.Act(v, i, st.BecomeFollower(s, int(s.term), 0), next)
}

// LeaseExpire is Raft.tla's LeaseExpire(i).
func (st *stepper) LeaseExpire(v *state, i int, next *state) string {
	if !v.srv[i-1].lease {
		return whyNoLease
	}
	*next = *v
	next.srv[i-1].lease = false
	return ""
}

// Restart is Raft.tla's Restart(i): only the durable state survives.
func (st *stepper) Restart(v *state, i int, next *state) string {
	if !st.cfg.AllowRestart {
		return whyNoRestart
	}
	st.out = st.out[:0]
	s := v.Srv(i)
	switch st.mut {
	case mutRestartForgetsTerm:
		// Mutant RestartForgetsTerm: the term (and so the vote) is lost.
		s.term, s.vote = 0, 0
	case mutRestartForgetsVote:
		// Mutant RestartForgetsVote: the vote is lost.
		s.vote = 0
	}
	s.role = spec.Follower
	s.leader = 0
	s.lease = false
	s.granted, s.rejected = 0, 0
	s.prs = st.NoProgresses()
	s.active = 0
	return st.Act(v, i, s, next)
}

// Compact is Raft.tla's Compact(i): server i compacts its log up to
// CompactLimit, when that is above its snapshot.
func (st *stepper) Compact(v *state, i int, next *state) string {
	if !st.cfg.AllowCompaction {
		return whyNoCompact
	}
	s := v.Srv(i)
	k := st.CompactLimit(&s)
	if k <= int(s.snapIndex) {
		return whyCompacted
	}
	st.out = st.out[:0]
	return st.Act(v, i, st.CompactTo(s, k), next)
}

// Pending is Raft.tla's Pending(j, i, t) as a test: "" if the message at
// position k is of type t, from j to i, else why not.
func (v *state) Pending(k, j, i int, t spec.MsgType) string {
	m := &v.messages[k].msg
	switch {
	case m.mtype != t:
		return whyMsgType
	case int(m.msource) != j || int(m.mdest) != i:
		return whyMsgLink
	}
	return ""
}

// The message actions: server i handles the message at position k of the
// bag, which must be of the action's type, from j to i (Raft.tla's
// \E m \in Pending(j, i, type) : Deliver(m, On<Type>(i, Srv(i), m)), with
// the choice of m made by k).

// HandlePreVoteRequest is Raft.tla's HandlePreVoteRequest(i, j).
func (st *stepper) HandlePreVoteRequest(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.PreVoteRequest); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnPreVoteRequest(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandlePreVoteResponse is Raft.tla's HandlePreVoteResponse(i, j).
func (st *stepper) HandlePreVoteResponse(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.PreVoteResponse); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnPreVoteResponse(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleVoteRequest is Raft.tla's HandleVoteRequest(i, j).
func (st *stepper) HandleVoteRequest(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.VoteRequest); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnVoteRequest(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleVoteResponse is Raft.tla's HandleVoteResponse(i, j).
func (st *stepper) HandleVoteResponse(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.VoteResponse); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnVoteResponse(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleAppendEntriesRequest is Raft.tla's HandleAppendEntriesRequest(i, j).
func (st *stepper) HandleAppendEntriesRequest(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.AppendEntriesRequest); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnAppendEntriesRequest(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleAppendEntriesResponse is Raft.tla's HandleAppendEntriesResponse(i, j).
func (st *stepper) HandleAppendEntriesResponse(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.AppendEntriesResponse); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnAppendEntriesResponse(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleHeartbeatRequest is Raft.tla's HandleHeartbeatRequest(i, j).
func (st *stepper) HandleHeartbeatRequest(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.HeartbeatRequest); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnHeartbeatRequest(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleHeartbeatResponse is Raft.tla's HandleHeartbeatResponse(i, j).
func (st *stepper) HandleHeartbeatResponse(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.HeartbeatResponse); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnHeartbeatResponse(i, v.Srv(i), &v.messages[k].msg), next)
}

// HandleSnapshotRequest is Raft.tla's HandleSnapshotRequest(i, j).
func (st *stepper) HandleSnapshotRequest(v *state, i, j, k int, next *state) string {
	if why := v.Pending(k, j, i, spec.SnapshotRequest); why != "" {
		return why
	}
	st.out = st.out[:0]
	return st.Deliver(v, k, st.OnSnapshotRequest(i, v.Srv(i), &v.messages[k].msg), next)
}

// handle is the message action for messages of type t.
func (st *stepper) handle(v *state, t spec.MsgType, i, j, k int, next *state) string {
	switch t {
	case spec.PreVoteRequest:
		return st.HandlePreVoteRequest(v, i, j, k, next)
	case spec.PreVoteResponse:
		return st.HandlePreVoteResponse(v, i, j, k, next)
	case spec.VoteRequest:
		return st.HandleVoteRequest(v, i, j, k, next)
	case spec.VoteResponse:
		return st.HandleVoteResponse(v, i, j, k, next)
	case spec.AppendEntriesRequest:
		return st.HandleAppendEntriesRequest(v, i, j, k, next)
	case spec.AppendEntriesResponse:
		return st.HandleAppendEntriesResponse(v, i, j, k, next)
	case spec.HeartbeatRequest:
		return st.HandleHeartbeatRequest(v, i, j, k, next)
	case spec.SnapshotRequest:
		return st.HandleSnapshotRequest(v, i, j, k, next)
	default:
		return st.HandleHeartbeatResponse(v, i, j, k, next)
	}
}

// DropMessage is Raft.tla's DropMessage(i, j) for the message at position k.
func (st *stepper) DropMessage(v *state, i, j, k int, next *state) string {
	m := &v.messages[k].msg
	if int(m.mdest) != i || int(m.msource) != j {
		return whyMsgLink
	}
	*next = *v
	next.messages = st.scratchBag(v.messages)
	next.messages.Take(k)
	return ""
}

// DuplicateMessage is Raft.tla's DuplicateMessage(i, j) for the message at
// position k.
func (st *stepper) DuplicateMessage(v *state, i, j, k int, next *state) string {
	m := &v.messages[k].msg
	switch {
	case int(m.mdest) != i || int(m.msource) != j:
		return whyMsgLink
	case int(v.messages[k].copies) >= st.cfg.MaxCopies:
		return whyMaxCopies
	case v.messages.InFlight()+1 > st.cfg.MaxInFlight:
		return whyInFlight
	}
	*next = *v
	next.messages = st.scratchBag(v.messages)
	next.messages[k].copies++
	return ""
}

// Partition is Raft.tla's Partition(i, j): the link from i to j goes down
// with the messages on it.
func (st *stepper) Partition(v *state, i, j int, next *state) string {
	switch {
	case i == j:
		return whySameServer
	case st.cuttable&linkBit(i, j) == 0:
		return whyNotCuttable
	case v.cut.has(i, j):
		return whyCut
	case v.cut.cardinality() >= st.cfg.MaxCutLinks:
		return whyMaxCut
	}
	*next = *v
	next.cut |= linkBit(i, j)
	next.messages = st.scratchBag(v.messages)
	next.messages = slices.DeleteFunc(next.messages, func(b bagged) bool {
		return int(b.msg.msource) == i && int(b.msg.mdest) == j
	})
	return ""
}

// Heal is Raft.tla's Heal(i, j): the link from i to j comes back up.
func (st *stepper) Heal(v *state, i, j int, next *state) string {
	if !v.cut.has(i, j) {
		return whyNotCut
	}
	*next = *v
	next.cut &^= linkBit(i, j)
	return ""
}

// step takes the step l from v into next; it returns why not if l is not
// enabled.
func (st *stepper) step(v *state, l label, next *state) string {
	i, j := int(l.i), int(l.j)
	switch l.act {
	case actTimeout:
		return st.Timeout(v, i, next)
	case actClientRequest:
		return st.ClientRequest(v, i, int(l.value), next)
	case actHeartbeat:
		return st.Heartbeat(v, i, next)
	case actQuorumCheck:
		return st.QuorumCheck(v, i, next)
	case actLeaseExpire:
		return st.LeaseExpire(v, i, next)
	case actRestart:
		return st.Restart(v, i, next)
	case actDropMessage:
		return st.DropMessage(v, i, j, int(l.msg), next)
	case actDuplicateMessage:
		return st.DuplicateMessage(v, i, j, int(l.msg), next)
	case actPartition:
		return st.Partition(v, i, j, next)
	case actHeal:
		return st.Heal(v, i, j, next)
	case actCompact:
		return st.Compact(v, i, next)
	}
	return st.handle(v, l.act.handledType(), i, j, int(l.msg), next)
}

// Next is Raft.tla's Next: it calls emit for every enabled step of v, one
// per distinct message for the message actions, with the successor in a
// scratch state that emit must not keep (it may keep next.clone()); v must
// not be such a scratch state.
func (st *stepper) Next(v *state, emit func(l label, next *state)) {
	next := &st.scratch
	n := st.n
	for i := 1; i <= n; i++ {
		if st.Timeout(v, i, next) == "" {
			emit(label{act: actTimeout, i: uint8(i)}, next)
		}
	}
	for i := 1; i <= n; i++ {
		if v.srv[i-1].role != spec.Leader {
			continue
		}
		for val := 1; val <= len(st.cfg.Values); val++ {
			if st.ClientRequest(v, i, val, next) == "" {
				emit(label{act: actClientRequest, i: uint8(i), value: uint8(val)}, next)
			}
		}
	}
	for i := 1; i <= n; i++ {
		if st.Heartbeat(v, i, next) == "" {
			emit(label{act: actHeartbeat, i: uint8(i)}, next)
		}
	}
	for i := 1; i <= n; i++ {
		if st.QuorumCheck(v, i, next) == "" {
			emit(label{act: actQuorumCheck, i: uint8(i)}, next)
		}
	}
	for i := 1; i <= n; i++ {
		if st.LeaseExpire(v, i, next) == "" {
			emit(label{act: actLeaseExpire, i: uint8(i)}, next)
		}
	}
	for i := 1; i <= n; i++ {
		if st.Restart(v, i, next) == "" {
			emit(label{act: actRestart, i: uint8(i)}, next)
		}
	}
	for k := 0; k < len(v.messages); k++ {
		m := &v.messages[k].msg
		i, j := int(m.mdest), int(m.msource)
		if st.handle(v, m.mtype, i, j, k, next) == "" {
			emit(label{act: handlerFor(m.mtype), i: uint8(i), j: uint8(j), msg: uint8(k)}, next)
		}
	}
	for k := 0; k < len(v.messages); k++ {
		m := &v.messages[k].msg
		i, j := int(m.mdest), int(m.msource)
		if st.DropMessage(v, i, j, k, next) == "" {
			emit(label{act: actDropMessage, i: uint8(i), j: uint8(j), msg: uint8(k)}, next)
		}
	}
	for k := 0; k < len(v.messages); k++ {
		m := &v.messages[k].msg
		i, j := int(m.mdest), int(m.msource)
		if st.DuplicateMessage(v, i, j, k, next) == "" {
			emit(label{act: actDuplicateMessage, i: uint8(i), j: uint8(j), msg: uint8(k)}, next)
		}
	}
	if st.cfg.MaxCutLinks > 0 {
		for i := 1; i <= n; i++ {
			for j := 1; j <= n; j++ {
				if st.Partition(v, i, j, next) == "" {
					emit(label{act: actPartition, i: uint8(i), j: uint8(j)}, next)
				}
			}
		}
	}
	if v.cut != 0 {
		for i := 1; i <= n; i++ {
			for j := 1; j <= n; j++ {
				if st.Heal(v, i, j, next) == "" {
					emit(label{act: actHeal, i: uint8(i), j: uint8(j)}, next)
				}
			}
		}
	}
	if st.cfg.AllowCompaction {
		for i := 1; i <= n; i++ {
			if st.Compact(v, i, next) == "" {
				emit(label{act: actCompact, i: uint8(i)}, next)
			}
		}
	}
}

// initState is Raft.tla's Init: every server a follower at term 0 with an
// empty log and no vote, no messages, no cut links (the zero state).
func initState() state {
	var v state
	return v
}
