package kv_test

import (
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/kv"
)

// TestFiguresThinned: the figures a kv run asserts fail for a run that
// thinned out, each naming the figure.
func TestFiguresThinned(t *testing.T) {
	full := func() figures {
		f := newFigures()
		f.cases, f.histories, f.ops, f.answered, f.indexReads, f.duplicates = 300, 300, 6000, 6000, 2000, 500
		f.kinds = map[kv.Kind]int{kv.Put: 2000, kv.Get: 2000, kv.CAS: 2000}
		for _, k := range []string{"drop", "duplicate", "partition", "crash", "restart", "crash-before-persist", "crash-after-persist"} {
			f.faults[k] = 100
		}
		return f
	}
	if err := full().meets(1000, true); err != nil {
		t.Fatalf("a full run fails its figures: %v", err)
	}
	cases := []struct {
		name string
		thin func(f *figures)
		want string
	}{
		{"a case without a history", func(f *figures) { f.histories-- }, "histories checked"},
		{"short histories", func(f *figures) { f.ops, f.answered = 1000, 1000 }, "operations in"},
		{"requests unanswered", func(f *figures) { f.answered = 3000 }, "answered, want"},
		{"no compare-and-swap", func(f *figures) { f.kinds[kv.CAS] = 0 }, "no cas requests"},
		{"no retried entry", func(f *figures) { f.duplicates = 0 }, "duplicate entry"},
		{"no crash", func(f *figures) { delete(f.faults, "crash-after-persist") }, "no crash-after-persist faults"},
		{"reads not through ReadIndex", func(f *figures) { f.indexReads = 10 }, "served through ReadIndex"},
	}
	for _, c := range cases {
		f := full()
		c.thin(&f)
		if err := f.meets(1000, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: meets = %v, want an error about %q", c.name, err, c.want)
		}
	}
}
