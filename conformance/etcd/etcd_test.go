package etcd_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
)

// find is driver.Find with a budget big enough for a seeded change.
func find(t *testing.T, a, b driver.Library, s driver.Setup) *driver.Divergence {
	t.Helper()
	d, fig, err := driver.Find(1, a, b, s, 200, 200)
	if err != nil {
		t.Fatal(err)
	}
	if d == nil {
		t.Fatalf("%s and %s agree on %v over %v", a.Name, b.Name, s, fig)
	}
	return d
}

// The seeded change on the etcd side: a pre-vote grant that carries the
// voter's term instead of the requested one. Only the messages sent can
// show it (nothing else changes on a pre-vote), and they do.
func TestSeededEtcdChangeFound(t *testing.T) {
	bad := etcd.NewLibrary(etcd.Options{PreVoteGrantCarriesVoterTerm: true})
	for _, n := range []int{3, 5} {
		s := driver.Setup{N: n, PreVote: true}
		d := find(t, driver.Native, bad, s)
		if !d.Caught(".Sent[") || !d.Caught("].Term") {
			t.Errorf("%v: caught by %v, want a sent message's Term:\n%v", s, d.Paths, d)
		}
		last := d.Schedule[len(d.Schedule)-1]
		t.Logf("%v: caught after %d actions (last %v) by %v", s, len(d.Schedule), last, d.Paths)
	}
	// Without PreVote there is no pre-vote to rewrite: the change is inert
	// and the same search finds nothing.
	d, fig, err := driver.Find(1, driver.Native, bad, driver.Setup{N: 3}, 50, 200)
	if err != nil {
		t.Fatal(err)
	}
	if d != nil {
		t.Errorf("without PreVote, over %v:\n%v", fig, d)
	}
}

// NormQuiescent is needed: right after Campaign, before its Ready is
// handled, etcd has not counted the candidate's own vote (it is a message
// to itself, stepped on Advance) while raft/ has; once the Ready is
// handled they agree.
func TestNormQuiescentNeeded(t *testing.T) {
	cfg := driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}
	var states [2]spec.Server
	for i, lib := range []driver.Library{driver.Native, etcd.Library} {
		st := &driver.Storage{}
		d, err := lib.Start(cfg, st.Clone())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Campaign(); err != nil {
			t.Fatal(err)
		}
		states[i] = d.State().Server
		if _, err := driver.HandleReady(d, st, nil); err != nil {
			t.Fatal(err)
		}
		if got := d.State().Server.Granted; got != spec.Set(0).Add(1) {
			t.Errorf("%s: after the Ready, granted %v, want {1}", lib.Name, got)
		}
	}
	if states[0].Granted == states[1].Granted {
		t.Errorf("before the Ready both count %v: the normalisation %q would not be needed", states[0].Granted, driver.NormQuiescent.Name)
	}
	t.Logf("before the Ready: raft/ granted %v, etcd granted %v", states[0].Granted, states[1].Granted)
}

// A restart reads only what the harness persisted: etcd, restarted from a
// driver.Storage, has the term, vote, log and commit it had.
func TestRestartFromStorage(t *testing.T) {
	st := &driver.Storage{HardState: driver.HardState{Term: 3, Vote: 2, Commit: 1},
		Log: []spec.Entry{{Term: 1}, {Term: 3, Value: "x"}}, Applied: 1}
	d, err := etcd.Library.Start(driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 7}, st)
	if err != nil {
		t.Fatal(err)
	}
	s := d.State()
	if s.Server.Term != 3 || s.Server.Vote != 2 || s.Server.Commit != 1 || len(s.Server.Log) != 2 || s.Server.Log[1].Value != "x" || s.Applied != 1 {
		t.Fatalf("restarted as %+v", s)
	}
	// The election timeout the harness chose is the one that fires: 7
	// ticks, not 5 or any other draw.
	for i := 1; i <= 7; i++ {
		d.Tick()
		if role := d.State().Server.Role; (role == spec.Candidate) != (i == 7) {
			t.Fatalf("after %d ticks: %v", i, role)
		}
	}
}
