package etcd_test

// The side-by-side benchmark (internal/benchvs): raft/ against etcd-raft
// v3.7.0 on the same harness, in one process (make bench-vs-etcd).

import (
	"io"
	"log"
	"math"
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/internal/benchvs"
	etcdraft "go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// BenchmarkVsEtcd runs every workload on raft/ and on this module's etcd
// release, side by side (benchvs.VsPeer).
func BenchmarkVsEtcd(b *testing.B) { benchvs.VsPeer(b, etcd.Version, etcdSide) }

// TestEtcdSideChecked: the etcd side passes the harness's checks, and
// Check catches it doing less than asked.
func TestEtcdSideChecked(t *testing.T) { benchvs.CheckSide(t, etcdSide) }

var etcdSide = benchvs.Library[*pb.Message]{
	Name: "etcd-" + etcd.Version,
	New:  newEtcdNode,
	To:   func(m *pb.Message) uint64 { return m.GetTo() },
	App: func(from, to, term, prev, prevTerm, commit uint64, data []byte) *pb.Message {
		return &pb.Message{Type: pb.MsgApp.Enum(), From: new(from), To: new(to), Term: new(term), Index: new(prev), LogTerm: new(prevTerm), Commit: new(commit),
			Entries: []*pb.Entry{{Term: new(term), Index: new(prev + 1), Type: pb.EntryNormal.Enum(), Data: data}}}
	},
}

// voterStorage is etcd's MemoryStorage with the voters 1..n as its
// ConfState (etcd reads the membership from Storage.InitialState).
type voterStorage struct {
	*etcdraft.MemoryStorage
	cs *pb.ConfState
}

func (s *voterStorage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	hs, _, err := s.MemoryStorage.InitialState()
	return hs, s.cs, err
}

type etcdNode struct {
	rn      *etcdraft.RawNode
	st      *voterStorage
	leader  bool
	commit  uint64
	applied int
}

var quiet = &etcdraft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

func newEtcdNode(id uint64, n int) (benchvs.Node[*pb.Message], error) {
	voters := make([]uint64, n)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	st := &voterStorage{MemoryStorage: etcdraft.NewMemoryStorage(), cs: &pb.ConfState{Voters: voters}}
	rn, err := etcdraft.NewRawNode(&etcdraft.Config{
		ID: id, ElectionTick: benchvs.ElectionTick, HeartbeatTick: benchvs.HeartbeatTick,
		Storage: st, PreVote: true, CheckQuorum: true,
		// raft/ bounds neither the bytes of an append nor the appends in
		// flight; these bounds are never reached by the workloads.
		MaxSizePerMsg: math.MaxUint64, MaxInflightMsgs: 256,
		Logger: quiet,
	})
	if err != nil {
		return nil, err
	}
	return &etcdNode{rn: rn, st: st}, nil
}

func (n *etcdNode) Campaign() error           { return n.rn.Campaign() }
func (n *etcdNode) Propose(data []byte) error { return n.rn.Propose(data) }
func (n *etcdNode) Step(m *pb.Message) error  { return n.rn.Step(m) }
func (n *etcdNode) Leader() bool              { return n.leader }
func (n *etcdNode) Commit() uint64            { return n.commit }
func (n *etcdNode) Applied() int              { return n.applied }

func (n *etcdNode) HandleReady(out []*pb.Message) ([]*pb.Message, bool, error) {
	if !n.rn.HasReady() {
		return out, false, nil
	}
	rd := n.rn.Ready()
	if rd.SoftState != nil {
		n.leader = rd.SoftState.RaftState == etcdraft.StateLeader
	}
	if hs := rd.HardState; hs != nil && !etcdraft.IsEmptyHardState(hs) {
		if err := n.st.SetHardState(rd.HardState); err != nil {
			return out, true, err
		}
		n.commit = hs.GetCommit()
	}
	if err := n.st.Append(rd.Entries); err != nil {
		return out, true, err
	}
	out = append(out, rd.Messages...)
	for _, e := range rd.CommittedEntries {
		if len(e.GetData()) > 0 {
			n.applied++
		}
	}
	n.rn.Advance(rd)
	return out, true, nil
}
