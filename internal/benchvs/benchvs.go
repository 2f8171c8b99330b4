// Package benchvs is the side-by-side benchmark of raft/ against etcd-raft:
// one harness, generic over a small per-library interface, drives either
// library through the same workloads. It does not import etcd (the root
// module must not depend on it): the etcd half of the interface lives in
// the conformance modules (conformance/etcd for v3.7, conformance/etcd36
// for v3.6), whose benchmarks run both sides in one process.
//
// The harness is what a new user would write: N nodes, a FIFO in-memory
// network, each Ready handled synchronously (hard state and entries
// persisted to the library's MemoryStorage, messages queued, committed
// entries applied, Advance), PreVote and CheckQuorum on, and a 32-byte
// proposal per operation committed on a quorum before the operation ends.
// After each run Check verifies that every proposal was committed and
// applied on a quorum, so that neither side wins by doing less.
//
// The table of both modules' results, with the ratios raft/:etcd computed
// from the medians of one run, is printed by the benchtable command
// (internal/benchvs/benchtable, make bench-vs-etcd).
package benchvs

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// Proposal is the 32-byte value proposed by every operation.
var Proposal = []byte("a proposal of exactly 32 bytes..")

// ElectionTick and HeartbeatTick are the timeouts every node is configured
// with; the benchmarks never tick (elections are started by Campaign), so
// they matter only as etcd and raft/ require them.
const (
	ElectionTick  = 10
	HeartbeatTick = 1
)

// Node is one member of a benchmark cluster, as the library M's adapter
// drives it.
type Node[M any] interface {
	// Campaign starts an election now.
	Campaign() error
	// Propose proposes data at a leader.
	Propose(data []byte) error
	// Step hands the node a message from another node.
	Step(m M) error
	// HandleReady handles one Ready if the node has one, as a synchronous
	// application does: persist its hard state and entries to storage,
	// append its messages to out, apply its committed entries, Advance. It
	// reports whether there was a Ready.
	HandleReady(out []M) ([]M, bool, error)
	// Leader reports whether the last Ready handled made the node leader.
	Leader() bool
	// Commit is the commit index of the last hard state handled.
	Commit() uint64
	// Applied counts the committed entries with data applied so far.
	Applied() int
}

// Library is one side of the comparison.
type Library[M any] struct {
	// Name names the side in benchmark names ("raft", "etcd-v3.6.0").
	Name string
	// New starts a node with PreVote and CheckQuorum, ElectionTick and
	// HeartbeatTick, and empty storage, in the cluster of voters 1..n.
	New func(id uint64, n int) (Node[M], error)
	// To is the recipient of a message.
	To func(m M) uint64
	// App builds an append from leader from to node to at term, anchored
	// at prev/prevTerm, carrying commit and one entry (index prev+1, term
	// term) with data; for the follower benchmark.
	App func(from, to, term, prev, prevTerm, commit uint64, data []byte) M
}

// Cluster is n nodes of one library on a FIFO network.
type Cluster[M any] struct {
	lib   Library[M]
	Nodes []Node[M] // Nodes[i] has ID i+1
	queue []M
	// Delivered counts the messages delivered.
	Delivered int
}

// NewCluster starts n nodes of lib.
func NewCluster[M any](lib Library[M], n int) (*Cluster[M], error) {
	c := &Cluster[M]{lib: lib}
	for id := 1; id <= n; id++ {
		nd, err := lib.New(uint64(id), n)
		if err != nil {
			return nil, fmt.Errorf("%s: starting node %d of %d: %w", lib.Name, id, n, err)
		}
		c.Nodes = append(c.Nodes, nd)
	}
	return c, nil
}

// Stabilize handles every Ready and delivers every message, oldest first,
// until no node has anything left to do.
func (c *Cluster[M]) Stabilize() error {
	for {
		progressed := false
		for i, nd := range c.Nodes {
			for {
				var ok bool
				var err error
				c.queue, ok, err = nd.HandleReady(c.queue)
				if err != nil {
					return fmt.Errorf("%s: node %d handling Ready: %w", c.lib.Name, i+1, err)
				}
				if !ok {
					break
				}
				progressed = true
			}
		}
		if len(c.queue) == 0 {
			if !progressed {
				return nil
			}
			continue
		}
		for _, m := range c.queue {
			to := c.lib.To(m)
			if to < 1 || to > uint64(len(c.Nodes)) {
				return fmt.Errorf("%s: a message to unknown node %d", c.lib.Name, to)
			}
			if err := c.Nodes[to-1].Step(m); err != nil {
				return fmt.Errorf("%s: node %d stepping a message: %w", c.lib.Name, to, err)
			}
			c.Delivered++
		}
		clear(c.queue)
		c.queue = c.queue[:0]
	}
}

