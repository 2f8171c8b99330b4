package etcd36_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/driver"
)

// budget is the number of actions per schedule (CONFORMANCE_STEPS); the
// number of schedules per configuration is rapid's (RAPID_CHECKS).
var budget = driver.BudgetFromEnv(100, 300)

// TestDifferential runs random schedules on raft/ and etcd v3.6 in lockstep, on
// 3 and 5 nodes with every PreVote x CheckQuorum combination, and fails
// with rapid's shrunk schedule and a go-cmp diff on any divergence. It
// prints the figures of each configuration.
func TestDifferential(t *testing.T) {
	start := time.Now()
	var total driver.Figures
	for _, s := range driver.Setups() {
		t.Run(s.String(), func(t *testing.T) {
			begin := time.Now()
			fig := driver.Check(t, driver.Native, etcd36.Library, s, budget.Steps)
			fmt.Printf("conformance %s vs %s %v: %v (%.1fs)\n", driver.Native.Name, etcd36.Library.Name, s, fig, time.Since(begin).Seconds())
			if !t.Failed() {
				// The schedules must exercise what the issue asks for: timeouts
				// that fire, elections, restarts; leases only with CheckQuorum.
				if fig.Elections == 0 || fig.Timeouts == 0 || fig.Restarts == 0 || fig.StepDowns == 0 {
					t.Errorf("vacuous run: %v", fig)
				}
				if s.CheckQuorum && fig.LeaseExpiries == 0 {
					t.Errorf("no lease expired: %v", fig)
				}
			}
			total.Add(fig)
		})
	}
	fmt.Printf("conformance total (etcd %s): %v (%.1fs, RAPID_CHECKS=%d per configuration, CONFORMANCE_STEPS=%d)\n",
		etcd36.Version, total, time.Since(start).Seconds(), budget.Checks, budget.Steps)
}
