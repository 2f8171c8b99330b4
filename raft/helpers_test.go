package raft_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// This file holds the helpers shared by the tests of package raft: a single
// RawNode driven by hand (hand-built messages in, its Ready out), and ways
// to compare messages and states readably.

// electionTick and heartbeatTick are the timeouts of the hand-driven nodes
// (the same as rafttest's defaults).
const (
	electionTick  = 10
	heartbeatTick = 1
)

// option changes the configuration of a hand-driven node.
type option func(*raft.Config)

func preVote(c *raft.Config)       { c.PreVote = true }
func checkQuorum(c *raft.Config)   { c.CheckQuorum = true }
func thesisPreVote(c *raft.Config) { c.ThesisPreVote = true }

func seed(s uint64) option { return func(c *raft.Config) { c.Seed = s } }

func maxEntries(n int) option { return func(c *raft.Config) { c.MaxEntriesPerMsg = n } }

func applied(i uint64) option { return func(c *raft.Config) { c.Applied = i } }

// fixedRand draws the same number every time (clamped to [0, n)), so that a
// node's randomized election timeout is exactly ElectionTick + k.
type fixedRand int

func (k fixedRand) IntN(n int) int { return min(int(k), n-1) }

// timeout makes the node's randomized election timeout exactly
// ElectionTick + k ticks.
func timeout(k int) option { return func(c *raft.Config) { c.Rand = fixedRand(k) } }

// node is one RawNode driven by hand: the test steps messages into it and
// reads its Ready, which node persists to its storage as an application
// would.
type node struct {
	t  testing.TB
	rn *raft.RawNode
	st *raft.MemoryStorage
}

// newNode starts node id of a cluster of peers with an empty storage.
func newNode(t testing.TB, id uint64, peers []uint64, opts ...option) *node {
	t.Helper()
	return restoreNode(t, id, peers, raft.HardState{}, nil, opts...)
}

// restoreNode starts node id from a storage holding hs and a log whose
// entries have the given terms (entry k+1 has term terms[k], no data).
func restoreNode(t testing.TB, id uint64, peers []uint64, hs raft.HardState, terms []uint64, opts ...option) *node {
	t.Helper()
	st := raft.NewMemoryStorage()
	if err := st.Append(logOf(terms...)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetHardState(hs); err != nil {
		t.Fatal(err)
	}
	return startNode(t, id, peers, st, opts...)
}

// startNode starts node id from an existing storage (a restart).
func startNode(t testing.TB, id uint64, peers []uint64, st *raft.MemoryStorage, opts ...option) *node {
	t.Helper()
	cfg := raft.Config{ID: id, Peers: peers, ElectionTick: electionTick, HeartbeatTick: heartbeatTick, Storage: st}
	for _, o := range opts {
		o(&cfg)
	}
	rn, err := raft.NewRawNode(&cfg)
	if err != nil {
		t.Fatalf("NewRawNode: %v", err)
	}
	return &node{t: t, rn: rn, st: st}
}

// logOf returns entries 1..len(terms) with the given terms and no data.
func logOf(terms ...uint64) []raft.Entry {
	ents := make([]raft.Entry, len(terms))
	for k, term := range terms {
		ents[k] = raft.Entry{Index: uint64(k + 1), Term: term}
	}
	return ents
}

// ready takes one Ready, persists it as the application must (HardState
// and Entries before the messages leave), acknowledges it, and returns it.
func (n *node) ready() raft.Ready {
	n.t.Helper()
	rd := n.rn.Ready()
	if !rd.Snapshot.IsEmpty() {
		if err := n.st.ApplySnapshot(rd.Snapshot); err != nil {
			n.t.Fatal(err)
		}
	}
	if !rd.HardState.IsEmpty() {
		if err := n.st.SetHardState(rd.HardState); err != nil {
			n.t.Fatal(err)
		}
	}
	if err := n.st.Append(rd.Entries); err != nil {
		n.t.Fatal(err)
	}
	n.rn.Advance()
	return rd
}

// msgs handles every pending Ready and returns the messages they held.
func (n *node) msgs() []raft.Message {
	n.t.Helper()
	var out []raft.Message
	for n.rn.HasReady() {
		out = append(out, n.ready().Messages...)
	}
	return out
}

// step hands m to the node; the node must accept it.
func (n *node) step(m raft.Message) {
	n.t.Helper()
	if err := n.rn.Step(m); err != nil {
		n.t.Fatalf("Step(%v): %v", m, err)
	}
}

// stepMsgs steps m and returns the messages the node sends in response.
func (n *node) stepMsgs(m raft.Message) []raft.Message {
	n.t.Helper()
	n.step(m)
	return n.msgs()
}

func (n *node) status() raft.Status { return n.rn.Status() }

// campaign starts an election (a pre-election with PreVote) and returns
// the requests sent.
func (n *node) campaign() []raft.Message {
	n.t.Helper()
	n.rn.Campaign()
	return n.msgs()
}

// elect makes the node leader of a new term with grants from voters (a
// quorum with the node itself), and returns the messages it sent as leader.
func (n *node) elect(voters ...uint64) []raft.Message {
	n.t.Helper()
	n.campaign()
	id := n.status().ID
	if n.status().Role == raft.PreCandidate {
		next := n.status().Term + 1
		for _, v := range voters {
			if n.status().Role == raft.PreCandidate {
				n.step(raft.Message{Type: raft.MsgPreVoteResp, From: v, To: id, Term: next})
			}
		}
		n.msgs()
	}
	var out []raft.Message
	for _, v := range voters {
		if n.status().Role == raft.Candidate {
			out = append(out, n.stepMsgs(raft.Message{Type: raft.MsgVoteResp, From: v, To: id, Term: n.status().Term})...)
		}
	}
	if st := n.status(); st.Role != raft.Leader {
		n.t.Fatalf("node %d did not become leader: %+v", id, st)
	}
	return out
}

// tickUntil ticks the node at most limit times until it sends a message of
// type want, and returns the number of ticks taken (0 if it never did). It
// fails the test on any other message.
func (n *node) tickUntil(want raft.MessageType, limit int) int {
	n.t.Helper()
	for k := 1; k <= limit; k++ {
		n.rn.Tick()
		ms := n.msgs()
		for _, m := range ms {
			if m.Type != want {
				n.t.Fatalf("tick %d: unexpected %v", k, m)
			}
		}
		if len(ms) > 0 {
			return k
		}
	}
	return 0
}

// fmtMsgs renders messages one per line with every field, so that two
// lists compare equal exactly when the messages do (nil and empty entry
// lists render alike).
func fmtMsgs(ms []raft.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%v %d->%d term=%d logterm=%d index=%d commit=%d reject=%v hint=%d entries=%v\n",
			m.Type, m.From, m.To, m.Term, m.LogTerm, m.Index, m.Commit, m.Reject, m.RejectHint, m.Entries)
	}
	return b.String()
}

