// Package etcd adapts go.etcd.io/raft/v3 (v3.7.0) to the conformance
// harness's driver.Driver, so that the differential runs of package driver
// hold etcd's RawNode to the same schedules as raft/.
//
// etcd is used as an application would use it, through RawNode, with
// synchronous storage writes (Ready, persist, send, apply, Advance), except
// in one fenced file (internals.go) where the harness needs what etcd does
// not export: imposing the election timeout the harness chose (etcd draws
// it from a process-global random source), and reading the vote tally, the
// election timer and each progress's sentCommit for the projection onto
// the spec.
package etcd

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
	etcdraft "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// Version is the etcd-raft release this adapter is built against.
const Version = "v3.7.0"

// Options change the adapter, to show that the harness catches a change on
// the etcd side.
type Options struct {
	// PreVoteGrantCarriesVoterTerm rewrites every pre-vote grant etcd sends
	// to carry the voter's term instead of the requested one (etcd's
	// stepFollower/Step MsgPreVote branch echoes m.Term). It is a seeded
	// bug: the differential run must find it.
	PreVoteGrantCarriesVoterTerm bool
}

// Library is etcd-raft v3.7.0 as the harness sees it.
var Library = NewLibrary(Options{})

// NewLibrary returns the etcd library with the given options.
func NewLibrary(o Options) driver.Library {
	name := "etcd " + Version
	if o.PreVoteGrantCarriesVoterTerm {
		name += " (pre-vote grant carries the voter's term)"
	}
	return driver.Library{Name: name, Start: func(cfg driver.Config, st *driver.Storage) (driver.Driver, error) {
		return start(cfg, st, o)
	}}
}

// storage is etcd's MemoryStorage with the static membership 1..N as its
// ConfState: etcd reads the voters from Storage.InitialState (newRaft,
// confchange.Restore), and a MemoryStorage without a snapshot has none.
type storage struct {
	*etcdraft.MemoryStorage
	cs *pb.ConfState
}

func (s *storage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	hs, _, err := s.MemoryStorage.InitialState()
	return hs, s.cs, err
}

type node struct {
	cfg   driver.Config
	opts  Options
	rn    *etcdraft.RawNode
	in    internals
	store *storage
	// rd is the last Ready handed out, persisted to store on Advance.
	rd    etcdraft.Ready
	ready bool
}

// quiet drops etcd's log output; Panic and Fatal still panic (the harness
// reports a panic as a failure of the schedule).
var quiet = &etcdraft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

func start(cfg driver.Config, st *driver.Storage, o Options) (driver.Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// etcd bounds an append by bytes (Config.MaxSizePerMsg), but always
	// sends at least one entry (raftLog.entries, limitSize): a bound of one
	// byte is one entry per append. No other bound has an equivalent.
	maxSize := uint64(math.MaxUint64)
	switch cfg.MaxEntriesPerMsg {
	case 0:
	case 1:
		maxSize = 1
	default:
		return nil, fmt.Errorf("etcd: node %d: MaxEntriesPerMsg %d: etcd bounds appends by bytes; only 0 (no bound) and 1 have an equivalent", cfg.ID, cfg.MaxEntriesPerMsg)
	}
	voters := make([]uint64, cfg.N)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	s := &storage{MemoryStorage: etcdraft.NewMemoryStorage(), cs: &pb.ConfState{Voters: voters}}
	if err := s.SetHardState(&pb.HardState{Term: new(st.HardState.Term), Vote: new(uint64(st.HardState.Vote)), Commit: new(st.HardState.Commit)}); err != nil {
		return nil, fmt.Errorf("etcd: node %d: restoring the hard state: %w", cfg.ID, err)
	}
	if st.SnapshotIndex > 0 {
		snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(st.SnapshotIndex), Term: new(st.SnapshotTerm), ConfState: s.cs}}
		if err := s.ApplySnapshot(snap); err != nil {
			return nil, fmt.Errorf("etcd: node %d: restoring the snapshot: %w", cfg.ID, err)
		}
	}
	if err := s.Append(pbEntries(st.SnapshotIndex+1, st.Log)); err != nil {
		return nil, fmt.Errorf("etcd: node %d: restoring the log: %w", cfg.ID, err)
	}
	rn, err := etcdraft.NewRawNode(&etcdraft.Config{
		ID:            uint64(cfg.ID),
		ElectionTick:  cfg.ElectionTick,
		HeartbeatTick: cfg.HeartbeatTick,
		Storage:       s,
		Applied:       st.Applied,
		PreVote:       cfg.PreVote,
		CheckQuorum:   cfg.CheckQuorum,
		// No flow control beyond MaxEntriesPerMsg: raft/ and the spec
		// never pause a replicating follower. MaxCommittedSizePerReady
		// defaults to MaxSizePerMsg; it only splits committed entries
		// over several Readies, which HandleReady handles alike.
		MaxSizePerMsg:   maxSize,
		MaxInflightMsgs: math.MaxInt32,
		// The harness does not forward proposals (raft/ has no
		// forwarding).
		DisableProposalForwarding: true,
		Logger:                    quiet,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: node %d: %w", cfg.ID, err)
	}
	in, err := reach(rn)
	if err != nil {
		return nil, err
	}
	n := &node{cfg: cfg, opts: o, rn: rn, in: in, store: s}
	n.impose()
	return n, nil
}

