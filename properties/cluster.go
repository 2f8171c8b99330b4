// Package properties drives clusters of raft/ nodes through random message
// interleavings and faults, and checks after every step that the cluster,
// projected to the abstract state of the TLA+ spec (spec.View), satisfies
// the spec's invariants and action properties and takes a step the model
// (model/) allows.
//
// Cluster is the deterministic simulated cluster; the tests in this
// package generate its actions with rapid and gopter.
//
// Budgets come from the environment: RAPID_CHECKS and RAPID_STEPS (read by
// rapid) for the state-machine test, GOPTER_CHECKS for the client-level
// test. make prop runs the CI default (over a million implementation
// steps), make prop-long much more. A run prints cases, steps, faults
// injected by kind, restarts, the highest term and how many cases reached
// MaxTerm, elections, commits and steps/s, and TestRapid fails if these
// fall below the minimums its budget implies (a run that thinned out).
//
// Every rapid case ends with the bounded liveness check (CheckLiveness):
// every link healed, then fair rounds, within which a leader must be
// followed by every node and commit a new proposal; its figures (rounds
// to a leader, to a commit) are printed too.
//
// A failure is shrunk by rapid and printed with the seed that reproduces
// it (RAPID_SEED or -rapid.seed) and a fail file under testdata/rapid.
// Fail files are not committed (.gitignore): they only replay against the
// commit that wrote them, and a failure worth keeping becomes a named
// regression test in raft/ instead.
package properties

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
	"github.com/checkedraft/checkedraft/spec"
)

// Options configure a Cluster.
type Options struct {
	N           int
	PreVote     bool
	CheckQuorum bool
	// MaxEntriesPerMsg is raft.Config.MaxEntriesPerMsg (0: no bound).
	MaxEntriesPerMsg int
	// ElectionTick and HeartbeatTick default to 10 and 1.
	ElectionTick, HeartbeatTick int
	// Seed seeds the nodes' election timeouts.
	Seed uint64
	// Compaction enables Cluster.Compact: nodes snapshot and compact their
	// logs, leaders send snapshots, nodes restart from them (the spec's
	// AllowCompaction). A snapshot's data carries the entries it covers, so
	// that the harness can tell a node's whole history (fullLog).
	Compaction bool
	// Reads makes RandomRun issue reads too (Cluster.Read works either
	// way). Off where a run's log must be a behaviour of a spec config
	// without reads (traces.Validate).
	Reads bool
}

// Label is one step of the abstract model (an action of tla/Raft.tla and
// its parameters).
type Label = model.Label

// Cluster is a deterministic simulated cluster of raft nodes with IDs
// 1..N, on rafttest's in-memory network. Messages in flight form a bag
// (Flight lists them; any may be delivered next). Every action processes
// the Ready of the nodes it touched at once (persist, then send, then
// Advance), unless it injects a crash in between.
type Cluster struct {
	opts Options
	nw   *rafttest.Network
	// events collects the trace events of the current action.
	events []raft.TraceEvent
	// Stats counts what happened.
	Stats Stats
	// reads is the spec's history of reads (reads[id-1] is read id);
	// answers[id-1] the answers node id handed out (readStates), sorted.
	reads   []spec.Read
	answers [][]spec.ReadAnswer
	// OnStep, when set, is called with every model step the cluster takes,
	// in order, the state of the node that took it as the spec sees it
	// after the step (ProjectState; nil for the network's steps) and the
	// messages the step sent (a node's step only; a message over a cut
	// link is in the list, and lost).
	OnStep func(l Label, node *spec.Server, sent []raft.Message)
}

// Stats summarises a run.
type Stats struct {
	// Compactions and SnapshotsInstalled count compactions and followers
	// restoring from a leader's snapshot.
	Compactions, SnapshotsInstalled int
	Steps                           int
	Faults                          map[string]int
	MaxTerm                         uint64
	Elections                       int
	Commits                         uint64
	// Reads counts the reads begun, Answers the distinct answers handed
	// out.
	Reads, Answers int
}

