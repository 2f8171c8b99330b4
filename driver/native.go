package driver

import (
	"errors"
	"fmt"

	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// Native is the adapter for this repository's raft/ package.
var Native = Library{Name: "raft/", Start: startNative}

// fixedRand makes raft/ draw the harness's election timeout: raft/ draws
// ElectionTick + IntN(ElectionTick) at every role change (raft.Config.Rand).
type fixedRand struct{ offset int }

func (f fixedRand) IntN(int) int { return f.offset }

type native struct {
	cfg Config
	rn  *raft.RawNode
	// ms is the node's own storage: raft/ reads the entries it handed out
	// back from it, so what a Ready hands out is written there too (the
	// harness's Storage is what a restart starts from).
	ms *raft.MemoryStorage
}

func startNative(cfg Config, st *Storage) (Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ms := raft.NewMemoryStorage()
	if err := ms.SetHardState(raft.HardState{Term: st.HardState.Term, Vote: uint64(st.HardState.Vote), Commit: st.HardState.Commit}); err != nil {
		return nil, err
	}
	if st.SnapshotIndex > 0 {
		snap := raft.Snapshot{Metadata: raft.SnapshotMetadata{Index: st.SnapshotIndex, Term: st.SnapshotTerm}}
		if err := ms.ApplySnapshot(snap); err != nil {
			return nil, err
		}
	}
	if err := ms.Append(RaftEntries(st.SnapshotIndex+1, st.Log)); err != nil {
		return nil, err
	}
	peers := make([]uint64, cfg.N)
	for i := range peers {
		peers[i] = uint64(i + 1)
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID: uint64(cfg.ID), Peers: peers, Storage: ms, Applied: st.Applied,
		ElectionTick: cfg.ElectionTick, HeartbeatTick: cfg.HeartbeatTick,
		PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum,
		MaxEntriesPerMsg: cfg.MaxEntriesPerMsg,
		ReadOnlyOption:   readOnly(cfg.ReadOnlyLeaseBased),
		Rand:             fixedRand{offset: cfg.ElectionTimeout - cfg.ElectionTick},
	})
	if err != nil {
		return nil, err
	}
	return &native{cfg: cfg, rn: rn, ms: ms}, nil
}

func (n *native) Tick() { n.rn.Tick() }

// Campaign cannot fail on raft/ (a leader ignores it); the interface keeps
// the error for libraries whose campaign can.
func (n *native) Campaign() error { n.rn.Campaign(); return nil }

func (n *native) TransferLeader(to int) error { return n.rn.TransferLeader(uint64(to)) }

func (n *native) ForgetLeader() error { return n.rn.ForgetLeader() }

// ReadIndex implements Reader; the context is the read's number in
// decimal (properties.ReadCtx), as the property runs write it.
func (n *native) ReadIndex(id uint64) error { return n.rn.ReadIndex(properties.ReadCtx(int(id))) }

func (n *native) HasReady() bool { return n.rn.HasReady() }
func (n *native) Advance()       { n.rn.Advance() }

func (n *native) Propose(value string) error {
	err := n.rn.Propose([]byte(value))
	if errors.Is(err, raft.ErrNotLeader) {
		return fmt.Errorf("%w: %v", ErrNotLeader, err)
	}
	return err
}

func (n *native) Step(m spec.Message) error {
	rm, err := RaftMessage(m)
	if err != nil {
		return err
	}
	return n.rn.Step(rm)
}

func (n *native) Ready() Ready {
	rd := n.rn.Ready()
	if err := n.persist(rd); err != nil {
		panic(fmt.Sprintf("driver: raft/ node %d: persisting its Ready: %v", n.cfg.ID, err))
	}
	out := Ready{Entries: properties.SpecEntries(rd.Entries), Committed: properties.SpecEntries(rd.CommittedEntries)}
	if !rd.HardState.IsEmpty() {
		out.HardState = &HardState{Term: rd.HardState.Term, Vote: int(rd.HardState.Vote), Commit: rd.HardState.Commit}
	}
	if !rd.Snapshot.IsEmpty() {
		out.Snapshot = &SnapshotMeta{Index: rd.Snapshot.Metadata.Index, Term: rd.Snapshot.Metadata.Term}
	}
	if len(rd.Entries) > 0 {
		out.First = rd.Entries[0].Index
	}
	if len(rd.CommittedEntries) > 0 {
		out.CommittedFirst = rd.CommittedEntries[0].Index
	}
	for _, m := range rd.Messages {
		out.Messages = append(out.Messages, properties.SpecMessage(m))
	}
	for _, rs := range rd.ReadStates {
		out.ReadStates = append(out.ReadStates, spec.ReadAnswer{ID: properties.ReadID(rs.RequestCtx), Index: rs.Index})
	}
	return out
}

