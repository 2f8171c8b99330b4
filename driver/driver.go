// Package driver is a library-neutral harness for Raft implementations:
// one interface (Driver) says what the harness needs from a library, in the
// vocabulary of the TLA+ spec (package spec), so that any two libraries can
// be run in lockstep on the same random schedules and compared after every
// action (Lockstep, Check, Find), and any one library can be projected onto
// spec.View and held to the spec's properties.
//
// A library plugs in with a Library value: a name and a Start function that
// starts one node from a Config and a Storage. Storage is the harness's own,
// library-neutral, durable state: the harness writes to it what Ready hands
// out (HandleReady does so in the documented order: persist, send, apply,
// advance), and a restart is a new Start from the same Storage. The adapter
// for raft/ is Native; the etcd adapters live in the conformance module,
// which alone depends on go.etcd.io/raft.
//
// Structural differences between libraries that carry no meaning (the order
// of messages within one action, when a candidate's own vote is counted) are
// normalised in one place, the registry Normalisations, each with its
// reason.
package driver

import (
	"errors"
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// Config is what a node is started with. Nodes are numbered 1..N and every
// node is a voter; the membership is static.
type Config struct {
	// ID is the node's number, in 1..N.
	ID int
	// N is the number of nodes.
	N int
	// PreVote and CheckQuorum are the two options of the spec.
	PreVote     bool
	CheckQuorum bool
	// ElectionTick and HeartbeatTick are the election and heartbeat
	// timeouts in ticks (HeartbeatTick < ElectionTick).
	ElectionTick  int
	HeartbeatTick int
	// MaxEntriesPerMsg bounds the entries of one append: 0 for no bound,
	// 1 for one entry per append (a replicating follower then gets several
	// appends in flight). An adapter that cannot impose a bound refuses it.
	MaxEntriesPerMsg int
	// ElectionTimeout is the node's randomized election timeout, in
	// [ElectionTick, 2*ElectionTick): the harness chooses it, and the
	// adapter makes the library use it at every draw, so that two libraries
	// time out at the same tick.
	ElectionTimeout int
	// ReadOnlyLeaseBased confirms reads by the CheckQuorum lease instead
	// of a heartbeat round (etcd's ReadOnlyLeaseBased; needs CheckQuorum).
	ReadOnlyLeaseBased bool
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	switch {
	case c.N < 1:
		return fmt.Errorf("driver: config: N is %d, must be at least 1", c.N)
	case c.ID < 1 || c.ID > c.N:
		return fmt.Errorf("driver: config: ID %d is outside 1..%d", c.ID, c.N)
	case c.HeartbeatTick < 1:
		return fmt.Errorf("driver: config: HeartbeatTick is %d, must be at least 1", c.HeartbeatTick)
	case c.ElectionTick <= c.HeartbeatTick:
		return fmt.Errorf("driver: config: ElectionTick (%d) must be greater than HeartbeatTick (%d)", c.ElectionTick, c.HeartbeatTick)
	case c.MaxEntriesPerMsg < 0:
		return fmt.Errorf("driver: config: MaxEntriesPerMsg is %d, must not be negative", c.MaxEntriesPerMsg)
	case c.ReadOnlyLeaseBased && !c.CheckQuorum:
		return errors.New("driver: config: ReadOnlyLeaseBased needs CheckQuorum")
	case c.ElectionTimeout < c.ElectionTick || c.ElectionTimeout >= 2*c.ElectionTick:
		return fmt.Errorf("driver: config: ElectionTimeout %d is outside [%d, %d)", c.ElectionTimeout, c.ElectionTick, 2*c.ElectionTick)
	}
	return nil
}

// Peers lists the node numbers 1..N.
func (c Config) Peers() []int {
	p := make([]int, c.N)
	for i := range p {
		p[i] = i + 1
	}
	return p
}

// HardState is what a node persists besides its log: its term, its vote in
// that term (0: none) and its commit index.
type HardState struct {
	Term   uint64
	Vote   int
	Commit uint64
}

// Storage is a node's durable state, kept by the harness: what it persisted
// from Ready, and how far the application applied. An adapter reads it in
// Start only; a restart is a new Start from the same Storage.
type Storage struct {
	HardState HardState
	// SnapshotIndex and SnapshotTerm are where the log starts: the last
	// entry a snapshot covers (0, 0 without one).
	SnapshotIndex, SnapshotTerm uint64
	// Log[k-1] is entry SnapshotIndex+k.
	Log []spec.Entry
	// Applied is the index up to which the application applied committed
	// entries.
	Applied uint64
}

// Clone returns a deep copy of s.
func (s *Storage) Clone() *Storage {
	c := *s
	c.Log = slices.Clone(s.Log)
	return &c
}

// Append persists entries whose first has index first: it may overwrite
// stored entries from first on (dropping every later one), or follow the
// last one.
func (s *Storage) Append(first uint64, ents []spec.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	last := s.SnapshotIndex + uint64(len(s.Log))
	if first < 1 || first > last+1 {
		return fmt.Errorf("driver: storage: append at index %d leaves a gap after the last index %d", first, last)
	}
	if first <= s.SnapshotIndex {
		// What the snapshot covers is kept there.
		skip := s.SnapshotIndex + 1 - first
		if skip >= uint64(len(ents)) {
			return nil
		}
		first, ents = s.SnapshotIndex+1, ents[skip:]
	}
	s.Log = append(s.Log[:first-1-s.SnapshotIndex], ents...)
	return nil
}

// Compact drops the entries up to i, which must be applied and beyond the
// snapshot: the log starts after i.
func (s *Storage) Compact(i uint64) error {
	if i <= s.SnapshotIndex || i > s.Applied {
		return fmt.Errorf("driver: storage: compaction to %d outside (%d, %d] (snapshot, applied)", i, s.SnapshotIndex, s.Applied)
	}
	s.SnapshotTerm = s.Log[i-s.SnapshotIndex-1].Term
	s.Log = slices.Clone(s.Log[i-s.SnapshotIndex:])
	s.SnapshotIndex = i
	return nil
}

// SnapshotMeta locates a snapshot: the index and term of the last entry it
// covers.
type SnapshotMeta struct{ Index, Term uint64 }

// Ready is what a node hands out, in the library-neutral vocabulary: to be
// handled in the order persist (HardState, Entries), send (Messages), apply
// (Committed), then Advance.
type Ready struct {
	// Snapshot is a snapshot received from a leader, to persist before the
	// rest (the log then starts after it), nil if none.
	Snapshot *SnapshotMeta
	// HardState is the state to persist, nil if unchanged.
	HardState *HardState
	// Entries are to be persisted, the first at index First.
	First   uint64
	Entries []spec.Entry
	// Committed are committed entries to apply, the first at index
	// CommittedFirst.
	CommittedFirst uint64
	Committed      []spec.Entry
	// Messages are to be sent once the state above is durable. A message a
	// library sends to the node itself is not here: the adapter handles it.
	Messages []spec.Message
	// ReadStates are the reads the node answered (etcd's Ready.ReadStates):
	// read ID may be served once the node has applied up to Index.
	ReadStates []spec.ReadAnswer
}

// NodeState is a node projected onto the spec, with what the spec leaves
// out but the harness compares.
type NodeState struct {
	// Server is the node as the spec's variables see it (the projection of
	// properties.ProjectNode): a follower's lease and a leader's recently
	// active followers only with CheckQuorum, a leader's progress for its
	// followers only.
	Server spec.Server
	// Active is a leader's recently active followers, whatever CheckQuorum
	// (0 on other roles).
	Active spec.Set
	// Applied is the index up to which committed entries were handed out
	// to apply and acknowledged.
	Applied uint64
}

// Driver drives one node of a Raft library, single-threadedly. Every method
// but State may leave work in Ready; the harness calls HandleReady after
// each.
type Driver interface {
	// Tick advances the node's logical clock by one tick.
	Tick()
	// Campaign makes the node start an election now (a pre-election with
	// PreVote), as if its election timer had fired. A leader ignores it.
	Campaign() error
	// Propose proposes a client value (not empty). A node that is not the
	// leader returns an error and changes nothing (the harness does not
	// forward proposals).
	Propose(value string) error
	// TransferLeader asks a leader to hand its leadership to node to (not
	// itself); the harness asks leaders only. ForgetLeader makes a
	// follower forget its leader (nothing on other roles).
	TransferLeader(to int) error
	ForgetLeader() error
	// Step hands the node a message from another node.
	Step(m spec.Message) error
	// HasReady reports whether Ready has anything to hand out.
	HasReady() bool
	// Ready returns what the node has for the application.
	Ready() Ready
	// Advance acknowledges the last Ready: persisted, sent, applied.
	Advance()
	// State projects the node onto the spec. The harness reads it only
	// once every Ready has been handled.
	State() NodeState
}

// Reader is what a Driver implements if its library serves linearizable
// reads (etcd's RawNode.ReadIndex): ReadIndex asks the node for the read
// index of read id (a number from 1, which the adapter carries as the
// read's request context); the answer comes in a later Ready's ReadStates.
// A node that knows no leader returns an error.
type Reader interface {
	ReadIndex(id uint64) error
}

// Compactor is what a Driver implements if its library compacts logs
// (Setup.Compaction): Compact takes a snapshot at applied index i and drops
// the entries it covers from the node's storage, as an application does.
type Compactor interface {
	Compact(i uint64) error
}

// Library is a Raft implementation the harness can start nodes of.
type Library struct {
	// Name names the library in reports, e.g. "raft/" or "etcd v3.7.0".
	Name string
	// Start starts node cfg.ID from st: a fresh node if st is empty, a
	// restart otherwise. It must not keep st: the harness owns it.
	Start func(cfg Config, st *Storage) (Driver, error)
}

// ErrNotLeader is what a Driver's Propose returns (wrapped) on a node that
// is not the leader.
var ErrNotLeader = errors.New("driver: not the leader")

// HandleReady handles every Ready of d in the documented order: persist the
// HardState and entries to st, send the messages (send is called with all
// of one Ready's messages), record what was applied, then Advance; until d
// has nothing ready. It returns the messages sent, in order.
func HandleReady(d Driver, st *Storage, send func([]spec.Message)) ([]spec.Message, error) {
	var all []spec.Message
	for rounds := 0; d.HasReady(); rounds++ {
		if rounds > 1000 {
			return all, errors.New("driver: HandleReady: still ready after 1000 rounds")
		}
		rd := d.Ready()
		if s := rd.Snapshot; s != nil {
			if s.Index <= st.SnapshotIndex {
				return all, fmt.Errorf("driver: HandleReady: snapshot at %d, the storage holds one at %d", s.Index, st.SnapshotIndex)
			}
			st.SnapshotIndex, st.SnapshotTerm, st.Log = s.Index, s.Term, nil
			st.Applied = max(st.Applied, s.Index)
		}
		if rd.HardState != nil {
			st.HardState = *rd.HardState
		}
		if err := st.Append(rd.First, rd.Entries); err != nil {
			return all, err
		}
		if send != nil && len(rd.Messages) > 0 {
			send(rd.Messages)
		}
		all = append(all, rd.Messages...)
		if n := len(rd.Committed); n > 0 {
			if rd.CommittedFirst != st.Applied+1 {
				return all, fmt.Errorf("driver: HandleReady: committed entries from index %d after applying up to %d", rd.CommittedFirst, st.Applied)
			}
			st.Applied += uint64(n)
		}
		d.Advance()
	}
	return all, nil
}
