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
// injected by kind, the highest term, elections, commits and steps/s.
//
// A failure is shrunk by rapid and printed with the seed that reproduces
// it (RAPID_SEED or -rapid.seed) and a fail file under testdata/rapid.
// Fail files are not committed (.gitignore): they only replay against the
// commit that wrote them, and a failure worth keeping becomes a named
// regression test in raft/ instead.
package properties

import (
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/raft"
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
}

// Label is one step of the abstract model (an action of tla/Raft.tla and
// its parameters).
type Label = model.Label

type node struct {
	rn      *raft.RawNode
	storage *raft.MemoryStorage
}

// Cluster is a deterministic simulated cluster of raft nodes with IDs
// 1..N. Messages in flight form a bag (Flight lists them; any may be
// delivered next). Every action processes the Ready of the nodes it touched
// at once (persist, then send, then Advance), unless it injects a crash in
// between.
type Cluster struct {
	opts   Options
	nodes  []*node
	flight []raft.Message
	cut    map[spec.Link]bool
	// events collects the trace events of the current action.
	events []raft.TraceEvent
	// Stats counts what happened.
	Stats Stats
	// OnStep, when set, is called with every model step the cluster takes,
	// in order, and the state of the node that took it (nil for the
	// network's steps).
	OnStep func(l Label, node *raft.NodeState)
}

// Stats summarises a run.
type Stats struct {
	Steps     int
	Faults    map[string]int
	MaxTerm   uint64
	Elections int
	Commits   uint64
}

// NewCluster starts a cluster of fresh nodes.
func NewCluster(o Options) *Cluster {
	if o.ElectionTick == 0 {
		o.ElectionTick = 10
	}
	if o.HeartbeatTick == 0 {
		o.HeartbeatTick = 1
	}
	c := &Cluster{opts: o, cut: map[spec.Link]bool{}, Stats: Stats{Faults: map[string]int{}}}
	for range o.N {
		c.nodes = append(c.nodes, &node{storage: raft.NewMemoryStorage()})
	}
	for id := 1; id <= o.N; id++ {
		c.start(id)
	}
	return c
}

// String names the cluster shape, e.g. "n3/prevote=true/checkquorum=false".
func (o Options) String() string {
	s := fmt.Sprintf("n%d/prevote=%v/checkquorum=%v", o.N, o.PreVote, o.CheckQuorum)
	if o.MaxEntriesPerMsg > 0 {
		s += fmt.Sprintf("/batch=%d", o.MaxEntriesPerMsg)
	}
	return s
}

// Options returns the cluster's options.
func (c *Cluster) Options() Options { return c.opts }

func (c *Cluster) start(id int) {
	peers := make([]uint64, c.opts.N)
	for i := range peers {
		peers[i] = uint64(i + 1)
	}
	n := c.nodes[id-1]
	cfg := raft.Config{
		ID: uint64(id), Peers: peers, Storage: n.storage,
		ElectionTick: c.opts.ElectionTick, HeartbeatTick: c.opts.HeartbeatTick,
		PreVote: c.opts.PreVote, CheckQuorum: c.opts.CheckQuorum,
		MaxEntriesPerMsg: c.opts.MaxEntriesPerMsg,
		Seed:             c.opts.Seed,
		Tracer:           raft.TracerFunc(func(ev raft.TraceEvent) { c.events = append(c.events, ev) }),
	}
	rn, err := raft.NewRawNode(&cfg)
	if err != nil {
		panic(fmt.Sprintf("properties: restarting node %d from its storage: %v", id, err))
	}
	n.rn = rn
}

// Node returns node id's RawNode.
func (c *Cluster) Node(id int) *raft.RawNode { return c.nodes[id-1].rn }

// Flight lists the messages in flight.
func (c *Cluster) Flight() []raft.Message { return c.flight }

// IsCut reports whether the link from a to b is cut.
func (c *Cluster) IsCut(a, b int) bool { return c.cut[spec.Link{From: a, To: b}] }

