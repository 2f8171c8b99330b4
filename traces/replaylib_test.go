package traces

import (
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// CommitBumpOnly recognises exactly the etcd divergence of issue 10
// section 5: one extra empty append from the leader carrying its commit.
// Any other difference, or one more message, is not it.
func TestCommitBumpOnly(t *testing.T) {
	// A state with a leader that committed its entry: the last one of a
	// corpus behaviour in which some leader commits.
	var want *spec.View
	leader := 0
	for _, f := range corpus(t, "plain") {
		tr, err := ReadNDJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range tr.Steps {
			for i, s := range st.View.Servers {
				if s.Role == spec.Leader && s.Commit > 0 {
					want, leader = st.View, i+1
				}
			}
		}
		if want != nil {
			break
		}
	}
	if want == nil {
		t.Fatal("no behaviour of corpus/plain has a leader that committed")
	}
	l := want.Server(leader)
	to := leader%want.N() + 1
	bump := spec.Message{Type: spec.AppendEntriesRequest, From: leader, To: to, Term: l.Term,
		PrevLogIndex: uint64(len(want.Server(to).Log)), PrevLogTerm: want.Server(to).LastTerm(), Commit: l.Commit}
	with := func(v *spec.View, extra ...spec.Message) *spec.View {
		msgs := []spec.Message{}
		for _, b := range v.Messages {
			for range b.Copies {
				msgs = append(msgs, b.Msg)
			}
		}
		c := v.Clone()
		c.Messages = spec.NewBag(append(msgs, extra...))
		return c
	}
	e := func(got *spec.View) *ReplayError {
		return &ReplayError{Action: "HandleAppendEntriesResponse", Want: want, Got: got}
	}
	if !CommitBumpOnly(e(with(want, bump))) {
		t.Errorf("one commit bump %v is not recognised", bump)
	}
	other := bump
	other.Commit++
	wrongTerm := want.Clone()
	wrongTerm.Servers[to-1].Term += 5
	for name, re := range map[string]*ReplayError{
		"no difference":  e(want),
		"two bumps":      e(with(want, bump, bump)),
		"a wrong commit": e(with(want, other)),
		"another action": {Action: "Timeout", Want: want, Got: with(want, bump)},
		"a server too":   e(with(wrongTerm, bump)),
		"no states":      {Action: "HandleAppendEntriesResponse"},
	} {
		if CommitBumpOnly(re) {
			t.Errorf("%s: taken for the commit bump", name)
		}
	}
}

// BatchBinds is sound: every behaviour it says MaxBatch did not shape
// replays on raft/ without a bound too, so that a library that cannot
// bound appends in entries may replay exactly those. Some behaviours are
// shaped (or the test would show nothing).
func TestBatchBinds(t *testing.T) {
	shaped, free := 0, 0
	for _, name := range SimConfigs {
		cfg, err := SimModelConfig(tlaDir, name)
		if err != nil {
			t.Fatal(err)
		}
		unbounded := cfg
		unbounded.MaxBatch = 0
		for _, f := range corpus(t, name) {
			tr, err := ReadNDJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			if BatchBinds(tr, cfg) {
				shaped++
				continue
			}
			free++
			if err := Replay(tr, unbounded); err != nil {
				t.Errorf("not shaped by MaxBatch, yet it needs it: %v", err)
			}
		}
	}
	t.Logf("%d behaviours shaped by MaxBatch, %d not", shaped, free)
	if shaped == 0 || free == 0 {
		t.Errorf("%d shaped, %d not: the corpus does not exercise BatchBinds", shaped, free)
	}
}
