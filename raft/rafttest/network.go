// Package rafttest is a small deterministic in-memory network of raft
// nodes, for tests and simulations: messages wait in a queue until
// delivered (any of them next), dropped or duplicated, links can be cut in
// either direction, nodes can be isolated, crashed and restarted from their
// storage, also in the middle of handling a message.
//
// A Network does what an application does with each Ready, in the order the
// raft package asks: persist, then send, then apply, then Advance.
//
// raft/'s tests drive it directly; properties.Cluster builds on it the
// cluster whose every step is checked against the model.
package rafttest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/checkedraft/checkedraft/raft"
)

// Node is one member of a Network.
type Node struct {
	ID      uint64
	RN      *raft.RawNode
	Storage *raft.MemoryStorage
	// Applied lists the data of every committed entry applied, in order
	// (empty entries included as nil), since the node last started.
	Applied [][]byte
	// Down is set while the node is crashed.
	Down bool
}

// Network is a set of nodes and the messages in flight between them.
type Network struct {
	Nodes map[uint64]*Node
	IDs   []uint64
	// Queue holds the messages in flight, oldest first.
	Queue []raft.Message
	cut   map[[2]uint64]bool
	cfg   func(id uint64) raft.Config
	// Delivered counts the messages delivered so far.
	Delivered int
	// Ticks counts the calls to Tick.
	Ticks int
	tb    TB
}

// TB is what a Network reports failures to: a *testing.T or *testing.B, or
// anything that stops the run in Fatalf.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Option changes the configuration template of a Network.
type Option func(*raft.Config)

// PreVote enables or disables PreVote on every node.
func PreVote(on bool) Option { return func(c *raft.Config) { c.PreVote = on } }

// CheckQuorum enables or disables CheckQuorum on every node.
func CheckQuorum(on bool) Option { return func(c *raft.Config) { c.CheckQuorum = on } }

// ThesisPreVote enables or disables the thesis pre-vote rule on every node.
func ThesisPreVote(on bool) Option { return func(c *raft.Config) { c.ThesisPreVote = on } }

// Ticks sets the election and heartbeat timeouts.
func Ticks(election, heartbeat int) Option {
	return func(c *raft.Config) { c.ElectionTick, c.HeartbeatTick = election, heartbeat }
}

// Seed sets the seed of the election timeouts.
func Seed(s uint64) Option { return func(c *raft.Config) { c.Seed = s } }

// MaxEntriesPerMsg bounds the entries per append.
func MaxEntriesPerMsg(n int) Option { return func(c *raft.Config) { c.MaxEntriesPerMsg = n } }

// WithTracer sets a tracer on every node.
func WithTracer(t raft.Tracer) Option { return func(c *raft.Config) { c.Tracer = t } }

// New starts a network of n fresh nodes with IDs 1..n. By default the
// election timeout is 10 ticks and the heartbeat 1 tick. What the network
// cannot go on from (a node that refuses a message or cannot start, a
// storage error, messages that never stop) fails tb at once, so that one
// broken test does not stop the others.
func New(tb TB, n int, opts ...Option) *Network {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	nw := &Network{Nodes: map[uint64]*Node{}, IDs: ids, cut: map[[2]uint64]bool{}, tb: tb}
	nw.cfg = func(id uint64) raft.Config {
		c := raft.Config{ID: id, Peers: ids, ElectionTick: 10, HeartbeatTick: 1}
		for _, o := range opts {
			o(&c)
		}
		return c
	}
	for _, id := range ids {
		nw.Nodes[id] = &Node{ID: id, Storage: raft.NewMemoryStorage()}
		nw.start(id)
	}
	return nw
}

func (nw *Network) start(id uint64) {
	n := nw.Nodes[id]
	cfg := nw.cfg(id)
	cfg.Storage = n.Storage
	rn, err := raft.NewRawNode(&cfg)
	if err != nil {
		nw.tb.Helper()
		nw.tb.Fatalf("rafttest: starting node %d: %v", id, err)
	}
	n.RN, n.Down, n.Applied = rn, false, nil
}

// Node returns node id.
func (nw *Network) Node(id uint64) *Node { return nw.Nodes[id] }

// Status returns node id's status.
func (nw *Network) Status(id uint64) raft.Status { return nw.Nodes[id].RN.Status() }

