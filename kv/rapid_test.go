package kv_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/kv"
)

// clients is the number of concurrent clients of a case.
const clients = 4

// kvSteps is the number of actions of a case before it settles: KV_STEPS,
// 200 by default. The number of cases is rapid's (RAPID_CHECKS).
func kvSteps(t testing.TB) int {
	s := os.Getenv("KV_STEPS")
	if s == "" {
		return 200
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("KV_STEPS=%q: want a positive number of actions", s)
	}
	return n
}

// shapes are the cluster shapes and read modes the property run covers:
// reads through the log, safe ReadIndex reads (three and five nodes, with
// and without PreVote and CheckQuorum) and lease-based reads (CheckQuorum,
// which they require).
func shapes() []shape {
	return []shape{
		{n: 3, reads: kv.ReadThroughLog},
		{n: 3, reads: kv.ReadThroughIndex},
		{n: 3, preVote: true, checkQuorum: true, reads: kv.ReadThroughIndex},
		{n: 5, preVote: true, reads: kv.ReadThroughIndex},
		{n: 3, preVote: true, checkQuorum: true, reads: kv.ReadThroughIndex, lease: true},
	}
}

// runCase is one rapid case: steps actions, then settle, then porcupine.
func runCase(t *rapid.T, s shape, steps int, tally *tally) {
	c := newCluster(t, s, clients)
	defer func() { tally.add(s, c.fig) }()
	acts := c.actions()
	for range steps {
		c.step(t, acts)
	}
	c.settle()
	c.check(t, t.Name())
}

// tally adds up the figures of a run, per shape and in all.
type tally struct {
	mu      sync.Mutex
	all     figures
	byShape map[string]*figures
}

func newTally() *tally { return &tally{all: newFigures(), byShape: map[string]*figures{}} }

func (ty *tally) add(s shape, f figures) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	ty.all.add(f)
	b := ty.byShape[s.String()]
	if b == nil {
		nf := newFigures()
		b = &nf
		ty.byShape[s.String()] = b
	}
	b.add(f)
}

// meets checks that a run did what its budget implies: every case checked
// a history, histories of some length, most requests answered, every kind
// of request and of fault, retries answered from the session, and (with
// ReadIndex) reads served through it.
func (f figures) meets(steps int, indexReads bool) error {
	var errs []string
	want := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	want(f.cases > 0, "no case ran")
	want(f.histories == f.cases, "%d histories checked in %d cases", f.histories, f.cases)
	// About half those measured (a history of about 20 operations per
	// 1000 actions with three nodes, 15 with five: clients wait out
	// partitions, elections and crashes).
	minOps := f.cases * steps / 150
	want(f.ops >= minOps, "%d operations in %d cases of %d actions, want at least %d", f.ops, f.cases, steps, minOps)
	want(f.answered*10 >= f.ops*8, "%d of %d operations answered, want at least 80%%", f.answered, f.ops)
	for _, k := range []kv.Kind{kv.Put, kv.Get, kv.CAS} {
		want(f.kinds[k] > 0, "no %v requests", k)
	}
	if f.cases*steps >= 2000 {
		want(f.duplicates > 0, "no duplicate entry answered from a session")
		for _, k := range []string{"drop", "duplicate", "partition", "crash", "restart", "crash-before-persist", "crash-after-persist"} {
			want(f.faults[k] > 0, "no %s faults", k)
		}
	}
	if indexReads {
		want(f.indexReads*2 >= f.kinds[kv.Get], "%d of %d gets served through ReadIndex, want at least half", f.indexReads, f.kinds[kv.Get])
	}
	if len(errs) > 0 {
		return fmt.Errorf("kv runs thinned out:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// TestRapidLinearizable drives clusters of kv nodes with concurrent
// clients under every fault of rafttest's network (loss, duplication,
// reordering, partitions, crashes and restarts from storage, crashes in
// the middle of a step), and checks every history with porcupine. It
// prints the figures and fails if they fall below what the budget implies.
func TestRapidLinearizable(t *testing.T) {
	steps := kvSteps(t)
	ty := newTally()
	for _, s := range shapes() {
		t.Run(s.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) { runCase(t, s, steps, ty) })
			if t.Failed() {
				return
			}
			f := ty.byShape[s.String()]
			fmt.Printf("kv %s: %v\n", s, f)
			if err := f.meets(steps, s.reads == kv.ReadThroughIndex); err != nil {
				t.Error(err)
			}
		})
	}
	fmt.Printf("kv runs: %v\n", ty.all)
}

// TestLeaseNeedsClock: lease-based reads are safe only under the clock
// model of the lease runs (cluster.tickAll: nodes tick together, no message
// outlives its tick). With timers fired anywhere, as the other runs do, a
// follower's lease can end (or a leader's be extended) at any moment, and
// porcupine finds a stale read: the model is what makes the lease runs
// pass, not a lack of bad schedules.
func TestLeaseNeedsClock(t *testing.T) {
	s := shape{n: 3, preVote: true, checkQuorum: true, reads: kv.ReadThroughIndex, lease: true, freeClock: true}
	line, out := caught(t.Name(), s, 600, 4000)
	if line == "" {
		t.Fatalf("lease-based reads with free timers (%s): no history porcupine refuses (%s)\n%s", s, Linearizable, out)
	}
	t.Logf("lease-based reads with free timers: %s", line)
}
