package model

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// mustConfig parses a config of tla/.
func mustConfig(t testing.TB, name string) Config {
	t.Helper()
	cfg, err := ParseConfig(filepath.Join("..", "tla", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// sameView compares two views, treating nil and empty slices alike.
func sameView(a, b *spec.View) bool {
	norm := func(v *spec.View) *spec.View {
		c := v.Clone()
		for i := range c.Servers {
			if len(c.Servers[i].Log) == 0 {
				c.Servers[i].Log = nil
			}
		}
		for k := range c.Messages {
			if len(c.Messages[k].Msg.Entries) == 0 {
				c.Messages[k].Msg.Entries = nil
			}
		}
		if len(c.Cut) == 0 {
			c.Cut = nil
		}
		if len(c.Messages) == 0 {
			c.Messages = nil
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// TestApplyAgreesWithSuccessors walks at random through several models and
// checks at every state that Apply, given each label Successors lists,
// returns the same successor, and that the View round-trips.
func TestApplyAgreesWithSuccessors(t *testing.T) {
	for _, name := range []string{"MCRaft_plain.cfg", "MCRaft_prevote_checkquorum.cfg", "MCRaft_restart.cfg",
		"MCRaft_isolation.cfg", "MutLeaderAcceptsStaleAppend.cfg"} {
		cfg := mustConfig(t, name)
		cfg.MaxCopies = 2 // exercise DuplicateMessage too
		cfg.MaxInFlight = 3
		rng := rand.New(rand.NewPCG(1, uint64(len(name))))
		steps, labels := 0, map[string]bool{}
		for walk := 0; walk < 40; walk++ {
			v := Init(cfg)
			for depth := 0; depth < 40; depth++ {
				ts := Successors(cfg, v)
				if len(ts) == 0 {
					break
				}
				for _, tr := range ts {
					got, err := Apply(cfg, v, tr.Label)
					if err != nil {
						t.Fatalf("%s: Apply(%v) of a listed successor: %v", name, tr.Label, err)
					}
					if !sameView(got, tr.Next) {
						t.Fatalf("%s: Apply(%v) differs from Successors", name, tr.Label)
					}
					if err := spec.TypeOK(tr.Next); err != nil {
						t.Fatalf("%s: %v leads to a state that is not TypeOK: %v", name, tr.Label, err)
					}
					labels[tr.Label.Action] = true
				}
				v = ts[rng.IntN(len(ts))].Next
				steps++
				// The view converts back to the same state.
				s, err := fromView(&cfg, v)
				if err != nil {
					t.Fatalf("%s: fromView: %v", name, err)
				}
				if !sameView(toView(&cfg, &s), v) {
					t.Fatalf("%s: the view does not round-trip", name)
				}
			}
		}
		if steps < 100 || len(labels) < 8 {
			t.Errorf("%s: the walks took %d steps over %d actions; too few to mean much", name, steps, len(labels))
		}
	}
}

// TestApplyDisabled checks that Apply names why a step is not enabled.
func TestApplyDisabled(t *testing.T) {
	cfg := mustConfig(t, "MCRaft_prevote.cfg")
	v := Init(cfg)
	msg := spec.Message{Type: spec.VoteRequest, From: 1, To: 2, Term: 1}
	for _, c := range []struct {
		l    Label
		want string
	}{
		{Label{Action: actClientRequest.String(), I: 1, Value: "v1"}, "not Leader"},
		{Label{Action: actClientRequest.String(), I: 1, Value: "v9"}, "not in Value"},
		{Label{Action: actHeartbeat.String(), I: 2}, "not Leader"},
		{Label{Action: actQuorumCheck.String(), I: 2}, "CheckQuorum is FALSE"},
		{Label{Action: actLeaseExpire.String(), I: 2}, "no lease"},
		{Label{Action: actRestart.String(), I: 2}, "AllowRestart is FALSE"},
		{Label{Action: actHandleVoteRequest.String(), I: 2, J: 1, Msg: &msg}, "not in flight"},
		{Label{Action: actHeal.String(), I: 2, J: 1}, "not cut"},
		{Label{Action: actPartition.String(), I: 2, J: 1}, "MaxCutLinks"},
		{Label{Action: actTimeout.String(), I: 4}, "not a server"},
		{Label{Action: "Elect", I: 1}, "unknown action"},
		{Label{Action: actTimeout.String(), I: 1, J: 2}, "takes no J"},
	} {
		_, err := Apply(cfg, v, c.l)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Apply(%v) = %v, want an error containing %q", c.l, err, c.want)
		}
	}
	// Timeout at MaxTerm; and a message of the wrong type for its handler.
	v1, err := Apply(cfg, v, Label{Action: actTimeout.String(), I: 1})
	if err != nil {
		t.Fatal(err)
	}
	pre := v1.Messages[0].Msg
	if _, err := Apply(cfg, v1, Label{Action: actHandleVoteRequest.String(), I: pre.To, J: pre.From, Msg: &pre}); err == nil || !strings.Contains(err.Error(), "not a VoteRequest") {
		t.Errorf("HandleVoteRequest of a %v: %v", pre.Type, err)
	}
	if _, err := Apply(cfg, v1, Label{Action: actDropMessage.String(), I: pre.From, J: pre.To, Msg: &pre}); err == nil || !strings.Contains(err.Error(), "not from J to I") {
		t.Errorf("DropMessage with I and J swapped: %v", err)
	}
	// Two pre-vote requests are in flight (MaxInFlight = 2): a second
	// pre-campaign would send two more.
	if _, err := Apply(cfg, v1, Label{Action: actTimeout.String(), I: 2}); err == nil || !strings.Contains(err.Error(), "MaxInFlight") {
		t.Errorf("Timeout with two messages in flight and MaxInFlight 2: %v", err)
	}
	cfg.MaxTerm = 0
	if _, err := Apply(cfg, v, Label{Action: actTimeout.String(), I: 1}); err == nil || !strings.Contains(err.Error(), "MaxTerm") {
		t.Errorf("Timeout at MaxTerm: %v", err)
	}
}

func TestLabelString(t *testing.T) {
	m := spec.Message{Type: spec.VoteRequest, From: 1, To: 2, Term: 1}
	for _, c := range []struct {
		l    Label
		want string
	}{
		{Label{Action: actTimeout.String(), I: 1}, "Timeout(1)"},
		{Label{Action: actClientRequest.String(), I: 2, Value: "v1"}, "ClientRequest(2, v1)"},
		{Label{Action: actPartition.String(), I: 1, J: 3}, "Partition(1, 3)"},
		{Label{Action: actHandleVoteRequest.String(), I: 2, J: 1, Msg: &m}, "HandleVoteRequest(2, 1) VoteRequest 1->2 t1 last=0/0"},
	} {
		if got := c.l.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// TestWideBounds walks with bounds that never bind, as the property tests
// use the model: logs and bags grow well past a handful of entries, and
// Apply still agrees with Successors.
func TestWideBounds(t *testing.T) {
	cfg := Config{N: 5, Values: []string{"v1", "v2", "v3"}, PreVote: true, CheckQuorum: true,
		MaxTerm: 255, MaxLogLen: 255, MaxInFlight: 255, MaxCopies: 255, MaxCutLinks: 25,
		MaxBatch: 255, AllowRestart: true, CuttableLinks: AllLinks(5)}
	rng := rand.New(rand.NewPCG(5, 5))
	v := Init(cfg)
	maxLog, maxBag := 0, 0
	for step := 0; step < 400; step++ {
		ts := Successors(cfg, v)
		// Favour proposals and deliveries so that logs grow.
		var pick []Transition
		for _, tr := range ts {
			if tr.Label.Action == actClientRequest.String() || strings.HasPrefix(tr.Label.Action, "Handle") {
				pick = append(pick, tr)
			}
		}
		if len(pick) == 0 || rng.IntN(10) == 0 {
			pick = ts
		}
		tr := pick[rng.IntN(len(pick))]
		got, err := Apply(cfg, v, tr.Label)
		if err != nil || !sameView(got, tr.Next) {
			t.Fatalf("step %d: Apply(%v) = %v, differs from Successors", step, tr.Label, err)
		}
		v = tr.Next
		for i := 1; i <= cfg.N; i++ {
			maxLog = max(maxLog, len(v.Server(i).Log))
		}
		maxBag = max(maxBag, len(v.Messages))
		for _, inv := range spec.Invariants {
			if err := inv.Check(v); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
	}
	if maxLog <= 20 || maxBag <= 20 {
		t.Errorf("the walk reached logs of %d entries and %d distinct messages in flight; want more than 20 of each", maxLog, maxBag)
	}
}
