package raft_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// Ready hands out the state to persist with the messages that depend on
// it; calling it again before Advance hands out the same; Advance
// acknowledges it, and nothing is handed out twice.
func TestReady_StateWithItsMessages(t *testing.T) {
	n := newNode(t, 1, peers3)
	n.elect(2)
	n.msgs()
	n.stepMsgs(ack(2, 1, 1, 1))

	// A proposal: the entry to persist and the appends carrying it, in one
	// Ready.
	if err := n.rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	rd := n.rn.Ready()
	if want := []raft.Entry{ent(2, 1, "x")}; fmt.Sprint(rd.Entries) != fmt.Sprint(want) {
		t.Fatalf("Entries %v, want %v", rd.Entries, want)
	}
	wantMsgs(t, rd.Messages, app(1, 2, 1, 1, 1, 1, ent(2, 1, "x")))
	// Until Advance, Ready hands out the same again.
	if again := n.rn.Ready(); !reflect.DeepEqual(again, rd) {
		t.Fatalf("second Ready before Advance:\n%+v\nwant\n%+v", again, rd)
	}
	// The node reads persisted entries back from storage: persist them.
	if err := n.st.Append(rd.Entries); err != nil {
		t.Fatal(err)
	}
	n.rn.Advance()
	if n.rn.HasReady() {
		t.Fatalf("after Advance: %+v", n.rn.Ready())
	}

	// 2 acknowledges: the commit index to persist, the entry to apply, and
	// the append announcing the commit, once.
	n.step(ack(2, 1, 1, 2))
	rd = n.rn.Ready()
	if rd.HardState.Commit != 2 || fmt.Sprint(rd.CommittedEntries) != fmt.Sprint([]raft.Entry{ent(2, 1, "x")}) || len(rd.Entries) != 0 {
		t.Fatalf("Ready %+v, want commit 2 and 2/1 to apply", rd)
	}
	wantMsgs(t, rd.Messages, app(1, 2, 1, 2, 1, 2))
	n.rn.Advance()
	if n.rn.HasReady() {
		t.Fatalf("after Advance: %+v", n.rn.Ready())
	}
	if st := n.status(); st.Applied != 2 {
		t.Fatalf("applied %d after Advance, want 2", st.Applied)
	}
}

// Entries handed out by Ready and overwritten (by a new leader's append)
// before Advance are handed out again, so that storage ends up with the
// log the node has, not with the stale entries; and nothing is handed out
// twice otherwise.
func TestReady_OverwrittenBeforeAdvanceHandedOutAgain(t *testing.T) {
	// persist applies a Ready to the node's storage, as the application
	// does.
	persist := func(n *node, rd raft.Ready) {
		if !rd.HardState.IsEmpty() {
			must(t, n.st.SetHardState(rd.HardState))
		}
		must(t, n.st.Append(rd.Entries))
	}
	stored := func(n *node) []raft.Entry {
		last, _ := n.st.LastIndex()
		ents, err := n.st.Entries(1, last+1)
		must(t, err)
		return ents
	}
	// Leader 2 of term 1 sends 1/1 2/1 3/1; leader 3 of term 2 replaces
	// 2/1 3/1 with 2/2.
	first := app(2, 1, 1, 0, 0, 0, ent(1, 1), ent(2, 1), ent(3, 1))
	second := app(3, 1, 2, 1, 1, 0, ent(2, 2))
	cases := []struct {
		name string
		// when the second append arrives: after Advance, between Ready and
		// Advance, or between Ready and a second Ready before Advance.
		when string
		// afterAdvance is what the Ready after the first Advance hands out
		// for persisting ("-" if there is no Ready), msgs what it sends.
		afterAdvance string
		msgs         []raft.Message
	}{
		{"overwrite after Advance", "after", "[2/2:-]", []raft.Message{ack(1, 3, 2, 2)}},
		// The response to the second append, emitted after Ready, is not
		// acknowledged by Advance: it leaves with the next Ready.
		{"overwrite between Ready and Advance", "between", "[2/2:-]", []raft.Message{ack(1, 3, 2, 2)}},
		{"overwrite, then Ready again before Advance", "again", "-", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, 1, peers3)
			n.step(first)
			persist(n, n.rn.Ready())
			switch c.when {
			case "after":
				n.rn.Advance()
				n.step(second)
			case "between":
				n.step(second)
				n.rn.Advance()
			case "again":
				n.step(second)
				// The second Ready hands out everything since the last
				// Advance: from 1 on, with 2/2.
				rd := n.rn.Ready()
				if fmt.Sprint(rd.Entries) != "[1/1:- 2/2:-]" {
					t.Fatalf("second Ready hands out %v, want [1/1:- 2/2:-]", rd.Entries)
				}
				wantMsgs(t, rd.Messages, ack(1, 2, 1, 3), ack(1, 3, 2, 2))
				persist(n, rd)
				n.rn.Advance()
			}
			got := "-"
			var msgs []raft.Message
			if n.rn.HasReady() {
				rd := n.rn.Ready()
				persist(n, rd)
				n.rn.Advance()
				got, msgs = fmt.Sprint(rd.Entries), rd.Messages
			}
			wantMsgs(t, msgs, c.msgs...)
			if got != c.afterAdvance {
				t.Fatalf("then handed out %s, want %s", got, c.afterAdvance)
			}
			if n.rn.HasReady() {
				t.Fatalf("handed out again: %+v", n.rn.Ready())
			}
			if got, want := stored(n), n.rn.Log(); !sameEntries(got, want) {
				t.Fatalf("storage holds %v, the node's log is %v", got, want)
			}
			if got := entryTerms(n.rn.Log()); fmt.Sprint(got) != "[1 2]" {
				t.Fatalf("log terms %v, want [1 2]", got)
			}
		})
	}
}