// persist hands node id's Ready to its storage and returns it.
func (c *Cluster) persist(id int) raft.Ready {
	n := c.nodes[id-1]
	rd := n.rn.Ready()
	if !rd.HardState.IsEmpty() {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			panic(err)
		}
	}
	if err := n.storage.Append(rd.Entries); err != nil {
		panic(err)
	}
	return rd
}

// process persists, sends and acknowledges every Ready of node id.
func (c *Cluster) process(id int) {
	n := c.nodes[id-1]
	for n.rn.HasReady() {
		rd := c.persist(id)
		for _, m := range rd.Messages {
			if !c.cut[spec.Link{From: int(m.From), To: int(m.To)}] {
				c.flight = append(c.flight, m)
			}
		}
		n.rn.Advance()
	}
}

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
		if c.OnStep != nil {
			c.OnStep(l, &ev.State)
		}
		if ev.State.Role == raft.Leader && (ev.Action == raft.ActionHandleVoteResponse || ev.Action == raft.ActionTimeout) {
			c.Stats.Elections++
		}
		c.Stats.MaxTerm = max(c.Stats.MaxTerm, ev.State.Term)
		c.Stats.Commits = max(c.Stats.Commits, ev.State.Commit)
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
		var st *raft.NodeState
		if raft.Action(l.Action) == raft.ActionRestart {
			s := c.nodeState(l.I)
			st = &s
		}
		c.OnStep(l, st)
	}
}

func (c *Cluster) nodeState(id int) raft.NodeState {
	st := c.nodes[id-1].rn.Status()
	return raft.NodeState{Term: st.Term, Vote: st.Vote, Role: st.Role, Lead: st.Lead, Lease: st.Lease,
		Commit: st.Commit, LastIndex: st.LastIndex, LastTerm: st.LastTerm}
}

// EventLabel maps a trace event to the model step it realises.
func EventLabel(ev raft.TraceEvent) Label {
	l := Label{Action: string(ev.Action), I: int(ev.Node), Value: string(ev.Value)}
	if ev.Msg != nil {
		m := SpecMessage(*ev.Msg)
		l.Msg, l.J = &m, int(ev.Msg.From)
	}
	return l
}

// takeFlight removes message i from the messages in flight and returns it.
func (c *Cluster) takeFlight(i int) raft.Message {
	m := c.flight[i]
	c.flight = slices.Delete(c.flight, i, i+1)
	return m
}

// Deliver delivers message i of Flight to its receiver. A node that refuses
// a message (Step returns an error) is a bug in the sender: it is returned.
func (c *Cluster) Deliver(i int) ([]Label, error) {
	m := c.takeFlight(i)
	var err error
	labels := c.take(func() {
		err = c.nodes[m.To-1].rn.Step(m)
		c.process(int(m.To))
	})
	return labels, err
}

// DeliverThenCrash delivers message i, then crashes its receiver before it
// persists anything of the step, and restarts it from its storage: the step
// happened in memory only and is lost with the message, so the model sees
// DropMessage, then Restart.
func (c *Cluster) DeliverThenCrash(i int) ([]Label, error) {
	m := c.takeFlight(i)
	to := int(m.To)
	c.Stats.Faults["crash-before-persist"]++
	sm := SpecMessage(m)
	err := c.nodes[to-1].rn.Step(m)
	c.start(to)
	c.Stats.Steps++
	labels := []Label{{Action: string(raft.ActionDropMessage), I: to, J: int(m.From), Msg: &sm}, {Action: string(raft.ActionRestart), I: to}}
	c.report(labels...)
	return labels, err
}

