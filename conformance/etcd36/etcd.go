// Package etcd36 adapts go.etcd.io/raft/v3 at v3.6.0 (what etcd 3.6
// servers run) to the conformance harness's driver.Driver, so that the
// differential runs of package driver and the trace replay of package
// traces hold etcd's RawNode to the same schedules and behaviours as raft/.
//
// It is its own module so that the minimal version selection of the
// conformance module, which requires v3.7, does not lift it: v3.6's raftpb
// has value fields (gogo protobuf) where v3.7's has pointers, so the two
// adapters differ in every conversion, and otherwise mirror each other.
//
// etcd is used as an application would use it, through RawNode, with
// synchronous storage writes (Ready, persist, send, apply, Advance), except
// in the fenced places of internals.go, where the harness needs what etcd
// does not export: imposing the election timeout the harness chose, reading
// the vote tally and the election timer for the projection onto the spec,
// and firing one timer for trace replay.
package etcd36

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
	etcdraft "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// Version is the etcd-raft release this adapter is built against.
const Version = "v3.6.0"

// Options change the adapter.
type Options struct {
	// PreVoteGrantCarriesVoterTerm rewrites every pre-vote grant etcd sends
	// to carry the voter's term instead of the requested one (etcd's Step
	// answers a granted MsgPreVote at m.Term). It is a seeded bug: the
	// differential run must find it.
	PreVoteGrantCarriesVoterTerm bool
}

// Library is etcd-raft v3.6.0 as the harness sees it.
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
	cs pb.ConfState
}