func (n *native) State() NodeState {
	st := n.rn.Status()
	// The spec's variables are projected as the property runs project
	// them; Active is the recently active set whatever CheckQuorum.
	var active spec.Set
	if st.Role == raft.Leader {
		for j := 1; j <= n.cfg.N; j++ {
			if j != n.cfg.ID && st.Progress[uint64(j)].RecentActive {
				active = active.Add(j)
			}
		}
	}
	return NodeState{Server: properties.ProjectNode(n.rn, n.cfg.N, n.cfg.CheckQuorum), Active: active, Applied: st.Applied}
}

// persist writes what rd hands out to the node's own storage.
func (n *native) persist(rd raft.Ready) error {
	if !rd.Snapshot.IsEmpty() {
		if err := n.ms.ApplySnapshot(rd.Snapshot); err != nil {
			return err
		}
	}
	if !rd.HardState.IsEmpty() {
		if err := n.ms.SetHardState(rd.HardState); err != nil {
			return err
		}
	}
	return n.ms.Append(rd.Entries)
}

// Compact implements Compactor: a snapshot at i (no data: the harness
// keeps no state machine), then the entries it covers dropped.
func (n *native) Compact(i uint64) error {
	if _, err := n.ms.CreateSnapshot(i, nil); err != nil {
		return err
	}
	return n.ms.Compact(i)
}

// RaftMessage maps a spec message to raft/'s.
func RaftMessage(m spec.Message) (raft.Message, error) {
	rm := raft.Message{From: uint64(m.From), To: uint64(m.To), Term: m.Term}
	switch m.Type {
	case spec.PreVoteRequest, spec.VoteRequest:
		rm.Type = raft.MsgVote
		if m.Type == spec.PreVoteRequest {
			rm.Type = raft.MsgPreVote
		}
		rm.Index, rm.LogTerm, rm.Transfer = m.LastLogIndex, m.LastLogTerm, m.Transfer
	case spec.PreVoteResponse, spec.VoteResponse:
		rm.Type = raft.MsgVoteResp
		if m.Type == spec.PreVoteResponse {
			rm.Type = raft.MsgPreVoteResp
		}
		rm.Reject = m.Reject
	case spec.AppendEntriesRequest:
		rm.Type = raft.MsgApp
		rm.Index, rm.LogTerm, rm.Commit = m.PrevLogIndex, m.PrevLogTerm, m.Commit
		rm.Entries = RaftEntries(m.PrevLogIndex+1, m.Entries)
	case spec.AppendEntriesResponse:
		rm.Type = raft.MsgAppResp
		rm.Reject, rm.Index, rm.RejectHint, rm.LogTerm = m.Reject, m.Index, m.RejectHint, m.LogTerm
	case spec.HeartbeatRequest:
		rm.Type = raft.MsgHeartbeat
		rm.Commit, rm.Context = m.Commit, readCtx(m.Ctx)
	case spec.HeartbeatResponse:
		rm.Type = raft.MsgHeartbeatResp
		rm.Context = readCtx(m.Ctx)
	case spec.ReadIndexRequest:
		rm.Type = raft.MsgReadIndex
		rm.Context = readCtx(m.Ctx)
	case spec.ReadIndexResponse:
		rm.Type = raft.MsgReadIndexResp
		rm.Index, rm.Context = m.Index, readCtx(m.Ctx)
	case spec.SnapshotRequest:
		rm.Type = raft.MsgSnap
		rm.Snapshot = &raft.Snapshot{Metadata: raft.SnapshotMetadata{Index: m.SnapshotIndex, Term: m.SnapshotTerm}}
	case spec.TimeoutNowRequest:
		rm.Type = raft.MsgTimeoutNow
	default:
		return rm, fmt.Errorf("driver: message %v: unknown type", m)
	}
	return rm, nil
}

// RaftEntries maps spec entries to raft/'s, the first at index first.
func RaftEntries(first uint64, ents []spec.Entry) []raft.Entry {
	if len(ents) == 0 {
		return nil
	}
	out := make([]raft.Entry, len(ents))
	for i, e := range ents {
		out[i] = raft.Entry{Term: e.Term, Index: first + uint64(i)}
		if e.Value != "" {
			out[i].Data = []byte(e.Value)
		}
	}
	return out
}

// readCtx is the context of read id (nil for 0: no read).
func readCtx(id uint64) []byte {
	if id == 0 {
		return nil
	}
	return properties.ReadCtx(int(id))
}

func readOnly(leaseBased bool) raft.ReadOnlyOption {
	if leaseBased {
		return raft.ReadOnlyLeaseBased
	}
	return raft.ReadOnlySafe
}
