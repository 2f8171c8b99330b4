package raft_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

func hb(from, to, term, commit uint64, ctx string) raft.Message {
	return raft.Message{Type: raft.MsgHeartbeat, From: from, To: to, Term: term, Commit: commit, Context: ctxOf(ctx)}
}

func hbResp(from, to, term uint64, ctx string) raft.Message {
	return raft.Message{Type: raft.MsgHeartbeatResp, From: from, To: to, Term: term, Context: ctxOf(ctx)}
}

func ctxOf(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// readStates takes every pending Ready and returns the read states they
// held, rendered.
func (n *node) readStates() string {
	n.t.Helper()
	var out []raft.ReadState
	for n.rn.HasReady() {
		out = append(out, n.ready().ReadStates...)
	}
	return fmtReads(out)
}

func fmtReads(rss []raft.ReadState) string {
	s := ""
	for _, rs := range rss {
		s += fmt.Sprintf("%q@%d ", rs.RequestCtx, rs.Index)
	}
	return s
}

// leader3 makes node 1 leader of term 1 in a cluster of three, with its
// empty entry 1 committed (acknowledged by 2).
func leader3(t *testing.T, opts ...option) *node {
	n := newNode(t, 1, peers3, opts...)
	n.elect(2)
	n.msgs()
	n.stepMsgs(ack(2, 1, 1, 1))
	if st := n.status(); st.Commit != 1 {
		t.Fatalf("commit %d, want 1", st.Commit)
	}
	return n
}

func TestConfig_ReadOnlyOption(t *testing.T) {
	st := raft.NewMemoryStorage()
	base := raft.Config{ID: 1, Peers: peers3, ElectionTick: 10, HeartbeatTick: 1, Storage: st}
	c := base
	c.ReadOnlyOption = raft.ReadOnlyLeaseBased
	if _, err := raft.NewRawNode(&c); err == nil {
		t.Fatal("ReadOnlyLeaseBased without CheckQuorum accepted")
	}
	c.CheckQuorum = true
	if _, err := raft.NewRawNode(&c); err != nil {
		t.Fatalf("ReadOnlyLeaseBased with CheckQuorum: %v", err)
	}
	c = base
	c.ReadOnlyOption = 7
	if _, err := raft.NewRawNode(&c); err == nil {
		t.Fatal("unknown ReadOnlyOption 7 accepted")
	}
}

// A safe read is answered at the commit index of its arrival once a
// quorum acknowledged a heartbeat carrying its context; Advance consumes
// the ReadState.
func TestReadIndex_SafeWaitsForQuorum(t *testing.T) {
	n := leader3(t)
	if err := n.rn.ReadIndex([]byte("a")); err != nil {
		t.Fatal(err)
	}
	rd := n.rn.Ready()
	if len(rd.ReadStates) != 0 {
		t.Fatalf("answered before any acknowledgement: %s", fmtReads(rd.ReadStates))
	}
	wantMsgs(t, rd.Messages, hb(1, 2, 1, 1, "a"), hb(1, 3, 1, 0, "a"))
	n.rn.Advance()
	// A heartbeat response without the context, or from nobody new, does
	// not confirm it.
	n.step(hbResp(3, 1, 1, ""))
	if got := n.readStates(); got != "" {
		t.Fatalf("answered on a heartbeat response without context: %s", got)
	}
	n.step(hbResp(2, 1, 1, "a"))
	rd = n.rn.Ready()
	if got, want := fmtReads(rd.ReadStates), `"a"@1 `; got != want {
		t.Fatalf("read states %s, want %s", got, want)
	}
	// Until Advance, Ready hands it out again; after, never.
	if got := fmtReads(n.rn.Ready().ReadStates); got != `"a"@1 ` {
		t.Fatalf("repeated Ready: %s", got)
	}
	n.rn.Advance()
	n.step(hbResp(3, 1, 1, "a"))
	if got := n.readStates(); got != "" {
		t.Fatalf("answered twice: %s", got)
	}
}

// Read states answered between Ready and Advance come out in the next
// Ready.
func TestReadIndex_AnsweredAfterReadyNotLost(t *testing.T) {
	n := leader3(t)
	must(t, n.rn.ReadIndex([]byte("a")))
	n.msgs()
	rd := n.rn.Ready()
	n.step(hbResp(2, 1, 1, "a"))
	if len(rd.ReadStates) != 0 {
		t.Fatal("read state in a Ready taken before it was answered")
	}
	n.rn.Advance()
	if got := n.readStates(); got != `"a"@1 ` {
		t.Fatalf("read states %q, want the read answered after Ready", got)
	}
}

// A quorum acknowledging a later read's heartbeat confirms the reads
// queued before it, each at its own index; the periodic heartbeat carries
// the last queued context.
func TestReadIndex_LaterAckConfirmsEarlierReads(t *testing.T) {
	n := leader3(t)
	must(t, n.rn.ReadIndex([]byte("a")))
	n.msgs()
	must(t, n.rn.Propose([]byte("x")))
	n.msgs()
	n.stepMsgs(ack(2, 1, 1, 2))
	must(t, n.rn.ReadIndex([]byte("b")))
	n.msgs()
	must(t, n.rn.Fire(raft.HeartbeatTimer))
	wantMsgs(t, n.msgs(), hb(1, 2, 1, 2, "b"), hb(1, 3, 1, 0, "b"))
	n.step(hbResp(3, 1, 1, "b"))
	if got, want := n.readStates(), `"a"@1 "b"@2 `; got != want {
		t.Fatalf("read states %s, want %s", got, want)
	}
}

// A leader that has not committed an entry of its term queues reads and
// releases them when it does.
func TestReadIndex_QueuedUntilTermCommit(t *testing.T) {
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 1, Commit: 0}, []uint64{1})
	n.elect(2)
	n.msgs()
	must(t, n.rn.ReadIndex([]byte("a")))
	if ms := n.msgs(); len(ms) != 0 {
		t.Fatalf("a leader without a commit in its term sent %v", ms)
	}
	n.step(hbResp(2, 1, 2, "a"))
	if got := n.readStates(); got != "" {
		t.Fatalf("answered before a commit in its term: %s", got)
	}
	ms := n.stepMsgs(ack(2, 1, 2, 2))
	var hbs []raft.Message
	for _, m := range ms {
		if m.Type == raft.MsgHeartbeat {
			hbs = append(hbs, m)
		}
	}
	wantMsgs(t, hbs, hb(1, 2, 2, 2, "a"), hb(1, 3, 2, 0, "a"))
	n.step(hbResp(3, 1, 2, "a"))
	if got, want := n.readStates(), `"a"@2 `; got != want {
		t.Fatalf("read states %s, want %s", got, want)
	}
}

