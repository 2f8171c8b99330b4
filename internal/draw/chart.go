// Package draw renders a behaviour of the Raft spec (a counterexample of
// the explorer or of TLC, a trace of the corpus, a shrunk property run) as
// a message sequence chart in SVG: one lifeline per server coloured by its
// role, with its term where it changes; one arrow per message from the step
// that sent it to the step that received or dropped it; partitions, heals
// and restarts marked; and the violated property named at its step.
//
// The input is a Chart, a neutral sequence of steps: each with its action,
// the state of every server after it, and the messages it received, sent,
// dropped or duplicated. FromTrace builds one from a sequence of model
// labels and abstract states (spec.View), which every source provides.
package draw

import (
	"fmt"
	"slices"
	"strings"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// Chart is a behaviour to draw.
type Chart struct {
	// Title says where the behaviour comes from (a file, a model).
	Title string
	// Servers names the servers 1..N ("s1".."sN").
	Servers []string
	// Init is every server's state in the initial state.
	Init []spec.Server
	// Steps are the steps from the initial state, in order.
	Steps []Step
	// Violation, if set, is the property that fails and where.
	Violation *Violation
}

// Step is one step of a behaviour.
type Step struct {
	// Action is the TLA+ action, e.g. "HandleVoteRequest"; Text the action
	// with its parameters.
	Action, Text string
	// Actor is the server that takes the step (0 for the network's steps:
	// drops, duplicates, partitions and heals).
	Actor int
	// Servers is every server's state after the step.
	Servers []spec.Server
	// Received is the message the actor handled, Dropped and Duplicated
	// the message the network lost or copied (at most one is set).
	Received, Dropped, Duplicated *spec.Message
	// Sent are the messages the step put in flight (one per copy).
	Sent []spec.Message
	// Lost are the messages in flight the step removed besides the one it
	// received or dropped (a partition loses those on the cut link).
	Lost []spec.Message
	// Cut and Healed are the link the step cut or healed.
	Cut, Healed *spec.Link
	// Restart says the actor crashed and restarted.
	Restart bool
}

// Violation is a violated property and where it fails.
type Violation struct {
	// Property is its TLA+ name (e.g. "ElectionSafety"), or what else
	// failed (e.g. "refinement").
	Property string
	// Step is the index in Steps of the step after which (or at which, for
	// an action property) it fails; -1 for the initial state.
	Step int
	// Detail is the property's report.
	Detail string
}

// State is one state of a behaviour and the step that led to it (nil for
// the initial state): the shape of model.TraceStep.
type State = model.TraceStep

// FromTrace builds a chart from a behaviour: its initial state, then each
// step's label and the state after it. The messages a step sent are those
// whose number of copies in flight grew.
func FromTrace(title string, states []State) (*Chart, error) {
	if len(states) == 0 {
		return nil, fmt.Errorf("draw: the behaviour has no state")
	}
	if states[0].State == nil {
		return nil, fmt.Errorf("draw: state 1 has no view")
	}
	n := states[0].State.N()
	c := &Chart{Title: title, Init: slices.Clone(states[0].State.Servers)}
	for i := 1; i <= n; i++ {
		c.Servers = append(c.Servers, fmt.Sprintf("s%d", i))
	}
	for k := 1; k < len(states); k++ {
		pre, post, l := states[k-1].State, states[k].State, states[k].Label
		if post == nil || post.N() != n {
			return nil, fmt.Errorf("draw: state %d does not have the %d servers of the first", k+1, n)
		}
		if l == nil {
			return nil, fmt.Errorf("draw: state %d has no action leading to it", k+1)
		}
		c.Steps = append(c.Steps, stepOf(*l, pre, post))
	}
	return c, nil
}

// stepOf describes the step l from pre to post.
func stepOf(l model.Label, pre, post *spec.View) Step {
	st := Step{Action: l.Action, Text: labelText(l), Actor: l.I, Servers: slices.Clone(post.Servers)}
	if l.Msg != nil {
		m := *l.Msg
		switch l.Action {
		case "DropMessage":
			st.Dropped, st.Actor = &m, 0
		case "DuplicateMessage":
			st.Duplicated, st.Actor = &m, 0
		default:
			st.Received = &m
		}
	}
	switch l.Action {
	case "Partition":
		st.Cut, st.Actor = &spec.Link{From: l.I, To: l.J}, 0
	case "Heal":
		st.Healed, st.Actor = &spec.Link{From: l.I, To: l.J}, 0
	case "Restart":
		st.Restart = true
	}
	if st.Duplicated == nil {
		for _, b := range post.Messages {
			for range b.Copies - pre.Copies(b.Msg) {
				st.Sent = append(st.Sent, b.Msg)
			}
		}
	}
	for _, b := range pre.Messages {
		gone := b.Copies - post.Copies(b.Msg)
		if l.Msg != nil && l.Action != "DuplicateMessage" && l.Msg.Equal(b.Msg) {
			gone--
		}
		for range gone {
			st.Lost = append(st.Lost, b.Msg)
		}
	}
	return st
}

// labelText is the action with its parameters, and for a message action
// who sent the message to whom.
func labelText(l model.Label) string {
	switch {
	case l.Action == "ClientRequest":
		return fmt.Sprintf("ClientRequest(s%d, %s)", l.I, l.Value)
	case l.Msg != nil:
		return fmt.Sprintf("%s s%d→s%d", l.Action, l.Msg.From, l.Msg.To)
	case l.Action == "Partition" || l.Action == "Heal":
		return fmt.Sprintf("%s s%d→s%d", l.Action, l.I, l.J)
	case l.J != 0:
		return fmt.Sprintf("%s(s%d, s%d)", l.Action, l.I, l.J)
	case l.I == 0:
		return l.Action
	}
	return fmt.Sprintf("%s(s%d)", l.Action, l.I)
}

// FindViolation checks the invariants on every state and the action
// properties on every step of a behaviour, and returns the first failure
// (nil if every property holds). It is how a file that does not say what
// it violates (a TLC -dumpTrace counterexample) gets its property named.
func FindViolation(states []State, invs []spec.NamedInvariant, props []spec.NamedActionProperty) *Violation {
	for k, st := range states {
		if k > 0 {
			for _, p := range props {
				if err := p.Check(states[k-1].State, st.State); err != nil {
					return &Violation{Property: p.Name, Step: k - 1, Detail: err.Error()}
				}
			}
		}
		for _, inv := range invs {
			if err := inv.Check(st.State); err != nil {
				return &Violation{Property: inv.Name, Step: k - 1, Detail: err.Error()}
			}
		}
	}
	return nil
}

// UsesPreVote reports whether a behaviour shows PreVote on: a server is
// ever PreCandidate or a pre-vote message is ever in flight. Without it,
// the PreVote-only properties are expected to fail and are not checked.
func UsesPreVote(states []State) bool {
	for _, st := range states {
		for _, s := range st.State.Servers {
			if s.Role == spec.PreCandidate {
				return true
			}
		}
		for _, b := range st.State.Messages {
			if b.Msg.Type == spec.PreVoteRequest || b.Msg.Type == spec.PreVoteResponse {
				return true
			}
		}
	}
	return false
}

// PropertyOf names the property a checker's report is about: the first
// TLA+ property name it mentions as "Name:" (as spec's reports begin), else
// its first words before a colon (e.g. "refinement").
func PropertyOf(report string) string {
	best, at := "", -1
	names := []string{}
	for _, p := range spec.Invariants {
		names = append(names, p.Name)
	}
	for _, p := range spec.AllActionProperties() {
		names = append(names, p.Name)
	}
	for _, n := range names {
		if i := strings.Index(report, n+":"); i >= 0 && (at < 0 || i < at) {
			best, at = n, i
		}
	}
	if best != "" {
		return best
	}
	if i := strings.Index(report, ":"); i > 0 && i < 40 {
		return report[:i]
	}
	return "failure"
}

// Compound is a step of an implementation: the model steps it is made of
// (none for a step the spec does not see) and the abstract state after
// all of them (nil: the state the model reaches).
type Compound struct {
	Labels []model.Label
	Post   *spec.View
}

// Expand turns implementation steps into a behaviour of model steps: the
// states between the model steps of a compound step, and after it when
// Post is nil, are computed with the model (cfg). Once the model refuses a
// step (a refinement failure) the states it would compute are unknown and
// shown unchanged until a known Post. A compound step with no model step
// that changes the state shows as a step "Unexplained".
func Expand(cfg model.Config, init *spec.View, steps []Compound) []State {
	out := []State{{State: init}}
	cur := init
	known := true
	for _, st := range steps {
		if len(st.Labels) == 0 {
			if st.Post != nil && !spec.Equal(cur, st.Post) {
				out = append(out, State{Label: &model.Label{Action: "Unexplained"}, State: st.Post})
				cur = st.Post
			}
			continue
		}
		for k, l := range st.Labels {
			next := cur
			if known {
				if m, err := model.Apply(cfg, cur, l); err == nil {
					next = m
				} else {
					known = false
				}
			}
			if k == len(st.Labels)-1 && st.Post != nil {
				next, known = st.Post, true
			}
			out = append(out, State{Label: &l, State: next})
			cur = next
		}
	}
	return out
}
