package properties

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/internal/draw"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// The values clients propose: v1..vValues.
const values = 3

// configs are the cluster shapes every property run covers.
func configs() []Options {
	var out []Options
	for _, n := range []int{3, 5} {
		for _, pv := range []bool{false, true} {
			for _, cq := range []bool{false, true} {
				out = append(out, Options{N: n, PreVote: pv, CheckQuorum: cq})
			}
		}
	}
	return out
}

// machine is one rapid case: a cluster, its checker, and the actions rapid
// draws from what the cluster emitted.
type machine struct {
	c *Cluster
	k *Checker
	// The case so far, kept for a chart if it fails.
	init   *spec.View
	steps  []draw.Compound
	failed *failedRun
	// draws counts the uniform draws of the case.
	draws uint64
	// expect, when set, is the one check whose failure fails the case
	// (non-vacuity: a seeded bug must be caught by its check); a failure
	// of any other check ends the case, which passes (ended).
	expect string
	ended  bool
	// weights, when set, replace defaultWeights.
	weights map[string]int
}

func newMachine(t *rapid.T, o Options) *machine {
	o.Seed = rapid.Uint64().Draw(t, "seed")
	c := NewCluster(o)
	k, err := NewChecker(c, values)
	if err != nil {
		t.Fatal(err)
	}
	return &machine{c: c, k: k, init: c.View()}
}

// check checks the step that produced labels; a node refusing a message is
// a failure too (a correct node never sends one).
func (m *machine) check(t *rapid.T, labels []Label, stepErr error) {
	// The states are kept only where the model may not reach them: the
	// chart recomputes the others (the checker asserts they agree).
	post := m.c.View()
	st := draw.Compound{Labels: labels}
	if !m.k.Refinement {
		st.Post = post
	}
	m.steps = append(m.steps, st)
	fail := func(err error) {
		m.steps[len(m.steps)-1].Post = post
		var v *Violation
		if !errors.As(err, &v) {
			v = &Violation{Property: "unnamed", All: []string{"unnamed"}, Err: err}
		}
		if m.expect != "" && !v.Has(m.expect) {
			// Not the check this case looks for: the case ends, passing.
			m.failed.other(v)
			m.ended = true
			return
		}
		m.failed.record(m.c.Options(), m.init, m.steps, v)
		t.Fatal(err)
	}
	if stepErr != nil {
		fail(&Violation{Property: NodeRefusedMessage, All: []string{NodeRefusedMessage}, Err: fmt.Errorf("a node refused a message: %v", stepErr)})
		return
	}
	if err := m.k.Step(labels, post); err != nil {
		fail(err)
	}
}

// node draws a node, uniformly (see uniform).
func (m *machine) node(t *rapid.T) int { return 1 + m.uniform(t, m.c.Options().N, "node") }

// uniform draws a number in [0, n): rapid's integers lean towards the
// smallest values (and rapid shrinks towards them), so its draw is mixed
// with the case's seed and the number of draws so far into a uniform
// choice that a shrunk draw (0) leaves pseudo-random.
func (m *machine) uniform(t *rapid.T, n int, label string) int {
	m.draws++
	x := mix(mix(m.c.Options().Seed^0x5eed) + m.draws*0x9e3779b97f4a7c15 + rapid.Uint64().Draw(t, label))
	return int(x % uint64(n))
}

func (m *machine) msg(t *rapid.T) int {
	if len(m.c.Flight()) == 0 {
		t.Skip("no message in flight")
	}
	return rapid.IntRange(0, len(m.c.Flight())-1).Draw(t, "msg")
}

func (m *machine) maxTermReached() bool {
	for id := 1; id <= m.c.Options().N; id++ {
		if m.c.Node(id).Status().Term >= MaxTerm {
			return true
		}
	}
	return false
}

