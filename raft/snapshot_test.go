package raft_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// storageOf returns a MemoryStorage holding entries 1..n of term 1 and a
// HardState committing commit.
func storageOf(t *testing.T, n, commit uint64) *raft.MemoryStorage {
	t.Helper()
	st := raft.NewMemoryStorage()
	ents := make([]raft.Entry, n)
	for k := range ents {
		ents[k] = raft.Entry{Index: uint64(k + 1), Term: 1, Data: []byte{byte(k)}}
	}
	if err := st.Append(ents); err != nil {
		t.Fatal(err)
	}
	if err := st.SetHardState(raft.HardState{Term: 1, Commit: commit}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMemoryStorage_SnapshotAndCompact(t *testing.T) {
	st := storageOf(t, 10, 8)
	if _, err := st.CreateSnapshot(9, nil); err == nil || !strings.Contains(err.Error(), "snapshot index 9 is beyond the commit index 8") {
		t.Fatalf("CreateSnapshot past the commit index: %v", err)
	}
	if _, err := st.CreateSnapshot(11, nil); !errors.Is(err, raft.ErrUnavailable) {
		t.Fatalf("CreateSnapshot past the last index: %v, want ErrUnavailable", err)
	}
	if err := st.Compact(5); err == nil || !strings.Contains(err.Error(), "beyond the snapshot index 0") {
		t.Fatalf("Compact without a snapshot: %v", err)
	}
	snap, err := st.CreateSnapshot(5, []byte("s5"))
	if err != nil || snap.Metadata != (raft.SnapshotMetadata{Index: 5, Term: 1}) || string(snap.Data) != "s5" {
		t.Fatalf("CreateSnapshot(5) = %v, %v", snap, err)
	}
	if _, err := st.CreateSnapshot(5, nil); !errors.Is(err, raft.ErrSnapOutOfDate) {
		t.Fatalf("CreateSnapshot at the same index: %v, want ErrSnapOutOfDate", err)
	}
	if err := st.Compact(5); err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(5); !errors.Is(err, raft.ErrCompacted) {
		t.Fatalf("Compact twice: %v, want ErrCompacted", err)
	}
	first, _ := st.FirstIndex()
	last, _ := st.LastIndex()
	if first != 6 || last != 10 {
		t.Fatalf("first, last = %d, %d, want 6, 10", first, last)
	}
	if _, err := st.Entries(5, 7); !errors.Is(err, raft.ErrCompacted) {
		t.Fatalf("Entries(5, 7): %v, want ErrCompacted", err)
	}
	if _, err := st.Entries(6, 12); !errors.Is(err, raft.ErrUnavailable) {
		t.Fatalf("Entries(6, 12): %v, want ErrUnavailable", err)
	}
	if term, err := st.Term(5); err != nil || term != 1 {
		t.Fatalf("Term(5) (the snapshot's) = %d, %v", term, err)
	}
	if _, err := st.Term(4); !errors.Is(err, raft.ErrCompacted) {
		t.Fatalf("Term(4): %v, want ErrCompacted", err)
	}
	ents, err := st.Entries(6, 11)
	if err != nil || len(ents) != 5 || ents[0].Index != 6 || ents[0].Data[0] != 5 {
		t.Fatalf("Entries(6, 11) = %v, %v", ents, err)
	}
	// Appending from below the snapshot keeps what is after it.
	if err := st.Append([]raft.Entry{{Index: 4, Term: 1}, {Index: 5, Term: 1}, {Index: 6, Term: 2}}); err != nil {
		t.Fatal(err)
	}
	if last, _ := st.LastIndex(); last != 6 {
		t.Fatalf("last after an overwriting append at 6: %d", last)
	}
	if err := st.ApplySnapshot(raft.Snapshot{Metadata: raft.SnapshotMetadata{Index: 3, Term: 1}}); !errors.Is(err, raft.ErrSnapOutOfDate) {
		t.Fatalf("ApplySnapshot of an older snapshot: %v, want ErrSnapOutOfDate", err)
	}
	if err := st.ApplySnapshot(raft.Snapshot{Data: []byte("s20"), Metadata: raft.SnapshotMetadata{Index: 20, Term: 3}}); err != nil {
		t.Fatal(err)
	}
	first, _ = st.FirstIndex()
	last, _ = st.LastIndex()
	got, _ := st.Snapshot()
	if first != 21 || last != 20 || got.Metadata.Index != 20 || string(got.Data) != "s20" {
		t.Fatalf("after ApplySnapshot(20): first %d last %d snapshot %v", first, last, got)
	}
}

// A restart reads the snapshot and the entries after it; a storage whose
// commit index is below its snapshot is refused, naming both.
func TestRestart_FromSnapshot(t *testing.T) {
	st := storageOf(t, 10, 8)
	if _, err := st.CreateSnapshot(6, []byte("s6")); err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(6); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, 1, peers3, st, applied(2))
	s := n.status()
	if s.Snapshot != (raft.SnapshotMetadata{Index: 6, Term: 1}) || s.LastIndex != 10 || s.Commit != 8 || s.Applied != 6 {
		t.Fatalf("restarted status %+v, want snapshot 6/1, last 10, commit 8, applied 6", s)
	}
	if log := n.rn.Log(); len(log) != 4 || log[0].Index != 7 {
		t.Fatalf("Log() = %v, want entries 7..10", log)
	}
	rd := n.rn.Ready()
	if len(rd.CommittedEntries) != 2 || rd.CommittedEntries[0].Index != 7 {
		t.Fatalf("committed entries after a restart from snapshot 6 with commit 8: %v, want 7, 8", rd.CommittedEntries)
	}

	bad := storageOf(t, 10, 8)
	if _, err := bad.CreateSnapshot(6, nil); err != nil {
		t.Fatal(err)
	}
	if err := bad.SetHardState(raft.HardState{Term: 1, Commit: 4}); err != nil {
		t.Fatal(err)
	}
	_, err := raft.NewRawNode(&raft.Config{ID: 1, Peers: peers3, ElectionTick: 10, HeartbeatTick: 1, Storage: bad})
	if err == nil || !strings.Contains(err.Error(), "commits index 4, below its snapshot index 6") {
		t.Fatalf("NewRawNode with commit below the snapshot: %v", err)
	}
}

// compactAll compacts every node of nw to its applied index.
func compactAll(t *testing.T, nw *rafttest.Network) {
	t.Helper()
	for _, id := range nw.IDs {
		if nw.Node(id).Down {
			continue
		}
		s := nw.Status(id)
		if s.Applied > s.Snapshot.Index {
			if err := nw.Compact(id, s.Applied); err != nil {
				t.Fatalf("compacting node %d to %d: %v", id, s.Applied, err)
			}
		}
	}
}

// A follower that missed entries the leader has compacted away gets a
// snapshot, restores from it, and catches up; the leader's progress is in
// Snapshot mode in between.
func TestSnapshot_LaggingFollowerCatchesUp(t *testing.T) {
	nw := rafttest.New(t, 3)
	nw.Campaign(1)
	nw.Crash(3)
	for k := range 20 {
		if err := nw.Propose(1, fmt.Sprint("v", k)); err != nil {
			t.Fatal(err)
		}
	}
	compactAll(t, nw)
	lead := nw.Status(1)
	if lead.Snapshot.Index != 21 {
		t.Fatalf("leader's snapshot %v, want index 21", lead.Snapshot)
	}
	nw.Restart(3)
	// The leader hears from 3 (a heartbeat response) before it sends the
	// snapshot: it sends none to a follower that may be down.
	var snaps int
	for range 3 {
		nw.Node(1).RN.Tick()
		nw.ProcessAll()
		for len(nw.Queue) > 0 {
			m := nw.Queue[0]
			if m.Type == raft.MsgSnap {
				snaps++
				if pr := nw.Status(1).Progress[3]; pr.Mode != raft.ProgressSnapshot || pr.PendingSnapshot != 21 {
					t.Fatalf("progress of 3 while the snapshot is in flight: %v", pr)
				}
			}
			if err := nw.Deliver(0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if snaps != 1 {
		t.Fatalf("%d snapshots sent, want 1", snaps)
	}
	f := nw.Status(3)
	if f.Snapshot.Index != 21 || f.Commit != 21 || f.LastIndex != 21 {
		t.Fatalf("follower after the snapshot: %+v", f)
	}
	if pr := nw.Status(1).Progress[3]; pr.Mode != raft.ProgressReplicate || pr.Match != 21 {
		t.Fatalf("progress of 3 after its ack: %v, want Replicate match=21", pr)
	}
	if err := nw.Propose(1, "after"); err != nil {
		t.Fatal(err)
	}
	if f := nw.Status(3); f.Commit != 22 {
		t.Fatalf("follower commit %d after a proposal, want 22", f.Commit)
	}
	// The follower restarts from its snapshot.
	nw.Crash(3)
	nw.Restart(3)
	if f := nw.Status(3); f.Snapshot.Index != 21 || f.LastIndex != 22 {
		t.Fatalf("follower after a restart: %+v", f)
	}
}

// snapMsg is a MsgSnap from 2 at term with a snapshot at index/sterm.
func snapMsg(term, index, sterm uint64) raft.Message {
	return raft.Message{Type: raft.MsgSnap, From: 2, To: 1, Term: term,
		Snapshot: &raft.Snapshot{Data: []byte("s"), Metadata: raft.SnapshotMetadata{Index: index, Term: sterm}}}
}

func TestSnapshot_FollowerHandling(t *testing.T) {
	// Older than the commit index: ignored, the ack carries the commit.
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 2, Commit: 5}, []uint64{1, 1, 1, 1, 1, 2, 2})
	before := n.rn.Log()
	wantMsgs(t, n.stepMsgs(snapMsg(2, 4, 1)), ack(1, 2, 2, 5))
	if s := n.status(); s.Snapshot.Index != 0 || len(n.rn.Log()) != len(before) {
		t.Fatalf("an old snapshot changed the log: %+v", s)
	}
	// Matching the log: the log is kept, committed up to the snapshot.
	wantMsgs(t, n.stepMsgs(snapMsg(2, 6, 2)), ack(1, 2, 2, 6))
	if s := n.status(); s.Commit != 6 || s.LastIndex != 7 || s.Snapshot.Index != 0 {
		t.Fatalf("after a matching snapshot: %+v, want commit 6, last 7, log kept", s)
	}
	// Newer and not matching: the log restarts after it.
	n.step(snapMsg(3, 9, 3))
	rd := n.rn.Ready()
	if rd.Snapshot.Metadata != (raft.SnapshotMetadata{Index: 9, Term: 3}) || !rd.MustSync || rd.HardState.Commit != 9 || len(rd.CommittedEntries) != 0 {
		t.Fatalf("Ready after a new snapshot: %+v", rd)
	}
	wantMsgs(t, rd.Messages, ack(1, 2, 3, 9))
	if err := n.st.ApplySnapshot(rd.Snapshot); err != nil {
		t.Fatal(err)
	}
	if err := n.st.SetHardState(rd.HardState); err != nil {
		t.Fatal(err)
	}
	n.rn.Advance()
	if s := n.status(); s.Snapshot.Index != 9 || s.LastIndex != 9 || s.Applied != 9 || n.rn.HasReady() {
		t.Fatalf("after the snapshot was persisted: %+v (HasReady %v)", s, n.rn.HasReady())
	}
	// Entries after the snapshot are accepted.
	wantMsgs(t, n.stepMsgs(app(2, 1, 3, 9, 3, 10, ent(10, 3, "x"))), ack(1, 2, 3, 10))
	if s := n.status(); s.Commit != 10 || s.LastIndex != 10 {
		t.Fatalf("after an append following the snapshot: %+v", s)
	}
}

// A snapshot that contradicts what the node knows committed is refused,
// naming both; so is a malformed MsgSnap.
func TestSnapshot_RefusedContradictingCommitted(t *testing.T) {
	n := restoreNode(t, 1, peers3, raft.HardState{Term: 3, Commit: 5}, []uint64{1, 1, 2, 2, 2})
	n.msgs()
	before := n.status()
	err := n.rn.Step(snapMsg(3, 4, 1))
	if !isStepError(err) || !strings.Contains(err.Error(), "snapshot 4/1 contradicts the committed entry 4/2 (commit index 5)") {
		t.Fatalf("Step of a contradicting snapshot: %v", err)
	}
	wantUnchanged(t, n, before)
	for _, m := range []raft.Message{
		{Type: raft.MsgSnap, From: 2, To: 1, Term: 3},
		snapMsg(3, 0, 0),
		snapMsg(3, 9, 4),
		{Type: raft.MsgApp, From: 2, To: 1, Term: 3, Snapshot: &raft.Snapshot{}},
	} {
		if err := n.rn.Step(m); !isStepError(err) {
			t.Fatalf("Step(%v) = %v, want a StepError", m, err)
		}
	}
	wantUnchanged(t, n, before)
}

// ReportSnapshot moves a follower out of Snapshot mode: after the snapshot
// if it finished, from its match if it failed; paused either way.
func TestSnapshot_ReportSnapshot(t *testing.T) {
	for _, tc := range []struct {
		status   raft.SnapshotStatus
		wantNext uint64
	}{{raft.SnapshotFinish, 22}, {raft.SnapshotFailure, 2}} {
		nw := rafttest.New(t, 3)
		nw.Campaign(1)
		nw.Crash(3)
		for k := range 20 {
			if err := nw.Propose(1, fmt.Sprint("v", k)); err != nil {
				t.Fatal(err)
			}
		}
		compactAll(t, nw)
		nw.Restart(3)
		nw.Node(1).RN.Tick()
		nw.ProcessAll()
		// Deliver 3's heartbeat response only: the leader sends a snapshot.
		for len(nw.Queue) > 0 {
			m := nw.Queue[0]
			if m.Type == raft.MsgSnap {
				nw.Drop(0)
				continue
			}
			if err := nw.Deliver(0); err != nil {
				t.Fatal(err)
			}
		}
		if pr := nw.Status(1).Progress[3]; pr.Mode != raft.ProgressSnapshot {
			t.Fatalf("progress of 3: %v, want Snapshot", pr)
		}
		if err := nw.Node(1).RN.ReportSnapshot(3, tc.status); err != nil {
			t.Fatal(err)
		}
		pr := nw.Status(1).Progress[3]
		if pr.Mode != raft.ProgressProbe || !pr.Paused || pr.Next != tc.wantNext {
			t.Fatalf("%v: progress of 3: %v, want Probe paused next=%d", tc.status, pr, tc.wantNext)
		}
	}
	nw := rafttest.New(t, 3)
	if err := nw.Node(1).RN.ReportSnapshot(3, 0); err == nil || !strings.Contains(err.Error(), "unknown status") {
		t.Fatalf("ReportSnapshot with status 0: %v", err)
	}
}

// Compacting at every step keeps a cluster going: crashes, restarts and
// lost messages included, every node ends with the leader's log.
func TestSnapshot_CompactionUnderFaults(t *testing.T) {
	nw := rafttest.New(t, 3, rafttest.Seed(7))
	nw.Campaign(1)
	for k := range 60 {
		id, _ := nw.Leader()
		if id == 0 {
			nw.TickN(30)
			continue
		}
		if err := nw.Propose(id, fmt.Sprint("v", k)); err != nil {
			t.Fatal(err)
		}
		compactAll(t, nw)
		switch k % 15 {
		case 3:
			nw.Crash(2)
		case 9:
			nw.Restart(2)
			nw.TickN(3)
		case 12:
			nw.Crash(id)
			nw.TickN(40)
			nw.Restart(id)
			nw.TickN(3)
		}
	}
	nw.TickN(5)
	id, _ := nw.Leader()
	want := nw.Status(id)
	for _, o := range nw.IDs {
		s := nw.Status(o)
		if s.Commit != want.Commit || s.LastIndex != want.LastIndex {
			t.Fatalf("node %d: commit %d last %d, leader %d: commit %d last %d\n%s", o, s.Commit, s.LastIndex, id, want.Commit, want.LastIndex, nw.Describe())
		}
	}
	if want.Snapshot.Index == 0 {
		t.Fatal("no compaction happened")
	}
}

// MustSync is set for entries, a snapshot, a new term or vote, and not for a
// commit index alone.
func TestReady_MustSync(t *testing.T) {
	n := newNode(t, 1, peers3)
	n.rn.Campaign()
	if rd := n.rn.Ready(); !rd.MustSync {
		t.Fatalf("a campaign's Ready (new term and vote) without MustSync: %+v", rd)
	}
	n.msgs()
	n.elect(2)
	n.msgs()
	if err := n.rn.Propose([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if rd := n.rn.Ready(); !rd.MustSync || len(rd.Entries) != 1 {
		t.Fatalf("a proposal's Ready without MustSync: %+v", rd)
	}
	n.msgs()
	n.step(ack(2, 1, n.status().Term, n.status().LastIndex))
	rd := n.rn.Ready()
	if rd.MustSync || rd.HardState.Commit != n.status().LastIndex {
		t.Fatalf("a Ready changing only the commit index: MustSync %v, %+v", rd.MustSync, rd)
	}
}

// Regression (found by the differential run with a seeded bug, reachable
// without it): a stale append anchored below the snapshot, carrying the
// entries the snapshot covers, is answered with the commit index, not
// refused as contradicting committed entries the node cannot compare.
func TestSnapshot_StaleAppendBelowSnapshotAnswered(t *testing.T) {
	st := storageOf(t, 3, 3)
	if err := st.SetHardState(raft.HardState{Term: 2, Commit: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSnapshot(3, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(3); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, 1, peers3, st)
	n.msgs()
	wantMsgs(t, n.stepMsgs(app(2, 1, 2, 0, 0, 3, ent(1, 1), ent(2, 1), ent(3, 1))), ack(1, 2, 2, 3))
	// One that disagrees with an entry the node still holds is refused.
	if err := st.Append([]raft.Entry{{Index: 4, Term: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetHardState(raft.HardState{Term: 2, Commit: 4}); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, 1, peers3, st)
	n.msgs()
	if err := n.rn.Step(app(2, 1, 2, 0, 0, 4, ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 1))); !isStepError(err) || !strings.Contains(err.Error(), "entry 4 conflicts with the committed log") {
		t.Fatalf("an append contradicting committed entry 4: %v", err)
	}
}