// Process handles every pending Ready of node id: persist, send, apply,
// Advance.
func (nw *Network) Process(id uint64) {
	n := nw.Nodes[id]
	if n.Down {
		return
	}
	for n.RN.HasReady() {
		rd := nw.persist(n)
		for _, m := range rd.Messages {
			nw.send(m)
		}
		for _, e := range rd.CommittedEntries {
			n.Applied = append(n.Applied, e.Data)
		}
		n.RN.Advance()
	}
}

// persist takes node n's Ready and hands its state to the node's storage.
func (nw *Network) persist(n *Node) raft.Ready {
	rd := n.RN.Ready()
	if !rd.Snapshot.IsEmpty() {
		nw.must(n.Storage.ApplySnapshot(rd.Snapshot))
	}
	if !rd.HardState.IsEmpty() {
		nw.must(n.Storage.SetHardState(rd.HardState))
	}
	nw.must(n.Storage.Append(rd.Entries))
	return rd
}

func (nw *Network) must(err error) {
	if err != nil {
		nw.tb.Helper()
		nw.tb.Fatalf("rafttest: %v", err)
	}
}

// Compact makes node id's storage take a snapshot at index i (data naming
// the index) and drop the entries up to it, as an application compacting
// its log does. It returns the storage's error: i must be committed and
// persisted, and newer than the last snapshot.
func (nw *Network) Compact(id, i uint64) error {
	st := nw.Nodes[id].Storage
	if _, err := st.CreateSnapshot(i, []byte(fmt.Sprintf("snapshot@%d", i))); err != nil {
		return err
	}
	return st.Compact(i)
}

// ProcessAll processes every live node's Ready.
func (nw *Network) ProcessAll() {
	for _, id := range nw.IDs {
		nw.Process(id)
	}
}

func (nw *Network) send(m raft.Message) {
	if nw.IsCut(m.From, m.To) {
		return // lost on a cut link
	}
	nw.Queue = append(nw.Queue, m)
}

// Deliver delivers the i-th message in flight and processes the receiver's
// Ready. A message to a crashed node is lost. It returns the error of Step.
func (nw *Network) Deliver(i int) error {
	_, n, err := nw.step(i)
	if n != nil {
		nw.Process(n.ID)
	}
	return err
}

// step takes the i-th message out of the queue and steps its receiver with
// it; the receiver is nil (and nothing stepped) if it is down.
func (nw *Network) step(i int) (raft.Message, *Node, error) {
	m := nw.Queue[i]
	nw.Queue = slices.Delete(nw.Queue, i, i+1)
	n := nw.Nodes[m.To]
	if n == nil || n.Down {
		return m, nil, nil
	}
	nw.Delivered++
	return m, n, n.RN.Step(m)
}

// DeliverThenRestart delivers the i-th message in flight, but its receiver
// crashes before it persists anything of the step and restarts at once
// from its storage: the step is lost with the message. Messages in flight
// to the receiver stay. It returns the message and the error of Step.
func (nw *Network) DeliverThenRestart(i int) (raft.Message, error) {
	m, n, err := nw.step(i)
	if n != nil {
		nw.start(n.ID)
	}
	return m, err
}

// DeliverPersistThenRestart delivers the i-th message in flight; its
// receiver persists the state of the step but crashes before it sends
// anything, and restarts at once from its storage. It returns the message,
// the messages the step would have put in flight (those on cut links would
// have been lost anyway) and the error of Step.
func (nw *Network) DeliverPersistThenRestart(i int) (m raft.Message, unsent []raft.Message, err error) {
	m, n, err := nw.step(i)
	if n == nil {
		return m, nil, err
	}
	for n.RN.HasReady() {
		for _, out := range nw.persist(n).Messages {
			if !nw.IsCut(out.From, out.To) {
				unsent = append(unsent, out)
			}
		}
		n.RN.Advance()
	}
	nw.start(n.ID)
	return m, unsent, err
}

// Drop loses the i-th message in flight.
func (nw *Network) Drop(i int) { nw.Queue = slices.Delete(nw.Queue, i, i+1) }

// Duplicate puts a second copy of the i-th message in flight, last in the
// queue.
func (nw *Network) Duplicate(i int) {
	dup := nw.Queue[i]
	dup.Entries = slices.Clone(dup.Entries)
	nw.Queue = append(nw.Queue, dup)
}

// Stabilize delivers messages, oldest first, until none is in flight (at
// most limit deliveries; beyond, the nodes never stop talking and the test
// fails). A node that refuses a message fails the test: a correct cluster
// never sends one.
func (nw *Network) Stabilize() {
	const limit = 100000
	nw.ProcessAll()
	for k := 0; len(nw.Queue) > 0; k++ {
		if k == limit {
			nw.tb.Helper()
			nw.tb.Fatalf("rafttest: Stabilize: messages still in flight after %d deliveries", limit)
		}
		nw.must(nw.Deliver(0))
	}
}

