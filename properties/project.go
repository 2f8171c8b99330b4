package properties

import (
	"slices"
	"strconv"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// SpecMessage maps a raft message to the spec's message record (only the
// fields of its type are kept).
func SpecMessage(m raft.Message) spec.Message {
	sm := spec.Message{From: int(m.From), To: int(m.To), Term: m.Term}
	switch m.Type {
	case raft.MsgPreVote, raft.MsgVote:
		sm.Type = spec.VoteRequest
		if m.Type == raft.MsgPreVote {
			sm.Type = spec.PreVoteRequest
		}
		sm.LastLogIndex, sm.LastLogTerm, sm.Transfer = m.Index, m.LogTerm, m.Transfer
	case raft.MsgPreVoteResp, raft.MsgVoteResp:
		sm.Type = spec.VoteResponse
		if m.Type == raft.MsgPreVoteResp {
			sm.Type = spec.PreVoteResponse
		}
		sm.Reject = m.Reject
	case raft.MsgApp:
		sm.Type = spec.AppendEntriesRequest
		sm.PrevLogIndex, sm.PrevLogTerm, sm.Commit = m.Index, m.LogTerm, m.Commit
		sm.Entries = SpecEntries(m.Entries)
	case raft.MsgAppResp:
		sm.Type = spec.AppendEntriesResponse
		sm.Reject, sm.Index, sm.RejectHint, sm.LogTerm = m.Reject, m.Index, m.RejectHint, m.LogTerm
	case raft.MsgHeartbeat:
		sm.Type = spec.HeartbeatRequest
		sm.Commit = m.Commit
		sm.Ctx = ReadID(m.Context)
	case raft.MsgHeartbeatResp:
		sm.Type = spec.HeartbeatResponse
		sm.Ctx = ReadID(m.Context)
	case raft.MsgSnap:
		sm.Type = spec.SnapshotRequest
		if m.Snapshot != nil {
			sm.SnapshotIndex, sm.SnapshotTerm = m.Snapshot.Metadata.Index, m.Snapshot.Metadata.Term
		}
	case raft.MsgTimeoutNow:
		sm.Type = spec.TimeoutNowRequest
	case raft.MsgReadIndex:
		sm.Type = spec.ReadIndexRequest
		sm.Ctx = ReadID(m.Context)
	case raft.MsgReadIndexResp:
		sm.Type = spec.ReadIndexResponse
		sm.Index, sm.Ctx = m.Index, ReadID(m.Context)
	default:
		panic("properties: no spec message for " + m.Type.String())
	}
	return sm
}

// SpecEntries maps log entries to the spec's [term, value] records; an
// entry without data is the leader's empty entry (value Nil, "").
func SpecEntries(ents []raft.Entry) []spec.Entry {
	if len(ents) == 0 {
		return nil
	}
	out := make([]spec.Entry, len(ents))
	for i, e := range ents {
		out[i] = spec.Entry{Term: e.Term, Value: string(e.Data)}
	}
	return out
}

// ReadCtx is the context property runs give read id (the spec names a read
// by its number, 1, 2, ...).
func ReadCtx(id int) []byte { return []byte(strconv.Itoa(id)) }

// ReadID is the number of the read whose context is ctx (ReadCtx), 0 for
// none or a context that is no read number.
func ReadID(ctx []byte) uint64 {
	id, err := strconv.ParseUint(string(ctx), 10, 8)
	if err != nil {
		return 0
	}
	return id
}

// specReads maps a node's reads to the spec's records: a read requested at
// the node itself (From None) is from the node.
func specReads(id uint64, rs []raft.ReadRequest) []spec.ReadRequest {
	var out []spec.ReadRequest
	for _, r := range rs {
		from := r.From
		if from == raft.None {
			from = id
		}
		out = append(out, spec.ReadRequest{ID: ReadID(r.Ctx), From: int(from), Index: r.Index, Acks: setOf(r.Acks)})
	}
	return out
}

func setOf(ids []uint64) spec.Set {
	var s spec.Set
	for _, id := range ids {
		s = s.Add(int(id))
	}
	return s
}

// ProjectNode maps one node to the spec's per-server variables. Only what
// the spec keeps is projected: a follower's lease and a leader's recently
// active followers only with CheckQuorum, a leader's progress for its
// followers only (NoProgress for itself and on other roles).
func ProjectNode(rn *raft.RawNode, n int, checkQuorum bool) spec.Server {
	st := rn.Status()
	return ProjectState(st.ID, raft.NodeState{
		Term: st.Term, Vote: st.Vote, Role: st.Role, Lead: st.Lead, Lease: st.Lease,
		Commit: st.Commit, LastIndex: st.LastIndex, LastTerm: st.LastTerm,
		SnapshotIndex: st.Snapshot.Index, SnapshotTerm: st.Snapshot.Term,
		Log: rn.Log(), VotesGranted: st.VotesGranted, VotesRejected: st.VotesRejected, Progress: st.Progress,
		LeadTransferee: st.LeadTransferee,
		ReadQueue:      st.ReadQueue, PendingReads: st.PendingReads,
	}, n, checkQuorum)
}

// ProjectState maps the state of node id, as a trace event reports it, to
// the spec's per-server variables, as ProjectNode does.
func ProjectState(id uint64, st raft.NodeState, n int, checkQuorum bool) spec.Server {
	s := spec.Server{
		Term:     st.Term,
		Vote:     int(st.Vote),
		Log:      SpecEntries(st.Log),
		Commit:   st.Commit,
		Role:     spec.Role(st.Role),
		Leader:   int(st.Lead),
		Lease:    st.Lease,
		Granted:  setOf(st.VotesGranted),
		Rejected: setOf(st.VotesRejected),
		Progress: make([]spec.Progress, n),
		// The log holds the entries after the snapshot (the spec's
		// snapshotIndex and snapshotTerm).
		SnapshotIndex: st.SnapshotIndex,
		SnapshotTerm:  st.SnapshotTerm,
		Transferee:    int(st.LeadTransferee),
		// readStates is history the cluster keeps (Cluster.View).
		ReadQueue:    specReads(id, st.ReadQueue),
		PendingReads: specReads(id, st.PendingReads),
	}
	if st.Role == raft.Leader {
		for j := 1; j <= n; j++ {
			if uint64(j) == id {
				continue
			}
			pr := st.Progress[uint64(j)]
			s.Progress[j-1] = spec.Progress{Next: pr.Next, Match: pr.Match, Mode: spec.Mode(pr.Mode), Paused: pr.Paused,
				SentCommit: pr.SentCommit}
			if checkQuorum && pr.RecentActive {
				s.RecentActive = s.RecentActive.Add(j)
			}
		}
	}
	return s
}

// View projects the cluster to the spec's abstract state.
func (c *Cluster) View() *spec.View {
	v := &spec.View{Servers: make([]spec.Server, c.opts.N), Cut: c.Cut(), Reads: slices.Clone(c.reads)}
	for id := 1; id <= c.opts.N; id++ {
		v.Servers[id-1] = c.projectNode(id)
		v.Servers[id-1].ReadStates = c.readStates(id)
	}
	msgs := make([]spec.Message, len(c.Flight()))
	for i, m := range c.Flight() {
		msgs[i] = SpecMessage(m)
	}
	v.Messages = spec.NewBag(msgs)
	return v
}
