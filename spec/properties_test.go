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