// NewCluster starts a cluster of fresh nodes.
func NewCluster(o Options) *Cluster {
	if o.ElectionTick == 0 {
		o.ElectionTick = 10
	}
	if o.HeartbeatTick == 0 {
		o.HeartbeatTick = 1
	}
	c := &Cluster{opts: o, Stats: Stats{Faults: map[string]int{}}, answers: make([][]spec.ReadAnswer, o.N)}
	c.nw = rafttest.New(panicOnFailure{}, o.N,
		rafttest.Ticks(o.ElectionTick, o.HeartbeatTick),
		rafttest.PreVote(o.PreVote), rafttest.CheckQuorum(o.CheckQuorum),
		rafttest.MaxEntriesPerMsg(o.MaxEntriesPerMsg), rafttest.Seed(o.Seed),
		rafttest.WithTracer(raft.TracerFunc(func(ev raft.TraceEvent) { c.events = append(c.events, ev) })))
	return c
}

// panicOnFailure turns what the network cannot go on from (a node that
// cannot start from its storage, a storage error) into a panic: a Cluster
// has no test to fail.
type panicOnFailure struct{}

func (panicOnFailure) Helper() {}

func (panicOnFailure) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("properties: "+format, args...))
}

// String names the cluster shape, e.g. "n3/prevote=true/checkquorum=false".
func (o Options) String() string {
	s := fmt.Sprintf("n%d/prevote=%v/checkquorum=%v", o.N, o.PreVote, o.CheckQuorum)
	if o.MaxEntriesPerMsg > 0 {
		s += fmt.Sprintf("/batch=%d", o.MaxEntriesPerMsg)
	}
	if o.Compaction {
		s += "/compaction"
	}
	return s
}

// Options returns the cluster's options.
func (c *Cluster) Options() Options { return c.opts }

// Node returns node id's RawNode.
func (c *Cluster) Node(id int) *raft.RawNode { return c.nw.Node(uint64(id)).RN }

// Flight lists the messages in flight.
func (c *Cluster) Flight() []raft.Message { return c.nw.Queue }

// IsCut reports whether the link from a to b is cut.
func (c *Cluster) IsCut(a, b int) bool { return c.nw.IsCut(uint64(a), uint64(b)) }

// take runs an action and returns the model labels of the trace events it
// produced, followed by extra (the network's steps, or a restart).
func (c *Cluster) take(act func(), extra ...Label) []Label {
	c.events = c.events[:0]
	act()
	c.Stats.Steps++
	labels := make([]Label, 0, len(c.events)+len(extra))
	for _, ev := range c.events {
		l := EventLabel(ev)
		labels = append(labels, l)
		for _, rs := range ev.ReadStates {
			c.answer(int(ev.Node), spec.ReadAnswer{ID: ReadID(rs.RequestCtx), Index: rs.Index})
		}
		if c.OnStep != nil {
			// The node's state after the step, with the answers it
			// has handed out (the spec's history readStates).
			s := ProjectState(ev.Node, ev.State, c.opts.N, c.keepsActive())
			s.ReadStates = c.readStates(int(ev.Node))
			c.OnStep(l, &s, ev.Sent)
		}
		if ev.State.Role == raft.Leader && (ev.Action == raft.ActionHandleVoteResponse || ev.Action == raft.ActionTimeout) {
			c.Stats.Elections++
		}
		c.Stats.MaxTerm = max(c.Stats.MaxTerm, ev.State.Term)
		c.Stats.Commits = max(c.Stats.Commits, ev.State.Commit)
		if ev.Action == raft.ActionHandleSnapshotRequest && ev.Msg.Snapshot.Metadata.Index == ev.State.SnapshotIndex {
			c.Stats.SnapshotsInstalled++
		}
	}
	c.report(extra...)
	return append(labels, extra...)
}

