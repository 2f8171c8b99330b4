package traces

import (
	"errors"
	"fmt"
	"slices"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/model"
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
	// Want and Got are the trace's and the implementation's states when
	// they differ (nil when the action could not be taken).
	Want, Got *spec.View
}

func (e *ReplayError) Error() string {
	msg := fmt.Sprintf("%s:%d: step %d, %s: %s", e.File, e.Line, e.Step, e.Action, e.Reason)
	if e.Diff != "" {
		msg += " (-trace +implementation):\n" + e.Diff
	}
	return msg
}

// Replay runs a behaviour of the spec against a fresh cluster of raft/
// nodes (driver.Native) configured as cfg says; see ReplayOn.
func Replay(tr *Trace, cfg model.Config) error { return ReplayOn(driver.Native, tr, cfg) }

// ReplayOn runs a behaviour of the spec against a fresh cluster of lib's
// nodes configured as cfg says: each action becomes the input, through
// lib's driver.Driver, that realises it (deliver, drop or duplicate this
// message, fire this timer, propose this value, restart this node from
// what it persisted, cut or heal this link), and after each the cluster's
// projection must equal the trace's state. The library's drivers must
// implement driver.Firer: the spec's timer actions are taken one at a
// time.
func ReplayOn(lib driver.Library, tr *Trace, cfg model.Config) error {
	labels, err := Labels(tr)
	if err != nil {
		return err
	}
	batch := cfg.MaxBatch
	if batch >= 1<<16 {
		batch = 0
	}
	c, err := newReplayCluster(lib, tr.Steps[0].View.N(), cfg, batch)
	if err != nil {
		return err
	}
	if err := compare(tr, 0, c.view()); err != nil {
		return err
	}
	for k, l := range labels {
		reason, err := c.apply(l)
		if err != nil {
			return err
		}
		if reason != "" {
			st := tr.Steps[k+1]
			return &ReplayError{File: tr.File, Line: st.Line, Step: k + 1, Action: l.String(), Reason: reason}
		}
		if err := compare(tr, k+1, c.view()); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoCompactor is the error of ReplayOn for a behaviour with a Compact
// step when the library's driver cannot compact (is no driver.Compactor).
var ErrNoCompactor = errors.New("cannot compact (its driver is no driver.Compactor)")

// ErrNoReader is the error of ReplayOn for a behaviour with a ClientRead
// step when the library's driver cannot read (is no driver.Reader).
var ErrNoReader = errors.New("cannot read (its driver is no driver.Reader)")

// BatchBinds reports whether the spec's MaxBatch shaped the behaviour: a
// leader sent an append of MaxBatch entries while it had more to send
// after them. A library that cannot bound appends in entries replays,
// without a bound, exactly the behaviours where it does not.
func BatchBinds(tr *Trace, cfg model.Config) bool {
	if cfg.MaxBatch <= 0 || cfg.MaxBatch >= 1<<16 {
		return false
	}
	for k := 1; k < len(tr.Steps); k++ {
		prev, cur := tr.Steps[k-1].View, tr.Steps[k].View
		for _, b := range cur.Messages {
			m := b.Msg
			if m.Type != spec.AppendEntriesRequest || len(m.Entries) < cfg.MaxBatch || prev.Copies(m) >= b.Copies {
				continue
			}
			if sender := cur.Servers[m.From-1]; sender.LastIndex() > m.PrevLogIndex+uint64(len(m.Entries)) {
				return true
			}
		}
	}
	return false
}

func compare(tr *Trace, k int, got *spec.View) error {
	want := tr.Steps[k].View
	if spec.Equal(want, got) {
		return nil
	}
	return &ReplayError{File: tr.File, Line: tr.Steps[k].Line, Step: k, Action: tr.Steps[k].Action,
		Reason: "the implementation's state differs from the trace's", Diff: cmp.Diff(want, got, cmpopts.EquateEmpty()),
		Want: want, Got: got}
}

// replayCluster is a cluster of one library's nodes driven by the spec's
// actions: messages in flight form a bag, links are cut one at a time.
type replayCluster struct {
	lib    driver.Library
	cfgs   []driver.Config
	nodes  []driver.Driver
	stores []*driver.Storage
	flight []spec.Message
	cut    map[spec.Link]bool
	// keepActive: the spec keeps a leader's recently active followers
	// (KeepActive: CheckQuorum or AllowCompaction).
	keepActive bool
	// answers[id-1] are the reads node id answered (the spec's history
	// readStates, kept across restarts), sorted; reads is the history
	// reads: each read's origin and the highest commit index when it
	// began.
	answers [][]spec.ReadAnswer
	reads   []spec.Read
}

func newReplayCluster(lib driver.Library, n int, mc model.Config, batch int) (*replayCluster, error) {
	c := &replayCluster{lib: lib, cut: map[spec.Link]bool{}, keepActive: mc.CheckQuorum || mc.AllowCompaction,
		answers: make([][]spec.ReadAnswer, n)}
	for id := 1; id <= n; id++ {
		// The ticks never fire a timer here (Fire does), so their counts
		// only need to be valid.
		cfg := driver.Config{ID: id, N: n, PreVote: mc.PreVote, CheckQuorum: mc.CheckQuorum,
			ElectionTick: 10, HeartbeatTick: 1, ElectionTimeout: 10, MaxEntriesPerMsg: batch,
			ReadOnlyLeaseBased: mc.ReadOnlyLeaseBased}
		c.cfgs = append(c.cfgs, cfg)
		c.stores = append(c.stores, &driver.Storage{})
		d, err := lib.Start(cfg, &driver.Storage{})
		if err != nil {
			return nil, fmt.Errorf("traces: %s: starting node %d: %w", lib.Name, id, err)
		}
		c.nodes = append(c.nodes, d)
	}
	return c, nil
}

// process hands out node id's Ready: what it sends goes in flight unless
// its link is cut.
func (c *replayCluster) process(id int) error {
	d := c.nodes[id-1]
	_, err := driver.HandleReady(answering{d, func(rs []spec.ReadAnswer) {
		for _, a := range rs {
			if !slices.Contains(c.answers[id-1], a) {
				c.answers[id-1] = append(c.answers[id-1], a)
			}
		}
		slices.SortFunc(c.answers[id-1], compareAnswers)
	}}, c.stores[id-1], func(msgs []spec.Message) {
		for _, m := range msgs {
			if !c.cut[spec.Link{From: m.From, To: m.To}] {
				c.flight = append(c.flight, m)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("traces: %s: node %d: %w", c.lib.Name, id, err)
	}
	return nil
}

// answering is a Driver whose Ready also hands its read states to answer.
type answering struct {
	driver.Driver
	answer func([]spec.ReadAnswer)
}

func (a answering) Ready() driver.Ready {
	rd := a.Driver.Ready()
	a.answer(rd.ReadStates)
	return rd
}

func compareAnswers(a, b spec.ReadAnswer) int {
	if a.ID != b.ID {
		return compareUint(a.ID, b.ID)
	}
	return compareUint(a.Index, b.Index)
}

func (c *replayCluster) view() *spec.View {
	v := &spec.View{Servers: make([]spec.Server, len(c.nodes)), Reads: slices.Clone(c.reads)}
	for i, d := range c.nodes {
		st := d.State()
		v.Servers[i] = st.Server
		v.Servers[i].ReadStates = slices.Clone(c.answers[i])
		if c.keepActive && st.Server.Role == spec.Leader {
			v.Servers[i].RecentActive = st.Active
		}
	}
	for l := range c.cut {
		v.Cut = append(v.Cut, l)
	}
	spec.SortLinks(v.Cut)
	v.Messages = spec.NewBag(slices.Clone(c.flight))
	return v
}

// find returns the index in flight of a message equal to m, or -1.
func (c *replayCluster) find(m *spec.Message) int {
	for i, f := range c.flight {
		if f.Equal(*m) {
			return i
		}
	}
	return -1
}

var timers = map[string]driver.Timer{
	"Timeout": driver.ElectionTimer, "Heartbeat": driver.HeartbeatTimer,
	"QuorumCheck": driver.CheckQuorumTimer, "LeaseExpire": driver.LeaseTimer,
	"AbortTransfer": driver.TransferTimer,
}

// apply feeds the library the input that realises l, and returns why it
// could not ("" if it did); an error is the harness's.
func (c *replayCluster) apply(l model.Label) (string, error) {
	switch {
	case timers[l.Action] != 0:
		f, ok := c.nodes[l.I-1].(driver.Firer)
		if !ok {
			return "", fmt.Errorf("traces: %s cannot fire one timer (its driver is no driver.Firer)", c.lib.Name)
		}
		if err := f.Fire(timers[l.Action]); err != nil {
			if errors.Is(err, driver.ErrTimerNotRunning) {
				return fmt.Sprintf("the implementation has no %v running at node %d", timers[l.Action], l.I), nil
			}
			return "", err
		}
		return "", c.process(l.I)
	case l.Action == "ClientRequest":
		if err := c.nodes[l.I-1].Propose(l.Value); err != nil {
			return fmt.Sprintf("node %d refused the proposal: %v", l.I, err), nil
		}
		return "", c.process(l.I)
	case l.Action == "TransferLeadership":
		if err := c.nodes[l.I-1].TransferLeader(l.J); err != nil {
			return fmt.Sprintf("node %d refused the transfer to %d: %v", l.I, l.J, err), nil
		}
		return "", c.process(l.I)
	case l.Action == "ForgetLeader":
		if err := c.nodes[l.I-1].ForgetLeader(); err != nil {
			return fmt.Sprintf("node %d refused to forget its leader: %v", l.I, err), nil
		}
		return "", c.process(l.I)
	case l.Action == "ClientRead":
		r, ok := c.nodes[l.I-1].(driver.Reader)
		if !ok {
			return "", fmt.Errorf("traces: %s: %w", c.lib.Name, ErrNoReader)
		}
		// The history: read number len(reads)+1 begins at the highest
		// commit index of any node (the spec's ClientRead).
		var begin uint64
		for _, d := range c.nodes {
			begin = max(begin, d.State().Server.Commit)
		}
		id := uint64(len(c.reads) + 1)
		if err := r.ReadIndex(id); err != nil {
			return fmt.Sprintf("node %d refused read %d: %v", l.I, id, err), nil
		}
		c.reads = append(c.reads, spec.Read{From: l.I, Begin: begin})
		return "", c.process(l.I)
	case l.Action == "Restart":
		d, err := c.lib.Start(c.cfgs[l.I-1], c.stores[l.I-1].Clone())
		if err != nil {
			return "", fmt.Errorf("traces: %s: restarting node %d: %w", c.lib.Name, l.I, err)
		}
		c.nodes[l.I-1] = d
		return "", c.process(l.I)
	case l.Action == "Compact":
		// The application snapshots at its applied index (the spec: its
		// commit) and drops the entries before it, as driver.Cluster does.
		st := c.stores[l.I-1]
		if st.Applied <= st.SnapshotIndex {
			return fmt.Sprintf("node %d has applied nothing since its snapshot at %d", l.I, st.SnapshotIndex), nil
		}
		cp, ok := c.nodes[l.I-1].(driver.Compactor)
		if !ok {
			return "", fmt.Errorf("traces: %s: %w", c.lib.Name, ErrNoCompactor)
		}
		if err := cp.Compact(st.Applied); err != nil {
			return "", fmt.Errorf("traces: %s: node %d: compacting to %d: %w", c.lib.Name, l.I, st.Applied, err)
		}
		if err := st.Compact(st.Applied); err != nil {
			return "", err
		}
		return "", c.process(l.I)
	case l.Action == "Partition":
		c.cut[spec.Link{From: l.I, To: l.J}] = true
		c.flight = slices.DeleteFunc(c.flight, func(m spec.Message) bool { return m.From == l.I && m.To == l.J })
		return "", nil
	case l.Action == "Heal":
		delete(c.cut, spec.Link{From: l.I, To: l.J})
		return "", nil
	case l.Msg != nil:
		i := c.find(l.Msg)
		if i < 0 {
			return fmt.Sprintf("the implementation has no message %v in flight", *l.Msg), nil
		}
		switch l.Action {
		case "DropMessage":
			c.flight = slices.Delete(c.flight, i, i+1)
		case "DuplicateMessage":
			c.flight = append(c.flight, c.flight[i])
		default:
			m := c.flight[i]
			c.flight = slices.Delete(c.flight, i, i+1)
			if err := c.nodes[m.To-1].Step(m); err != nil {
				return fmt.Sprintf("node %d refused the message: %v", m.To, err), nil
			}
			return "", c.process(m.To)
		}
		return "", nil
	}
	return "no implementation input realises this action", nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
