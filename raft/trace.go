package raft

// Action names: every step the TLA+ spec (tla/Raft.tla) can see is named
// after the spec action it realises. The same names label model steps,
// trace events and counterexamples.
const (
	ActionTimeout                     = "Timeout"
	ActionClientRequest               = "ClientRequest"
	ActionHeartbeat                   = "Heartbeat"
	ActionQuorumCheck                 = "QuorumCheck"
	ActionLeaseExpire                 = "LeaseExpire"
	ActionRestart                     = "Restart"
	ActionHandlePreVoteRequest        = "HandlePreVoteRequest"
	ActionHandlePreVoteResponse       = "HandlePreVoteResponse"
	ActionHandleVoteRequest           = "HandleVoteRequest"
	ActionHandleVoteResponse          = "HandleVoteResponse"
	ActionHandleAppendEntriesRequest  = "HandleAppendEntriesRequest"
	ActionHandleAppendEntriesResponse = "HandleAppendEntriesResponse"
	ActionHandleHeartbeatRequest      = "HandleHeartbeatRequest"
	ActionHandleHeartbeatResponse     = "HandleHeartbeatResponse"
)

// HandleAction names the spec action that handles a message of type t ("" for
// an unknown type).
func HandleAction(t MessageType) string {
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
	}
	return ""
}

// TraceEvent is one step of a node that the TLA+ spec can see.
type TraceEvent struct {
	// Action is the spec action the step realises.
	Action string
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

// NodeState is the part of a node's state a trace event reports.
type NodeState struct {
	Term      uint64
	Vote      uint64
	Role      StateRole
	Lead      uint64
	Lease     bool
	Commit    uint64
	LastIndex uint64
	LastTerm  uint64
}

// Tracer receives trace events. Trace must not call back into the node.
type Tracer interface {
	Trace(TraceEvent)
}

// TracerFunc adapts a function to a Tracer.
type TracerFunc func(TraceEvent)

// Trace calls f(ev).
func (f TracerFunc) Trace(ev TraceEvent) { f(ev) }
