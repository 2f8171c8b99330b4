package properties

import (
	"errors"
	"fmt"
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
		m.failed.record(m.c.Options(), m.init, m.steps, v)
		t.Fatal(err)
	}
	if stepErr != nil {
		fail(&Violation{Property: NodeRefusedMessage, All: []string{NodeRefusedMessage}, Err: fmt.Errorf("a node refused a message: %v", stepErr)})
	}
	if err := m.k.Step(labels, post); err != nil {
		fail(err)
	}
}

func (m *machine) node(t *rapid.T) int { return rapid.IntRange(1, m.c.Options().N).Draw(t, "node") }

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
			if m.maxTermReached() && m.c.Node(id).Status().Role != raft.Leader {
				t.Skip("term bound reached")
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
			id := m.node(t)
			if m.c.Node(id).Status().LastIndex >= 200 {
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
	// rapid draws an action name uniformly: more names for delivery, ticks
	// and proposals keep the protocol moving between faults.
	for k := range 20 {
		actions[fmt.Sprintf("deliver-%d", k)] = deliver
	}
	for k := range 3 {
		actions[fmt.Sprintf("tick-%d", k)] = actions["tick"]
		actions[fmt.Sprintf("propose-%d", k)] = actions["propose"]
	}
	return actions
}

// TestRapid drives every cluster shape through random interleavings and
// faults, checking the spec's properties and refinement of the model at
// every step. Budgets: RAPID_CHECKS cases of about RAPID_STEPS actions per
// shape (rapid reads both from the environment).
func TestRapid(t *testing.T) {
	for _, o := range configs() {
		t.Run(o.String(), func(t *testing.T) {
			failed := &failedRun{}
			defer failed.logChart(t)
			rapid.Check(t, func(t *rapid.T) {
				m := newMachine(t, o)
				m.failed = failed
				defer func() { totals.add(&m.c.Stats) }()
				t.Repeat(m.actions())
			})
		})
	}
}
