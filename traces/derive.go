package traces

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
)

// A library without a tracer of its own (etcd-raft) is logged by
// derivation: the harness knows each action it took and the projected
// states before and after it, and the model (model/) says which of its
// steps lead from the one to the other, as the refinement check of
// properties/ does for raft/. Each harness action is one model step, a
// stutter, or (a tick, an isolation, a heal) a short sequence of them.

// ErrNoModelStep is what Derive returns (wrapped) when no model step, or
// short sequence of them, allowed for the action leads from the state
// before the action to the state after it: the library took a step the
// spec does not have.
var ErrNoModelStep = errors.New("traces: no model step leads there")

// timerActions are the spec's actions a tick may take, in the order a
// tick takes them.
var timerActions = []string{"LeaseExpire", "Timeout", "QuorumCheck", "Heartbeat", "AbortTransfer"}

// Derive returns the model steps (each with the state it leads to) that
// take pre to post for the harness action act; flight is the cluster's
// messages in flight before act, to name the message act takes. No step
// means a stutter.
func Derive(cfg model.Config, pre, post *spec.View, act driver.Action, flight []spec.Message) ([]model.Transition, error) {
	var msg *spec.Message
	switch act.Kind {
	case driver.Deliver, driver.Drop, driver.Duplicate:
		if act.Msg < 0 || act.Msg >= len(flight) {
			return nil, fmt.Errorf("traces: %v: message %d is outside the %d in flight", act, act.Msg, len(flight))
		}
		msg = &flight[act.Msg]
	}
	// The network's actions are determined by the harness action.
	var fixed []model.Label
	switch act.Kind {
	case driver.Isolate:
		for j := 1; j <= pre.N(); j++ {
			if j == act.Node {
				continue
			}
			for _, l := range []spec.Link{{From: act.Node, To: j}, {From: j, To: act.Node}} {
				if !slices.Contains(pre.Cut, l) {
					fixed = append(fixed, model.Label{Action: "Partition", I: l.From, J: l.To})
				}
			}
		}
	case driver.Heal:
		for _, l := range pre.Cut {
			fixed = append(fixed, model.Label{Action: "Heal", I: l.From, J: l.To})
		}
	case driver.Restart:
		fixed = []model.Label{{Action: "Restart", I: act.Node}}
	case driver.Drop:
		fixed = []model.Label{{Action: "DropMessage", I: msg.To, J: msg.From, Msg: msg}}
	case driver.Duplicate:
		fixed = []model.Label{{Action: "DuplicateMessage", I: msg.To, J: msg.From, Msg: msg}}
	}
	if fixed != nil {
		var out []model.Transition
		v := pre
		for _, l := range fixed {
			next, err := model.Apply(cfg, v, l)
			if err != nil {
				return nil, fmt.Errorf("%w: %v: %v", ErrNoModelStep, act, err)
			}
			out = append(out, model.Transition{Label: l, Next: next})
			v = next
		}
		if !spec.Equal(v, post) {
			return nil, fmt.Errorf("%w: %v: after %d model steps (-model +library):\n%s", ErrNoModelStep, act, len(out), cmp.Diff(v, post, cmpopts.EquateEmpty()))
		}
		return out, nil
	}
	if spec.Equal(pre, post) {
		return nil, nil
	}
	// The node's own actions: search the model's successors allowed for
	// the action, one step deep (two for a tick).
	allowed := func(l model.Label) bool {
		switch act.Kind {
		case driver.Tick:
			return l.I == act.Node && slices.Contains(timerActions, l.Action)
		case driver.Campaign:
			return l.I == act.Node && l.Action == "Timeout"
		case driver.Propose:
			return l.I == act.Node && l.Action == "ClientRequest" && l.Value == act.Value
		case driver.Deliver:
			return l.Msg != nil && l.Msg.Equal(*msg) && l.Action != "DropMessage" && l.Action != "DuplicateMessage"
		case driver.TransferLeader:
			return l.I == act.Node && l.J == act.Target && l.Action == "TransferLeadership"
		case driver.ForgetLeader:
			return l.I == act.Node && l.Action == "ForgetLeader"
		}
		return false
	}
	depth := 1
	if act.Kind == driver.Tick {
		// A leader's tick may check its quorum, give a transfer up and
		// send heartbeats (etcd's tickHeartbeat): up to three steps.
		depth = 3
	}
	var first []model.Transition
	for _, t := range model.Successors(cfg, pre) {
		if !allowed(t.Label) {
			continue
		}
		if spec.Equal(t.Next, post) {
			return []model.Transition{t}, nil
		}
		first = append(first, t)
	}
	if depth >= 2 {
		var second [][2]model.Transition
		for _, t := range first {
			for _, u := range model.Successors(cfg, t.Next) {
				if !allowed(u.Label) {
					continue
				}
				if spec.Equal(u.Next, post) {
					return []model.Transition{t, u}, nil
				}
				second = append(second, [2]model.Transition{t, u})
			}
		}
		if depth == 3 {
			for _, tu := range second {
				for _, w := range model.Successors(cfg, tu[1].Next) {
					if allowed(w.Label) && spec.Equal(w.Next, post) {
						return []model.Transition{tu[0], tu[1], w}, nil
					}
				}
			}
		}
	}
	diff := ""
	if len(first) == 1 {
		diff = fmt.Sprintf(" (the model's %v, -model +library):\n%s", first[0].Label, cmp.Diff(first[0].Next, post, cmpopts.EquateEmpty()))
	}
	return nil, fmt.Errorf("%w: %v: %d allowed model steps, none reaches the library's state%s", ErrNoModelStep, act, len(first), diff)
}