// Elect makes node 1 campaign and stabilizes: node 1 is then the leader
// and its empty entry is committed.
func (c *Cluster[M]) Elect() error {
	if err := c.Nodes[0].Campaign(); err != nil {
		return fmt.Errorf("%s: campaign: %w", c.lib.Name, err)
	}
	if err := c.Stabilize(); err != nil {
		return err
	}
	if !c.Nodes[0].Leader() || c.Nodes[0].Commit() != 1 {
		return fmt.Errorf("%s: after the election node 1 is leader=%v with commit %d, want a leader with commit 1",
			c.lib.Name, c.Nodes[0].Leader(), c.Nodes[0].Commit())
	}
	return nil
}

// Check verifies that the leader (node 1) committed its empty entry and
// exactly proposals entries after it, and that a quorum of nodes applied
// every one of them.
func (c *Cluster[M]) Check(proposals int) error {
	lead := c.Nodes[0]
	if !lead.Leader() {
		return fmt.Errorf("%s: node 1 is no longer the leader", c.lib.Name)
	}
	if want := uint64(proposals) + 1; lead.Commit() != want {
		return fmt.Errorf("%s: the leader's commit index is %d after %d proposals, want %d", c.lib.Name, lead.Commit(), proposals, want)
	}
	applied := 0
	for _, nd := range c.Nodes {
		if nd.Applied() == proposals {
			applied++
		}
	}
	if q := len(c.Nodes)/2 + 1; applied < q {
		return fmt.Errorf("%s: %d of %d nodes applied all %d proposals, want a quorum of %d", c.lib.Name, applied, len(c.Nodes), proposals, q)
	}
	return nil
}

// Commits benchmarks batches of batch proposals on n nodes: each
// operation proposes batch values at the leader and stabilizes, so that
// all of them are committed on a quorum (and applied everywhere) before
// the next operation.
func Commits[M any](b *testing.B, lib Library[M], n, batch int) {
	c, err := NewCluster(lib, n)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Elect(); err != nil {
		b.Fatal(err)
	}
	leader := c.Nodes[0]
	delivered := c.Delivered
	proposals := 0
	b.ReportAllocs()
	for b.Loop() {
		for range batch {
			if err := leader.Propose(Proposal); err != nil {
				b.Fatalf("%s: proposal %d: %v", lib.Name, proposals+1, err)
			}
		}
		if err := c.Stabilize(); err != nil {
			b.Fatal(err)
		}
		proposals += batch
	}
	b.StopTimer()
	if err := c.Check(proposals); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(proposals)/b.Elapsed().Seconds(), "proposals/s")
	b.ReportMetric(float64(c.Delivered-delivered)/float64(proposals), "msgs/proposal")
}

// Election benchmarks one election per operation: n fresh nodes, node 1
// campaigns (a pre-vote, then a vote), and the cluster stabilizes until
// node 1 leads with its empty entry committed.
func Election[M any](b *testing.B, lib Library[M], n int) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewCluster(lib, n)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Elect(); err != nil {
			b.Fatal(err)
		}
	}
}

// FollowerAppends benchmarks a follower (node 2 of 3) in steady state:
// each operation steps one append from leader 1 carrying one entry and the
// commit of the previous one, and handles the Ready (persist, apply,
// Advance; the response is dropped). The appends are built outside the
// timer, in chunks, so that only the follower's work is measured; the goal
// is no allocation per operation beyond the entry's growth in storage.
func FollowerAppends[M any](b *testing.B, lib Library[M]) {
	f, err := lib.New(2, 3)
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 4096
	var (
		msgs []M
		out  []M
		i    uint64 // entries sent so far
	)
	step := func(m M) {
		if err := f.Step(m); err != nil {
			b.Fatalf("%s: append %d: %v", lib.Name, i, err)
		}
		var ok bool
		out, ok, err = f.HandleReady(out[:0])
		if err != nil || !ok {
			b.Fatalf("%s: append %d: Ready %v, %v", lib.Name, i, ok, err)
		}
		clear(out)
	}
	app := func() M {
		i++
		prevTerm := uint64(1)
		if i == 1 {
			prevTerm = 0
		}
		return lib.App(1, 2, 1, i-1, prevTerm, i-1, Proposal)
	}
	// Warm up: the follower learns the leader and its storage grows.
	for range 2 * chunk {
		step(app())
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(msgs) == 0 {
			b.StopTimer()
			msgs = make([]M, 0, chunk)
			for range chunk {
				msgs = append(msgs, app())
			}
			b.StartTimer()
		}
		step(msgs[0])
		msgs = msgs[1:]
	}
	b.StopTimer()
	// Whatever was built and not stepped is not sent: i counts sent ones.
	sent := i - uint64(len(msgs))
	if want := sent - 1; f.Commit() != want || f.Applied() != int(want) {
		b.Fatalf("%s: after %d appends the follower commits %d and applied %d, want %d", lib.Name, sent, f.Commit(), f.Applied(), want)
	}
}

