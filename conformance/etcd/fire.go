package etcd

// Fire (driver.Firer) for trace replay: like internals.go, this file
// reaches into etcd's unexported state through reflect and unsafe, without
// changing etcd's code. It writes raft.electionElapsed and
// raft.heartbeatElapsed, the counts tickElection and tickHeartbeat compare
// with their timeouts, so that the next tick fires exactly one timer. The
// differential runs never call it.

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/checkedraft/checkedraft/driver"
	etcdraft "go.etcd.io/raft/v3"
)

// counts returns etcd's electionElapsed and heartbeatElapsed of rn, made
// writable.
func counts(rn *etcdraft.RawNode) (election, heartbeat reflect.Value, err error) {
	r := reflect.ValueOf(rn).Elem().FieldByName("raft")
	if !r.IsValid() || r.Kind() != reflect.Pointer || r.IsNil() {
		return election, heartbeat, fmt.Errorf("etcd %s: RawNode has no raft pointer (fire.go must follow etcd)", Version)
	}
	r = r.Elem()
	get := func(name string) (reflect.Value, error) {
		f := r.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Int {
			return reflect.Value{}, fmt.Errorf("etcd %s: raft has no int field %q (fire.go must follow etcd)", Version, name)
		}
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
	}
	if election, err = get("electionElapsed"); err != nil {
		return election, heartbeat, err
	}
	heartbeat, err = get("heartbeatElapsed")
	return election, heartbeat, err
}

// Fire implements driver.Firer: it sets etcd's counts so that the next
// tick fires exactly timer t, ticks, and puts back the count of the other
// timer that tick moved.
func (n *node) Fire(t driver.Timer) error {
	election, heartbeat, err := counts(n.rn)
	if err != nil {
		return err
	}
	st := n.rn.BasicStatus()
	leader := st.RaftState == etcdraft.StateLeader
	notRunning := func() error {
		return fmt.Errorf("%w: %v on node %d (%v, CheckQuorum %v)", driver.ErrTimerNotRunning, t, n.cfg.ID, st.RaftState, n.cfg.CheckQuorum)
	}
	stillLeader := func() bool { return n.rn.BasicStatus().RaftState == etcdraft.StateLeader }
	defer n.impose()
	switch t {
	case driver.ElectionTimer:
		if leader {
			return notRunning()
		}
		// tickElection: the count reaches the (imposed) randomized
		// timeout; etcd resets it and steps MsgHup.
		election.SetInt(int64(n.cfg.ElectionTimeout - 1))
		n.rn.Tick()
	case driver.HeartbeatTimer:
		if !leader {
			return notRunning()
		}
		// tickHeartbeat moves both counts: keep the election count off
		// its timeout for this tick, then put it back.
		e := election.Int()
		election.SetInt(-1)
		heartbeat.SetInt(int64(n.cfg.HeartbeatTick - 1))
		n.rn.Tick()
		if stillLeader() {
			election.SetInt(e)
		}
	case driver.CheckQuorumTimer:
		if !leader || !n.cfg.CheckQuorum {
			return notRunning()
		}
		h := heartbeat.Int()
		heartbeat.SetInt(-1)
		election.SetInt(int64(n.cfg.ElectionTick - 1))
		n.rn.Tick()
		if stillLeader() {
			heartbeat.SetInt(h)
		}
	case driver.LeaseTimer:
		// etcd's inLease (Step): lead != None and electionElapsed <
		// electionTimeout, on a follower.
		if st.RaftState != etcdraft.StateFollower || st.Lead == etcdraft.None || election.Int() >= int64(n.cfg.ElectionTick) {
			return notRunning()
		}
		election.SetInt(int64(n.cfg.ElectionTick))
	default:
		return fmt.Errorf("etcd %s: unknown timer %v", Version, t)
	}
	return nil
}
