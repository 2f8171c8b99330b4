package raft_test

import (
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// deepCopy copies a Ready's slices, Data included, to compare against
// later.
func deepCopy(rd raft.Ready) raft.Ready {
	cp := func(ents []raft.Entry) []raft.Entry {
		out := make([]raft.Entry, len(ents))
		for k, e := range ents {
			out[k] = raft.Entry{Term: e.Term, Index: e.Index, Data: append([]byte(nil), e.Data...)}
		}
		return out
	}
	out := rd
	out.Entries, out.CommittedEntries = cp(rd.Entries), cp(rd.CommittedEntries)
	out.Messages = make([]raft.Message, len(rd.Messages))
	for k, m := range rd.Messages {
		m.Entries = cp(m.Entries)
		out.Messages[k] = m
	}
	return out
}

func sameReady(a, b raft.Ready) bool {
	return fmt.Sprint(a.Entries) == fmt.Sprint(b.Entries) &&
		fmt.Sprint(a.CommittedEntries) == fmt.Sprint(b.CommittedEntries) &&
		fmtMsgs(a.Messages) == fmtMsgs(b.Messages)
}

// What Ready hands out is shared with the node, not copied, and the node
// never writes to it again: a leader's Ready reads the same after Advance,
// further proposals, acknowledgements and commits. Appending to its slices
// does not reach the node (their capacity ends at their length).
func TestReady_HandedOutNeverChanges(t *testing.T) {
	n := newNode(t, 1, peers3)
	n.elect(2)
	n.msgs()
	n.stepMsgs(ack(2, 1, 1, 1))
	n.stepMsgs(ack(3, 1, 1, 1))
	// Two proposals: the log's array has room beyond them.
	for _, data := range []string{"x", "x2"} {
		if err := n.rn.Propose([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	first := n.rn.Ready()
	want := deepCopy(first)
	if len(first.Entries) != 2 || len(first.Messages) != 4 {
		t.Fatalf("Ready %+v, want two entries and four appends", first)
	}
	must(t, n.st.Append(first.Entries))
	n.rn.Advance()
	// The caller's appends land in arrays of its own: the node's later
	// entries and messages do not overwrite them.
	mine := ent(9, 9, "caller")
	ents := append(first.Entries, mine)
	msgs := append(first.Messages, raft.Message{Type: raft.MsgHeartbeat, To: 3})
	carried := append(first.Messages[0].Entries, mine)
	for k, data := range []string{"y", "z", "w"} {
		if err := n.rn.Propose([]byte(data)); err != nil {
			t.Fatal(err)
		}
		n.step(ack(2, 1, 1, uint64(4+k)))
		n.step(ack(3, 1, 1, uint64(4+k)))
		n.msgs()
	}
	if fmt.Sprint(ents[2], carried[1]) != fmt.Sprint(mine, mine) || msgs[4].Type != raft.MsgHeartbeat {
		t.Fatalf("the node wrote over the caller's appends: %v %v %v", ents[2], carried[1], msgs[4])
	}
	if !sameReady(first, want) {
		t.Fatalf("a Ready handed out changed later:\n%+v\nwas\n%+v", first, want)
	}
	if got := fmt.Sprint(n.rn.Log()); got != `[1/1:- 2/1:"x" 3/1:"x2" 4/1:"y" 5/1:"z" 6/1:"w"]` {
		t.Fatalf("log %s: the caller's appends reached it", got)
	}
	if st := n.status(); st.Commit != 6 {
		t.Fatalf("commit %d, want 6", st.Commit)
	}
}

// A follower whose handed-out entries are replaced by a new leader's append
// keeps them as handed out: the node replaces its array instead of writing
// over them, before Advance as after.
func TestReady_ReplacedEntriesStayAsHandedOut(t *testing.T) {
	for _, advance := range []bool{false, true} {
		t.Run(fmt.Sprintf("advanced=%v", advance), func(t *testing.T) {
			n := newNode(t, 1, peers3)
			n.step(app(2, 1, 1, 0, 0, 0, ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c")))
			rd := n.rn.Ready()
			want := deepCopy(rd)
			var stored []raft.Entry
			if advance {
				// Persisted first: the node reads them back from Storage
				// after Advance.
				must(t, n.st.Append(rd.Entries))
				n.rn.Advance()
				var err error
				if stored, err = n.st.Entries(1, 4); err != nil {
					t.Fatal(err)
				}
			}
			storedWas := fmt.Sprint(stored)
			n.step(app(3, 1, 2, 1, 1, 0, ent(2, 2, "B")))
			if got := fmt.Sprint(n.rn.Log()); got != `[1/1:"a" 2/2:"B"]` {
				t.Fatalf("log %s, want 2/2 to replace 2/1 3/1", got)
			}
			if !sameReady(rd, want) {
				t.Fatalf("replacing entries changed the Ready handed out:\n%+v\nwas\n%+v", rd, want)
			}
			// The storage replaces them too, in a new array: what its
			// Entries returned before stays as it was.
			must(t, n.st.Append(n.rn.Ready().Entries))
			if got := fmt.Sprint(stored); got != storedWas {
				t.Fatalf("MemoryStorage.Append wrote over entries Entries returned: %s, was %s", got, storedWas)
			}
		})
	}
}

// Step copies the entries of an append into the log: the caller may reuse
// the message's Entries slice once Step returns (the Data it must leave
// alone).
func TestStep_EntriesSliceReusable(t *testing.T) {
	n := newNode(t, 1, peers3)
	ents := []raft.Entry{ent(1, 1, "a"), ent(2, 1, "b")}
	n.step(app(2, 1, 1, 0, 0, 0, ents...))
	ents[0], ents[1] = ent(7, 7, "reused"), ent(8, 7, "reused")
	if got := fmt.Sprint(n.rn.Log()); got != `[1/1:"a" 2/1:"b"]` {
		t.Fatalf("log %s after the caller reused the append's entries", got)
	}
	if got := fmt.Sprint(n.rn.Ready().Entries); got != `[1/1:"a" 2/1:"b"]` {
		t.Fatalf("Ready hands out %s after the caller reused the append's entries", got)
	}
}
