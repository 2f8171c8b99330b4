package driver

import (
	"errors"
	"fmt"

	"github.com/checkedraft/checkedraft/raft"
)

// Timer names one of a node's timers as the spec sees them: each is a TLA+
// action (Timeout, Heartbeat, QuorumCheck, LeaseExpire) that Tick takes
// when a count of ticks runs out.
type Timer uint8

// The timers.
const (
	// ElectionTimer runs on followers and (pre-)candidates: firing it
	// starts an election (a pre-election with PreVote), the spec's Timeout.
	ElectionTimer Timer = iota + 1
	// HeartbeatTimer runs on leaders: firing it broadcasts heartbeats.
	HeartbeatTimer
	// CheckQuorumTimer runs on leaders with CheckQuorum: firing it makes
	// the leader step down unless a quorum was recently active.
	CheckQuorumTimer
	// LeaseTimer runs on a follower that heard from its leader within the
	// election timeout: firing it ends the lease.
	LeaseTimer
	// TransferTimer runs on a leader with a pending transfer: firing it
	// gives the transfer up (raft/ only: etcd gives a transfer up in the
	// same election-timeout count as its quorum check, tickHeartbeat).
	TransferTimer
)

var timerNames = [...]string{"", "ElectionTimer", "HeartbeatTimer", "CheckQuorumTimer", "LeaseTimer", "TransferTimer"}

func (t Timer) String() string {
	if t != 0 && int(t) < len(timerNames) {
		return timerNames[t]
	}
	return fmt.Sprintf("Timer(%d)", uint8(t))
}

// ErrTimerNotRunning is what Fire returns (wrapped) for a timer that does
// not run in the node's current role.
var ErrTimerNotRunning = errors.New("driver: timer not running")

// Firer is implemented by a Driver that can make one timer go off now,
// whatever its count, and nothing else happen: no other timer fires, no
// other count moves. Replaying a behaviour of the spec (package traces)
// needs it, since the spec's timer actions are taken one at a time while a
// tick may take several (a leader's tick both checks its quorum and
// broadcasts heartbeats when both counts run out).
type Firer interface {
	Fire(t Timer) error
}

// Fire implements Firer with raft/'s own RawNode.Fire.
func (n *native) Fire(t Timer) error {
	rt := map[Timer]raft.Timer{
		ElectionTimer: raft.ElectionTimer, HeartbeatTimer: raft.HeartbeatTimer,
		CheckQuorumTimer: raft.CheckQuorumTimer, LeaseTimer: raft.LeaseTimer,
		TransferTimer: raft.TransferTimer,
	}[t]
	if rt == 0 {
		return fmt.Errorf("driver: unknown timer %v", t)
	}
	if err := n.rn.Fire(rt); err != nil {
		if errors.Is(err, raft.ErrTimerNotRunning) {
			return fmt.Errorf("%w: %v", ErrTimerNotRunning, err)
		}
		return err
	}
	return nil
}