// report passes steps that no trace event describes to OnStep.
func (c *Cluster) report(ls ...Label) {
	if c.OnStep == nil {
		return
	}
	for _, l := range ls {
		var st *spec.Server
		if raft.Action(l.Action) == raft.ActionRestart {
			s := c.projectNode(l.I)
			s.ReadStates = c.readStates(l.I)
			st = &s
		}
		c.OnStep(l, st, nil)
	}
}

// EventLabel maps a trace event to the model step it realises.
func EventLabel(ev raft.TraceEvent) Label {
	l := Label{Action: string(ev.Action), I: int(ev.Node)}
	if ev.Action == raft.ActionClientRequest {
		l.Value = string(ev.Value) // ClientRead's Value is its context, no spec value
	}
	if ev.Action == raft.ActionTransferLeadership {
		// The target is the leader's transferee after the step.
		l.J = int(ev.State.LeadTransferee)
	}
	if ev.Msg != nil {
		m := SpecMessage(*ev.Msg)
		l.Msg, l.J = &m, int(ev.Msg.From)
	}
	return l
}

// messageLabel is the network's step a on message m (I its receiver, J its
// sender).
func messageLabel(a raft.Action, m raft.Message) Label {
	sm := SpecMessage(m)
	return Label{Action: string(a), I: int(m.To), J: int(m.From), Msg: &sm}
}

// linkLabel is the network's step a on the link from a to b.
func linkLabel(act raft.Action, a, b int) Label { return Label{Action: string(act), I: a, J: b} }

// restartLabel is node id's Restart.
func restartLabel(id int) Label { return Label{Action: string(raft.ActionRestart), I: id} }

// Deliver delivers message i of Flight to its receiver. A node that refuses
// a message (Step returns an error) is a bug in the sender: it is returned.
func (c *Cluster) Deliver(i int) ([]Label, error) {
	var err error
	labels := c.take(func() { err = c.nw.Deliver(i) })
	return labels, err
}

// DeliverThenCrash delivers message i, then crashes its receiver before it
// persists anything of the step, and restarts it from its storage: the step
// happened in memory only and is lost with the message, so the model sees
// DropMessage, then Restart.
func (c *Cluster) DeliverThenCrash(i int) ([]Label, error) {
	c.Stats.Faults["crash-before-persist"]++
	m, err := c.nw.DeliverThenRestart(i)
	c.Stats.Steps++
	labels := []Label{messageLabel(raft.ActionDropMessage, m), restartLabel(int(m.To))}
	c.report(labels...)
	return labels, err
}

// DeliverPersistThenCrash delivers message i; its receiver persists the
// step's state but crashes before sending anything, and restarts from its
// storage (the step, the loss of its messages, Restart).
func (c *Cluster) DeliverPersistThenCrash(i int) ([]Label, error) {
	c.Stats.Faults["crash-after-persist"]++
	var m raft.Message
	var unsent []raft.Message
	var err error
	labels := c.take(func() { m, unsent, err = c.nw.DeliverPersistThenRestart(i) })
	// The messages of the step were never sent: lost, as the model sees it.
	var lost []Label
	for _, out := range unsent {
		lost = append(lost, messageLabel(raft.ActionDropMessage, out))
	}
	lost = append(lost, restartLabel(int(m.To)))
	c.report(lost...)
	return append(labels, lost...), err
}

// Drop loses message i.
func (c *Cluster) Drop(i int) []Label {
	l := messageLabel(raft.ActionDropMessage, c.nw.Queue[i])
	c.Stats.Faults["drop"]++
	return c.take(func() { c.nw.Drop(i) }, l)
}

// Duplicate puts a second copy of message i in flight.
func (c *Cluster) Duplicate(i int) []Label {
	l := messageLabel(raft.ActionDuplicateMessage, c.nw.Queue[i])
	c.Stats.Faults["duplicate"]++
	return c.take(func() { c.nw.Duplicate(i) }, l)
}

