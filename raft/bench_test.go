package raft_test

import (
	"fmt"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// BenchmarkPropose3Nodes commits proposals in a three-node in-memory
// cluster (messages delivered in order, each Ready persisted to a
// MemoryStorage). serial: each proposal is committed on a quorum (the
// network is stabilized) before the next is made. pipelined: a batch of
// proposals is made, then the network is stabilized.
func BenchmarkPropose3Nodes(b *testing.B) {
	data := []byte("a proposal of 32 bytes, or so...")
	for _, batch := range []int{1, 16, 128} {
		name := "serial"
		if batch > 1 {
			name = fmt.Sprintf("pipelined-%d", batch)
		}
		b.Run(name, func(b *testing.B) {
			nw := rafttest.New(b, 3)
			nw.Campaign(1)
			leader := nw.Node(1).RN
			delivered := nw.Delivered
			b.ReportAllocs()
			proposals := 0
			for b.Loop() {
				for range batch {
					if err := leader.Propose(data); err != nil {
						b.Fatal(err)
					}
				}
				nw.Stabilize()
				proposals += batch
			}
			b.ReportMetric(float64(proposals)/b.Elapsed().Seconds(), "proposals/s")
			b.ReportMetric(float64(batch), "proposals/op")
			b.ReportMetric(float64(nw.Delivered-delivered)/float64(proposals), "msgs/proposal")
			// Every proposal is committed on the leader and replicated.
			st := nw.Status(1)
			if st.Commit != st.LastIndex || st.LastIndex != uint64(proposals)+1 || nw.Status(2).LastIndex != st.LastIndex {
				b.Fatalf("after %d proposals: %+v\n%s", proposals, st, nw.Describe())
			}
		})
	}
}

// BenchmarkElection runs one full election in a fresh three-node cluster:
// from the start (empty storage) to a leader whose empty entry is
// committed, with PreVote off and on.
func BenchmarkElection(b *testing.B) {
	for _, pv := range []bool{false, true} {
		b.Run("prevote="+onOff(pv), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nw := rafttest.New(b, 3, rafttest.PreVote(pv))
				nw.Campaign(1)
				if st := nw.Status(1); st.Role != raft.Leader || st.Commit != 1 {
					b.Fatalf("no leader with a committed entry: %+v", st)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "elections/s")
		})
	}
}
