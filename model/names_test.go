package model

import (
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// TestActionNamesAreRaft: the model's action names are the implementation's
// (raft.Actions, which labels trace events and the network's steps), one for
// one and in the spec's order, so that a label means the same action on both
// sides.
func TestActionNamesAreRaft(t *testing.T) {
	if err := sameNames(actionNames[:], raft.Actions()); err != "" {
		t.Fatal(err)
	}
}

// TestSameNamesCatches: the comparison fails on a missing, renamed or
// reordered name.
func TestSameNamesCatches(t *testing.T) {
	names := raft.Actions()
	renamed := append([]raft.Action(nil), names...)
	renamed[3] = "QuorumChek"
	swapped := append([]raft.Action(nil), names...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	for _, c := range []struct {
		name string
		impl []raft.Action
		want string
	}{
		{"missing", names[:len(names)-1], "the model has 20 actions, raft.Actions has 19"},
		{"renamed", renamed, `action 3 is QuorumCheck, raft.Actions has "QuorumChek"`},
		{"swapped", swapped, `action 0 is Timeout, raft.Actions has "ClientRequest"`},
	} {
		if got := sameNames(actionNames[:], c.impl); got != c.want {
			t.Errorf("%s: sameNames = %q, want %q", c.name, got, c.want)
		}
	}
}

// sameNames says how the model's names differ from the implementation's (""
// if they do not).
func sameNames(model []string, impl []raft.Action) string {
	if len(model) != len(impl) {
		return fmt.Sprintf("the model has %d actions, raft.Actions has %d", len(model), len(impl))
	}
	for i := range model {
		if model[i] != string(impl[i]) {
			return fmt.Sprintf("action %d is %s, raft.Actions has %q", i, model[i], impl[i])
		}
	}
	return ""
}