// at runs f on node id and processes the node's Ready, as one action.
func (c *Cluster) at(id int, f func(rn *raft.RawNode) error) ([]Label, error) {
	var err error
	labels := c.take(func() {
		err = f(c.Node(id))
		c.nw.Process(uint64(id))
	})
	return labels, err
}

// Tick ticks node id once.
func (c *Cluster) Tick(id int) []Label {
	labels, _ := c.at(id, func(rn *raft.RawNode) error { rn.Tick(); return nil })
	return labels
}

// Fire fires one of node id's timers; it reports false (and does nothing)
// if the timer is not running.
func (c *Cluster) Fire(id int, t raft.Timer) ([]Label, bool) {
	labels, err := c.at(id, func(rn *raft.RawNode) error { return rn.Fire(t) })
	return labels, err == nil
}

// Campaign makes node id start an election now.
func (c *Cluster) Campaign(id int) []Label {
	labels, _ := c.at(id, func(rn *raft.RawNode) error { rn.Campaign(); return nil })
	return labels
}

// Propose proposes value at node id; it reports false if the node is not
// the leader.
func (c *Cluster) Propose(id int, value string) ([]Label, bool) {
	labels, err := c.at(id, func(rn *raft.RawNode) error { return rn.Propose([]byte(value)) })
	return labels, err == nil
}

// TransferLeader asks node id to transfer its leadership to node to; it
// reports false if the node refused (not the leader, or to is itself).
func (c *Cluster) TransferLeader(id, to int) ([]Label, bool) {
	labels, err := c.at(id, func(rn *raft.RawNode) error { return rn.TransferLeader(uint64(to)) })
	if len(labels) > 0 {
		c.Stats.Faults["transfer"]++
	}
	return labels, err == nil
}

// ForgetLeader makes node id forget its leader (nothing unless it is a
// follower that knows one).
func (c *Cluster) ForgetLeader(id int) []Label {
	labels, _ := c.at(id, func(rn *raft.RawNode) error { return rn.ForgetLeader() })
	if len(labels) > 0 {
		c.Stats.Faults["forget-leader"]++
	}
	return labels
}

// MaxReads is the most reads a cluster starts (the model's range).
const MaxReads = 8

// Read asks node id for a read (RawNode.ReadIndex), the next read number
// as its context; it reports false if the node refused it (no leader known)
// or MaxReads reads have begun. The history records the highest commit
// index of any node when it began.
func (c *Cluster) Read(id int) ([]Label, bool) {
	if len(c.reads) >= MaxReads {
		return nil, false
	}
	begin := uint64(0)
	for k := 1; k <= c.opts.N; k++ {
		begin = max(begin, c.Node(k).Status().Commit)
	}
	rid := len(c.reads) + 1
	labels, err := c.at(id, func(rn *raft.RawNode) error { return rn.ReadIndex(ReadCtx(rid)) })
	if err != nil {
		return labels, false
	}
	c.reads = append(c.reads, spec.Read{From: id, Begin: begin})
	c.Stats.Reads++
	return labels, true
}

// answer records that node id handed out a.
func (c *Cluster) answer(id int, a spec.ReadAnswer) {
	as := c.answers[id-1]
	k, found := slices.BinarySearchFunc(as, a, func(x, y spec.ReadAnswer) int {
		if x.ID != y.ID {
			return int(x.ID) - int(y.ID)
		}
		return int(x.Index) - int(y.Index)
	})
	if !found {
		c.answers[id-1] = slices.Insert(as, k, a)
		c.Stats.Answers++
	}
}

func (c *Cluster) readStates(id int) []spec.ReadAnswer { return slices.Clone(c.answers[id-1]) }

