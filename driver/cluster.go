package driver

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// Cluster is a deterministic simulated cluster of one library's nodes,
// 1..N, driven by Actions. Messages in flight are a list in a canonical
// order (see Normalisations): an action names a message by its position.
// Every action handles the Ready of the node it touched (HandleReady)
// before it returns, so the cluster is always quiescent between actions.
type Cluster struct {
	lib    Library
	cfgs   []Config
	nodes  []Driver
	stores []*Storage
	flight []spec.Message
	cut    map[spec.Link]bool
	// sent is what the last action made nodes send (cut links included);
	// raw is the same in the order the library handed it out.
	sent, raw []spec.Message
	// refused is the error a node returned for the last action ("" if
	// none), other than ErrNotLeader, which notLeader records.
	refused   string
	notLeader bool
	// reads is the number of reads issued; answers[id-1] the reads node id
	// answered, kept across restarts.
	reads   int
	answers [][]spec.ReadAnswer
}

// NewCluster starts one fresh node of lib per config (cfgs[i].ID == i+1).
func NewCluster(lib Library, cfgs []Config) (*Cluster, error) {
	c := &Cluster{lib: lib, cfgs: cfgs, cut: map[spec.Link]bool{}, answers: make([][]spec.ReadAnswer, len(cfgs))}
	for i, cfg := range cfgs {
		if cfg.ID != i+1 || cfg.N != len(cfgs) {
			return nil, fmt.Errorf("driver: cluster: config %d has ID %d and N %d, want ID %d and N %d", i, cfg.ID, cfg.N, i+1, len(cfgs))
		}
		c.stores = append(c.stores, &Storage{})
		d, err := lib.Start(cfg, c.stores[i].Clone())
		if err != nil {
			return nil, fmt.Errorf("driver: %s: starting node %d: %w", lib.Name, cfg.ID, err)
		}
		c.nodes = append(c.nodes, d)
	}
	return c, nil
}

// N is the number of nodes.
func (c *Cluster) N() int { return len(c.nodes) }

// Node returns node id's driver.
func (c *Cluster) Node(id int) Driver { return c.nodes[id-1] }

// Storage returns what node id persisted.
func (c *Cluster) Storage(id int) *Storage { return c.stores[id-1] }

// Flight lists the messages in flight.
func (c *Cluster) Flight() []spec.Message { return c.flight }

// Sent is what the last action made nodes send, cut links included, in
// canonical order.
func (c *Cluster) Sent() []spec.Message { return c.sent }

// RawSent is Sent in the order the library handed the messages out.
func (c *Cluster) RawSent() []spec.Message { return c.raw }

// Refused is the error a node returned for the last action, "" if none
// (ErrNotLeader aside).
func (c *Cluster) Refused() string { return c.refused }

// Leader returns a node that is leader at the highest term, 0 if none.
func (c *Cluster) Leader() int {
	best, term := 0, uint64(0)
	for id := 1; id <= c.N(); id++ {
		if s := c.nodes[id-1].State().Server; s.Role == spec.Leader && s.Term >= term {
			best, term = id, s.Term
		}
	}
	return best
}

// Apply takes one action. An error is the harness's (a bad action, a
// failure to persist); a node refusing a message is recorded, not
// returned, so that two libraries can be compared on it.
func (c *Cluster) Apply(a Action) (err error) {
	c.sent, c.raw, c.refused, c.notLeader = nil, nil, "", false
	defer func() {
		// A library that panics fails the schedule, with the action.
		if p := recover(); p != nil {
			err = fmt.Errorf("driver: %s panicked on %v: %v", c.lib.Name, a, p)
		}
	}()
	if err := c.check(a); err != nil {
		return err
	}
	var stepErr error
	id := a.Node
	switch a.Kind {
	case Tick:
		c.nodes[id-1].Tick()
	case Campaign:
		stepErr = c.nodes[id-1].Campaign()
	case Propose:
		stepErr = c.nodes[id-1].Propose(a.Value)
	case TransferLeader:
		stepErr = c.nodes[id-1].TransferLeader(a.Target)
	case ForgetLeader:
		stepErr = c.nodes[id-1].ForgetLeader()
	case Read:
		r, ok := c.nodes[id-1].(Reader)
		if !ok {
			return fmt.Errorf("driver: %s: node %d cannot read (no Reader)", c.lib.Name, id)
		}
		c.reads++
		stepErr = r.ReadIndex(uint64(c.reads))
	case Deliver:
		m := c.flight[a.Msg]
		c.flight = slices.Delete(c.flight, a.Msg, a.Msg+1)
		id = m.To
		stepErr = c.nodes[id-1].Step(m)
	case Drop:
		c.flight = slices.Delete(c.flight, a.Msg, a.Msg+1)
		return nil
	case Duplicate:
		c.flight = append(c.flight, c.flight[a.Msg])
		return nil
	case Isolate:
		for j := 1; j <= c.N(); j++ {
			if j != id {
				c.cut[spec.Link{From: id, To: j}] = true
				c.cut[spec.Link{From: j, To: id}] = true
			}
		}
		c.flight = slices.DeleteFunc(c.flight, func(m spec.Message) bool { return c.cut[spec.Link{From: m.From, To: m.To}] })
		return nil
	case Heal:
		clear(c.cut)
		return nil
	case Compact:
		st := c.stores[id-1]
		if st.Applied <= st.SnapshotIndex {
			return nil // nothing applied since the snapshot
		}
		cp, ok := c.nodes[id-1].(Compactor)
		if !ok {
			return fmt.Errorf("driver: %s: node %d cannot compact", c.lib.Name, id)
		}
		if err := cp.Compact(st.Applied); err != nil {
			return fmt.Errorf("driver: %s: node %d: compacting to %d: %w", c.lib.Name, id, st.Applied, err)
		}
		if err := st.Compact(st.Applied); err != nil {
			return err
		}
	case Restart:
		d, err := c.lib.Start(c.cfgs[id-1], c.stores[id-1].Clone())
		if err != nil {
			return fmt.Errorf("driver: %s: restarting node %d: %w", c.lib.Name, id, err)
		}
		c.nodes[id-1] = d
	}
	switch {
	case errors.Is(stepErr, ErrNotLeader):
		c.notLeader = true
	case stepErr != nil:
		c.refused = stepErr.Error()
	}
	raw, err := HandleReady(answering{c.nodes[id-1], func(rs []spec.ReadAnswer) { c.answer(id, rs) }}, c.stores[id-1], nil)
	if err != nil {
		return fmt.Errorf("driver: %s: node %d after %v: %w", c.lib.Name, id, a, err)
	}
	c.raw = raw
	c.sent = canonicalOrder(raw)
	for _, m := range c.sent {
		if !c.cut[spec.Link{From: m.From, To: m.To}] {
			c.flight = append(c.flight, m)
		}
	}
	return nil
}

