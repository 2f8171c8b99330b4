package kv_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/kv"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// shape is a cluster shape and read mode a property run covers.
type shape struct {
	n                    int
	preVote, checkQuorum bool
	reads                kv.ReadMode
	// lease: lease-based reads (raft.ReadOnlyLeaseBased). Their safety
	// rests on timing, so the schedule follows a clock model (see
	// cluster.tickAll) instead of firing timers anywhere.
	lease bool
	// freeClock: lease-based reads without the clock model, timers fired
	// anywhere as in the other modes (expected to fail: TestLeaseNeedsClock).
	freeClock bool
	// heartbeat is the heartbeat interval in ticks (default 1; the
	// election timeout is 5 ticks, or heartbeat+4).
	heartbeat int
}

func (s shape) String() string {
	r := s.reads.String()
	if s.lease {
		r = "lease"
		if s.freeClock {
			r += "-freeclock"
		}
	} else if s.reads == kv.ReadThroughIndex {
		r = "safe"
	}
	return fmt.Sprintf("n%d,prevote=%v,checkquorum=%v,reads=%s", s.n, s.preVote, s.checkQuorum, r)
}

// The clients' keys: few, so that requests collide.
var keys = []string{"x", "y"}

// client is one of the concurrent clients: it has at most one request
// outstanding, which it retries, at the leader or anywhere, until a node
// it asked answers.
type client struct {
	id   uint64
	seq  uint64
	req  kv.Request
	busy bool
	call int64
	// asked: the nodes (incarnations) asked for req so far; a crash
	// forgets the node's requests.
	asked map[uint64]bool
}

// cluster is one case: a rafttest network of kv nodes, the clients, and
// the history they recorded.
type cluster struct {
	t       *rapid.T
	s       shape
	nw      *rafttest.Network
	nodes   map[uint64]*kv.Node
	clients []*client
	now     int64
	ops     []porcupine.Operation
	// written lists the values put to each key, for compare-and-swaps that
	// may succeed.
	written map[string][]string
	fig     figures
	seed    uint64
	draws   uint64
}

func newCluster(t *rapid.T, s shape, clients int) *cluster {
	seed := rapid.Uint64().Draw(t, "seed")
	opts := []rafttest.Option{rafttest.PreVote(s.preVote), rafttest.CheckQuorum(s.checkQuorum), rafttest.Seed(seed),
		rafttest.Ticks(max(1, s.heartbeat)+4, max(1, s.heartbeat))}
	if s.lease {
		opts = append(opts, func(c *raft.Config) { c.ReadOnlyOption = raft.ReadOnlyLeaseBased })
	}
	c := &cluster{t: t, s: s, seed: seed, nodes: map[uint64]*kv.Node{}, written: map[string][]string{}, fig: newFigures()}
	c.nw = rafttest.New(t, s.n, opts...)
	c.nw.OnReady = c.onReady
	for _, id := range c.nw.IDs {
		c.nodes[id] = kv.NewNode(c.nw.Node(id).RN, s.reads)
	}
	for i := range clients {
		c.clients = append(c.clients, &client{id: uint64(i + 1), asked: map[uint64]bool{}})
	}
	return c
}

// reincarnate gives a restarted node a fresh kv node (its store is rebuilt
// from the log) and makes every client forget what it asked the old one.
func (c *cluster) reincarnate(id uint64) {
	n := c.nw.Node(id)
	if c.nodes[id].RN == n.RN && !n.Down {
		return
	}
	c.nodes[id] = kv.NewNode(n.RN, c.s.reads)
	for _, cl := range c.clients {
		delete(cl.asked, id)
	}
}

func (c *cluster) onReady(n *rafttest.Node, rd raft.Ready) {
	kn := c.nodes[n.ID]
	if kn.RN != n.RN {
		c.reincarnate(n.ID)
		kn = c.nodes[n.ID]
	}
	resps, err := kn.Apply(rd)
	if err != nil {
		c.t.Fatalf("node %d: %v", n.ID, err)
	}
	for _, r := range resps {
		if r.Duplicate {
			c.fig.duplicates++
		}
		c.respond(n.ID, r)
	}
}

// respond hands node id's answer to its client, if the client waits for
// it from that node.
func (c *cluster) respond(id uint64, r kv.Response) {
	cl := c.clients[r.Req.Client-1]
	if !cl.busy || cl.req.Seq != r.Req.Seq || !cl.asked[id] {
		return
	}
	c.now++
	c.ops = append(c.ops, porcupine.Operation{ClientId: int(cl.id - 1), Input: cl.req, Call: cl.call,
		Output: output{res: r.Res, known: true}, Return: c.now})
	cl.busy = false
	if r.Read {
		c.fig.indexReads++
	}
	c.t.Logf("  node %d answers %v: %+v (index %d)", id, r.Req, r.Res, r.Index)
}