// DeliverPersistThenCrash delivers message i; its receiver persists the
// step's state but crashes before sending anything, and restarts from its
// storage (the step, the loss of its messages, Restart).
func (c *Cluster) DeliverPersistThenCrash(i int) ([]Label, error) {
	m := c.takeFlight(i)
	to := int(m.To)
	c.Stats.Faults["crash-after-persist"]++
	var err error
	var sent []raft.Message
	labels := c.take(func() {
		err = c.nodes[to-1].rn.Step(m)
		n := c.nodes[to-1]
		for n.rn.HasReady() {
			rd := c.persist(to)
			sent = append(sent, rd.Messages...)
			n.rn.Advance()
		}
	})
	// The messages of the step were never sent: lost, as the model sees it
	// (those on cut links were lost anyway).
	var lost []Label
	for _, out := range sent {
		if !c.cut[spec.Link{From: int(out.From), To: int(out.To)}] {
			sm := SpecMessage(out)
			lost = append(lost, Label{Action: string(raft.ActionDropMessage), I: int(out.To), J: int(out.From), Msg: &sm})
		}
	}
	c.start(to)
	lost = append(lost, Label{Action: string(raft.ActionRestart), I: to})
	c.report(lost...)
	return append(labels, lost...), err
}

// Drop loses message i.
func (c *Cluster) Drop(i int) []Label {
	m := c.takeFlight(i)
	c.Stats.Faults["drop"]++
	sm := SpecMessage(m)
	return c.take(func() {}, Label{Action: string(raft.ActionDropMessage), I: int(m.To), J: int(m.From), Msg: &sm})
}

// Duplicate puts a second copy of message i in flight.
func (c *Cluster) Duplicate(i int) []Label {
	m := c.flight[i]
	dup := m
	dup.Entries = slices.Clone(m.Entries)
	c.flight = append(c.flight, dup)
	c.Stats.Faults["duplicate"]++
	sm := SpecMessage(m)
	return c.take(func() {}, Label{Action: string(raft.ActionDuplicateMessage), I: int(m.To), J: int(m.From), Msg: &sm})
}

// Tick ticks node id once.
func (c *Cluster) Tick(id int) []Label {
	return c.take(func() {
		c.nodes[id-1].rn.Tick()
		c.process(id)
	})
}

// Fire fires one of node id's timers; it reports false (and does nothing)
// if the timer is not running.
func (c *Cluster) Fire(id int, t raft.Timer) ([]Label, bool) {
	var err error
	labels := c.take(func() {
		err = c.nodes[id-1].rn.Fire(t)
		c.process(id)
	})
	return labels, err == nil
}

// Campaign makes node id start an election now.
func (c *Cluster) Campaign(id int) []Label {
	return c.take(func() {
		c.nodes[id-1].rn.Campaign()
		c.process(id)
	})
}

// Propose proposes value at node id; it reports false if the node is not
// the leader.
func (c *Cluster) Propose(id int, value string) ([]Label, bool) {
	var err error
	labels := c.take(func() {
		err = c.nodes[id-1].rn.Propose([]byte(value))
		c.process(id)
	})
	return labels, err == nil
}

// Restart crashes node id and restarts it from its storage.
func (c *Cluster) Restart(id int) []Label {
	c.Stats.Faults["restart"]++
	return c.take(func() { c.start(id) }, Label{Action: string(raft.ActionRestart), I: id})
}

// Partition cuts the link from a to b; messages in flight on it are lost.
func (c *Cluster) Partition(a, b int) []Label {
	c.Stats.Faults["partition"]++
	return c.take(func() {
		c.cut[spec.Link{From: a, To: b}] = true
		c.flight = slices.DeleteFunc(c.flight, func(m raft.Message) bool { return int(m.From) == a && int(m.To) == b })
	}, Label{Action: string(raft.ActionPartition), I: a, J: b})
}

// Heal restores the link from a to b.
func (c *Cluster) Heal(a, b int) []Label {
	c.Stats.Faults["heal"]++
	return c.take(func() { delete(c.cut, spec.Link{From: a, To: b}) }, Label{Action: string(raft.ActionHeal), I: a, J: b})
}

// Cut lists the cut links, sorted.
func (c *Cluster) Cut() []spec.Link {
	out := make([]spec.Link, 0, len(c.cut))
	for l := range c.cut {
		out = append(out, l)
	}
	spec.SortLinks(out)
	return out
}
