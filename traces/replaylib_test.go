package traces

import (
	"testing"
)

// BatchBinds is sound: every behaviour it says MaxBatch did not shape
// replays on raft/ without a bound too, so that a library that cannot
// bound appends in entries may replay exactly those. Some behaviours are
// shaped (or the test would show nothing).
func TestBatchBinds(t *testing.T) {
	shaped, free := 0, 0
	for _, name := range SimConfigs {
		cfg, err := SimModelConfig(tlaDir, name)
		if err != nil {
			t.Fatal(err)
		}
		unbounded := cfg
		unbounded.MaxBatch = 0
		for _, f := range corpus(t, name) {
			tr, err := ReadNDJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			if BatchBinds(tr, cfg) {
				shaped++
				continue
			}
			free++
			if err := Replay(tr, unbounded); err != nil {
				t.Errorf("not shaped by MaxBatch, yet it needs it: %v", err)
			}
		}
	}
	t.Logf("%d behaviours shaped by MaxBatch, %d not", shaped, free)
	if shaped == 0 || free == 0 {
		t.Errorf("%d shaped, %d not: the corpus does not exercise BatchBinds", shaped, free)
	}
}
