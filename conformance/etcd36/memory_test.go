package etcd36_test

// The memory benchmark of issue 14: a three-node cluster commits a million
// proposals, with and without periodic compaction, on raft/ and on etcd-raft
// v3.6 driven the same way (make bench-memory).

import (
	"io"
	"log"
	"math"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	etcdraft "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// memCluster is a three-node in-memory cluster whose leader is node 1:
// messages are delivered in order, each Ready persisted to the node's
// MemoryStorage, committed entries counted as applied and dropped (the
// harness keeps no history of its own).
type memCluster interface {
	// propose hands data to the leader.
	propose(data []byte) error
	// stabilize delivers messages until none is in flight.
	stabilize()
	// compact snapshots every node's storage at its applied index and drops
	// the entries before it.
	compact() error
	// commit is the leader's commit index.
	commit() uint64
}

// BenchmarkMemory commits MEMBENCH_PROPOSALS proposals (default 10^6) of 32
// bytes, 100 per round, compacting every 10^4 proposals or never. Every
// 2*10^4 proposals (a twentieth of the run if shorter) it forces a
// collection and reads the live heap; the
// metrics are the peak live heap over the run and over its first tenth,
// divided by three (the cluster's three nodes and their storages share one
// process: a node's share, messages in flight included). With compaction
// the two peaks are close (bounded by the compaction interval); without,
// the peak grows with the history.
func BenchmarkMemory(b *testing.B) {
	total := 1_000_000
	if s := os.Getenv("MEMBENCH_PROPOSALS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("MEMBENCH_PROPOSALS=%q: want a number of proposals, at least 1000", s)
		}
		total = n
	}
	libs := []struct {
		name  string
		start func(b *testing.B) memCluster
	}{{"raft", newRaftCluster}, {"etcd36", newEtcdCluster}}
	for _, lib := range libs {
		for _, compact := range []bool{true, false} {
			name := lib.name + "/compaction=off"
			if compact {
				name = lib.name + "/compaction=on"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					peak, early := runMemory(b, lib.start(b), total, compact)
					b.ReportMetric(float64(peak)/3/(1<<20), "peak-MiB/node")
					b.ReportMetric(float64(early)/3/(1<<20), "peak-first-tenth-MiB/node")
				}
			})
		}
	}
}

func runMemory(b *testing.B, c memCluster, total int, compact bool) (peak, early uint64) {
	data := []byte("a proposal of 32 bytes, or so...")
	const round, compactEvery = 100, 10_000
	sampleEvery := max(round, min(20_000, total/20/round*round))
	start := c.commit()
	var ms runtime.MemStats
	for done := 0; done < total; {
		for range round {
			if err := c.propose(data); err != nil {
				b.Fatal(err)
			}
		}
		c.stabilize()
		done += round
		if compact && done%compactEvery == 0 {
			if err := c.compact(); err != nil {
				b.Fatal(err)
			}
		}
		if done%sampleEvery == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if done <= total/10 {
				early = peak
			}
		}
	}
	if got := c.commit() - start; got != uint64(total) {
		b.Fatalf("%d entries committed, want %d", got, total)
	}
	return peak, early
}

// --- raft/ ---

type raftCluster struct {
	b       *testing.B
	rns     []*raft.RawNode
	sts     []*raft.MemoryStorage
	applied []uint64
	queue   []raft.Message
}

func newRaftCluster(b *testing.B) memCluster {
	c := &raftCluster{b: b}
	for id := uint64(1); id <= 3; id++ {
		st := raft.NewMemoryStorage()
		rn, err := raft.NewRawNode(&raft.Config{ID: id, Peers: []uint64{1, 2, 3}, ElectionTick: 10, HeartbeatTick: 1, Storage: st})
		if err != nil {
			b.Fatal(err)
		}
		c.rns, c.sts, c.applied = append(c.rns, rn), append(c.sts, st), append(c.applied, 0)
	}
	c.rns[0].Campaign()
	c.stabilize()
	if st := c.rns[0].Status(); st.Role != raft.Leader {
		b.Fatalf("node 1 is not the leader: %+v", st)
	}
	return c
}

func (c *raftCluster) process(i int) {
	rn, st := c.rns[i], c.sts[i]
	for rn.HasReady() {
		rd := rn.Ready()
		if !rd.Snapshot.IsEmpty() {
			c.must(st.ApplySnapshot(rd.Snapshot))
			c.applied[i] = rd.Snapshot.Metadata.Index
		}
		if !rd.HardState.IsEmpty() {
			c.must(st.SetHardState(rd.HardState))
		}
		c.must(st.Append(rd.Entries))
		c.queue = append(c.queue, rd.Messages...)
		if n := len(rd.CommittedEntries); n > 0 {
			c.applied[i] = rd.CommittedEntries[n-1].Index
		}
		rn.Advance()
	}
}