// submit sends client cl's request to node id (lost if the node is down).
func (c *cluster) submit(cl *client, id uint64) {
	n := c.nw.Node(id)
	if n.Down {
		return
	}
	err := c.nodes[id].Submit(cl.req)
	switch {
	case errors.Is(err, kv.ErrNotServed):
		c.fig.refused++
		return
	case err != nil:
		c.t.Fatalf("submit %v at node %d: %v", cl.req, id, err)
	}
	cl.asked[id] = true
	c.nw.Process(id)
}

// target is where a client sends a request: mostly to a node that
// believes it leads (a client cannot tell a deposed leader from the
// current one), otherwise anywhere.
func (c *cluster) target(t *rapid.T) uint64 {
	leaders := slices.Sorted(maps.Keys(c.nw.Leaders()))
	if len(leaders) > 0 && c.uniform(t, 5, "elsewhere") > 0 {
		return leaders[c.uniform(t, len(leaders), "leader")]
	}
	return c.node(t)
}

func (c *cluster) node(t *rapid.T) uint64 {
	return uint64(1 + c.uniform(t, c.s.n, "node"))
}

func (c *cluster) invoke(t *rapid.T) {
	var idle []*client
	for _, cl := range c.clients {
		if !cl.busy {
			idle = append(idle, cl)
		}
	}
	cl := rapid.SampledFrom(idle).Draw(t, "client")
	cl.seq++
	req := kv.Request{Client: cl.id, Seq: cl.seq,
		Kind: rapid.SampledFrom([]kv.Kind{kv.Get, kv.Put, kv.CAS}).Draw(t, "kind"),
		Key:  rapid.SampledFrom(keys).Draw(t, "key")}
	switch req.Kind {
	case kv.Put, kv.CAS:
		req.Value = fmt.Sprintf("%d.%d", cl.id, cl.seq)
	}
	if req.Kind == kv.CAS {
		req.Old = "none"
		if w := c.written[req.Key]; len(w) > 0 {
			req.Old = w[len(w)-1-rapid.IntRange(0, len(w)-1).Draw(t, "old")]
		}
	}
	if req.Kind != kv.Get {
		c.written[req.Key] = append(c.written[req.Key], req.Value)
	}
	c.now++
	cl.req, cl.busy, cl.call, cl.asked = req, true, c.now, map[uint64]bool{}
	c.fig.kinds[req.Kind]++
	id := c.target(t)
	t.Logf("invoke %v at node %d", req, id)
	c.submit(cl, id)
}

func (c *cluster) retry(t *rapid.T) {
	var busy []*client
	for _, cl := range c.clients {
		if cl.busy {
			busy = append(busy, cl)
		}
	}
	cl := rapid.SampledFrom(busy).Draw(t, "client")
	id := c.target(t)
	c.fig.retries++
	t.Logf("retry %v at node %d", cl.req, id)
	c.submit(cl, id)
}

// down counts the crashed nodes.
func (c *cluster) down() int {
	k := 0
	for _, id := range c.nw.IDs {
		if c.nw.Node(id).Down {
			k++
		}
	}
	return k
}

func (c *cluster) busy() int {
	k := 0
	for _, cl := range c.clients {
		if cl.busy {
			k++
		}
	}
	return k
}

// tickAll is the clock of lease-based runs: every live node ticks at once,
// and a message still in flight from before is lost, so that no message
// takes longer than a tick to arrive. Lease-based reads are safe only
// under such bounds (clocks that advance together, bounded delays).
func (c *cluster) tickAll() {
	c.fig.faults["late"] += len(c.nw.Queue)
	c.nw.Queue = nil
	for _, id := range c.nw.IDs {
		if n := c.nw.Node(id); !n.Down {
			n.RN.Tick()
		}
	}
	c.nw.ProcessAll()
}