// impose sets the harness's election timeout after every call into etcd.
// etcd redraws it only in reset (becomeFollower, becomeCandidate,
// becomeLeader) and reads it only in tickElection (pastElectionTimeout)
// before any reset of the same call, so setting it after each call is the
// same as etcd drawing it.
func (n *node) impose() { n.in.setRandomizedElectionTimeout(n.cfg.ElectionTimeout) }

func (n *node) Tick() {
	n.rn.Tick()
	n.impose()
}

func (n *node) Campaign() error {
	defer n.impose()
	return n.rn.Campaign()
}

// TransferLeader is etcd's RawNode.TransferLeader; the harness asks only
// leaders, for another node.
func (n *node) TransferLeader(to int) error {
	defer n.impose()
	n.rn.TransferLeader(uint64(to))
	return nil
}

// ForgetLeader is etcd's RawNode.ForgetLeader.
func (n *node) ForgetLeader() error {
	defer n.impose()
	return n.rn.ForgetLeader()
}

func (n *node) Propose(value string) error {
	if value == "" {
		return errors.New("etcd: empty proposal")
	}
	defer n.impose()
	if n.rn.BasicStatus().RaftState != etcdraft.StateLeader {
		return fmt.Errorf("%w: node %d", driver.ErrNotLeader, n.cfg.ID)
	}
	return n.rn.Propose([]byte(value))
}

func (n *node) Step(m spec.Message) error {
	pm, err := pbMessage(m)
	if err != nil {
		return err
	}
	if md := pm.GetSnapshot().GetMetadata(); md != nil {
		// The spec's snapshot has no membership; etcd's carries it, and
		// refuses one that leaves the node out (restore).
		md.ConfState = n.store.cs
	}
	defer n.impose()
	return n.rn.Step(pm)
}

func (n *node) HasReady() bool { return n.rn.HasReady() }

func (n *node) Ready() driver.Ready {
	rd := n.rn.Ready()
	n.rd, n.ready = rd, true
	out := driver.Ready{Entries: specEntries(rd.Entries), Committed: specEntries(rd.CommittedEntries)}
	if hs := rd.HardState; hs != nil && !etcdraft.IsEmptyHardState(hs) {
		out.HardState = &driver.HardState{Term: hs.GetTerm(), Vote: int(hs.GetVote()), Commit: hs.GetCommit()}
	}
	if md := rd.Snapshot.GetMetadata(); md.GetIndex() != 0 {
		out.Snapshot = &driver.SnapshotMeta{Index: md.GetIndex(), Term: md.GetTerm()}
	}
	if len(rd.Entries) > 0 {
		out.First = rd.Entries[0].GetIndex()
	}
	if len(rd.CommittedEntries) > 0 {
		out.CommittedFirst = rd.CommittedEntries[0].GetIndex()
	}
	term := n.rn.BasicStatus().GetTerm()
	for _, m := range rd.Messages {
		sm, err := specMessage(m)
		if err != nil {
			panic(fmt.Sprintf("etcd: node %d sent %v: %v", n.cfg.ID, m, err))
		}
		if n.opts.PreVoteGrantCarriesVoterTerm && sm.Type == spec.PreVoteResponse && !sm.Reject {
			sm.Term = term
		}
		out.Messages = append(out.Messages, sm)
	}
	return out
}

