package raft_test

import (
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/raft"
)

// NewRawNode refuses an invalid configuration, or a storage whose state is
// inconsistent, with an error naming the problem.
func TestConfig_Validation(t *testing.T) {
	valid := func() raft.Config {
		return raft.Config{ID: 1, Peers: []uint64{1, 2, 3}, ElectionTick: 10, HeartbeatTick: 1, Storage: raft.NewMemoryStorage()}
	}
	stored := func(hs raft.HardState, terms ...uint64) *raft.MemoryStorage {
		st := raft.NewMemoryStorage()
		if err := st.Append(logOf(terms...)); err != nil {
			t.Fatal(err)
		}
		if err := st.SetHardState(hs); err != nil {
			t.Fatal(err)
		}
		return st
	}
	cases := []struct {
		name   string
		change func(c *raft.Config)
		want   string // in the error
	}{
		{"ID zero", func(c *raft.Config) { c.ID = 0 }, "ID must not be zero"},
		{"peers miss the ID", func(c *raft.Config) { c.Peers = []uint64{2, 3} }, "do not contain the node's own ID 1"},
		{"duplicate peer", func(c *raft.Config) { c.Peers = []uint64{1, 2, 2} }, "peer 2 is listed twice"},
		{"zero peer", func(c *raft.Config) { c.Peers = []uint64{1, 0, 3} }, "is zero"},
		{"HeartbeatTick zero", func(c *raft.Config) { c.HeartbeatTick = 0 }, "HeartbeatTick is 0, must be at least 1"},
		{"ElectionTick equal to HeartbeatTick", func(c *raft.Config) { c.ElectionTick = 1 }, "ElectionTick (1) must be greater than HeartbeatTick (1)"},
		{"ElectionTick below HeartbeatTick", func(c *raft.Config) { c.HeartbeatTick = 5; c.ElectionTick = 3 }, "ElectionTick (3) must be greater than HeartbeatTick (5)"},
		{"nil Storage", func(c *raft.Config) { c.Storage = nil }, "Storage is nil"},
		{"negative MaxEntriesPerMsg", func(c *raft.Config) { c.MaxEntriesPerMsg = -1 }, "MaxEntriesPerMsg is -1"},
		{"stored commit beyond the log", func(c *raft.Config) { c.Storage = stored(raft.HardState{Term: 1, Commit: 2}, 1) }, "commits index 2 beyond the last stored index 1"},
		{"stored vote for a stranger", func(c *raft.Config) { c.Storage = stored(raft.HardState{Term: 1, Vote: 7}) }, "votes for 7, which is not a peer"},
		{"stored entry above the term", func(c *raft.Config) { c.Storage = stored(raft.HardState{Term: 1}, 1, 2) }, "entry 2 has term 2"},
		{"Applied beyond the commit", func(c *raft.Config) { c.Storage = stored(raft.HardState{Term: 1, Commit: 1}, 1); c.Applied = 2 }, "Applied 2 is beyond the stored commit index 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid()
			c.change(&cfg)
			rn, err := raft.NewRawNode(&cfg)
			if err == nil || rn != nil {
				t.Fatalf("NewRawNode accepted %+v", cfg)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name the problem (%q)", err, c.want)
			}
		})
	}
	t.Run("nil config", func(t *testing.T) {
		if _, err := raft.NewRawNode(nil); err == nil || !strings.Contains(err.Error(), "config is nil") {
			t.Fatalf("NewRawNode(nil): %v", err)
		}
	})
	t.Run("valid", func(t *testing.T) {
		cfg := valid()
		cfg.Peers = []uint64{3, 1, 2} // in any order
		if _, err := raft.NewRawNode(&cfg); err != nil {
			t.Fatal(err)
		}
	})
}