func (m *machine) actions() map[string]func(*rapid.T) {
	deliver := func(t *rapid.T) { l, err := m.c.Deliver(m.msg(t)); m.check(t, l, err) }
	actions := map[string]func(*rapid.T){
		"drop": func(t *rapid.T) { m.check(t, m.c.Drop(m.msg(t)), nil) },
		"duplicate": func(t *rapid.T) {
			if len(m.c.Flight()) > 12 {
				t.Skip("enough messages in flight")
			}
			m.check(t, m.c.Duplicate(m.msg(t)), nil)
		},
		"tick": func(t *rapid.T) {
			id := m.node(t)
			if m.maxTermReached() {
				// At the term bound only a leader's ticks cannot raise it.
				id = m.leader()
			}
			m.check(t, m.c.Tick(id), nil)
		},
		"fire": func(t *rapid.T) {
			id := m.node(t)
			timer := rapid.SampledFrom([]raft.Timer{raft.ElectionTimer, raft.HeartbeatTimer, raft.CheckQuorumTimer, raft.LeaseTimer}).Draw(t, "timer")
			if timer == raft.ElectionTimer && m.maxTermReached() {
				t.Skip("term bound reached")
			}
			l, ok := m.c.Fire(id, timer)
			if !ok {
				t.Skip("timer not running")
			}
			m.check(t, l, nil)
		},
		"campaign": func(t *rapid.T) {
			if m.maxTermReached() {
				t.Skip("term bound reached")
			}
			m.check(t, m.c.Campaign(m.node(t)), nil)
		},
		"propose": func(t *rapid.T) {
			// Mostly at the leader: a proposal elsewhere is refused.
			id := m.leader()
			if id == 0 || rapid.IntRange(0, 9).Draw(t, "elsewhere") == 0 {
				id = m.node(t)
			}
			if m.c.Node(id).Status().LastIndex >= MaxProposedIndex {
				t.Skip("log bound reached")
			}
			v := fmt.Sprintf("v%d", rapid.IntRange(1, values).Draw(t, "value"))
			l, ok := m.c.Propose(id, v)
			if !ok {
				t.Skip("not the leader")
			}
			m.check(t, l, nil)
		},
		"partition": func(t *rapid.T) {
			a, b := m.node(t), m.node(t)
			if a == b || m.c.IsCut(a, b) {
				t.Skip("no such link")
			}
			m.check(t, m.c.Partition(a, b), nil)
		},
		"heal": func(t *rapid.T) {
			cut := m.c.Cut()
			if len(cut) == 0 {
				t.Skip("nothing cut")
			}
			l := rapid.SampledFrom(cut).Draw(t, "link")
			m.check(t, m.c.Heal(l.From, l.To), nil)
		},
		"restart": func(t *rapid.T) { m.check(t, m.c.Restart(m.node(t)), nil) },
		"crash-before-persist": func(t *rapid.T) {
			l, err := m.c.DeliverThenCrash(m.msg(t))
			m.check(t, l, err)
		},
		"crash-after-persist": func(t *rapid.T) {
			l, err := m.c.DeliverPersistThenCrash(m.msg(t))
			m.check(t, l, err)
		},
	}
	weights := m.weights
	if weights == nil {
		weights = defaultWeights
	}
	if m.c.Options().Compaction {
		weights = maps.Clone(weights)
		weights["compact"] = compactWeight
		actions["compact"] = func(t *rapid.T) {
			// Up to the commit index, as the spec's Compact (every
			// committed entry is applied at once here).
			id := m.node(t)
			st := m.c.Node(id).Status()
			if st.Applied != st.Commit || st.Commit <= st.Snapshot.Index {
				t.Skip("nothing committed since the snapshot")
			}
			l, err := m.c.Compact(id, st.Commit)
			if err != nil {
				t.Fatalf("compacting node %d to %d: %v", id, st.Commit, err)
			}
			m.check(t, l, nil)
		}
	}
	actions["deliver"] = deliver
	// enabled says which actions can do something now: the draw is among
	// those, so that cases do not end early on rejected draws (rapid stops
	// a case once rejections outnumber twice its actions).
	flight := func() bool { return len(m.c.Flight()) > 0 }
	enabled := map[string]func() bool{
		"deliver": flight, "drop": flight, "crash-before-persist": flight, "crash-after-persist": flight,
		"duplicate": func() bool { return flight() && len(m.c.Flight()) <= 12 },
		"campaign":  func() bool { return !m.maxTermReached() },
		"tick":      func() bool { return !m.maxTermReached() || m.leader() != 0 },
		"propose": func() bool {
			l := m.leader()
			return l != 0 && m.c.Node(l).Status().LastIndex < MaxProposedIndex
		},
		"partition": func() bool { return len(m.c.Cut()) < m.c.Options().N*(m.c.Options().N-1) },
		"heal":      func() bool { return len(m.c.Cut()) > 0 },
	}
	var names []string // one per unit of weight, sorted
	for _, name := range slices.Sorted(maps.Keys(actions)) {
		if weights[name] == 0 {
			panic("properties: action " + name + " has no weight")
		}
		for range weights[name] {
			names = append(names, name)
		}
	}
	// The choice among the enabled actions is uniform by weight.
	return map[string]func(*rapid.T){
		"act": func(t *rapid.T) {
			if m.ended {
				// The case ended on another check than the one looked
				// for: the rest of it does nothing. (Skipping would make
				// rapid fail the case once every action is skipped.)
				return
			}
			// Each action's predicate once, then its units of weight.
			on := map[string]bool{}
			for name := range actions {
				pred, ok := enabled[name]
				on[name] = !ok || pred()
			}
			var now []string
			for _, name := range names {
				if on[name] {
					now = append(now, name)
				}
			}
			name := now[m.uniform(t, len(now), "action")]
			t.Log(name)
			actions[name](t)
		},
	}
}