// Advance persists the last Ready to etcd's own storage (the harness keeps
// its copy in driver.Storage) and hands it back to etcd, which then steps
// the messages it sent itself: the candidate's own vote and the leader's
// acknowledgement of its own entries (RawNode.acceptReady, stepsOnAdvance).
func (n *node) Advance() {
	if !n.ready {
		return
	}
	n.ready = false
	if snap := n.rd.Snapshot; snap.GetMetadata().GetIndex() != 0 {
		if err := n.store.ApplySnapshot(snap); err != nil {
			panic(fmt.Sprintf("etcd: node %d: persisting the snapshot: %v", n.cfg.ID, err))
		}
	}
	if hs := n.rd.HardState; hs != nil && !etcdraft.IsEmptyHardState(hs) {
		if err := n.store.SetHardState(hs); err != nil {
			panic(fmt.Sprintf("etcd: node %d: persisting %v: %v", n.cfg.ID, hs, err))
		}
	}
	if err := n.store.Append(n.rd.Entries); err != nil {
		panic(fmt.Sprintf("etcd: node %d: persisting entries: %v", n.cfg.ID, err))
	}
	n.rn.Advance(n.rd)
	n.impose()
}

// Compact implements driver.Compactor: a snapshot at i with the
// membership and no data, then the entries it covers dropped (etcd's
// MemoryStorage.CreateSnapshot and Compact).
func (n *node) Compact(i uint64) error {
	if _, err := n.store.CreateSnapshot(i, n.store.cs, nil); err != nil {
		return err
	}
	return n.store.Compact(i)
}

// State projects the node onto the spec. The log is read from etcd's
// storage: the harness asks only once every Ready is handled, when no
// entry is unstable.
func (n *node) State() driver.NodeState {
	st := n.rn.Status()
	s := spec.Server{
		Term:     st.GetTerm(),
		Vote:     int(st.GetVote()),
		Commit:   st.GetCommit(),
		Role:     specRole(st.RaftState),
		Leader:   int(st.Lead),
		Progress: make([]spec.Progress, n.cfg.N),
		// etcd's leadTransferee (BasicStatus), the spec's transferee.
		Transferee: int(st.LeadTransferee),
	}
	first, _ := n.store.FirstIndex()
	if first > 1 {
		snap, err := n.store.Snapshot()
		if err != nil {
			panic(fmt.Sprintf("etcd: node %d: reading its snapshot: %v", n.cfg.ID, err))
		}
		s.SnapshotIndex, s.SnapshotTerm = snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	}
	if last, err := n.store.LastIndex(); err == nil && last >= first {
		ents, err := n.store.Entries(first, last+1, math.MaxUint64)
		if err != nil {
			panic(fmt.Sprintf("etcd: node %d: reading its log: %v", n.cfg.ID, err))
		}
		s.Log = specEntries(ents)
	}
	// etcd's lease (raft.Step: inLease) is checkQuorum && lead != None &&
	// electionElapsed < electionTimeout; the spec's Lease is a follower's.
	s.Lease = n.cfg.CheckQuorum && st.RaftState == etcdraft.StateFollower && st.Lead != etcdraft.None &&
		n.in.electionElapsed() < n.cfg.ElectionTick
	if st.RaftState == etcdraft.StatePreCandidate || st.RaftState == etcdraft.StateCandidate {
		for id, granted := range n.in.votes() {
			if granted {
				s.Granted = s.Granted.Add(int(id))
			} else {
				s.Rejected = s.Rejected.Add(int(id))
			}
		}
	}
	var active spec.Set
	if st.RaftState == etcdraft.StateLeader {
		for j := 1; j <= n.cfg.N; j++ {
			if j == n.cfg.ID {
				continue
			}
			pr := st.Progress[uint64(j)]
			s.Progress[j-1] = spec.Progress{Next: pr.Next, Match: pr.Match, Mode: specMode(pr.State), Paused: pr.MsgAppFlowPaused, SentCommit: sentCommit(&pr)}
			if pr.RecentActive {
				active = active.Add(j)
			}
		}
	}
	if n.cfg.CheckQuorum {
		s.RecentActive = active
	}
	return driver.NodeState{Server: s, Active: active, Applied: st.Applied}
}

func specRole(r etcdraft.StateType) spec.Role {
	switch r {
	case etcdraft.StateFollower:
		return spec.Follower
	case etcdraft.StatePreCandidate:
		return spec.PreCandidate
	case etcdraft.StateCandidate:
		return spec.Candidate
	case etcdraft.StateLeader:
		return spec.Leader
	}
	return spec.Role(100 + r) // shows up in a diff
}

func specMode(s tracker.StateType) spec.Mode {
	switch s {
	case tracker.StateProbe:
		return spec.Probe
	case tracker.StateReplicate:
		return spec.Replicate
	case tracker.StateSnapshot:
		return spec.Snapshot
	}
	return spec.Mode(100 + s) // shows up in a diff
}

