package explore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/internal/tlc"
)

// TestCheckModel: CheckModel, the one agreement check with tla/models.json
// (make agree runs it on every model of make check), agrees on a passing
// model and on an expected failure, and reports each figure that is off.
func TestCheckModel(t *testing.T) {
	path := filepath.Join("..", "tla", "models.json")
	man, err := tlc.LoadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	for _, name := range []string{"four", "MutVoteTwice"} {
		m, ok := man.Find(name)
		if !ok {
			t.Fatalf("no model %s in %s", name, path)
		}
		a, err := explore.CheckModel(dir, m, explore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Problem != "" {
			t.Errorf("%s: %s", name, a.Problem)
		}
		off := *m
		off.Distinct, off.Depth, off.Generated, off.TraceLength = m.Distinct+1, m.Depth+1, m.Generated+1, m.TraceLength+1
		if m.Expect != "pass" {
			off.Expect = "TypeOK"
		}
		b, err := explore.CheckModel(dir, &off, explore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if m.Expect == "pass" {
			want = []string{"distinct", "depth", "generated"}
		} else {
			want = []string{"ElectionSafety violated, TLC violates TypeOK"}
		}
		for _, w := range want {
			if !strings.Contains(b.Problem, w) {
				t.Errorf("%s with figures off: problem %q does not mention %q", name, b.Problem, w)
			}
		}
	}
}