// sortMsgs orders messages by receiver, then type: the order in which a node
// emits messages to different peers is not part of any rule.
func sortMsgs(ms []raft.Message) []raft.Message {
	ms = slices.Clone(ms)
	slices.SortStableFunc(ms, func(a, b raft.Message) int {
		if a.To != b.To {
			return int(a.To) - int(b.To)
		}
		return int(a.Type) - int(b.Type)
	})
	return ms
}

// wantMsgs fails the test unless got and want hold the same messages (in
// any order of receivers).
func wantMsgs(t testing.TB, got []raft.Message, want ...raft.Message) {
	t.Helper()
	if g, w := fmtMsgs(sortMsgs(got)), fmtMsgs(sortMsgs(want)); g != w {
		t.Fatalf("messages:\ngot\n%swant\n%s", g, w)
	}
}

// state is the part of a node's state most rules talk about.
type state struct {
	Term, Vote, Lead uint64
	Role             raft.StateRole
}

func stateOf(st raft.Status) state {
	return state{Term: st.Term, Vote: st.Vote, Lead: st.Lead, Role: st.Role}
}

func (s state) String() string {
	return fmt.Sprintf("%v term=%d vote=%d lead=%d", s.Role, s.Term, s.Vote, s.Lead)
}

// wantState fails the test unless the node is in state want.
func wantState(t testing.TB, n *node, want state) {
	t.Helper()
	if got := stateOf(n.status()); got != want {
		t.Fatalf("state: got %v, want %v", got, want)
	}
}

// wantUnchanged fails the test unless the node's status equals before and
// it has nothing to hand out.
func wantUnchanged(t testing.TB, n *node, before raft.Status) {
	t.Helper()
	if after := n.status(); !reflect.DeepEqual(before, after) {
		t.Fatalf("status changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if n.rn.HasReady() {
		t.Fatalf("unexpected Ready: %+v", n.rn.Ready())
	}
}

// isStepError reports whether err is a *raft.StepError.
func isStepError(err error) bool {
	var se *raft.StepError
	return errors.As(err, &se)
}

// entryTerms lists the terms of a log, for compact comparisons.
func entryTerms(ents []raft.Entry) []uint64 {
	out := make([]uint64, len(ents))
	for k, e := range ents {
		out[k] = e.Term
	}
	return out
}

var (
	peers3 = []uint64{1, 2, 3}
	peers5 = []uint64{1, 2, 3, 4, 5}
)
