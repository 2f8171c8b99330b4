package traces

import (
	"fmt"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// ReplayError says where a replay diverged: the file and line of the
// state, the step number, the action, and how the implementation's state
// differs from the trace's.
type ReplayError struct {
	File   string
	Line   int
	Step   int
	Action string
	Reason string
	Diff   string
}

func (e *ReplayError) Error() string {
	msg := fmt.Sprintf("%s:%d: step %d, %s: %s", e.File, e.Line, e.Step, e.Action, e.Reason)
	if e.Diff != "" {
		msg += " (-trace +implementation):\n" + e.Diff
	}
	return msg
}

// Replay runs a behaviour of the spec against a fresh cluster of raft nodes
// configured as cfg says: each action becomes the implementation input that
// realises it (deliver, drop or duplicate this message, fire this timer,
// propose this value, restart this node, cut or heal this link), and after
// each the cluster's projection must equal the trace's state.
func Replay(tr *Trace, cfg model.Config) error {
	labels, err := Labels(tr)
	if err != nil {
		return err
	}
	batch := cfg.MaxBatch
	if batch >= 1<<16 {
		batch = 0
	}
	c := properties.NewCluster(properties.Options{N: tr.Steps[0].View.N(), PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum, MaxEntriesPerMsg: batch})
	if err := compare(tr, 0, c.View()); err != nil {
		return err
	}
	for k, l := range labels {
		if reason := apply(c, l); reason != "" {
			st := tr.Steps[k+1]
			return &ReplayError{File: tr.File, Line: st.Line, Step: k + 1, Action: l.String(), Reason: reason}
		}
		if err := compare(tr, k+1, c.View()); err != nil {
			return err
		}
	}
	return nil
}

func compare(tr *Trace, k int, got *spec.View) error {
	want := tr.Steps[k].View
	if spec.Equal(want, got) {
		return nil
	}
	return &ReplayError{File: tr.File, Line: tr.Steps[k].Line, Step: k, Action: tr.Steps[k].Action,
		Reason: "the implementation's state differs from the trace's", Diff: cmp.Diff(want, got, cmpopts.EquateEmpty())}
}

// find returns the index in flight of a message equal to m, or -1.
func find(c *properties.Cluster, m *spec.Message) int {
	for i, f := range c.Flight() {
		if properties.SpecMessage(f).Equal(*m) {
			return i
		}
	}
	return -1
}

// apply feeds the implementation the input that realises l, and returns
// why it could not ("" if it did).
func apply(c *properties.Cluster, l model.Label) string {
	timer := map[raft.Action]raft.Timer{
		raft.ActionTimeout: raft.ElectionTimer, raft.ActionHeartbeat: raft.HeartbeatTimer,
		raft.ActionQuorumCheck: raft.CheckQuorumTimer, raft.ActionLeaseExpire: raft.LeaseTimer,
	}
	a := raft.Action(l.Action)
	switch {
	case timer[a] != 0:
		if _, ok := c.Fire(l.I, timer[a]); !ok {
			return fmt.Sprintf("the implementation has no %v running at node %d", timer[a], l.I)
		}
	case a == raft.ActionClientRequest:
		if _, ok := c.Propose(l.I, l.Value); !ok {
			return fmt.Sprintf("node %d refused the proposal: it is not the leader", l.I)
		}
	case a == raft.ActionRestart:
		c.Restart(l.I)
	case a == raft.ActionPartition:
		c.Partition(l.I, l.J)
	case a == raft.ActionHeal:
		c.Heal(l.I, l.J)
	case l.Msg != nil:
		i := find(c, l.Msg)
		if i < 0 {
			return fmt.Sprintf("the implementation has no message %v in flight", *l.Msg)
		}
		switch a {
		case raft.ActionDropMessage:
			c.Drop(i)
		case raft.ActionDuplicateMessage:
			c.Duplicate(i)
		default:
			if _, err := c.Deliver(i); err != nil {
				return fmt.Sprintf("node %d refused the message: %v", l.I, err)
			}
		}
	default:
		return "no implementation input realises this action"
	}
	return ""
}
