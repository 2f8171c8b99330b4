package explore_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/model"
)

// mustConfig parses a config of tla/.
func mustConfig(t testing.TB, name string) model.Config {
	t.Helper()
	cfg, err := model.ParseConfig(filepath.Join("..", "tla", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestExploreIsDeterministic: the counts and the counterexample do not
// depend on the number of workers.
func TestExploreIsDeterministic(t *testing.T) {
	for _, name := range []string{"MutCommitEarlierTerm.cfg", "MCRaft_restart.cfg"} {
		cfg := mustConfig(t, name)
		var first *explore.Result
		for _, w := range []int{1, 2, 3} {
			res, err := explore.Explore(cfg, explore.Options{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res
				continue
			}
			if res.Distinct != first.Distinct || res.Generated != first.Generated || res.Depth != first.Depth {
				t.Errorf("%s: %d workers: %d/%d/%d, 1 worker %d/%d/%d", name, w, res.Distinct, res.Generated, res.Depth,
					first.Distinct, first.Generated, first.Depth)
			}
			if (res.Violation == nil) != (first.Violation == nil) {
				t.Fatalf("%s: a violation with one number of workers only", name)
			}
			if res.Violation != nil {
				a, b := res.Violation.Trace, first.Violation.Trace
				if len(a) != len(b) {
					t.Fatalf("%s: counterexamples of %d and %d states", name, len(a), len(b))
				}
				for k := range a {
					if a[k].Label != nil && a[k].Label.String() != b[k].Label.String() {
						t.Errorf("%s: step %d is %v with %d workers, %v with 1", name, k, a[k].Label, w, b[k].Label)
					}
				}
			}
		}
	}
}

// TestSpilledLevels explores with BFS levels spilled to disk after a few
// hundred bytes (Options.SpillBytes): the counts and the counterexample,
// step by step, are those of the search in memory.
func TestSpilledLevels(t *testing.T) {
	for _, name := range []string{"MutAppendSkipsTermCheck.cfg", "MCRaft_four.cfg"} {
		cfg := mustConfig(t, name)
		mem, err := explore.Explore(cfg, explore.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		disk, err := explore.Explore(cfg, explore.Options{Workers: 2, TempDir: t.TempDir(), SpillBytes: 300})
		if err != nil {
			t.Fatal(err)
		}
		if mem.Distinct != disk.Distinct || mem.Generated != disk.Generated || mem.Depth != disk.Depth {
			t.Errorf("%s: in memory %d/%d/%d, spilled %d/%d/%d (distinct/generated/depth)", name,
				mem.Distinct, mem.Generated, mem.Depth, disk.Distinct, disk.Generated, disk.Depth)
		}
		if (mem.Violation == nil) != (disk.Violation == nil) {
			t.Fatalf("%s: a violation in one search only", name)
		}
		if mem.Violation == nil {
			continue
		}
		a, b := mem.Violation.Trace, disk.Violation.Trace
		if len(a) != len(b) || mem.Violation.Property != disk.Violation.Property {
			t.Fatalf("%s: %s in %d states in memory, %s in %d spilled", name, mem.Violation.Property, len(a), disk.Violation.Property, len(b))
		}
		for k := 1; k < len(a); k++ {
			if a[k].Label.String() != b[k].Label.String() {
				t.Errorf("%s: step %d is %v in memory, %v spilled", name, k, a[k].Label, b[k].Label)
			}
		}
	}
}

// TestMemoryLimit: with a memory limit that leaves the fingerprint set
// 2 MiB, a search of more states than fit stops with a *MemoryError that
// says how many states it explored, not with an out-of-memory kill.
func TestMemoryLimit(t *testing.T) {
	cfg := mustConfig(t, "MCRaft_prevote.cfg")
	const spill = 4096
	limit := uint64(1<<30 + 4*spill + 2<<20)
	res, err := explore.Explore(cfg, explore.Options{Workers: 2, SpillBytes: spill, MemoryLimit: limit, TempDir: t.TempDir()})
	var me *explore.MemoryError
	if !errors.As(err, &me) {
		t.Fatalf("error %v, want a *MemoryError", err)
	}
	// The set grows from 512 KiB to 1 MiB, cannot grow again within
	// 2 MiB, and fills up to 96% of its 131,072 slots.
	if me.Distinct != 125829 || me.SetBytes != 1<<20 || me.Limit != limit || res == nil || res.Distinct != me.Distinct {
		t.Errorf("stopped at %d states with a set of %d bytes (limit %d), result %+v", me.Distinct, me.SetBytes, me.Limit, res)
	}
	for _, want := range []string{"out of memory", "stopped after exploring 125829 distinct states", "not a complete search"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
	if _, err := explore.Explore(cfg, explore.Options{Workers: 2, MemoryLimit: 1 << 20}); err == nil || !strings.Contains(err.Error(), "leaves nothing for the fingerprint set") {
		t.Errorf("a limit of 1 MiB: error %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestProgress: progress lines come at the interval asked and carry the
// distinct and generated states, the queue, the depth, the rate and the
// memory.
func TestProgress(t *testing.T) {
	var log syncBuffer
	res, err := explore.Explore(mustConfig(t, "MCRaft_four.cfg"), explore.Options{Workers: 2, Progress: time.Millisecond, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	out := log.b.String()
	log.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if out == "" || res.Elapsed > 50*time.Millisecond && len(lines) < 2 {
		t.Fatalf("%d progress lines in %v:\n%s", len(lines), res.Elapsed, out)
	}
	for _, want := range []string{"distinct,", "generated,", "queued,", "depth ", "distinct/s", "fingerprint set", "bytes/state", "heap"} {
		if !strings.Contains(lines[len(lines)-1], want) {
			t.Errorf("the progress line %q lacks %q", lines[len(lines)-1], want)
		}
	}
}
