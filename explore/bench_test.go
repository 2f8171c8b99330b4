package explore_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/checkedraft/checkedraft/explore"
)

// BenchmarkExplore explores the prevote_checkquorum model (348,768 states)
// with one and with two workers: the explorer's inner loop (decode, Next,
// canonical encoding, fingerprint, the properties, the merge). It reports
// distinct states per second and heap allocations per distinct state, so
// that a regression in either shows.
func BenchmarkExplore(b *testing.B) {
	cfg := mustConfig(b, "MCRaft_prevote_checkquorum.cfg")
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var distinct int64
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				res, err := explore.Explore(cfg, explore.Options{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				distinct += res.Distinct
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(distinct)/b.Elapsed().Seconds(), "states/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(distinct), "allocs/state")
		})
	}
}