// actions returns the case's actions, each with its weight and whether it
// can do anything now.
func (c *cluster) actions() []action {
	flight := func() bool { return len(c.nw.Queue) > 0 }
	msg := func(t *rapid.T) int { return c.uniform(t, len(c.nw.Queue), "msg") }
	always := func() bool { return true }
	acts := []action{
		{"deliver", 200, flight, func(t *rapid.T) {
			i := msg(t)
			t.Logf("deliver %v", c.nw.Queue[i])
			if err := c.nw.Deliver(i); err != nil {
				t.Fatalf("a node refused a message: %v", err)
			}
		}},
		{"invoke", 40, func() bool { return c.busy() < len(c.clients) }, c.invoke},
		{"retry", 4, func() bool { return c.busy() > 0 }, c.retry},
		{"drop", 6, flight, func(t *rapid.T) {
			i := msg(t)
			t.Logf("drop %v", c.nw.Queue[i])
			c.nw.Drop(i)
			c.fig.faults["drop"]++
		}},
		{"duplicate", 4, func() bool { return flight() && len(c.nw.Queue) <= 12 }, func(t *rapid.T) {
			i := msg(t)
			t.Logf("duplicate %v", c.nw.Queue[i])
			c.nw.Duplicate(i)
			c.fig.faults["duplicate"]++
		}},
		{"partition", 2, always, func(t *rapid.T) {
			a, b := c.node(t), c.node(t)
			if a == b {
				c.nw.Isolate(a)
				t.Logf("isolate %d", a)
			} else {
				c.nw.Cut(a, b)
				t.Logf("cut %d->%d", a, b)
			}
			c.fig.faults["partition"]++
		}},
		{"isolate-leader", 4, func() bool { l, _ := c.nw.Leader(); return l != 0 }, func(t *rapid.T) {
			// The leader cut off: the others elect a new one while it still
			// believes it leads.
			l, _ := c.nw.Leader()
			c.nw.Isolate(l)
			t.Logf("isolate the leader %d", l)
			c.fig.faults["partition"]++
		}},
		{"heal", 2, always, func(t *rapid.T) { t.Logf("heal"); c.nw.HealAll() }},
		{"crash", 1, func() bool { return c.down() == 0 }, func(t *rapid.T) {
			id := c.node(t)
			t.Logf("crash %d", id)
			c.nw.Crash(id)
			c.reincarnate(id)
			c.fig.faults["crash"]++
		}},
		{"restart", 1, always, func(t *rapid.T) {
			id := c.node(t)
			t.Logf("restart %d", id)
			c.nw.Restart(id)
			c.reincarnate(id)
			c.fig.faults["restart"]++
		}},
		{"crash-before-persist", 1, flight, func(t *rapid.T) {
			m, err := c.nw.DeliverThenRestart(msg(t))
			t.Logf("deliver %v, crash before persisting", m)
			if err != nil {
				t.Fatalf("a node refused a message: %v", err)
			}
			c.reincarnate(m.To)
			c.fig.faults["crash-before-persist"]++
		}},
		{"crash-after-persist", 1, flight, func(t *rapid.T) {
			m, _, err := c.nw.DeliverPersistThenRestart(msg(t))
			t.Logf("deliver %v, crash after persisting", m)
			if err != nil {
				t.Fatalf("a node refused a message: %v", err)
			}
			c.reincarnate(m.To)
			c.fig.faults["crash-after-persist"]++
		}},
	}
	if c.s.lease && !c.s.freeClock {
		return append(acts, action{"tick-all", 40, always, func(t *rapid.T) { t.Logf("tick all"); c.tickAll() }})
	}
	return append(acts,
		action{"tick", 60, always, func(t *rapid.T) {
			id := c.node(t)
			t.Logf("tick %d", id)
			if n := c.nw.Node(id); !n.Down {
				n.RN.Tick()
				c.nw.Process(id)
			}
		}},
		action{"fire", 2, always, func(t *rapid.T) {
			id := c.node(t)
			timer := rapid.SampledFrom([]raft.Timer{raft.ElectionTimer, raft.HeartbeatTimer, raft.CheckQuorumTimer, raft.LeaseTimer}).Draw(t, "timer")
			t.Logf("fire %v at %d", timer, id)
			if n := c.nw.Node(id); !n.Down && n.RN.Fire(timer) == nil {
				c.nw.Process(id)
			}
		}},
	)
}

type action struct {
	name   string
	weight int
	on     func() bool
	do     func(*rapid.T)
}

// step draws one enabled action, by weight, and takes it.
func (c *cluster) step(t *rapid.T, acts []action) {
	var names []int
	for k, a := range acts {
		if a.on() {
			for range a.weight {
				names = append(names, k)
			}
		}
	}
	a := acts[names[c.uniform(t, len(names), "action")]]
	c.fig.steps++
	a.do(t)
}

