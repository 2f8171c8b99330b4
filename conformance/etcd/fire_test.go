package etcd_test

import (
	"errors"
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
)

// Fire fires exactly the timer asked for, on etcd as on raft/: a leader's
// heartbeats never check its quorum however often they fire, a quorum
// check sends no heartbeat, and a timer that does not run in the role is
// refused.
func TestFireOneTimer(t *testing.T) {
	for _, lib := range []driver.Library{driver.Native, etcd.Library} {
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
