package etcd_test

// The adapter's own checks (internal/conformtest), with this release.

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/internal/conformtest"
)

// TestSeededEtcdChangeFound: a pre-vote grant carrying the voter's term,
// seeded in the adapter, is found by the differential run.
func TestSeededEtcdChangeFound(t *testing.T) {
	conformtest.SeededPreVoteGrantTermFound(t, etcd.NewLibrary(etcd.Options{PreVoteGrantCarriesVoterTerm: true}))
}

// TestNormQuiescentNeeded: this release needs the NormQuiescent normalisation.
func TestNormQuiescentNeeded(t *testing.T) { conformtest.NormQuiescentNeeded(t, etcd.Library) }

// TestRestartFromStorage: a restart reads only the harness's storage.
func TestRestartFromStorage(t *testing.T) { conformtest.RestartFromStorage(t, etcd.Library) }

// TestFireOneTimer: the adapter fires exactly the timer asked for.
func TestFireOneTimer(t *testing.T) { conformtest.FireOneTimer(t, etcd.Library) }