func (s *storage) InitialState() (pb.HardState, pb.ConfState, error) {
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
	// sends at least one entry (raftLog.slice, limitSize): a bound of one
	// byte is one entry per append. No other bound in entries has an
	// equivalent in bytes (entries differ in size).
	maxSize := uint64(math.MaxUint64)
	switch cfg.MaxEntriesPerMsg {
	case 0:
	case 1:
		maxSize = 1
	default:
		return nil, fmt.Errorf("etcd %s: node %d: MaxEntriesPerMsg %d: etcd bounds appends by bytes; only 0 (no bound) and 1 have an equivalent", Version, cfg.ID, cfg.MaxEntriesPerMsg)
	}
	voters := make([]uint64, cfg.N)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	s := &storage{MemoryStorage: etcdraft.NewMemoryStorage(), cs: pb.ConfState{Voters: voters}}
	hs := pb.HardState{Term: st.HardState.Term, Vote: uint64(st.HardState.Vote), Commit: st.HardState.Commit}
	if err := s.SetHardState(hs); err != nil {
		return nil, fmt.Errorf("etcd %s: node %d: restoring the hard state: %w", Version, cfg.ID, err)
	}
	if st.SnapshotIndex > 0 {
		snap := pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: st.SnapshotIndex, Term: st.SnapshotTerm, ConfState: s.cs}}
		if err := s.ApplySnapshot(snap); err != nil {
			return nil, fmt.Errorf("etcd %s: node %d: restoring the snapshot: %w", Version, cfg.ID, err)
		}
	}
	if err := s.Append(pbEntries(st.SnapshotIndex+1, st.Log)); err != nil {
		return nil, fmt.Errorf("etcd %s: node %d: restoring the log: %w", Version, cfg.ID, err)
	}
	rn, err := etcdraft.NewRawNode(&etcdraft.Config{
		ID:             uint64(cfg.ID),
		ElectionTick:   cfg.ElectionTick,
		HeartbeatTick:  cfg.HeartbeatTick,
		Storage:        s,
		Applied:        st.Applied,
		PreVote:        cfg.PreVote,
		CheckQuorum:    cfg.CheckQuorum,
		ReadOnlyOption: readOnlyOption(cfg.ReadOnlyLeaseBased),
		// No flow control beyond MaxEntriesPerMsg: raft/ and the spec
		// never pause a replicating follower.
		MaxSizePerMsg: maxSize,
		// Committed entries are handed out whole, whatever the message
		// bound (the default is MaxSizePerMsg).
		MaxCommittedSizePerReady: math.MaxUint64,
		MaxInflightMsgs:          math.MaxInt32,
		// The harness does not forward proposals (raft/ has no
		// forwarding).
		DisableProposalForwarding: true,
		Logger:                    quiet,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd %s: node %d: %w", Version, cfg.ID, err)
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
		return fmt.Errorf("etcd %s: empty proposal", Version)
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
	if pm.Snapshot != nil {
		// The spec's snapshot has no membership; etcd's carries it, and
		// refuses one that leaves the node out (restore).
		pm.Snapshot.Metadata.ConfState = n.store.cs
	}
	defer n.impose()
	return n.rn.Step(pm)
}

// Fire implements driver.Firer: it sets etcd's counts so that the next
// tick fires exactly timer t (internals.go), ticks, and puts back the count
// of the other timer that tick moved.
func (n *node) Fire(t driver.Timer) error {
	st := n.rn.BasicStatus()
	leader := st.RaftState == etcdraft.StateLeader
	notRunning := func() error {
		return fmt.Errorf("%w: %v on node %d (%v, CheckQuorum %v)", driver.ErrTimerNotRunning, t, n.cfg.ID, st.RaftState, n.cfg.CheckQuorum)
	}
	defer n.impose()
	switch t {
	case driver.ElectionTimer:
		if leader {
			return notRunning()
		}
		// tickElection: the count reaches the (imposed) randomized
		// timeout, etcd resets it and steps MsgHup.
		n.in.setElectionElapsed(n.cfg.ElectionTimeout - 1)
		n.rn.Tick()
	case driver.HeartbeatTimer:
		if !leader {
			return notRunning()
		}
		// tickHeartbeat moves both counts: keep the election count off
		// its timeout for this tick, then put it back.
		e := n.in.electionElapsed()
		n.in.setElectionElapsed(-1)
		n.in.setHeartbeatElapsed(n.cfg.HeartbeatTick - 1)
		n.rn.Tick()
		if n.rn.BasicStatus().RaftState == etcdraft.StateLeader {
			n.in.setElectionElapsed(e)
		}
	case driver.CheckQuorumTimer:
		if !leader || !n.cfg.CheckQuorum {
			return notRunning()
		}
		h := n.in.heartbeatElapsed()
		n.in.setHeartbeatElapsed(-1)
		n.in.setElectionElapsed(n.cfg.ElectionTick - 1)
		n.rn.Tick()
		if n.rn.BasicStatus().RaftState == etcdraft.StateLeader {
			n.in.setHeartbeatElapsed(h)
		}
	case driver.LeaseTimer:
		// etcd's inLease (Step): lead != None and electionElapsed <
		// electionTimeout, on a follower.
		if st.RaftState != etcdraft.StateFollower || st.Lead == etcdraft.None || n.in.electionElapsed() >= n.cfg.ElectionTick {
			return notRunning()
		}
		n.in.setElectionElapsed(n.cfg.ElectionTick)
	default:
		return fmt.Errorf("etcd %s: unknown timer %v", Version, t)
	}
	return nil
}

func (n *node) HasReady() bool { return n.rn.HasReady() }

func (n *node) Ready() driver.Ready {
	rd := n.rn.Ready()
	n.rd, n.ready = rd, true
	out := driver.Ready{Entries: specEntries(rd.Entries), Committed: specEntries(rd.CommittedEntries)}
	if !etcdraft.IsEmptyHardState(rd.HardState) {
		hs := rd.HardState
		out.HardState = &driver.HardState{Term: hs.Term, Vote: int(hs.Vote), Commit: hs.Commit}
	}
	if !etcdraft.IsEmptySnap(rd.Snapshot) {
		out.Snapshot = &driver.SnapshotMeta{Index: rd.Snapshot.Metadata.Index, Term: rd.Snapshot.Metadata.Term}
	}
	if len(rd.Entries) > 0 {
		out.First = rd.Entries[0].Index
	}
	if len(rd.CommittedEntries) > 0 {
		out.CommittedFirst = rd.CommittedEntries[0].Index
	}
	term := n.rn.BasicStatus().Term
	for _, m := range rd.Messages {
		sm, err := specMessage(m)
		if err != nil {
			panic(fmt.Sprintf("etcd %s: node %d sent %v: %v", Version, n.cfg.ID, m.Type, err))
		}
		if n.opts.PreVoteGrantCarriesVoterTerm && sm.Type == spec.PreVoteResponse && !sm.Reject {
			sm.Term = term
		}
		out.Messages = append(out.Messages, sm)
	}
	for _, rs := range rd.ReadStates {
		out.ReadStates = append(out.ReadStates, spec.ReadAnswer{ID: properties.ReadID(rs.RequestCtx), Index: rs.Index})
	}
	return out
}

func readOnlyOption(leaseBased bool) etcdraft.ReadOnlyOption {
	if leaseBased {
		return etcdraft.ReadOnlyLeaseBased
	}
	return etcdraft.ReadOnlySafe
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
	if !etcdraft.IsEmptySnap(n.rd.Snapshot) {
		if err := n.store.ApplySnapshot(n.rd.Snapshot); err != nil {
			panic(fmt.Sprintf("etcd %s: node %d: persisting the snapshot: %v", Version, n.cfg.ID, err))
		}
	}
	if !etcdraft.IsEmptyHardState(n.rd.HardState) {
		if err := n.store.SetHardState(n.rd.HardState); err != nil {
			panic(fmt.Sprintf("etcd %s: node %d: persisting %v: %v", Version, n.cfg.ID, n.rd.HardState, err))
		}
	}
	if err := n.store.Append(n.rd.Entries); err != nil {
		panic(fmt.Sprintf("etcd %s: node %d: persisting entries: %v", Version, n.cfg.ID, err))
	}
	n.rn.Advance(n.rd)
	n.impose()
}

// Compact implements driver.Compactor: a snapshot at i with the
// membership and no data, then the entries it covers dropped (etcd's
// MemoryStorage.CreateSnapshot and Compact).
func (n *node) Compact(i uint64) error {
	if _, err := n.store.CreateSnapshot(i, &n.store.cs, nil); err != nil {
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
		Term:     st.Term,
		Vote:     int(st.Vote),
		Commit:   st.Commit,
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
			panic(fmt.Sprintf("etcd %s: node %d: reading its snapshot: %v", Version, n.cfg.ID, err))
		}
		s.SnapshotIndex, s.SnapshotTerm = snap.Metadata.Index, snap.Metadata.Term
	}
	if last, err := n.store.LastIndex(); err == nil && last >= first {
		ents, err := n.store.Entries(first, last+1, math.MaxUint64)
		if err != nil {
			panic(fmt.Sprintf("etcd %s: node %d: reading its log: %v", Version, n.cfg.ID, err))
		}
		s.Log = specEntries(ents)
	}
	// etcd's lease (Step: inLease) is checkQuorum && lead != None &&
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
	s.ReadQueue, s.PendingReads = n.in.reads(uint64(n.cfg.ID))
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
	pb.MsgSnap:       spec.SnapshotRequest,
	pb.MsgTimeoutNow: spec.TimeoutNowRequest,
	pb.MsgReadIndex:  spec.ReadIndexRequest, pb.MsgReadIndexResp: spec.ReadIndexResponse,
}

