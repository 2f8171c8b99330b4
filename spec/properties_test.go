package spec_test

import (
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// leaderView is three servers where 1 leads term 1 with 1/1 committed and
// has sent commit sent[j-1] to j.
func leaderView(sent ...uint64) *spec.View {
	v := &spec.View{}
	for i := 1; i <= 3; i++ {
		s := spec.Server{Term: 1, Log: []spec.Entry{{Term: 1}}, Progress: make([]spec.Progress, 3), Leader: 1}
		if i == 1 {
			s.Role, s.Vote, s.Commit = spec.Leader, 1, 1
			for j := range s.Progress {
				if j > 0 {
					s.Progress[j] = spec.Progress{Next: 2, Match: 1, Mode: spec.Replicate, SentCommit: sent[j]}
				}
			}
		}
		v.Servers = append(v.Servers, s)
	}
	return v
}

// TypeOK bounds the commit a leader records as sent by its own commit: a
// commit it cannot have sent fails, naming the sender and the follower.
func TestTypeOKBoundsSentCommit(t *testing.T) {
	if err := spec.TypeOK(leaderView(0, 1, 0)); err != nil {
		t.Fatalf("commit sent within the commit: %v", err)
	}
	err := spec.TypeOK(leaderView(0, 1, 2))
	if err == nil || !strings.Contains(err.Error(), "server 1 (term 1) sent commit 2 to server 3") {
		t.Fatalf("commit sent beyond the commit: got %v, want a TypeOK error naming servers 1 and 3", err)
	}
}

// cluster is n servers at term 1 where 1 leads and the others follow it
// (with the lease if lease).
func cluster(n int, lease bool) *spec.View {
	v := &spec.View{}
	for i := 1; i <= n; i++ {
		s := spec.Server{Term: 1, Progress: make([]spec.Progress, n), Leader: 1, Vote: 1, Lease: lease && i != 1}
		if i == 1 {
			s.Role = spec.Leader
		}
		v.Servers = append(v.Servers, s)
	}
	return v
}

// LeaseHonoured fails when a follower within its lease adopts the term of a
// vote request it handles, and not when it holds no lease.
func TestLeaseHonoured(t *testing.T) {
	req := spec.Message{Type: spec.VoteRequest, From: 3, To: 2, Term: 2}
	for _, lease := range []bool{true, false} {
		pre := cluster(3, lease)
		pre.Messages = spec.NewBag([]spec.Message{req})
		post := pre.Clone()
		post.Messages = nil
		s := post.Server(2)
		s.Term, s.Vote, s.Leader, s.Lease = 2, 0, 0, false
		err := spec.LeaseHonoured(pre, post)
		if lease && (err == nil || !strings.HasPrefix(err.Error(), "LeaseHonoured: server 2")) {
			t.Errorf("a leased follower adopting a vote request's term: got %v, want a LeaseHonoured error naming server 2", err)
		}
		if !lease && err != nil {
			t.Errorf("a follower without lease adopting a vote request's term: %v", err)
		}
	}
}

// NonDisruption fails when a server times out into a higher term while a
// quorum follows the leader; without CheckQuorum a follower need not hold
// a lease to count.
func TestNonDisruption(t *testing.T) {
	for _, tc := range []struct {
		lease, checkQuorum, fails bool
	}{{true, true, true}, {false, true, false}, {false, false, true}} {
		pre := cluster(3, tc.lease)
		post := pre.Clone()
		s := post.Server(3)
		s.Term, s.Role, s.Vote, s.Leader, s.Lease = 2, spec.Candidate, 3, 0, false
		check, ok := spec.LookupActionPropertyFor("NonDisruption", tc.checkQuorum)
		if !ok {
			t.Fatal("no NonDisruption")
		}
		err := check(pre, post)
		if tc.fails != (err != nil) || err != nil && !strings.HasPrefix(err.Error(), "NonDisruption: server 3 raised its term") {
			t.Errorf("lease %v, CheckQuorum %v: got %v, want a failure: %v", tc.lease, tc.checkQuorum, err, tc.fails)
		}
	}
}

// StepDownWithoutQuorum fails when a leader of four passes a quorum check
// having heard from one follower, not from two.
func TestStepDownWithoutQuorum(t *testing.T) {
	for heard, fails := range map[spec.Set]bool{spec.Set(0).Add(2): true, spec.Set(0).Add(2).Add(3): false} {
		pre := cluster(4, true)
		pre.Server(1).RecentActive = heard
		post := pre.Clone()
		post.Server(1).RecentActive = 0
		err := spec.StepDownWithoutQuorum(pre, post)
		if fails != (err != nil) || err != nil && !strings.HasPrefix(err.Error(), "StepDownWithoutQuorum: leader 1") {
			t.Errorf("heard from %v: got %v, want a failure: %v", heard, err, fails)
		}
	}
}