func TestReadIndex_LeaseBasedAnswersAtOnce(t *testing.T) {
	n := leader3(t, checkQuorum, func(c *raft.Config) { c.ReadOnlyOption = raft.ReadOnlyLeaseBased })
	must(t, n.rn.ReadIndex([]byte("a")))
	rd := n.ready()
	if got, want := fmtReads(rd.ReadStates), `"a"@1 `; got != want || len(rd.Messages) != 0 {
		t.Fatalf("read states %s messages %v, want %s and no message", got, rd.Messages, want)
	}
}

func TestReadIndex_SingleNode(t *testing.T) {
	n := newNode(t, 1, []uint64{1})
	n.campaign()
	must(t, n.rn.ReadIndex([]byte("a")))
	if got, want := n.readStates(), `"a"@1 `; got != want {
		t.Fatalf("read states %s, want %s", got, want)
	}
}

// A follower forwards a read to its leader, keeping itself as the origin;
// the leader answers the forwarded read with a MsgReadIndexResp, which
// becomes the follower's ReadState.
func TestReadIndex_FollowerForwards(t *testing.T) {
	f := newNode(t, 3, peers3)
	f.stepMsgs(hb(1, 3, 1, 0, ""))
	must(t, f.rn.ReadIndex([]byte("r")))
	fwd := raft.Message{Type: raft.MsgReadIndex, From: 3, To: 1, Context: []byte("r")}
	wantMsgs(t, f.msgs(), fwd)

	l := leader3(t)
	l.step(fwd)
	wantMsgs(t, l.msgs(), hb(1, 2, 1, 1, "r"), hb(1, 3, 1, 0, "r"))
	resp := raft.Message{Type: raft.MsgReadIndexResp, From: 1, To: 3, Term: 1, Index: 1, Context: []byte("r")}
	wantMsgs(t, l.stepMsgs(hbResp(2, 1, 1, "r")), resp)
	if got := l.readStates(); got != "" {
		t.Fatalf("the leader kept a read state for a forwarded read: %s", got)
	}

	f.step(resp)
	if got, want := f.readStates(), `"r"@1 `; got != want {
		t.Fatalf("follower read states %s, want %s", got, want)
	}
}

// A follower echoes a heartbeat's context.
func TestReadIndex_HeartbeatEchoesContext(t *testing.T) {
	f := newNode(t, 2, peers3)
	wantMsgs(t, f.stepMsgs(hb(1, 2, 1, 0, "c")), hbResp(2, 1, 1, "c"))
}

func TestReadIndex_Refused(t *testing.T) {
	n := newNode(t, 1, peers3)
	if err := n.rn.ReadIndex(nil); !errors.Is(err, raft.ErrEmptyReadContext) {
		t.Fatalf("empty context: %v, want ErrEmptyReadContext", err)
	}
	if err := n.rn.ReadIndex([]byte("a")); !errors.Is(err, raft.ErrNoLeader) {
		t.Fatalf("follower without leader: %v, want ErrNoLeader", err)
	}
	n.campaign()
	if err := n.rn.ReadIndex([]byte("a")); !errors.Is(err, raft.ErrNoLeader) {
		t.Fatalf("candidate: %v, want ErrNoLeader", err)
	}
	for _, m := range []raft.Message{
		{Type: raft.MsgReadIndex, From: 2, To: 1, Term: 1, Context: []byte("a")},
		{Type: raft.MsgReadIndex, From: 2, To: 1},
		{Type: raft.MsgReadIndexResp, From: 2, To: 1, Term: 1, Index: 1},
	} {
		if err := n.rn.Step(m); !isStepError(err) {
			t.Fatalf("Step(%v): %v, want a StepError", m, err)
		}
	}
}

// The read steps are traced as the spec's ClientRead,
// HandleReadIndexRequest and HandleReadIndexResponse, with the read
// states they produce.
func TestReadIndex_Traced(t *testing.T) {
	var evs []raft.TraceEvent
	n := leader3(t, func(c *raft.Config) { c.Tracer = raft.TracerFunc(func(ev raft.TraceEvent) { evs = append(evs, ev) }) })
	evs = nil
	must(t, n.rn.ReadIndex([]byte("a")))
	n.step(raft.Message{Type: raft.MsgReadIndex, From: 2, To: 1, Context: []byte("b")})
	n.step(hbResp(2, 1, 1, "b"))
	var got []string
	for _, ev := range evs {
		got = append(got, fmt.Sprintf("%s %q %d %s", ev.Action, ev.Value, len(ev.Sent), fmtReads(ev.ReadStates)))
	}
	want := []string{
		`ClientRead "a" 2 `,
		`HandleReadIndexRequest "" 2 `,
		`HandleHeartbeatResponse "" 1 "a"@1 `,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events\n%v\nwant\n%v", got, want)
	}
}
