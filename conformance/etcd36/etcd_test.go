package etcd36_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
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
	bad := etcd36.NewLibrary(etcd36.Options{PreVoteGrantCarriesVoterTerm: true})
	for _, n := range []int{3, 5} {
		s := driver.Setup{N: n, PreVote: true}
		d := find(t, driver.Native, bad, s)
		if !d.Caught(".Sent[") || !d.Caught("].Term") {
			t.Errorf("%v: caught by %v, want a sent message's Term:\n%v", s, d.Paths, d)
		}
		t.Logf("%v: caught after %d actions (last %v) by %v", s, len(d.Schedule), d.Schedule[len(d.Schedule)-1], d.Paths)
	}
	// Without PreVote there is no pre-vote to rewrite.
	d, _, err := driver.Find(1, driver.Native, bad, driver.Setup{N: 3}, 20, 200)
	if err != nil {
		t.Fatal(err)
	}
	if d != nil && strings.Contains(d.Diff, "PreVoteResponse") {
		t.Errorf("a pre-vote response without PreVote:\n%v", d)
	}
}

// NormQuiescent is needed for v3.6 as for v3.7: right after Campaign,
// before its Ready is handled, etcd has not counted the candidate's own
// vote (a message to itself, stepped on Advance) while raft/ has.
func TestNormQuiescentNeeded(t *testing.T) {
	cfg := driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}
	var states [2]spec.Server
	for i, lib := range []driver.Library{driver.Native, etcd36.Library} {
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
}

// A restart reads only what the harness persisted, and the election
// timeout the harness chose is the one that fires.
func TestRestartFromStorage(t *testing.T) {
	st := &driver.Storage{HardState: driver.HardState{Term: 3, Vote: 2, Commit: 1},
		Log: []spec.Entry{{Term: 1}, {Term: 3, Value: "x"}}, Applied: 1}
	d, err := etcd36.Library.Start(driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 7}, st)
	if err != nil {
		t.Fatal(err)
	}
	s := d.State()
	if s.Server.Term != 3 || s.Server.Vote != 2 || s.Server.Commit != 1 || len(s.Server.Log) != 2 || s.Server.Log[1].Value != "x" || s.Applied != 1 {
		t.Fatalf("restarted as %+v", s)
	}
	for i := 1; i <= 7; i++ {
		d.Tick()
		if role := d.State().Server.Role; (role == spec.Candidate) != (i == 7) {
			t.Fatalf("after %d ticks: %v", i, role)
		}
	}
}

// Fire fires exactly the timer asked for, on etcd as on raft/: a leader's
// heartbeats never check its quorum however often they fire, a quorum
// check sends no heartbeat, and a timer that does not run in the role is
// refused.
func TestFireOneTimer(t *testing.T) {
	for _, lib := range []driver.Library{driver.Native, etcd36.Library} {
		cfgs := make([]driver.Config, 3)
		for i := range cfgs {
			cfgs[i] = driver.Config{ID: i + 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 9, CheckQuorum: true}
		}
		c, err := driver.NewCluster(lib, cfgs)
		if err != nil {
			t.Fatal(err)
		}
		fire := func(id int, tm driver.Timer) ([]spec.Message, error) {
			t.Helper()
			if err := c.Node(id).(driver.Firer).Fire(tm); err != nil {
				return nil, err
			}
			sent, err := driver.HandleReady(c.Node(id), c.Storage(id), nil)
			if err != nil {
				t.Fatal(err)
			}
			return sent, nil
		}
		if _, err := fire(1, driver.HeartbeatTimer); !errors.Is(err, driver.ErrTimerNotRunning) {
			t.Errorf("%s: a follower fired its heartbeat timer: %v", lib.Name, err)
		}
		// Node 1 times out and wins node 2's vote.
		sent, err := fire(1, driver.ElectionTimer)
		if err != nil {
			t.Fatalf("%s: %v", lib.Name, err)
		}
		for _, m := range sent {
			if m.To != 2 {
				continue
			}
			if err := c.Node(2).Step(m); err != nil {
				t.Fatal(err)
			}
			resp, err := driver.HandleReady(c.Node(2), c.Storage(2), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range resp {
				if err := c.Node(1).Step(r); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := driver.HandleReady(c.Node(1), c.Storage(1), nil); err != nil {
				t.Fatal(err)
			}
		}
		if s := c.Node(1).State().Server; s.Role != spec.Leader {
			t.Fatalf("%s: node 1 is %v, want leader", lib.Name, s.Role)
		}
		if _, err := fire(1, driver.ElectionTimer); !errors.Is(err, driver.ErrTimerNotRunning) {
			t.Errorf("%s: a leader fired its election timer: %v", lib.Name, err)
		}
		// More heartbeats than the election timeout has ticks: no quorum
		// check among them, although no follower answers.
		for k := range 3 * cfgs[0].ElectionTick {
			sent, err := fire(1, driver.HeartbeatTimer)
			if err != nil {
				t.Fatalf("%s: heartbeat %d: %v", lib.Name, k, err)
			}
			if len(sent) != 2 || sent[0].Type != spec.HeartbeatRequest || sent[1].Type != spec.HeartbeatRequest {
				t.Fatalf("%s: heartbeat %d sent %v, want a heartbeat to each follower", lib.Name, k, sent)
			}
			if s := c.Node(1).State().Server; s.Role != spec.Leader {
				t.Fatalf("%s: heartbeat %d checked the quorum: the leader stepped down", lib.Name, k)
			}
		}
		// No follower answered the heartbeats: a quorum check (the first,
		// or the second if the first still counts node 2's vote) steps the
		// leader down, and sends no heartbeat.
		for k := 0; k < 2 && c.Node(1).State().Server.Role == spec.Leader; k++ {
			sent, err := fire(1, driver.CheckQuorumTimer)
			if err != nil {
				t.Fatalf("%s: quorum check %d: %v", lib.Name, k, err)
			}
			if len(sent) != 0 {
				t.Fatalf("%s: quorum check %d sent %v", lib.Name, k, sent)
			}
		}
		if s := c.Node(1).State().Server; s.Role != spec.Follower {
			t.Fatalf("%s: after quorum checks with no answer the leader is %v, want follower", lib.Name, s.Role)
		}
	}
}
