package raft

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/checkedraft/checkedraft/internal/bugs"
)

// Rand is the source of randomness for election timeouts. Inject one (or a
// Seed) so that a run replays exactly.
type Rand interface {
	// IntN returns a number in [0, n).
	IntN(n int) int
}

// Config configures a node.
type Config struct {
	// ID is this node's ID, not zero.
	ID uint64
	// Peers lists every voter of the cluster, this node included. The
	// membership is static.
	Peers []uint64
	// ElectionTick is the election timeout in ticks: a follower that hears
	// nothing from a leader for a randomized timeout in
	// [ElectionTick, 2*ElectionTick) starts an election; with CheckQuorum,
	// a follower's lease lasts ElectionTick ticks after it last heard from
	// its leader, and a leader checks its quorum every ElectionTick ticks.
	ElectionTick int
	// HeartbeatTick is the leader's heartbeat interval in ticks; it must be
	// smaller than ElectionTick.
	HeartbeatTick int
	// Storage holds the node's durable state. A node restarts from its
	// Storage alone.
	Storage Storage
	// Applied is the index up to which the application has applied entries
	// before a restart; entries after it are handed out again to apply.
	Applied uint64

	// PreVote enables the pre-election of Raft thesis 9.6, as etcd does it:
	// a node whose election timer fires first asks for votes at Term+1
	// without touching its term or vote, and only starts a real election
	// when a quorum would vote for it.
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// quorum for an election timeout, and makes a follower that heard from
	// its leader within the election timeout ignore higher-term vote and
	// pre-vote requests (the lease).
	CheckQuorum bool
	// ThesisPreVote additionally makes a follower that heard from its
	// leader within the election timeout reject pre-vote requests even
	// without CheckQuorum, as the pre-vote of Raft thesis 9.6 does (etcd's
	// pre-vote only checks the log and the term). It is not part of the
	// TLA+ model in tla/.
	ThesisPreVote bool

	// ReadOnlyOption chooses how a leader confirms reads (ReadIndex):
	// ReadOnlySafe, the default, by a quorum of heartbeat
	// acknowledgements; ReadOnlyLeaseBased by the CheckQuorum lease, which
	// it requires. ForgetLeader is refused under ReadOnlyLeaseBased, as etcd
	// does: a lease-based read relies on followers keeping their leader.
	ReadOnlyOption ReadOnlyOption

	// MaxEntriesPerMsg bounds the number of entries in one append (0: no
	// bound). With a bound, a replicating follower gets several appends in
	// flight (pipelining).
	MaxEntriesPerMsg int

	// Seed seeds the election timeout randomness when Rand is nil. Nodes
	// with the same Seed still draw different timeouts (the ID is mixed in).
	Seed uint64
	// Rand, when set, is used instead of a generator seeded from Seed.
	Rand Rand

	// Tracer, when set, receives an event at every step the TLA+ spec can
	// see. It costs nothing when nil.
	Tracer Tracer
}

// validate checks the configuration and returns a copy of Peers, sorted.
func (c *Config) validate() ([]uint64, error) {
	if c == nil {
		return nil, errors.New("raft: config is nil")
	}
	if c.ID == None {
		return nil, errors.New("raft: config: ID must not be zero")
	}
	peers := slices.Clone(c.Peers)
	slices.Sort(peers)
	for i, p := range peers {
		if p == None {
			return nil, fmt.Errorf("raft: config: peer ID at position %d is zero", i)
		}
		if i > 0 && peers[i-1] == p {
			return nil, fmt.Errorf("raft: config: peer %d is listed twice", p)
		}
	}
	if !slices.Contains(peers, c.ID) {
		return nil, fmt.Errorf("raft: config: peers %v do not contain the node's own ID %d", c.Peers, c.ID)
	}
	if c.HeartbeatTick < 1 {
		return nil, fmt.Errorf("raft: config: HeartbeatTick is %d, must be at least 1", c.HeartbeatTick)
	}
	if c.ElectionTick <= c.HeartbeatTick {
		return nil, fmt.Errorf("raft: config: ElectionTick (%d) must be greater than HeartbeatTick (%d)", c.ElectionTick, c.HeartbeatTick)
	}
	switch c.ReadOnlyOption {
	case ReadOnlySafe:
	case ReadOnlyLeaseBased:
		if !c.CheckQuorum && !bugs.On(bugs.LeaseReadWithoutCheckQuorum) {
			return nil, errors.New("raft: config: ReadOnlyOption ReadOnlyLeaseBased requires CheckQuorum")
		}
	default:
		return nil, fmt.Errorf("raft: config: unknown ReadOnlyOption %d", uint8(c.ReadOnlyOption))
	}
	if c.Storage == nil {
		return nil, errors.New("raft: config: Storage is nil")
	}
	if c.MaxEntriesPerMsg < 0 {
		return nil, fmt.Errorf("raft: config: MaxEntriesPerMsg is %d, must not be negative", c.MaxEntriesPerMsg)
	}
	return peers, nil
}

func (c *Config) rand() Rand {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.New(rand.NewPCG(c.Seed, c.ID))
}