func (c *Cluster) check(a Action) error {
	switch a.Kind {
	case Tick, Campaign, Propose, Isolate, Restart, Compact, TransferLeader, ForgetLeader, Read:
		if a.Node < 1 || a.Node > c.N() {
			return fmt.Errorf("driver: action %v: node %d is outside 1..%d", a, a.Node, c.N())
		}
		if a.Kind == TransferLeader && (a.Target < 1 || a.Target > c.N() || a.Target == a.Node) {
			return fmt.Errorf("driver: action %v: target %d is not another node of 1..%d", a, a.Target, c.N())
		}
	case Deliver, Drop, Duplicate:
		if a.Msg < 0 || a.Msg >= len(c.flight) {
			return fmt.Errorf("driver: action %v: message %d is outside the %d in flight", a, a.Msg, len(c.flight))
		}
	case Heal:
	default:
		return fmt.Errorf("driver: unknown action %v", a)
	}
	return nil
}

// Snapshot is everything the differential runs compare between two
// clusters after an action.
type Snapshot struct {
	Nodes []NodeSnapshot
	// Sent is the multiset of messages the action produced, in canonical
	// order.
	Sent   []spec.Message
	Flight []spec.Message
	Cut    []spec.Link
	// Refused is whether a node returned an error for the action (the
	// texts differ between libraries: Cluster.Refused has it), NotLeader
	// whether a proposal was refused for want of leadership.
	Refused   bool
	NotLeader bool
}

// NodeSnapshot is one node: its projection, what it persisted and the
// reads it answered (every Ready's ReadStates so far, sorted).
type NodeSnapshot struct {
	State     NodeState
	Persisted Storage
	Answers   []spec.ReadAnswer
}

// answering is a Driver whose Ready also hands its read states to answer.
type answering struct {
	Driver
	answer func([]spec.ReadAnswer)
}

func (a answering) Ready() Ready {
	rd := a.Driver.Ready()
	a.answer(rd.ReadStates)
	return rd
}

// answer records the reads node id answered, as a sorted set (the order
// within one Ready means nothing).
func (c *Cluster) answer(id int, rs []spec.ReadAnswer) {
	for _, a := range rs {
		k, found := slices.BinarySearchFunc(c.answers[id-1], a, compareAnswers)
		if !found {
			c.answers[id-1] = slices.Insert(c.answers[id-1], k, a)
		}
	}
}

func compareAnswers(a, b spec.ReadAnswer) int {
	switch {
	case a.ID != b.ID:
		return cmp.Compare(a.ID, b.ID)
	default:
		return cmp.Compare(a.Index, b.Index)
	}
}

// Reads is the number of reads issued.
func (c *Cluster) Reads() int { return c.reads }

// Answers is the number of distinct answers the nodes handed out.
func (c *Cluster) Answers() int {
	n := 0
	for _, as := range c.answers {
		n += len(as)
	}
	return n
}

// Snapshot returns the cluster's current state for comparison.
func (c *Cluster) Snapshot() Snapshot {
	s := Snapshot{
		Sent:      cloneMessages(c.sent),
		Flight:    cloneMessages(c.flight),
		Refused:   c.refused != "",
		NotLeader: c.notLeader,
	}
	for l := range c.cut {
		s.Cut = append(s.Cut, l)
	}
	spec.SortLinks(s.Cut)
	for i, d := range c.nodes {
		s.Nodes = append(s.Nodes, NodeSnapshot{State: d.State(), Persisted: *c.stores[i].Clone(), Answers: slices.Clone(c.answers[i])})
	}
	return s
}

// cloneMessages copies messages and their entries, so that a snapshot
// shares nothing with the cluster or another snapshot.
func cloneMessages(msgs []spec.Message) []spec.Message {
	out := slices.Clone(msgs)
	for i := range out {
		out[i].Entries = slices.Clone(out[i].Entries)
	}
	return out
}
