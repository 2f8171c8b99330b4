package properties

import (
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
		sm.LastLogIndex, sm.LastLogTerm = m.Index, m.LogTerm
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
	case raft.MsgHeartbeatResp:
		sm.Type = spec.HeartbeatResponse
	case raft.MsgSnap:
		sm.Type = spec.SnapshotRequest
		if m.Snapshot != nil {
			sm.SnapshotIndex, sm.SnapshotTerm = m.Snapshot.Metadata.Index, m.Snapshot.Metadata.Term
		}
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
	v := &spec.View{Servers: make([]spec.Server, c.opts.N), Cut: c.Cut()}
	for id := 1; id <= c.opts.N; id++ {
		v.Servers[id-1] = c.projectNode(id)
	}
	msgs := make([]spec.Message, len(c.Flight()))
	for i, m := range c.Flight() {
		msgs[i] = SpecMessage(m)
	}
	v.Messages = spec.NewBag(msgs)
	return v
}
