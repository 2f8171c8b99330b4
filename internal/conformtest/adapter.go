package conformtest

// Unit checks of an adapter: its seeded change is found, the normalisation
// it needs is needed, it restarts from the harness's storage alone, and it
// fires one timer at a time.

import (
	"errors"
	"testing"

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

// SeededPreVoteGrantTermFound: bad is a library with a seeded change, a
// pre-vote grant that carries the voter's term instead of the requested
// one (etcd's adapter option PreVoteGrantCarriesVoterTerm). Only the messages sent can
// show it (nothing else changes on a pre-vote), and they do.
func SeededPreVoteGrantTermFound(t *testing.T, bad driver.Library) {
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

// NormQuiescentNeeded: the normalisation NormQuiescent is needed for lib: right after Campaign, before its Ready is
// handled, etcd (lib) has not counted the candidate's own vote (it is a message
// to itself, stepped on Advance) while raft/ has; once the Ready is
// handled they agree.
func NormQuiescentNeeded(t *testing.T, lib driver.Library) {
	cfg := driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}
	var states [2]spec.Server
	for i, lib := range []driver.Library{driver.Native, lib} {
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
	t.Logf("before the Ready: raft/ granted %v, %s granted %v", states[0].Granted, lib.Name, states[1].Granted)
}

// RestartFromStorage: a restart reads only what the harness persisted: lib, restarted from a
// driver.Storage, has the term, vote, log and commit it had.
func RestartFromStorage(t *testing.T, lib driver.Library) {
	st := &driver.Storage{HardState: driver.HardState{Term: 3, Vote: 2, Commit: 1},
		Log: []spec.Entry{{Term: 1}, {Term: 3, Value: "x"}}, Applied: 1}
	d, err := lib.Start(driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 7}, st)
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

// FireOneTimer: Fire (driver.Firer) fires exactly the timer asked for, on lib as on raft/: a leader's
// heartbeats never check its quorum however often they fire, a quorum
// check sends no heartbeat, and a timer that does not run in the role is
// refused.
func FireOneTimer(t *testing.T, lib driver.Library) {
	for _, lib := range []driver.Library{driver.Native, lib} {
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
