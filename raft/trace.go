package raft

// Action names a step of the TLA+ spec (tla/Raft.tla): one atomic step of
// one server, or of the network. The constants below are every action of
// the spec, under the spec's names; the same names label trace events,
// model steps (model.Label), trace files and counterexamples.
type Action string

// The actions a node takes. Each but Restart is reported by a trace event
// (TraceEvent.Action); Restart is the environment starting a node again
// from its storage (NewRawNode), which a simulation labels itself.
const (
	ActionTimeout                     Action = "Timeout"
	ActionClientRequest               Action = "ClientRequest"
	ActionHeartbeat                   Action = "Heartbeat"
	ActionQuorumCheck                 Action = "QuorumCheck"
	ActionLeaseExpire                 Action = "LeaseExpire"
	ActionRestart                     Action = "Restart"
	ActionHandlePreVoteRequest        Action = "HandlePreVoteRequest"
	ActionHandlePreVoteResponse       Action = "HandlePreVoteResponse"
	ActionHandleVoteRequest           Action = "HandleVoteRequest"
	ActionHandleVoteResponse          Action = "HandleVoteResponse"
	ActionHandleAppendEntriesRequest  Action = "HandleAppendEntriesRequest"
	ActionHandleAppendEntriesResponse Action = "HandleAppendEntriesResponse"
	ActionHandleHeartbeatRequest      Action = "HandleHeartbeatRequest"
	ActionHandleHeartbeatResponse     Action = "HandleHeartbeatResponse"
	// ActionHandleSnapshotRequest is a follower handling MsgSnap.
	ActionHandleSnapshotRequest Action = "HandleSnapshotRequest"
	// ActionCompact is a node's storage dropping the entries a snapshot
	// covers: the application does it (MemoryStorage.CreateSnapshot and
	// Compact), so, like Restart, a simulation labels it itself.
	ActionCompact Action = "Compact"
)

// The network's actions: no node takes them, so no trace event carries
// them; a simulated network labels its own steps with them. For
// DropMessage and DuplicateMessage the message is from J to I; for
// Partition and Heal the link is from I to J.
const (
	ActionDropMessage      Action = "DropMessage"
	ActionDuplicateMessage Action = "DuplicateMessage"
	ActionPartition        Action = "Partition"
	ActionHeal             Action = "Heal"
)

// Actions lists every action of the spec, in the order of its Next
// disjunction (a fresh slice each call).
func Actions() []Action {
	return []Action{
		ActionTimeout, ActionClientRequest, ActionHeartbeat, ActionQuorumCheck, ActionLeaseExpire, ActionRestart,
		ActionHandlePreVoteRequest, ActionHandlePreVoteResponse, ActionHandleVoteRequest, ActionHandleVoteResponse,
		ActionHandleAppendEntriesRequest, ActionHandleAppendEntriesResponse,
		ActionHandleHeartbeatRequest, ActionHandleHeartbeatResponse,
		ActionDropMessage, ActionDuplicateMessage, ActionPartition, ActionHeal,
		ActionCompact, ActionHandleSnapshotRequest,
	}
}

// HandleAction names the spec action that handles a message of type t ("" for
// an unknown type).
func HandleAction(t MessageType) Action {
	switch t {
	case MsgPreVote:
		return ActionHandlePreVoteRequest
	case MsgPreVoteResp:
		return ActionHandlePreVoteResponse
	case MsgVote:
		return ActionHandleVoteRequest
	case MsgVoteResp:
		return ActionHandleVoteResponse
	case MsgApp:
		return ActionHandleAppendEntriesRequest
	case MsgAppResp:
		return ActionHandleAppendEntriesResponse
	case MsgHeartbeat:
		return ActionHandleHeartbeatRequest
	case MsgHeartbeatResp:
		return ActionHandleHeartbeatResponse
	case MsgSnap:
		return ActionHandleSnapshotRequest
	}
	return ""
}

// TraceEvent is one step of a node that the TLA+ spec can see.
type TraceEvent struct {
	// Action is the spec action the step realises.
	Action Action
	// Node is the node that took the step.
	Node uint64
	// Msg is the message handled, for the Handle* actions.
	Msg *Message
	// Value is the proposed data, for ClientRequest.
	Value []byte
	// State is the node's state after the step.
	State NodeState
	// Sent lists the messages the step emitted (they leave with the next
	// Ready, after its state is persisted).
	Sent []Message
}

// NodeState is a node's state as a trace event reports it: everything the
// spec's server record holds (tla/Raft.tla's Srv), so that a log of events
// describes each server fully. The slices and the map are copies, owned by
// the event; they are built only when a Tracer is set.
type NodeState struct {
	Term      uint64
	Vote      uint64
	Role      StateRole
	Lead      uint64
	Lease     bool
	Commit    uint64
	LastIndex uint64
	LastTerm  uint64
	// SnapshotIndex and SnapshotTerm are where the log starts: the index
	// and term of the snapshot it follows (0 and 0 before any compaction).
	SnapshotIndex uint64
	SnapshotTerm  uint64
	// Log is every entry the node holds, after SnapshotIndex, persisted or
	// not.
	Log []Entry
	// VotesGranted and VotesRejected are the tally of the current
	// (pre-)campaign, sorted (empty outside campaigns).
	VotesGranted  []uint64
	VotesRejected []uint64
	// Progress is a leader's view of every node, itself included (its
	// RecentActive is kept whatever CheckQuorum); nil on other roles.
	Progress map[uint64]Progress
}

// Tracer receives trace events. Trace must not call back into the node.
type Tracer interface {
	Trace(TraceEvent)
}

// TracerFunc adapts a function to a Tracer.
type TracerFunc func(TraceEvent)

// Trace calls f(ev).
func (f TracerFunc) Trace(ev TraceEvent) { f(ev) }
