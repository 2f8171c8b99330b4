// Package spec states the properties of tla/Raft.tla in Go, under the same
// names, as functions over a View: the abstract state that both the model
// (model/) and projections of the implementation (raft/) map into.
//
// A View mirrors the variables of the TLA+ spec one to one. Servers are
// numbered 1..N (the TLA+ model values s1..sN); 0 stands for Nil.
package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Role is a server's role (the TLA+ variable state).
type Role uint8

// The roles, in the order of tla/Raft.tla.
const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

var roleNames = [...]string{"Follower", "PreCandidate", "Candidate", "Leader"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ParseRole returns the role named as in the TLA+ spec.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if n == s {
			return Role(i), nil
		}
	}
	return 0, fmt.Errorf("unknown role %q", s)
}

// Mode is the replication mode of a leader's progress for one follower.
type Mode uint8

// The modes: Probe sends one append at a time, Replicate pipelines,
// Snapshot waits for the follower to install the snapshot it was sent.
const (
	Probe Mode = iota
	Replicate
	Snapshot
)

func (m Mode) String() string {
	switch m {
	case Probe:
		return "Probe"
	case Replicate:
		return "Replicate"
	case Snapshot:
		return "Snapshot"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// MsgType is the type of a message, named as in the TLA+ spec.
type MsgType uint8

// The message types (etcd: MsgPreVote, MsgPreVoteResp, MsgVote, MsgVoteResp,
// MsgApp, MsgAppResp, MsgHeartbeat, MsgHeartbeatResp).
const (
	PreVoteRequest MsgType = iota
	PreVoteResponse
	VoteRequest
	VoteResponse
	AppendEntriesRequest
	AppendEntriesResponse
	HeartbeatRequest
	HeartbeatResponse
	SnapshotRequest
)

var msgTypeNames = [...]string{
	"PreVoteRequest", "PreVoteResponse", "VoteRequest", "VoteResponse",
	"AppendEntriesRequest", "AppendEntriesResponse", "HeartbeatRequest", "HeartbeatResponse",
	"SnapshotRequest",
}

func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) {
		return msgTypeNames[t]
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// ParseMsgType returns the message type named as in the TLA+ spec.
func ParseMsgType(s string) (MsgType, error) {
	for i, n := range msgTypeNames {
		if n == s {
			return MsgType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown message type %q", s)
}

// Entry is a log entry: its term and the client value it carries. Value ""
// is Nil, the payload of a leader's empty entry.
type Entry struct {
	Term  uint64
	Value string
}

func (e Entry) String() string {
	if e.Value == "" {
		return fmt.Sprintf("%d:-", e.Term)
	}
	return fmt.Sprintf("%d:%s", e.Term, e.Value)
}

// Message is one message of the spec. Only the fields of its type are set;
// the others are zero, so two messages are equal exactly when the TLA+
// records are.
type Message struct {
	Type MsgType
	From int // msource
	To   int // mdest
	Term uint64
	// PreVoteRequest, VoteRequest.
	LastLogTerm  uint64
	LastLogIndex uint64
	// Every response but HeartbeatResponse.
	Reject bool
	// AppendEntriesRequest (and Commit for HeartbeatRequest).
	PrevLogIndex uint64
	PrevLogTerm  uint64
	Entries      []Entry
	Commit       uint64
	// AppendEntriesResponse.
	Index      uint64
	RejectHint uint64
	LogTerm    uint64
	// SnapshotRequest: the index and term of the snapshot's last entry
	// (msnapshotIndex, msnapshotTerm).
	SnapshotIndex uint64
	SnapshotTerm  uint64
}

func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d->%d t%d", m.Type, m.From, m.To, m.Term)
	switch m.Type {
	case PreVoteRequest, VoteRequest:
		fmt.Fprintf(&b, " last=%d/%d", m.LastLogIndex, m.LastLogTerm)
	case PreVoteResponse, VoteResponse:
		if m.Reject {
			b.WriteString(" reject")
		} else {
			b.WriteString(" grant")
		}
	case AppendEntriesRequest:
		fmt.Fprintf(&b, " prev=%d/%d ents=%v commit=%d", m.PrevLogIndex, m.PrevLogTerm, m.Entries, m.Commit)
	case AppendEntriesResponse:
		if m.Reject {
			fmt.Fprintf(&b, " reject index=%d hint=%d/%d", m.Index, m.RejectHint, m.LogTerm)
		} else {
			fmt.Fprintf(&b, " ack index=%d", m.Index)
		}
	case HeartbeatRequest:
		fmt.Fprintf(&b, " commit=%d", m.Commit)
	case SnapshotRequest:
		fmt.Fprintf(&b, " snapshot=%d/%d", m.SnapshotIndex, m.SnapshotTerm)
	}
	return b.String()
}

// Compare orders messages (any fixed total order consistent with equality).
func (m Message) Compare(o Message) int {
	if c := cmpU(uint64(m.Type), uint64(o.Type)); c != 0 {
		return c
	}
	for _, p := range [][2]uint64{
		{uint64(m.From), uint64(o.From)}, {uint64(m.To), uint64(o.To)}, {m.Term, o.Term},
		{m.LastLogTerm, o.LastLogTerm}, {m.LastLogIndex, o.LastLogIndex},
		{b2u(m.Reject), b2u(o.Reject)}, {m.PrevLogIndex, o.PrevLogIndex}, {m.PrevLogTerm, o.PrevLogTerm},
		{m.Commit, o.Commit}, {m.Index, o.Index}, {m.RejectHint, o.RejectHint}, {m.LogTerm, o.LogTerm},
		{m.SnapshotIndex, o.SnapshotIndex}, {m.SnapshotTerm, o.SnapshotTerm},
	} {
		if c := cmpU(p[0], p[1]); c != 0 {
			return c
		}
	}
	return slices.CompareFunc(m.Entries, o.Entries, func(a, b Entry) int {
		if c := cmpU(a.Term, b.Term); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// Equal reports whether two messages are the same message.
func (m Message) Equal(o Message) bool { return m.Compare(o) == 0 }

// Bagged is one distinct message in flight and its number of copies.
type Bagged struct {
	Msg    Message
	Copies int
}

// Progress is a leader's view of one follower (the record progress[i][j]).
type Progress struct {
	Next   uint64
	Match  uint64
	Mode   Mode
	Paused bool
	// SentCommit is the highest commit index sent to the follower
	// (Raft.tla's sentCommit, etcd's Progress.sentCommit).
	SentCommit uint64
}

// NoProgress is the progress of every follower at a server that is not a
// leader, and a leader's progress for itself.
var NoProgress = Progress{}

// Server is one server's variables.
type Server struct {
	Term   uint64 // currentTerm
	Vote   int    // votedFor (0: Nil)
	Log    []Entry
	Commit uint64 // commitIndex
	Role   Role   // state
	Leader int    // leader (0: Nil)
	Lease  bool
	// Granted and Rejected are votesGranted and votesRejected.
	Granted  Set
	Rejected Set
	// Progress[j-1] is progress[i][j].
	Progress []Progress
	// RecentActive is recentActive.
	RecentActive Set
	// SnapshotIndex and SnapshotTerm are snapshotIndex and snapshotTerm: Log
	// holds the entries after SnapshotIndex (Log[k-1] is entry
	// SnapshotIndex+k); both 0 when nothing was compacted.
	SnapshotIndex uint64
	SnapshotTerm  uint64
}

// LastIndex is the index of the server's last entry (Raft.tla's LastIdx).
func (s *Server) LastIndex() uint64 { return s.SnapshotIndex + uint64(len(s.Log)) }

// Holds reports whether the server holds entry k (not compacted, not past
// the end): Raft.tla's Holds.
func (s *Server) Holds(k uint64) bool { return s.SnapshotIndex < k && k <= s.LastIndex() }

// EntryAt is the entry at index k, which the server must hold (Raft.tla's
// EntryAt).
func (s *Server) EntryAt(k uint64) Entry { return s.Log[k-s.SnapshotIndex-1] }

// KnownTerm is the term the server knows at index k: its snapshot's term at
// the snapshot index, the entry's term where it holds one, else 0
// (Raft.tla's KnownTerm, and TermOf of a server record).
func (s *Server) KnownTerm(k uint64) uint64 {
	switch {
	case k == s.SnapshotIndex:
		return s.SnapshotTerm
	case s.Holds(k):
		return s.EntryAt(k).Term
	}
	return 0
}

// LastTerm is the term of the server's last entry (its snapshot's if its
// log is empty; 0 if it has neither).
func (s *Server) LastTerm() uint64 { return s.KnownTerm(s.LastIndex()) }

// TermAt is the term of entry k of log (1-based), 0 for 0 or past the end.
func TermAt(log []Entry, k uint64) uint64 {
	if k == 0 || k > uint64(len(log)) {
		return 0
	}
	return log[k-1].Term
}

// Link is a directed network link.
type Link struct{ From, To int }

// View is the abstract state: the variables of tla/Raft.tla.
type View struct {
	// Servers[i-1] is server i.
	Servers []Server
	// Messages is the bag of messages in flight, one Bagged per distinct
	// message, in Message.Compare order.
	Messages []Bagged
	// Cut is the set of directed links that are down, sorted.
	Cut []Link
}

// N is the number of servers.
func (v *View) N() int { return len(v.Servers) }

// Server returns server i (1-based).
func (v *View) Server(i int) *Server { return &v.Servers[i-1] }

// Copies is the number of copies of m in flight.
func (v *View) Copies(m Message) int {
	for _, b := range v.Messages {
		if b.Msg.Equal(m) {
			return b.Copies
		}
	}
	return 0
}

// IsCut reports whether the link from i to j is cut.
func (v *View) IsCut(from, to int) bool {
	return slices.Contains(v.Cut, Link{from, to})
}

// Isolated reports whether no other server can reach i.
func (v *View) Isolated(i int) bool {
	for j := 1; j <= v.N(); j++ {
		if j != i && !v.IsCut(j, i) {
			return false
		}
	}
	return true
}

// NewBag builds a canonical bag from a list of messages (duplicates are
// copies).
func NewBag(msgs []Message) []Bagged {
	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, Message.Compare)
	var bag []Bagged
	for _, m := range sorted {
		if n := len(bag); n > 0 && bag[n-1].Msg.Equal(m) {
			bag[n-1].Copies++
			continue
		}
		bag = append(bag, Bagged{Msg: m, Copies: 1})
	}
	return bag
}

// SortLinks puts a cut set in canonical order.
func SortLinks(l []Link) {
	slices.SortFunc(l, func(a, b Link) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})
}

// Clone returns a deep copy of v.
func (v *View) Clone() *View {
	c := &View{Servers: make([]Server, len(v.Servers)), Cut: slices.Clone(v.Cut)}
	for i, s := range v.Servers {
		s.Log = slices.Clone(s.Log)
		s.Progress = slices.Clone(s.Progress)
		c.Servers[i] = s
	}
	c.Messages = make([]Bagged, len(v.Messages))
	for i, b := range v.Messages {
		b.Msg.Entries = slices.Clone(b.Msg.Entries)
		c.Messages[i] = b
	}
	return c
}

// Set is a set of servers 1..63 as a bit set.
type Set uint64

// Has reports whether i is in the set.
func (s Set) Has(i int) bool { return s&(1<<uint(i)) != 0 }

// Add returns the set with i added.
func (s Set) Add(i int) Set { return s | 1<<uint(i) }

// Len is the number of servers in the set.
func (s Set) Len() int {
	n := 0
	for x := s; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// Members lists the servers of the set in increasing order.
func (s Set) Members() []int {
	var out []int
	for i := 1; i < 64; i++ {
		if s.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

func (s Set) String() string {
	parts := make([]string, 0, s.Len())
	for _, i := range s.Members() {
		parts = append(parts, fmt.Sprint(i))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// QuorumSize is the size of a majority of n servers.
func QuorumSize(n int) int { return n/2 + 1 }

// IsQuorum reports whether s is a majority of n servers.
func IsQuorum(s Set, n int) bool { return s.Len() >= QuorumSize(n) }

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Equal reports whether two views are the same abstract state (a fast
// check; use go-cmp to see how two views differ).
func Equal(a, b *View) bool {
	if len(a.Servers) != len(b.Servers) || len(a.Messages) != len(b.Messages) || !slices.Equal(a.Cut, b.Cut) {
		return false
	}
	for i := range a.Servers {
		x, y := &a.Servers[i], &b.Servers[i]
		if x.Term != y.Term || x.Vote != y.Vote || x.Commit != y.Commit || x.Role != y.Role ||
			x.Leader != y.Leader || x.Lease != y.Lease || x.Granted != y.Granted ||
			x.Rejected != y.Rejected || x.RecentActive != y.RecentActive ||
			x.SnapshotIndex != y.SnapshotIndex || x.SnapshotTerm != y.SnapshotTerm ||
			!slices.Equal(x.Log, y.Log) || !slices.Equal(x.Progress, y.Progress) {
			return false
		}
	}
	for i := range a.Messages {
		if a.Messages[i].Copies != b.Messages[i].Copies || !a.Messages[i].Msg.Equal(b.Messages[i].Msg) {
			return false
		}
	}
	return true
}