// uniform draws a number in [0, n) uniformly: rapid's draws lean towards
// small values (and shrink towards them), so the draw is mixed with the
// case's seed and the number of draws so far; a shrunk draw (0) still
// gives a pseudo-random choice.
func (c *cluster) uniform(t *rapid.T, n int, label string) int {
	c.draws++
	x := mix(mix(c.seed^0x5eed) + c.draws*0x9e3779b97f4a7c15 + rapid.Uint64().Draw(t, label))
	return int(x % uint64(n))
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// settle ends a case: every link healed and every node up, then ticks with
// every message delivered, the clients retrying at the leader now and
// then, until every client has its answer (or rounds run out: what is still
// outstanding stays unanswered in the history).
func (c *cluster) settle() {
	c.t.Logf("settle")
	c.nw.HealAll()
	for _, id := range c.nw.IDs {
		if c.nw.Node(id).Down {
			c.nw.Restart(id)
			c.reincarnate(id)
		}
	}
	for round := 0; round < 200 && c.busy() > 0; round++ {
		if l, _ := c.nw.Leader(); l != 0 && round%5 == 0 {
			for _, cl := range c.clients {
				if cl.busy {
					c.submit(cl, l)
				}
			}
		}
		c.nw.Tick()
	}
}

// history is the case's history for porcupine: every answered request,
// and every unanswered put and compare-and-swap with no result and no
// return (it may have taken effect at any time after its call, or never).
// An unanswered get changes nothing and is left out.
func (c *cluster) history() []porcupine.Operation {
	h := slices.Clone(c.ops)
	for _, cl := range c.clients {
		if cl.busy && cl.req.Kind != kv.Get {
			h = append(h, porcupine.Operation{ClientId: int(cl.id - 1), Input: cl.req, Call: cl.call,
				Output: output{}, Return: c.now + 1})
		}
	}
	return h
}

// Linearizable names the check porcupine makes of every history.
const Linearizable = "Linearizable"

// check checks the case's history with porcupine. A history porcupine
// refuses fails the case with the path of porcupine's visualisation (an
// HTML file, overwritten by each failing case, so that after rapid's
// shrinking it shows the shrunk case's history).
func (c *cluster) check(t *rapid.T, vizName string) {
	h := c.history()
	c.fig.histories++
	c.fig.ops += len(h)
	c.fig.answered += len(c.ops)
	res, info := porcupine.CheckOperationsVerbose(kvModel, h, 20*time.Second)
	switch res {
	case porcupine.Ok:
		return
	case porcupine.Unknown:
		t.Fatalf("porcupine timed out on a history of %d operations", len(h))
	}
	path := filepath.Join(os.TempDir(), "kv-porcupine-"+strings.NewReplacer("/", "_", "=", "-").Replace(vizName)+".html")
	if err := porcupine.VisualizePath(kvModel, info, path); err != nil {
		t.Logf("writing porcupine's visualisation: %v", err)
		path = "(not written)"
	}
	t.Fatalf("%s: porcupine finds the history of %d operations (%d answered) not linearizable; visualisation: %s\n%s",
		Linearizable, len(h), len(c.ops), path, c.describe(h))
}

// describe lists a history, by key and call time.
func (c *cluster) describe(h []porcupine.Operation) string {
	h = slices.Clone(h)
	slices.SortStableFunc(h, func(a, b porcupine.Operation) int {
		ka, kb := a.Input.(kv.Request).Key, b.Input.(kv.Request).Key
		if ka != kb {
			return strings.Compare(ka, kb)
		}
		return int(a.Call - b.Call)
	})
	var b strings.Builder
	for _, op := range h {
		fmt.Fprintf(&b, "  [%d, %d] %s\n", op.Call, op.Return, kvModel.DescribeOperation(op.Input, op.Output))
	}
	return b.String()
}

// figures counts what a case (or a run) did.
type figures struct {
	cases, steps             int
	histories, ops, answered int
	kinds                    map[kv.Kind]int
	indexReads               int
	duplicates, retries      int
	refused                  int
	faults                   map[string]int
}

func newFigures() figures { return figures{kinds: map[kv.Kind]int{}, faults: map[string]int{}} }

func (f *figures) add(g figures) {
	f.cases++
	f.steps += g.steps
	f.histories += g.histories
	f.ops += g.ops
	f.answered += g.answered
	f.indexReads += g.indexReads
	f.duplicates += g.duplicates
	f.retries += g.retries
	f.refused += g.refused
	for k, v := range g.kinds {
		f.kinds[k] += v
	}
	for k, v := range g.faults {
		f.faults[k] += v
	}
}

func (f figures) String() string {
	var faults []string
	for _, k := range slices.Sorted(maps.Keys(f.faults)) {
		faults = append(faults, fmt.Sprintf("%s=%d", k, f.faults[k]))
	}
	return fmt.Sprintf("%d cases, %d steps; %d histories checked by porcupine, %d operations (%d answered; put=%d get=%d cas=%d), %d reads through ReadIndex, %d duplicate entries answered from the session, %d retries, %d refused; faults: %s",
		f.cases, f.steps, f.histories, f.ops, f.answered, f.kinds[kv.Put], f.kinds[kv.Get], f.kinds[kv.CAS],
		f.indexReads, f.duplicates, f.retries, f.refused, strings.Join(faults, " "))
}
