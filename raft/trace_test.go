package raft_test

import (
	"reflect"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// tracedNode is a hand-driven node whose trace events are collected.
type tracedNode struct {
	*node
	events []raft.TraceEvent
}

func newTracedNode(t *testing.T, id uint64, opts ...option) *tracedNode {
	tn := &tracedNode{}
	tracer := raft.TracerFunc(func(ev raft.TraceEvent) { tn.events = append(tn.events, ev) })
	tn.node = newNode(t, id, peers3, append(opts, func(c *raft.Config) { c.Tracer = tracer })...)
	return tn
}

// expect runs call, which must produce exactly one trace event named
// action, whose message is msg (if any), whose state is the node's state
// after the call, and whose Sent lists exactly the messages the node then
// hands out, in order. It returns those messages.
func (tn *tracedNode) expect(t *testing.T, action raft.Action, msg *raft.Message, call func()) []raft.Message {
	t.Helper()
	tn.events = nil
	call()
	if len(tn.events) != 1 {
		t.Fatalf("%s: %d events %+v, want one", action, len(tn.events), tn.events)
	}
	ev := tn.events[0]
	st := tn.status()
	if ev.Action != action || ev.Node != st.ID {
		t.Fatalf("event %q at node %d, want %q at node %d", ev.Action, ev.Node, action, st.ID)
	}
	if (msg == nil) != (ev.Msg == nil) || (msg != nil && fmtMsgs([]raft.Message{*msg}) != fmtMsgs([]raft.Message{*ev.Msg})) {
		t.Fatalf("%s: event message %v, want %v", action, ev.Msg, msg)
	}
	if msg != nil && raft.HandleAction(msg.Type) != action {
		t.Fatalf("HandleAction(%v) = %q, want %q", msg.Type, raft.HandleAction(msg.Type), action)
	}
	want := raft.NodeState{Term: st.Term, Vote: st.Vote, Role: st.Role, Lead: st.Lead, Lease: st.Lease,
		Commit: st.Commit, LastIndex: st.LastIndex, LastTerm: st.LastTerm,
		Log: tn.rn.Log(), VotesGranted: st.VotesGranted, VotesRejected: st.VotesRejected, Progress: st.Progress}
	if !reflect.DeepEqual(ev.State, want) {
		t.Fatalf("%s: event state %+v, want %+v", action, ev.State, want)
	}
	sent := tn.msgs()
	if fmtMsgs(ev.Sent) != fmtMsgs(sent) {
		t.Fatalf("%s: event Sent\n%swant what the Ready holds\n%s", action, fmtMsgs(ev.Sent), fmtMsgs(sent))
	}
	return sent
}

// With a Tracer, every step the spec can see yields one event named after
// the TLA+ action it realises, with the node's state after it and the
// messages it sent.
func TestTrace_EventsNameSpecActions(t *testing.T) {
	// Nodes 1 and 2 of three (3 is absent), with PreVote and CheckQuorum.
	a := newTracedNode(t, 1, preVote, checkQuorum)
	b := newTracedNode(t, 2, preVote, checkQuorum)
	// deliver steps m into its receiver, expecting the event action.
	deliver := func(to *tracedNode, m raft.Message, action raft.Action) []raft.Message {
		t.Helper()
		return to.expect(t, action, &m, func() { to.step(m) })
	}
	to := func(ms []raft.Message, id uint64) raft.Message {
		t.Helper()
		for _, m := range ms {
			if m.To == id {
				return m
			}
		}
		t.Fatalf("nothing to %d in %v", id, ms)
		return raft.Message{}
	}

	// The election, step by step.
	sent := a.expect(t, raft.ActionTimeout, nil, func() { a.rn.Campaign() })
	sent = deliver(b, to(sent, 2), raft.ActionHandlePreVoteRequest)
	sent = deliver(a, to(sent, 1), raft.ActionHandlePreVoteResponse)
	sent = deliver(b, to(sent, 2), raft.ActionHandleVoteRequest)
	sent = deliver(a, to(sent, 1), raft.ActionHandleVoteResponse)
	if a.status().Role != raft.Leader {
		t.Fatalf("1 is %v", a.status().Role)
	}
	sent = deliver(b, to(sent, 2), raft.ActionHandleAppendEntriesRequest)
	deliver(a, to(sent, 1), raft.ActionHandleAppendEntriesResponse)

	// A proposal carries its value.
	a.events = nil
	sent = a.expect(t, raft.ActionClientRequest, nil, func() { must(t, a.rn.Propose([]byte("x"))) })
	if string(a.events[0].Value) != "x" {
		t.Fatalf("ClientRequest value %q, want x", a.events[0].Value)
	}
	deliver(b, to(sent, 2), raft.ActionHandleAppendEntriesRequest)

	// Timers: the heartbeat (every tick), heartbeats handled, the quorum
	// check.
	sent = a.expect(t, raft.ActionHeartbeat, nil, a.rn.Tick)
	sent = deliver(b, to(sent, 2), raft.ActionHandleHeartbeatRequest)
	deliver(a, to(sent, 1), raft.ActionHandleHeartbeatResponse)
	a.expect(t, raft.ActionQuorumCheck, nil, func() { must(t, a.rn.Fire(raft.CheckQuorumTimer)) })

	// 2's lease: silent ticks, then the tick that ends it.
	b.events = nil
	for range electionTick - 1 {
		b.rn.Tick()
	}
	if len(b.events) != 0 {
		t.Fatalf("events while nothing the spec sees happens: %+v", b.events)
	}
	b.expect(t, raft.ActionLeaseExpire, nil, b.rn.Tick)
	if b.status().Lease {
		t.Fatal("lease still held")
	}

	// Without CheckQuorum there is no lease to report, even when hearing
	// from a leader.
	c := newTracedNode(t, 3)
	deliver(c, heartbeat(1, 3, 1, 0), raft.ActionHandleHeartbeatRequest)
	if c.status().Lead != 1 || c.events[0].State.Lease {
		t.Fatalf("event state %+v, want a follower of 1 without lease", c.events[0].State)
	}

	// Two steps before one Ready: each event lists its own messages only.
	c.events = nil
	c.step(heartbeat(1, 3, 1, 0))
	c.step(preVoteReq(2, 3, 2, 9, 9))
	rd := c.msgs()
	if len(c.events) != 2 || len(rd) != 2 {
		t.Fatalf("events %+v, messages %v: want two of each", c.events, rd)
	}
	for k, ev := range c.events {
		if fmtMsgs(ev.Sent) != fmtMsgs(rd[k:k+1]) {
			t.Fatalf("event %d (%s) Sent %v, want %v", k, ev.Action, ev.Sent, rd[k:k+1])
		}
	}

	// A refused message is no step: no event.
	b.events = nil
	if err := b.rn.Step(heartbeat(3, 2, 0, 0)); err == nil {
		t.Fatal("a heartbeat without term accepted")
	}
	if len(b.events) != 0 {
		t.Fatalf("events for a refused message: %+v", b.events)
	}
	// Every message type has its own handler action; an unknown one none.
	seen := map[raft.Action]raft.MessageType{}
	for mt := raft.MsgApp; mt <= raft.MsgSnap; mt++ {
		a := raft.HandleAction(mt)
		if prev, dup := seen[a]; a == "" || dup {
			t.Fatalf("HandleAction(%v) = %q (already %v's)", mt, a, prev)
		}
		seen[a] = mt
	}
	for _, mt := range []raft.MessageType{0, raft.MsgSnap + 1} {
		if a := raft.HandleAction(mt); a != "" {
			t.Fatalf("HandleAction(%v) = %q, want none", mt, a)
		}
	}
}

// Regression (found by this test): Campaign on a leader changes nothing
// (rule b) and must not emit a Timeout trace event either: the spec's
// Timeout is not enabled at a leader, so a trace or refinement check that
// saw one would reject a correct run.
func TestTrace_CampaignOnLeaderTracesNothing(t *testing.T) {
	a := newTracedNode(t, 1)
	a.elect(2)
	a.msgs()
	a.events = nil
	a.rn.Campaign()
	if len(a.events) != 0 {
		t.Fatalf("Campaign on a leader traced %+v; the spec has no such step", a.events)
	}
}