// Restart crashes node id and restarts it from its storage.
func (c *Cluster) Restart(id int) []Label {
	c.Stats.Faults["restart"]++
	return c.take(func() { c.nw.Restart(uint64(id)) }, restartLabel(id))
}

// Partition cuts the link from a to b; messages in flight on it are lost.
func (c *Cluster) Partition(a, b int) []Label {
	c.Stats.Faults["partition"]++
	return c.take(func() { c.nw.Cut(uint64(a), uint64(b)) }, linkLabel(raft.ActionPartition, a, b))
}

// Heal restores the link from a to b.
func (c *Cluster) Heal(a, b int) []Label {
	c.Stats.Faults["heal"]++
	return c.take(func() { c.nw.Heal(uint64(a), uint64(b)) }, linkLabel(raft.ActionHeal, a, b))
}

// Cut lists the cut links, sorted.
func (c *Cluster) Cut() []spec.Link {
	out := []spec.Link{}
	for a := 1; a <= c.opts.N; a++ {
		for b := 1; b <= c.opts.N; b++ {
			if c.IsCut(a, b) {
				out = append(out, spec.Link{From: a, To: b})
			}
		}
	}
	return out
}

// Compact makes node id snapshot its state up to index i (the entries up to
// i, which the snapshot's data carries, are its state machine) and drop the
// entries the snapshot covers, as an application does: the spec's
// Compact(id) when i is the node's commit index (the spec compacts up to
// it). i must be applied (at most the commit index) and beyond the node's
// snapshot; Compact returns the storage's error otherwise.
func (c *Cluster) Compact(id int, i uint64) ([]Label, error) {
	if !c.opts.Compaction {
		return nil, fmt.Errorf("properties: Compact on a cluster without Options.Compaction")
	}
	full := c.fullLog(id)
	if i > uint64(len(full)) {
		return nil, fmt.Errorf("properties: node %d: compaction to %d beyond its last index %d", id, i, len(full))
	}
	data, err := json.Marshal(full[:i])
	if err != nil {
		return nil, err
	}
	st := c.nw.Node(uint64(id)).Storage
	if _, err := st.CreateSnapshot(i, data); err != nil {
		return nil, err
	}
	if err := st.Compact(i); err != nil {
		return nil, err
	}
	c.Stats.Compactions++
	return c.take(func() {}, Label{Action: string(raft.ActionCompact), I: id}), nil
}

// snapshotEntries decodes the entries a snapshot made by Compact carries.
func snapshotEntries(snap raft.Snapshot) []raft.Entry {
	if snap.IsEmpty() {
		return nil
	}
	var ents []raft.Entry
	if err := json.Unmarshal(snap.Data, &ents); err != nil || uint64(len(ents)) != snap.Metadata.Index {
		panic(fmt.Sprintf("properties: %v does not carry its %d entries (%v)", snap, snap.Metadata.Index, err))
	}
	return ents
}

// fullLog is node id's log from index 1: the entries its snapshot carries,
// then those it holds.
func (c *Cluster) fullLog(id int) []raft.Entry {
	rn := c.Node(id)
	snap, err := c.nw.Node(uint64(id)).Storage.Snapshot()
	if err != nil {
		panic(err)
	}
	at := rn.Status().Snapshot.Index
	if at != snap.Metadata.Index {
		panic(fmt.Sprintf("properties: node %d's log starts after %d, its stored snapshot is at %d", id, at, snap.Metadata.Index))
	}
	return append(snapshotEntries(snap), rn.Log()...)
}

// projectNode is ProjectNode of node id.
func (c *Cluster) projectNode(id int) spec.Server {
	return ProjectNode(c.Node(id), c.opts.N, c.keepsActive())
}

// keepsActive reports whether the spec keeps a leader's recentActive: with
// CheckQuorum, and with compaction, whose snapshots go to recently active
// followers only (the spec's KeepActive).
func (c *Cluster) keepsActive() bool { return c.opts.CheckQuorum || c.opts.Compaction }