// takesState reports whether the log line of an action carries the state
// of the node that took it (TraceRaft.tla's StepOf).
func takesState(action string) bool {
	switch action {
	case "Partition", "Heal", "DropMessage", "DuplicateMessage":
		return false
	}
	return true
}

// LogFigures counts what a logged run did.
type LogFigures struct {
	Actions int
	Lines   int
	// Steps counts the model steps by action name.
	Steps map[string]int
	// Values is the number of values proposed: v1..vValues.
	Values int
}

// WriteLibraryLog runs a cluster of lib's nodes (o gives its shape) through
// a seeded differential schedule of steps actions (driver.DrawAction:
// deliveries, drops, duplicates, ticks, campaigns, proposals on the leader
// and elsewhere, isolations, heals, restarts) and writes to path the log
// tla/TraceRaft.tla validates, one line per derived model step (Derive); a
// step no model step explains is an error (ErrNoModelStep). Each proposal
// is a new value; validate the log with ValidateLogValues and the figures'
// Values.
func WriteLibraryLog(path string, lib driver.Library, o properties.Options, seed uint64, steps int) (LogFigures, error) {
	fig := LogFigures{Steps: map[string]int{}}
	r := rand.New(rand.NewPCG(seed, 0x10c))
	const electionTick, heartbeatTick = 5, 2
	cfgs := make([]driver.Config, o.N)
	for i := range cfgs {
		cfgs[i] = driver.Config{ID: i + 1, N: o.N, PreVote: o.PreVote, CheckQuorum: o.CheckQuorum,
			ElectionTick: electionTick, HeartbeatTick: heartbeatTick, ElectionTimeout: electionTick + r.IntN(electionTick),
			MaxEntriesPerMsg: o.MaxEntriesPerMsg}
	}
	c, err := driver.NewCluster(lib, cfgs)
	if err != nil {
		return fig, err
	}
	// The model's values are those proposed so far (v1..vN, one more per
	// proposal): a config per step keeps ClientRequest's choices few.
	mcfg := properties.ModelConfig(o, 1)
	f, err := os.Create(path)
	if err != nil {
		return fig, err
	}
	defer f.Close()
	lg := NewLogger(f)
	pre := clusterView(c)
	if d := cmp.Diff(model.Init(mcfg), pre, cmpopts.EquateEmpty()); d != "" {
		return fig, fmt.Errorf("traces: %s: a fresh cluster is not the model's initial state (-model +library):\n%s", lib.Name, d)
	}
	src := driver.RandSource{R: r}
	for k := range steps {
		act := driver.DrawAction(src, c, &fig.Values)
		flight := slices.Clone(c.Flight())
		if err := c.Apply(act); err != nil {
			return fig, err
		}
		fig.Actions++
		mcfg = properties.ModelConfig(o, max(fig.Values, 1))
		post := clusterView(c)
		ts, err := Derive(mcfg, pre, post, act, flight)
		if err != nil {
			return fig, fmt.Errorf("traces: %s, seed %d, action %d: %w", lib.Name, seed, k+1, err)
		}
		for _, t := range ts {
			var s *spec.Server
			if takesState(t.Label.Action) {
				s = t.Next.Server(t.Label.I)
			}
			lg.StepServer(t.Label, s)
			fig.Steps[t.Label.Action]++
		}
		pre = post
	}
	fig.Lines = lg.Lines()
	if lg.Err() != nil {
		return fig, lg.Err()
	}
	return fig, f.Close()
}

// clusterView projects a driver cluster onto the spec.
func clusterView(c *driver.Cluster) *spec.View {
	snap := c.Snapshot()
	v := &spec.View{Servers: make([]spec.Server, len(snap.Nodes)), Cut: snap.Cut}
	for i, n := range snap.Nodes {
		v.Servers[i] = n.State.Server
	}
	v.Messages = spec.NewBag(snap.Flight)
	return v
}