// Side is one library's workloads with its message type bound, so that
// libraries of different message types run side by side.
type Side struct {
	Name            string
	Commits         func(b *testing.B, n, batch int)
	Election        func(b *testing.B, n int)
	FollowerAppends func(b *testing.B)
}

// Bind binds lib's workloads.
func Bind[M any](lib Library[M]) Side {
	return Side{
		Name:            lib.Name,
		Commits:         func(b *testing.B, n, batch int) { Commits(b, lib, n, batch) },
		Election:        func(b *testing.B, n int) { Election(b, lib, n) },
		FollowerAppends: func(b *testing.B) { FollowerAppends(b, lib) },
	}
}

// Workloads names every workload Run runs, in order.
var Workloads = []string{"serial/n=3", "batch16/n=3", "batch128/n=3", "serial/n=5", "serial/n=7", "election/n=3", "follower-append"}

// Batch is the number of proposals an operation of workload commits (0:
// none, an election or a follower's append).
func Batch(workload string) int {
	switch workload {
	case "batch16/n=3":
		return 16
	case "batch128/n=3":
		return 128
	case "serial/n=3", "serial/n=5", "serial/n=7":
		return 1
	}
	return 0
}

// Run runs every workload on each side, the sides one after the other
// within each workload, in the order given, as sub-benchmarks named
// workload/side. Alternating the order of the sides between runs (make
// bench-vs-etcd does) spreads any drift of the machine over both.
func Run(b *testing.B, sides ...Side) {
	runs := map[string]func(b *testing.B, s Side){
		"serial/n=3":      func(b *testing.B, s Side) { s.Commits(b, 3, 1) },
		"batch16/n=3":     func(b *testing.B, s Side) { s.Commits(b, 3, 16) },
		"batch128/n=3":    func(b *testing.B, s Side) { s.Commits(b, 3, 128) },
		"serial/n=5":      func(b *testing.B, s Side) { s.Commits(b, 5, 1) },
		"serial/n=7":      func(b *testing.B, s Side) { s.Commits(b, 7, 1) },
		"election/n=3":    func(b *testing.B, s Side) { s.Election(b, 3) },
		"follower-append": func(b *testing.B, s Side) { s.FollowerAppends(b) },
	}
	for _, w := range Workloads {
		run := runs[w]
		b.Run(w, func(b *testing.B) {
			for _, s := range sides {
				b.Run(s.Name, func(b *testing.B) { run(b, s) })
			}
		})
	}
}

// VsPeer is the side-by-side benchmark of a conformance module: every
// workload on raft/ and on peer, the sides one after the other within a
// workload, under the sub-benchmark version; with BENCH_VS_ETCD_FIRST=1 the
// peer goes first (make bench-vs-etcd alternates).
func VsPeer[M any](b *testing.B, version string, peer Library[M]) {
	sides := []Side{Bind(Raft), Bind(peer)}
	if os.Getenv("BENCH_VS_ETCD_FIRST") == "1" {
		slices.Reverse(sides)
	}
	b.Run(version, func(b *testing.B) { Run(b, sides...) })
}

// CheckSide shows that Check holds lib to its work: three proposals not
// yet committed fail it, the same after Stabilize pass it, and a claim of
// four fails it again.
func CheckSide[M any](t testing.TB, lib Library[M]) {
	t.Helper()
	c, err := NewCluster(lib, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Elect(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := c.Nodes[0].Propose(Proposal); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Check(3); err == nil {
		t.Fatalf("%s: Check passed with three proposals not yet committed", lib.Name)
	}
	if err := c.Stabilize(); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(3); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(4); err == nil {
		t.Fatalf("%s: Check passed four proposals when three were made", lib.Name)
	}
}
