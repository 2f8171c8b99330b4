package raft

import (
	"fmt"
	"strings"
)

// None is the zero node ID: no vote, no leader.
const None uint64 = 0

// StateRole is a node's role.
type StateRole uint8

// The roles. A PreCandidate runs a pre-election (Raft thesis 9.6): it asks
// for votes at Term+1 without changing its term or vote.
const (
	Follower StateRole = iota
	PreCandidate
	Candidate
	Leader
)

var roleNames = [...]string{"Follower", "PreCandidate", "Candidate", "Leader"}

func (r StateRole) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("StateRole(%d)", uint8(r))
}

// MessageType is the type of a Message.
//
// Every type is one nodes exchange: Ready hands out messages of these types
// and Step accepts them. The inputs etcd-raft steps as local messages are
// RawNode methods here: MsgHup is Campaign (or Fire(ElectionTimer)), MsgBeat
// Fire(HeartbeatTimer), MsgProp Propose, MsgCheckQuorum
// Fire(CheckQuorumTimer), and Tick fires the timers when they are due. The
// node never steps those as messages, so they have no type here: nothing a
// driver (an application, a conformance harness) carries between nodes or
// finds in a trace is local-only, and Step refuses any other value as an
// unknown type.
type MessageType uint8

// Message types.
const (
	// MsgApp carries entries (possibly none) anchored after Index/LogTerm,
	// and the leader's commit index.
	MsgApp MessageType = iota + 1
	// MsgAppResp acknowledges (Index: last index appended) or rejects
	// (Index: the rejected anchor, RejectHint/LogTerm: a guess of where the
	// logs agree) an append.
	MsgAppResp
	// MsgVote asks for a vote at Term, with the candidate's last Index and
	// LogTerm.
	MsgVote
	// MsgVoteResp grants or rejects (Reject) a vote.
	MsgVoteResp
	// MsgPreVote asks whether the receiver would vote at Term (the sender's
	// term + 1) without anyone changing state.
	MsgPreVote
	// MsgPreVoteResp grants (echoing the request term) or rejects (with the
	// voter's term) a pre-vote.
	MsgPreVoteResp
	// MsgHeartbeat tells a follower the leader is alive, with a commit index
	// bounded by what the follower is known to hold.
	MsgHeartbeat
	// MsgHeartbeatResp answers a heartbeat.
	MsgHeartbeatResp
	// MsgSnap carries a leader's Snapshot to a follower whose next entry
	// the leader has compacted away; the follower answers with a MsgAppResp
	// (an ack of the snapshot's index if it restored from it, of its commit
	// index otherwise).
	MsgSnap
)

var msgTypeNames = map[MessageType]string{
	MsgApp: "MsgApp", MsgAppResp: "MsgAppResp", MsgVote: "MsgVote", MsgVoteResp: "MsgVoteResp",
	MsgPreVote: "MsgPreVote", MsgPreVoteResp: "MsgPreVoteResp", MsgHeartbeat: "MsgHeartbeat",
	MsgHeartbeatResp: "MsgHeartbeatResp", MsgSnap: "MsgSnap",
}

func (t MessageType) String() string {
	if s, ok := msgTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

func (t MessageType) valid() bool { return t >= MsgApp && t <= MsgSnap }

// Entry is a log entry. An entry with no Data is a leader's empty entry,
// appended when it takes office.
type Entry struct {
	Term  uint64
	Index uint64
	Data  []byte
}

func (e Entry) String() string {
	if len(e.Data) == 0 {
		return fmt.Sprintf("%d/%d:-", e.Index, e.Term)
	}
	return fmt.Sprintf("%d/%d:%q", e.Index, e.Term, e.Data)
}

// Message is what nodes exchange. Which fields are meaningful depends on
// Type (see the MessageType constants).
type Message struct {
	Type       MessageType
	From       uint64
	To         uint64
	Term       uint64
	LogTerm    uint64
	Index      uint64
	Entries    []Entry
	Commit     uint64
	Reject     bool
	RejectHint uint64
	// Snapshot is the snapshot a MsgSnap carries (nil on other types).
	Snapshot *Snapshot
}

func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %d->%d term=%d", m.Type, m.From, m.To, m.Term)
	switch m.Type {
	case MsgVote, MsgPreVote:
		fmt.Fprintf(&b, " last=%d/%d", m.Index, m.LogTerm)
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			b.WriteString(" reject")
		} else {
			b.WriteString(" grant")
		}
	case MsgApp:
		fmt.Fprintf(&b, " prev=%d/%d entries=%v commit=%d", m.Index, m.LogTerm, m.Entries, m.Commit)
	case MsgAppResp:
		if m.Reject {
			fmt.Fprintf(&b, " reject index=%d hint=%d/%d", m.Index, m.RejectHint, m.LogTerm)
		} else {
			fmt.Fprintf(&b, " ack index=%d", m.Index)
		}
	case MsgHeartbeat:
		fmt.Fprintf(&b, " commit=%d", m.Commit)
	case MsgSnap:
		if m.Snapshot != nil {
			fmt.Fprintf(&b, " %v", *m.Snapshot)
		}
	}
	return b.String()
}

// HardState is what a node must persist before the messages of the same
// Ready leave: its term, its vote in that term, and its commit index.
type HardState struct {
	Term   uint64
	Vote   uint64
	Commit uint64
}

// IsEmpty reports whether hs is the zero HardState.
func (hs HardState) IsEmpty() bool { return hs == HardState{} }

// SoftState is volatile state worth reporting: the known leader and the
// node's role.
type SoftState struct {
	Lead uint64
	Role StateRole
}
