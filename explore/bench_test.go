package explore_test

import (
	"testing"

	"github.com/checkedraft/checkedraft/explore"
)

// BenchmarkExplore explores the prevote_checkquorum model with one worker;
// it reports distinct states per second.
func BenchmarkExplore(b *testing.B) {
	cfg := mustConfig(b, "MCRaft_prevote_checkquorum.cfg")
	var distinct int64
	for b.Loop() {
		res, err := explore.Explore(cfg, explore.Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		distinct += res.Distinct
	}
	b.ReportMetric(float64(distinct)/b.Elapsed().Seconds(), "states/s")
}