var msgTypes = map[pb.MessageType]spec.MsgType{
	pb.MsgPreVote: spec.PreVoteRequest, pb.MsgPreVoteResp: spec.PreVoteResponse,
	pb.MsgVote: spec.VoteRequest, pb.MsgVoteResp: spec.VoteResponse,
	pb.MsgApp: spec.AppendEntriesRequest, pb.MsgAppResp: spec.AppendEntriesResponse,
	pb.MsgHeartbeat: spec.HeartbeatRequest, pb.MsgHeartbeatResp: spec.HeartbeatResponse,
	pb.MsgTimeoutNow: spec.TimeoutNowRequest,
	pb.MsgSnap:       spec.SnapshotRequest,
}

// campaignTransfer is the Context etcd puts on the vote requests of a
// campaign forced by a leader transfer (raft.go: campaignTransfer).
const campaignTransfer = "CampaignTransfer"

// specMessage maps an etcd message to the spec's, keeping only the fields
// of its type.
func specMessage(m *pb.Message) (spec.Message, error) {
	t, ok := msgTypes[m.GetType()]
	if !ok {
		return spec.Message{}, fmt.Errorf("no spec message for %v", m.GetType())
	}
	sm := spec.Message{Type: t, From: int(m.GetFrom()), To: int(m.GetTo()), Term: m.GetTerm()}
	switch t {
	case spec.PreVoteRequest, spec.VoteRequest:
		sm.LastLogIndex, sm.LastLogTerm = m.GetIndex(), m.GetLogTerm()
		sm.Transfer = string(m.GetContext()) == campaignTransfer
	case spec.PreVoteResponse, spec.VoteResponse:
		sm.Reject = m.GetReject()
	case spec.AppendEntriesRequest:
		sm.PrevLogIndex, sm.PrevLogTerm, sm.Commit = m.GetIndex(), m.GetLogTerm(), m.GetCommit()
		sm.Entries = specEntries(m.GetEntries())
	case spec.AppendEntriesResponse:
		sm.Reject, sm.Index, sm.RejectHint, sm.LogTerm = m.GetReject(), m.GetIndex(), m.GetRejectHint(), m.GetLogTerm()
	case spec.HeartbeatRequest:
		sm.Commit = m.GetCommit()
	case spec.SnapshotRequest:
		md := m.GetSnapshot().GetMetadata()
		sm.SnapshotIndex, sm.SnapshotTerm = md.GetIndex(), md.GetTerm()
	}
	return sm, nil
}

// pbMessage maps a spec message to etcd's.
func pbMessage(m spec.Message) (*pb.Message, error) {
	var t pb.MessageType
	found := false
	for k, v := range msgTypes {
		if v == m.Type {
			t, found = k, true
		}
	}
	if !found {
		return nil, fmt.Errorf("etcd: message %v: unknown type", m)
	}
	pm := &pb.Message{Type: t.Enum(), From: new(uint64(m.From)), To: new(uint64(m.To)), Term: new(m.Term)}
	switch m.Type {
	case spec.PreVoteRequest, spec.VoteRequest:
		pm.Index, pm.LogTerm = new(m.LastLogIndex), new(m.LastLogTerm)
		if m.Transfer {
			pm.Context = []byte(campaignTransfer)
		}
	case spec.PreVoteResponse, spec.VoteResponse:
		pm.Reject = new(m.Reject)
	case spec.AppendEntriesRequest:
		pm.Index, pm.LogTerm, pm.Commit = new(m.PrevLogIndex), new(m.PrevLogTerm), new(m.Commit)
		pm.Entries = pbEntries(m.PrevLogIndex+1, m.Entries)
	case spec.AppendEntriesResponse:
		pm.Reject, pm.Index, pm.RejectHint, pm.LogTerm = new(m.Reject), new(m.Index), new(m.RejectHint), new(m.LogTerm)
	case spec.HeartbeatRequest:
		pm.Commit = new(m.Commit)
	case spec.SnapshotRequest:
		pm.Snapshot = &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(m.SnapshotIndex), Term: new(m.SnapshotTerm)}}
	}
	return pm, nil
}

func specEntries(ents []*pb.Entry) []spec.Entry {
	if len(ents) == 0 {
		return nil
	}
	out := make([]spec.Entry, len(ents))
	for i, e := range ents {
		out[i] = spec.Entry{Term: e.GetTerm(), Value: string(e.GetData())}
	}
	return out
}

func pbEntries(first uint64, ents []spec.Entry) []*pb.Entry {
	out := make([]*pb.Entry, len(ents))
	for i, e := range ents {
		out[i] = &pb.Entry{Term: new(e.Term), Index: new(first + uint64(i)), Type: pb.EntryNormal.Enum()}
		if e.Value != "" {
			out[i].Data = []byte(e.Value)
		}
	}
	return out
}