// Tick ticks every live node once, then stabilizes: on this network a
// message takes no time to arrive.
func (nw *Network) Tick() {
	nw.Ticks++
	for _, id := range nw.IDs {
		if n := nw.Nodes[id]; !n.Down {
			n.RN.Tick()
		}
	}
	nw.Stabilize()
}

// TickN calls Tick n times.
func (nw *Network) TickN(n int) {
	for range n {
		nw.Tick()
	}
}

// Campaign makes node id start an election now and stabilizes.
func (nw *Network) Campaign(id uint64) {
	nw.Nodes[id].RN.Campaign()
	nw.Stabilize()
}

// Propose proposes data at node id and stabilizes.
func (nw *Network) Propose(id uint64, data string) error {
	if err := nw.Nodes[id].RN.Propose([]byte(data)); err != nil {
		return err
	}
	nw.Stabilize()
	return nil
}

// Cut cuts the link from a to b (one direction). Messages in flight on it
// are lost.
func (nw *Network) Cut(a, b uint64) {
	nw.cut[[2]uint64{a, b}] = true
	nw.Queue = slices.DeleteFunc(nw.Queue, func(m raft.Message) bool { return m.From == a && m.To == b })
}

// CutBoth cuts the links between a and b in both directions.
func (nw *Network) CutBoth(a, b uint64) { nw.Cut(a, b); nw.Cut(b, a) }

// Heal restores the link from a to b.
func (nw *Network) Heal(a, b uint64) { delete(nw.cut, [2]uint64{a, b}) }

// IsCut reports whether the link from a to b is cut.
func (nw *Network) IsCut(a, b uint64) bool { return nw.cut[[2]uint64{a, b}] }

// HealBoth restores the links between a and b in both directions.
func (nw *Network) HealBoth(a, b uint64) { nw.Heal(a, b); nw.Heal(b, a) }

// Isolate cuts every link to and from id.
func (nw *Network) Isolate(id uint64) {
	for _, o := range nw.IDs {
		if o != id {
			nw.CutBoth(id, o)
		}
	}
}

// HealAll restores every link.
func (nw *Network) HealAll() { clear(nw.cut) }

// Topology cuts every link except those between the listed pairs (in both
// directions).
func (nw *Network) Topology(links ...[2]uint64) {
	for _, a := range nw.IDs {
		for _, b := range nw.IDs {
			if a != b {
				nw.CutBoth(a, b)
			}
		}
	}
	for _, l := range links {
		nw.HealBoth(l[0], l[1])
	}
}

// Crash stops node id: whatever it has not handed out and had persisted is
// lost, and messages to it are dropped until Restart.
func (nw *Network) Crash(id uint64) {
	nw.Nodes[id].Down = true
	nw.Queue = slices.DeleteFunc(nw.Queue, func(m raft.Message) bool { return m.To == id })
}

// Restart starts node id again from its storage. Called on a live node it
// is a crash and an immediate restart: what the node had not handed out is
// lost, messages in flight to it stay.
func (nw *Network) Restart(id uint64) { nw.start(id) }

// Leaders lists the live nodes that are leaders, with their terms.
func (nw *Network) Leaders() map[uint64]uint64 {
	out := map[uint64]uint64{}
	for _, id := range nw.IDs {
		if n := nw.Nodes[id]; !n.Down {
			if st := n.RN.Status(); st.Role == raft.Leader {
				out[id] = st.Term
			}
		}
	}
	return out
}

// Leader returns the live leader with the highest term (0 if none).
func (nw *Network) Leader() (id, term uint64) {
	for l, t := range nw.Leaders() {
		if t > term || (t == term && l < id) {
			id, term = l, t
		}
	}
	return id, term
}

// Describe prints every node's role, term, vote, leader and log summary.
func (nw *Network) Describe() string {
	var b strings.Builder
	for _, id := range nw.IDs {
		n := nw.Nodes[id]
		if n.Down {
			fmt.Fprintf(&b, "%d: down\n", id)
			continue
		}
		st := n.RN.Status()
		fmt.Fprintf(&b, "%d: %v term=%d vote=%d lead=%d last=%d/%d commit=%d\n",
			id, st.Role, st.Term, st.Vote, st.Lead, st.LastIndex, st.LastTerm, st.Commit)
	}
	return b.String()
}