// mix is SplitMix64's finaliser: nearby draws map to unrelated values.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// defaultWeights are the weights of the actions of a case: an action of
// weight w is drawn w times in sum(weights) (among the enabled actions).
// Delivery, ticks and proposals keep the protocol moving (and replicating)
// between faults; every fault stays in every case, rarer, so that terms
// stay well below MaxTerm (see minCommitsPerStep for the rates they give).
var defaultWeights = map[string]int{
	"deliver": 220, "tick": 60, "propose": 4, "fire": 2, "campaign": 1,
	"drop": 6, "duplicate": 4, "partition": 3, "heal": 8,
	"restart": 1, "crash-before-persist": 1, "crash-after-persist": 1,
}

// compactWeight is the weight of "compact" in runs with compaction.
const compactWeight = 6

// leader returns the node that is leader in the highest term (0: none).
func (m *machine) leader() int {
	best, term := 0, uint64(0)
	for id := 1; id <= m.c.Options().N; id++ {
		if st := m.c.Node(id).Status(); st.Role == raft.Leader && st.Term > term {
			best, term = id, st.Term
		}
	}
	return best
}

// TestRapid drives every cluster shape through random interleavings and
// faults, checking the spec's properties and refinement of the model at
// every step, and ends every case with the bounded liveness check
// (CheckLiveness: heal, then fair rounds). Budgets: RAPID_CHECKS cases of about RAPID_STEPS actions per
// shape (rapid reads both from the environment).
func TestRapid(t *testing.T) {
	run := &runTotals{faults: map[string]int{}}
	for _, o := range configs() {
		t.Run(o.String(), func(t *testing.T) {
			failed := &failedRun{}
			defer failed.logChart(t)
			rapid.Check(t, func(t *rapid.T) {
				m := newMachine(t, o)
				m.failed = failed
				defer func() { totals.add(&m.c.Stats); run.add(&m.c.Stats) }()
				t.Repeat(m.actions())
				m.liveness(t)
			})
		})
	}
	fmt.Println(liveTotals)
	if t.Failed() {
		return // a failing case ends early and is shrunk: no figures
	}
	if err := run.meets(rapidSteps()); err != nil {
		t.Error(err)
	}
}
