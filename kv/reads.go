package kv

import (
	"fmt"

	"github.com/checkedraft/checkedraft/raft"
)

// readStates decodes the reads raft confirmed in rd: each carries as its
// context the request it serves.
func (n *Node) readStates(rd raft.Ready) ([]pendingRead, error) {
	var out []pendingRead
	for _, rs := range rd.ReadStates {
		req, err := Decode(rs.RequestCtx)
		if err != nil {
			return nil, fmt.Errorf("node %d: read state at index %d: %w", n.RN.Status().ID, rs.Index, err)
		}
		out = append(out, pendingRead{index: rs.Index, req: req})
	}
	return out, nil
}

// readIndex asks raft to confirm a read of req, identified by the request
// itself (its client and sequence number).
func (n *Node) readIndex(req Request) error { return n.RN.ReadIndex(req.Encode()) }
