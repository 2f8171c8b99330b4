package kv_test

import (
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/kv"
	"github.com/checkedraft/checkedraft/raft"
)

func entry(i uint64, r kv.Request) raft.Entry { return raft.Entry{Term: 1, Index: i, Data: r.Encode()} }

// TestStoreAppliesOnce: a request committed twice (a retry) takes effect
// once, the duplicate answered with the first result; a request older than
// the client's last does nothing.
func TestStoreAppliesOnce(t *testing.T) {
	s := kv.NewStore()
	put1 := kv.Request{Client: 1, Seq: 1, Kind: kv.Put, Key: "x", Value: "a"}
	cas := kv.Request{Client: 1, Seq: 2, Kind: kv.CAS, Key: "x", Old: "a", Value: "b"}
	put2 := kv.Request{Client: 2, Seq: 1, Kind: kv.Put, Key: "x", Value: "c"}
	steps := []struct {
		e                raft.Entry
		res              kv.Result
		duplicate, stale bool
	}{
		{e: raft.Entry{Term: 1, Index: 1}},
		{e: entry(2, put1)},
		{e: entry(3, cas), res: kv.Result{Swapped: true}},
		{e: entry(4, put2)},
		{e: entry(5, cas), res: kv.Result{Swapped: true}, duplicate: true},
		{e: entry(6, put1), stale: true},
	}
	for _, st := range steps {
		a, err := s.Apply(st.e)
		if err != nil {
			t.Fatalf("entry %d: %v", st.e.Index, err)
		}
		if a.Res != st.res || a.Duplicate != st.duplicate || a.Stale != st.stale {
			t.Errorf("entry %d: applied %+v, want result %+v duplicate %v stale %v", st.e.Index, a, st.res, st.duplicate, st.stale)
		}
	}
	if got := s.Read("x"); got != (kv.Result{Value: "c", Found: true}) {
		t.Errorf("x = %+v after the duplicates, want c (client 2's put, not undone by a replay of client 1's)", got)
	}
	if s.AppliedIndex() != 6 {
		t.Errorf("applied index %d, want 6", s.AppliedIndex())
	}
}

// TestStoreRejects: bad entry data and a gap are errors naming the entry,
// and change nothing.
func TestStoreRejects(t *testing.T) {
	cases := []struct {
		e    raft.Entry
		want string
	}{
		{raft.Entry{Term: 1, Index: 1, Data: []byte("junk")}, "entry 1/1: kv: entry data \"junk\" is not a request"},
		{raft.Entry{Term: 1, Index: 1, Data: []byte(`{"c":1,"s":1,"k":9}`)}, "unknown request kind 9"},
		{raft.Entry{Term: 1, Index: 1, Data: []byte(`{"c":0,"s":1,"k":1}`)}, "must not be zero"},
		{raft.Entry{Term: 1, Index: 2}, "applying entry 2 after entry 0"},
	}
	for _, c := range cases {
		s := kv.NewStore()
		_, err := s.Apply(c.e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Apply(%v) = %v, want an error containing %q", c.e, err, c.want)
		}
		if s.AppliedIndex() != 0 {
			t.Errorf("Apply(%v) failed but moved the applied index to %d", c.e, s.AppliedIndex())
		}
	}
}
