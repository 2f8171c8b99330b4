//go:build raftbugs

package etcd36_test

// Built with the tag raftbugs (make conformance-bugs), raft/ can run with
// one seeded bug switched on; the differential run against this release of
// etcd must find each, in the field the bug changes (driver.SeededBugs).

import (
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/driver"
)

func TestSeededRaftBugsFound(t *testing.T) {
	driver.CheckSeededBugs(t, etcd36.Library)
}