// campaignTransfer is the Context etcd puts on the vote requests of a
// campaign forced by a leader transfer (raft.go: campaignTransfer).
const campaignTransfer = "CampaignTransfer"

// specMessage maps an etcd message to the spec's, keeping only the fields
// of its type.
func specMessage(m pb.Message) (spec.Message, error) {
	t, ok := msgTypes[m.Type]
	if !ok {
		return spec.Message{}, fmt.Errorf("no spec message for %v", m.Type)
	}
	sm := spec.Message{Type: t, From: int(m.From), To: int(m.To), Term: m.Term}
	switch t {
	case spec.PreVoteRequest, spec.VoteRequest:
		sm.LastLogIndex, sm.LastLogTerm = m.Index, m.LogTerm
		sm.Transfer = string(m.Context) == campaignTransfer
	case spec.PreVoteResponse, spec.VoteResponse:
		sm.Reject = m.Reject
	case spec.AppendEntriesRequest:
		sm.PrevLogIndex, sm.PrevLogTerm, sm.Commit = m.Index, m.LogTerm, m.Commit
		sm.Entries = specEntries(m.Entries)
	case spec.AppendEntriesResponse:
		sm.Reject, sm.Index, sm.RejectHint, sm.LogTerm = m.Reject, m.Index, m.RejectHint, m.LogTerm
	case spec.HeartbeatRequest:
		sm.Commit, sm.Ctx = m.Commit, properties.ReadID(m.Context)
	case spec.HeartbeatResponse:
		sm.Ctx = properties.ReadID(m.Context)
	case spec.ReadIndexRequest:
		sm.Ctx = readID(m.Entries)
	case spec.ReadIndexResponse:
		sm.Index, sm.Ctx = m.Index, readID(m.Entries)
	case spec.SnapshotRequest:
		if m.Snapshot != nil {
			sm.SnapshotIndex, sm.SnapshotTerm = m.Snapshot.Metadata.Index, m.Snapshot.Metadata.Term
		}
	}
	return sm, nil
}

