package etcd36_test

// The conformance tests every release is held to, from one place
// (internal/conformtest), with this module's adapter.

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/internal/conformtest"
)

// TestDifferential: raft/ and this release in lockstep on random schedules
// (make conformance; budgets RAPID_CHECKS and CONFORMANCE_STEPS).
func TestDifferential(t *testing.T) { conformtest.Differential(t, etcd36.Library) }

// TestCommitBumpSmallestCase: issue 10's smallest case of etcd's commit
// bump, in lockstep.
func TestCommitBumpSmallestCase(t *testing.T) { conformtest.CommitBumpSmallestCase(t, etcd36.Library) }

// TestReplayCorpus: TLC's corpus (traces/corpus) replayed step by step.
func TestReplayCorpus(t *testing.T) { conformtest.ReplayCorpus(t, etcd36.Library) }

// TestReplayDetectsDivergence: a corrupted behaviour is rejected.
func TestReplayDetectsDivergence(t *testing.T) {
	conformtest.ReplayDetectsDivergence(t, etcd36.Library)
}

// TestValidateLogs: this release's logs validated by TLC, and corrupted
// ones rejected at their line.
func TestValidateLogs(t *testing.T) { conformtest.ValidateLogs(t, etcd36.Library) }
