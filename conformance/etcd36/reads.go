package etcd36

// Reads (etcd's ReadIndex), in the harness's vocabulary: a read is named
// by its number, which the adapter carries as the request context in
// decimal (properties.ReadCtx, as raft/'s adapter does). etcd puts the
// context of a read request and of its answer in Entries[0].Data of
// MsgReadIndex and MsgReadIndexResp, and that of the read a heartbeat
// round confirms in Message.Context of MsgHeartbeat and MsgHeartbeatResp
// (raft.go: sendHeartbeat, handleHeartbeat, stepLeader); specMessage and
// pbMessage translate.

import (
	"reflect"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
)

// ReadIndex implements driver.Reader (RawNode.ReadIndex). etcd returns no
// error: a node that cannot take the read drops it (stepFollower without
// a leader, stepCandidate).
func (n *node) ReadIndex(id uint64) error {
	n.rn.ReadIndex(properties.ReadCtx(int(id)))
	n.impose()
	return nil
}

// readCtx is the context of read id (nil for 0: no read).
func readCtx(id uint64) []byte {
	if id == 0 {
		return nil
	}
	return properties.ReadCtx(int(id))
}

// readData is the Entries[0].Data etcd carries a read's context in.
func readData(id uint64) []pb.Entry { return []pb.Entry{{Data: readCtx(id)}} }

// readID is the read whose context is in ents[0].Data (0 if none).
func readID(ents []pb.Entry) uint64 {
	if len(ents) == 0 {
		return 0
	}
	return properties.ReadID(ents[0].Data)
}

// reads projects etcd's read state onto the spec's readQueue and
// pendingReads: raft.readOnly (readIndexQueue in order, pendingReadIndex
// per context: the request, the commit index, the acks) and
// raft.pendingReadIndexMessages. A read requested at the node itself has
// From None; the spec says the node.
func (in internals) reads(self uint64) (queue, pending []spec.ReadRequest) {
	from := func(f uint64) int {
		if f == 0 {
			f = self
		}
		return int(f)
	}
	if ro := in.readOnly.Elem(); ro.IsValid() {
		q, statuses := ro.FieldByName("readIndexQueue"), ro.FieldByName("pendingReadIndex")
		for k := range q.Len() {
			ctx := q.Index(k)
			st := statuses.MapIndex(ctx).Elem()
			req := st.FieldByName("req")
			r := spec.ReadRequest{ID: properties.ReadID([]byte(ctx.String())), From: from(req.FieldByName("From").Uint()),
				Index: st.FieldByName("index").Uint()}
			acks := st.FieldByName("acks")
			for _, j := range acks.MapKeys() {
				if acks.MapIndex(j).Bool() {
					r.Acks = r.Acks.Add(int(j.Uint()))
				}
			}
			queue = append(queue, r)
		}
	}
	msgs := in.pendingReads
	for k := range msgs.Len() {
		m := msgs.Index(k)
		ents := m.FieldByName("Entries")
		var id uint64
		if ents.Len() > 0 {
			id = properties.ReadID(slices.Clone(ents.Index(0).FieldByName("Data").Bytes()))
		}
		pending = append(pending, spec.ReadRequest{ID: id, From: from(m.FieldByName("From").Uint())})
	}
	return queue, pending
}

// reachReads finds raft.readOnly (a pointer, replaced at every reset) and
// raft.pendingReadIndexMessages.
func reachReads(r reflect.Value, in *internals) error {
	var err error
	if in.readOnly, err = field(r, "readOnly", nil); err != nil {
		return err
	}
	for _, f := range []string{"readIndexQueue", "pendingReadIndex"} {
		if _, err := field(in.readOnly.Elem(), f, nil); err != nil {
			return err
		}
	}
	in.pendingReads, err = field(r, "pendingReadIndexMessages", reflect.TypeFor[[]pb.Message]())
	return err
}