func (c *raftCluster) must(err error) {
	if err != nil {
		c.b.Fatal(err)
	}
}

func (c *raftCluster) propose(data []byte) error { return c.rns[0].Propose(data) }

func (c *raftCluster) stabilize() {
	for i := range c.rns {
		c.process(i)
	}
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		c.must(c.rns[m.To-1].Step(m))
		c.process(int(m.To - 1))
	}
	c.queue = nil
}

func (c *raftCluster) compact() error {
	for i, st := range c.sts {
		snap, err := st.Snapshot()
		if err != nil {
			return err
		}
		if a := c.applied[i]; a > snap.Metadata.Index {
			if _, err := st.CreateSnapshot(a, nil); err != nil {
				return err
			}
			if err := st.Compact(a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *raftCluster) commit() uint64 { return c.rns[0].Status().Commit }

// --- etcd-raft v3.6 ---

var voters = pb.ConfState{Voters: []uint64{1, 2, 3}}

// etcdStorage is etcd's MemoryStorage with the membership as ConfState
// (etcd reads the voters from InitialState).
type etcdStorage struct{ *etcdraft.MemoryStorage }

func (s etcdStorage) InitialState() (pb.HardState, pb.ConfState, error) {
	hs, _, err := s.MemoryStorage.InitialState()
	return hs, voters, err
}

type etcdCluster struct {
	b       *testing.B
	rns     []*etcdraft.RawNode
	sts     []etcdStorage
	applied []uint64
	queue   []pb.Message
}

func newEtcdCluster(b *testing.B) memCluster {
	c := &etcdCluster{b: b}
	quiet := &etcdraft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}
	for id := uint64(1); id <= 3; id++ {
		st := etcdStorage{etcdraft.NewMemoryStorage()}
		// The bounds etcd needs are lifted, as the conformance adapter does:
		// raft/ has none.
		rn, err := etcdraft.NewRawNode(&etcdraft.Config{
			ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: st,
			MaxSizePerMsg: math.MaxUint64, MaxCommittedSizePerReady: math.MaxUint64, MaxInflightMsgs: math.MaxInt32,
			Logger: quiet,
		})
		if err != nil {
			b.Fatal(err)
		}
		c.rns, c.sts, c.applied = append(c.rns, rn), append(c.sts, st), append(c.applied, 0)
	}
	if err := c.rns[0].Campaign(); err != nil {
		b.Fatal(err)
	}
	c.stabilize()
	if st := c.rns[0].Status(); st.RaftState != etcdraft.StateLeader {
		b.Fatalf("node 1 is not the leader: %+v", st)
	}
	return c
}

func (c *etcdCluster) process(i int) {
	rn, st := c.rns[i], c.sts[i]
	for rn.HasReady() {
		rd := rn.Ready()
		if !etcdraft.IsEmptySnap(rd.Snapshot) {
			c.must(st.ApplySnapshot(rd.Snapshot))
			c.applied[i] = rd.Snapshot.Metadata.Index
		}
		if !etcdraft.IsEmptyHardState(rd.HardState) {
			c.must(st.SetHardState(rd.HardState))
		}
		c.must(st.Append(rd.Entries))
		c.queue = append(c.queue, rd.Messages...)
		if n := len(rd.CommittedEntries); n > 0 {
			c.applied[i] = rd.CommittedEntries[n-1].Index
		}
		rn.Advance(rd)
	}
}

func (c *etcdCluster) must(err error) {
	if err != nil {
		c.b.Fatal(err)
	}
}

func (c *etcdCluster) propose(data []byte) error { return c.rns[0].Propose(data) }

func (c *etcdCluster) stabilize() {
	for i := range c.rns {
		c.process(i)
	}
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		c.must(c.rns[m.To-1].Step(m))
		c.process(int(m.To - 1))
	}
	c.queue = nil
}

func (c *etcdCluster) compact() error {
	for i, st := range c.sts {
		snap, err := st.Snapshot()
		if err != nil {
			return err
		}
		if a := c.applied[i]; a > snap.Metadata.Index {
			if _, err := st.CreateSnapshot(a, &voters, nil); err != nil {
				return err
			}
			if err := st.Compact(a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *etcdCluster) commit() uint64 { return c.rns[0].Status().Commit }
