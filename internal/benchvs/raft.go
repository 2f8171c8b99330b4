package benchvs

import (
	"github.com/checkedraft/checkedraft/raft"
)

// Raft is raft/ as a side of the comparison.
var Raft = Library[raft.Message]{
	Name: "raft",
	New:  newRaftNode,
	To:   func(m raft.Message) uint64 { return m.To },
	App: func(from, to, term, prev, prevTerm, commit uint64, data []byte) raft.Message {
		return raft.Message{Type: raft.MsgApp, From: from, To: to, Term: term, Index: prev, LogTerm: prevTerm, Commit: commit,
			Entries: []raft.Entry{{Term: term, Index: prev + 1, Data: data}}}
	},
}

type raftNode struct {
	rn      *raft.RawNode
	st      *raft.MemoryStorage
	leader  bool
	commit  uint64
	applied int
}

func newRaftNode(id uint64, n int) (Node[raft.Message], error) {
	peers := make([]uint64, n)
	for i := range peers {
		peers[i] = uint64(i + 1)
	}
	st := raft.NewMemoryStorage()
	rn, err := raft.NewRawNode(&raft.Config{
		ID: id, Peers: peers, ElectionTick: ElectionTick, HeartbeatTick: HeartbeatTick,
		Storage: st, PreVote: true, CheckQuorum: true, Seed: id,
	})
	if err != nil {
		return nil, err
	}
	return &raftNode{rn: rn, st: st}, nil
}

func (n *raftNode) Campaign() error           { n.rn.Campaign(); return nil }
func (n *raftNode) Propose(data []byte) error { return n.rn.Propose(data) }
func (n *raftNode) Step(m raft.Message) error { return n.rn.Step(m) }
func (n *raftNode) Leader() bool              { return n.leader }
func (n *raftNode) Commit() uint64            { return n.commit }
func (n *raftNode) Applied() int              { return n.applied }

func (n *raftNode) HandleReady(out []raft.Message) ([]raft.Message, bool, error) {
	if !n.rn.HasReady() {
		return out, false, nil
	}
	rd := n.rn.Ready()
	if rd.SoftState != nil {
		n.leader = rd.SoftState.Role == raft.Leader
	}
	if !rd.HardState.IsEmpty() {
		if err := n.st.SetHardState(rd.HardState); err != nil {
			return out, true, err
		}
		n.commit = rd.HardState.Commit
	}
	if err := n.st.Append(rd.Entries); err != nil {
		return out, true, err
	}
	out = append(out, rd.Messages...)
	for _, e := range rd.CommittedEntries {
		if len(e.Data) > 0 {
			n.applied++
		}
	}
	n.rn.Advance()
	return out, true, nil
}