// pbMessage maps a spec message to etcd's.
func pbMessage(m spec.Message) (pb.Message, error) {
	pm := pb.Message{From: uint64(m.From), To: uint64(m.To), Term: m.Term}
	found := false
	for k, v := range msgTypes {
		if v == m.Type {
			pm.Type, found = k, true
		}
	}
	if !found {
		return pm, errors.New("etcd " + Version + ": message " + m.String() + ": unknown type")
	}
	switch m.Type {
	case spec.PreVoteRequest, spec.VoteRequest:
		pm.Index, pm.LogTerm = m.LastLogIndex, m.LastLogTerm
		if m.Transfer {
			pm.Context = []byte(campaignTransfer)
		}
	case spec.PreVoteResponse, spec.VoteResponse:
		pm.Reject = m.Reject
	case spec.AppendEntriesRequest:
		pm.Index, pm.LogTerm, pm.Commit = m.PrevLogIndex, m.PrevLogTerm, m.Commit
		pm.Entries = pbEntries(m.PrevLogIndex+1, m.Entries)
	case spec.AppendEntriesResponse:
		pm.Reject, pm.Index, pm.RejectHint, pm.LogTerm = m.Reject, m.Index, m.RejectHint, m.LogTerm
	case spec.HeartbeatRequest:
		pm.Commit, pm.Context = m.Commit, readCtx(m.Ctx)
	case spec.HeartbeatResponse:
		pm.Context = readCtx(m.Ctx)
	case spec.ReadIndexRequest:
		pm.Entries = readData(m.Ctx)
	case spec.ReadIndexResponse:
		pm.Index, pm.Entries = m.Index, readData(m.Ctx)
	case spec.SnapshotRequest:
		pm.Snapshot = &pb.Snapshot{Metadata: pb.SnapshotMetadata{Index: m.SnapshotIndex, Term: m.SnapshotTerm}}
	}
	return pm, nil
}

func specEntries(ents []pb.Entry) []spec.Entry {
	if len(ents) == 0 {
		return nil
	}
	out := make([]spec.Entry, len(ents))
	for i, e := range ents {
		out[i] = spec.Entry{Term: e.Term, Value: string(e.Data)}
	}
	return out
}

func pbEntries(first uint64, ents []spec.Entry) []pb.Entry {
	if len(ents) == 0 {
		return nil
	}
	out := make([]pb.Entry, len(ents))
	for i, e := range ents {
		out[i] = pb.Entry{Term: e.Term, Index: first + uint64(i), Type: pb.EntryNormal}
		if e.Value != "" {
			out[i].Data = []byte(e.Value)
		}
	}
	return out
}
