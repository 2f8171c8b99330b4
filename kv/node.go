package kv

import (
	"errors"
	"fmt"

	"github.com/checkedraft/checkedraft/raft"
)

// ReadMode says how a Node serves gets.
type ReadMode uint8

const (
	// ReadThroughLog proposes a get like any other request: it is answered
	// when its entry is applied.
	ReadThroughLog ReadMode = iota
	// ReadThroughIndex asks raft for a read index (RawNode.ReadIndex; safe
	// or lease-based as raft.Config.ReadOnlyOption says) and answers from
	// the local state once the node has applied up to that index.
	ReadThroughIndex
)

func (m ReadMode) String() string {
	switch m {
	case ReadThroughLog:
		return "log"
	case ReadThroughIndex:
		return "readindex"
	}
	return fmt.Sprintf("ReadMode(%d)", uint8(m))
}

// Response answers a request at the node that served it.
type Response struct {
	Req Request
	Res Result
	// Index is the entry that applied the request, or for a read through
	// ReadIndex the read index it was served at.
	Index uint64
	// Read: served through ReadIndex, not from the log.
	Read bool
	// Duplicate: the request's entry had been applied before (see
	// Applied.Duplicate).
	Duplicate bool
}

// Node is one replica: a raft node and the store it applies to. The
// application persists each Ready and sends its messages as raft asks,
// then calls Apply with it, then RawNode.Advance. A node restarted from
// its storage gets a new Node (and an empty Store): raft hands out every
// committed entry again.
type Node struct {
	RN    *raft.RawNode
	Store *Store
	Mode  ReadMode
	// waiting holds the reads confirmed at an index the node has not
	// applied yet, in the order raft confirmed them.
	waiting []pendingRead
}

type pendingRead struct {
	index uint64
	req   Request
}

// NewNode returns a replica over rn with an empty store.
func NewNode(rn *raft.RawNode, mode ReadMode) *Node {
	return &Node{RN: rn, Store: NewStore(), Mode: mode}
}

// ErrNotServed is wrapped by Submit's errors: the node cannot take the
// request now (it is not the leader, or knows none); the client tries
// again, here or elsewhere.
var ErrNotServed = errors.New("kv: request not served here")

// Submit hands a request to the node: a get through ReadIndex in that read
// mode, anything else as a proposal. The answer, if any, comes from a later
// Apply, at this node; it may never come (a lost message, a change of
// leader, a crash), and the client retries the same request.
func (n *Node) Submit(req Request) error {
	if req.Kind == Get && n.Mode == ReadThroughIndex {
		if err := n.readIndex(req); err != nil {
			return fmt.Errorf("%w: %v: %w", ErrNotServed, req, err)
		}
		return nil
	}
	if err := n.RN.Propose(req.Encode()); err != nil {
		return fmt.Errorf("%w: %v: %w", ErrNotServed, req, err)
	}
	return nil
}

// Apply applies a Ready's committed entries and read states (after its
// state is persisted and its messages sent) and returns the answers it
// produced: every request applied (a duplicate with its first result; a
// stale one answers nothing) and every read whose index is now applied.
func (n *Node) Apply(rd raft.Ready) ([]Response, error) {
	var out []Response
	for _, e := range rd.CommittedEntries {
		a, err := n.Store.Apply(e)
		if err != nil {
			return out, fmt.Errorf("node %d: %w", n.RN.Status().ID, err)
		}
		if a.Req.Client != 0 && !a.Stale {
			out = append(out, Response{Req: a.Req, Res: a.Res, Index: a.Index, Duplicate: a.Duplicate})
		}
	}
	reads, err := n.readStates(rd)
	if err != nil {
		return out, err
	}
	n.waiting = append(n.waiting, reads...)
	k := 0
	for _, w := range n.waiting {
		if w.index <= n.Store.AppliedIndex() {
			out = append(out, Response{Req: w.req, Res: n.Store.Read(w.req.Key), Index: w.index, Read: true})
			continue
		}
		n.waiting[k] = w
		k++
	}
	n.waiting = n.waiting[:k]
	return out, nil
}
