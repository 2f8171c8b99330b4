package etcd36

// This file is the only place that reaches into etcd's unexported state,
// through reflect and unsafe, without changing etcd's code:
//
//   - raft.randomizedElectionTimeout is written: etcd draws it from a
//     process-global random source (resetRandomizedElectionTimeout,
//     globalRand) that no Config can seed, and the differential runs need
//     both libraries to time out at the same tick;
//   - raft.electionElapsed, raft.trk.Votes and tracker.Progress.sentCommit
//     are read: the spec's lease, tally and the highest commit sent to a
//     follower (what Progress.CanBumpCommit compares), which etcd's Status
//     does not report;
//   - raft.electionElapsed and raft.heartbeatElapsed are written by Fire
//     (trace replay only): the counts tickElection and tickHeartbeat compare
//     with their timeouts, set so that the next tick fires one timer;
//   - raft.readOnly and raft.pendingReadIndexMessages are read: the reads a
//     leader waits to confirm and holds back (the spec's readQueue and
//     pendingReads), which etcd's Status does not report.
//
// reach checks at start that every field exists with the expected type, so
// that a release of etcd that renames one fails with an error naming it.

import (
	"fmt"
	"reflect"
	"unsafe"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"
)

type internals struct {
	randomized, elapsed, heartbeat reflect.Value // int fields of etcd's raft struct
	tally                          reflect.Value // map[uint64]bool: raft.trk.Votes
	// readOnly is raft.readOnly (*readOnly), pendingReads
	// raft.pendingReadIndexMessages: read to project the spec's readQueue
	// and pendingReads (reads.go).
	readOnly, pendingReads reflect.Value
}

// field returns the named field of the struct v, made readable and
// writable even if unexported.
func field(v reflect.Value, name string, want reflect.Type) (reflect.Value, error) {
	f := v.FieldByName(name)
	if !f.IsValid() {
		return reflect.Value{}, fmt.Errorf("etcd %s: %v has no field %q (the adapter's internals.go must follow etcd)", Version, v.Type(), name)
	}
	if want != nil && f.Type() != want {
		return reflect.Value{}, fmt.Errorf("etcd %s: field %v.%s has type %v, want %v", Version, v.Type(), name, f.Type(), want)
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
}

func reach(rn *etcdraft.RawNode) (internals, error) {
	var in internals
	if _, err := field(reflect.ValueOf(&tracker.Progress{}).Elem(), "sentCommit", reflect.TypeFor[uint64]()); err != nil {
		return in, err
	}
	r, err := field(reflect.ValueOf(rn).Elem(), "raft", nil)
	if err != nil {
		return in, err
	}
	if r.Kind() != reflect.Pointer || r.IsNil() {
		return in, fmt.Errorf("etcd %s: RawNode.raft is %v, want a non-nil pointer", Version, r.Type())
	}
	r = r.Elem()
	intType := reflect.TypeFor[int]()
	if in.randomized, err = field(r, "randomizedElectionTimeout", intType); err != nil {
		return in, err
	}
	if in.elapsed, err = field(r, "electionElapsed", intType); err != nil {
		return in, err
	}
	if in.heartbeat, err = field(r, "heartbeatElapsed", intType); err != nil {
		return in, err
	}
	trk, err := field(r, "trk", nil)
	if err != nil {
		return in, err
	}
	if in.tally, err = field(trk, "Votes", reflect.TypeFor[map[uint64]bool]()); err != nil {
		return in, err
	}
	if err := reachReads(r, &in); err != nil {
		return in, err
	}
	return in, nil
}

func (in internals) setRandomizedElectionTimeout(t int) { in.randomized.SetInt(int64(t)) }

func (in internals) electionElapsed() int     { return int(in.elapsed.Int()) }
func (in internals) setElectionElapsed(e int) { in.elapsed.SetInt(int64(e)) }

func (in internals) heartbeatElapsed() int     { return int(in.heartbeat.Int()) }
func (in internals) setHeartbeatElapsed(h int) { in.heartbeat.SetInt(int64(h)) }

// votes returns the tally (etcd's ProgressTracker.Votes; ResetVotes
// replaces the map, so it is read afresh each time).
func (in internals) votes() map[uint64]bool {
	return in.tally.Interface().(map[uint64]bool)
}

// sentCommit reads the highest commit index the leader sent the follower
// (tracker.Progress.sentCommit; reach checked that it exists).
func sentCommit(pr *tracker.Progress) uint64 {
	return reflect.ValueOf(pr).Elem().FieldByName("sentCommit").Uint()
}
