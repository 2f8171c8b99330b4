package traces

import (
	"errors"
	"testing"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
)

// Derive finds the model step of a harness action, a stutter when nothing
// changed, and refuses a state change no allowed model step makes.
func TestDerive(t *testing.T) {
	o := properties.Options{N: 3, PreVote: true}
	cfg := properties.ModelConfig(o, Values)
	pre := model.Init(cfg)
	var timeout *spec.View
	for _, tr := range model.Successors(cfg, pre) {
		if tr.Label.Action == "Timeout" && tr.Label.I == 1 {
			timeout = tr.Next
		}
	}
	if timeout == nil {
		t.Fatal("the model has no Timeout(1) from its initial state")
	}
	ts, err := Derive(cfg, pre, timeout, driver.Action{Kind: driver.Campaign, Node: 1}, nil)
	if err != nil || len(ts) != 1 || ts[0].Label.Action != "Timeout" || ts[0].Label.I != 1 {
		t.Fatalf("Derive(Campaign(1)) = %v, %v; want Timeout(1)", ts, err)
	}
	if ts, err := Derive(cfg, pre, pre, driver.Action{Kind: driver.Tick, Node: 2}, nil); err != nil || len(ts) != 0 {
		t.Fatalf("Derive of a tick that changed nothing = %v, %v; want a stutter", ts, err)
	}
	// Node 1's pre-election, but the action was node 2's: not allowed.
	if _, err := Derive(cfg, pre, timeout, driver.Action{Kind: driver.Campaign, Node: 2}, nil); !errors.Is(err, ErrNoModelStep) {
		t.Fatalf("Derive of node 1's timeout as node 2's = %v, want ErrNoModelStep", err)
	}
	// A pre-candidate that bumped its term: no model step does that.
	bumped := timeout.Clone()
	bumped.Servers[0].Term++
	if _, err := Derive(cfg, pre, bumped, driver.Action{Kind: driver.Campaign, Node: 1}, nil); !errors.Is(err, ErrNoModelStep) {
		t.Fatalf("Derive of a pre-candidate that bumped its term = %v, want ErrNoModelStep", err)
	}
}

// A log derived from a raft/ run (no tracer used) names a model step for
// every action; WriteLibraryLog refuses nothing raft/ does.
func TestWriteLibraryLogNative(t *testing.T) {
	fig, err := WriteLibraryLog(t.TempDir()+"/native.ndjson", driver.Native, properties.Options{N: 3, PreVote: true, CheckQuorum: true}, 1, 300)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Lines == 0 || fig.Steps["HandlePreVoteRequest"] == 0 {
		t.Fatalf("derived log of raft/: %+v", fig)
	}
}
