package traces

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
)

// snapshotWalk walks the spec (model/, MCRaft_compaction) at random from
// Init until a follower restores a snapshot (its snapshot index rises in a
// HandleSnapshotRequest step) and returns the steps, or nil if no walk of
// the given number found one.
func snapshotWalk(t *testing.T, cfg model.Config, walks, depth int) ([]model.Transition, *spec.View) {
	t.Helper()
	r := rand.New(rand.NewPCG(14, 1))
	for w := 0; w < walks; w++ {
		v := model.Init(cfg)
		init := v
		var path []model.Transition
		for d := 0; d < depth; d++ {
			succ := model.Successors(cfg, v)
			if len(succ) == 0 {
				break
			}
			tr := succ[r.IntN(len(succ))]
			path = append(path, tr)
			if tr.Label.Action == "HandleSnapshotRequest" &&
				tr.Next.Server(tr.Label.I).SnapshotIndex > v.Server(tr.Label.I).SnapshotIndex {
				return path, init
			}
			v = tr.Next
		}
	}
	return nil, nil
}

// TestValidateSnapshotLog: a log of a behaviour in which a leader compacts
// and a follower restores its snapshot (written as traces.Logger writes
// raft/'s, from the model's steps) is accepted by tla/TraceRaft.tla with
// AllowCompaction, and the same log with the restored snapshot's term
// changed is rejected at that line.
func TestValidateSnapshotLog(t *testing.T) {
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		t.Skipf("TLC skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.ParseConfig(filepath.Join(tlaDir, "MCRaft_compaction.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	path, _ := snapshotWalk(t, cfg, 2000, 40)
	if path == nil {
		t.Fatal("no random walk of MCRaft_compaction reached a snapshot restore")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "snapshot.ndjson")
	var buf bytes.Buffer
	lg := NewLogger(&buf)
	compacts := 0
	for _, tr := range path {
		l := tr.Label
		switch l.Action {
		case "DropMessage", "DuplicateMessage", "Partition", "Heal":
			lg.StepServer(l, nil)
		default:
			lg.StepServer(l, tr.Next.Server(l.I))
		}
		if l.Action == "Compact" {
			compacts++
		}
	}
	if lg.Err() != nil {
		t.Fatal(lg.Err())
	}
	if compacts == 0 {
		t.Fatal("a snapshot was restored without a Compact step")
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	o := properties.Options{N: cfg.N, PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum, MaxEntriesPerMsg: cfg.MaxBatch}
	if err := ValidateLogValues(context.Background(), jar, tlaDir, good, o, len(cfg.Values)); err != nil {
		t.Fatalf("TLC rejected a behaviour of the spec with a snapshot (%d lines): %v", len(path), err)
	}

	// The restore is the last line: change the snapshot term it reports.
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	var last map[string]any
	if err := json.Unmarshal(lines[len(lines)-1], &last); err != nil {
		t.Fatal(err)
	}
	st := last["state"].(map[string]any)
	st["snapshotTerm"] = st["snapshotTerm"].(float64) + 1
	if lines[len(lines)-1], err = json.Marshal(last); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.ndjson")
	if err := os.WriteFile(bad, append(bytes.Join(lines, []byte("\n")), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	err = ValidateLogValues(context.Background(), jar, tlaDir, bad, o, len(cfg.Values))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Line != len(lines) {
		t.Errorf("TLC on a log whose restored snapshot term is wrong at line %d: %v", len(lines), err)
	}
}
