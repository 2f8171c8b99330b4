package kv_test

import (
	"errors"
	"testing"

	"github.com/checkedraft/checkedraft/kv"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// TestNodeReads: on a settled cluster, a put at the leader is answered
// once applied; a get through ReadIndex at a follower (forwarded to the
// leader) sees it; a get at a node that knows no leader is refused.
func TestNodeReads(t *testing.T) {
	nw := rafttest.New(t, 3)
	nodes := map[uint64]*kv.Node{}
	for _, id := range nw.IDs {
		nodes[id] = kv.NewNode(nw.Node(id).RN, kv.ReadThroughIndex)
	}
	var got []kv.Response
	nw.OnReady = func(n *rafttest.Node, rd raft.Ready) {
		resps, err := nodes[n.ID].Apply(rd)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resps...)
	}
	if err := nodes[2].Submit(kv.Request{Client: 1, Seq: 1, Kind: kv.Get, Key: "x"}); !errors.Is(err, kv.ErrNotServed) {
		t.Errorf("a get before any leader: Submit = %v, want ErrNotServed", err)
	}
	nw.Campaign(1)
	put := kv.Request{Client: 1, Seq: 1, Kind: kv.Put, Key: "x", Value: "a"}
	if err := nodes[1].Submit(put); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	get := kv.Request{Client: 2, Seq: 1, Kind: kv.Get, Key: "x"}
	if err := nodes[2].Submit(get); err != nil {
		t.Fatal(err)
	}
	nw.Stabilize()
	var putAt1, getAt2 bool
	for _, r := range got {
		switch {
		case r.Req == put && !r.Read && nodes[1].Store.Read("x").Value == "a":
			putAt1 = true
		case r.Req == get && r.Read:
			getAt2 = true
			if r.Res != (kv.Result{Value: "a", Found: true}) {
				t.Errorf("the get through ReadIndex after the put answered %+v, want a", r.Res)
			}
		}
	}
	if !putAt1 || !getAt2 {
		t.Errorf("answers %+v: want the put applied and the get served through ReadIndex", got)
	}
}
