package tlc_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/internal/tlc"
)

// Without a jar TLC is skipped (ErrNoTLC), unless REQUIRE_TLC=1, when it is
// an error (ErrRequired) that says so and where the jar was looked for.
func TestJarSkippedOrRequired(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none", "tla2tools.jar")
	t.Setenv("TLA2TOOLS_JAR", missing)

	for _, v := range []string{"", "0"} {
		t.Setenv("REQUIRE_TLC", v)
		_, err := tlc.Jar()
		if !errors.Is(err, tlc.ErrNoTLC) || errors.Is(err, tlc.ErrRequired) || !strings.Contains(err.Error(), missing) {
			t.Errorf("REQUIRE_TLC=%q, no jar: %v; want ErrNoTLC (skip) naming %s", v, err, missing)
		}
	}

	t.Setenv("REQUIRE_TLC", "1")
	_, err := tlc.Jar()
	if !errors.Is(err, tlc.ErrRequired) || errors.Is(err, tlc.ErrNoTLC) {
		t.Fatalf("REQUIRE_TLC=1, no jar: %v; want ErrRequired and not ErrNoTLC", err)
	}
	for _, want := range []string{"REQUIRE_TLC=1", missing} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("REQUIRE_TLC=1, no jar: %q does not say %q", err, want)
		}
	}

	t.Setenv("REQUIRE_TLC", "yes")
	if _, err := tlc.Jar(); err == nil || errors.Is(err, tlc.ErrNoTLC) || !strings.Contains(err.Error(), `"yes"`) {
		t.Errorf("REQUIRE_TLC=yes: %v; want an error naming the value, not a skip", err)
	}
}

// With a jar (any file: Jar does not run it) and REQUIRE_TLC=1, Jar returns
// it if java is on PATH, and otherwise says java is missing.
func TestJarRequiredAndPresent(t *testing.T) {
	jar := filepath.Join(t.TempDir(), "tla2tools.jar")
	if err := os.WriteFile(jar, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TLA2TOOLS_JAR", jar)
	t.Setenv("REQUIRE_TLC", "1")
	got, err := tlc.Jar()
	if _, lerr := exec.LookPath("java"); lerr != nil {
		if !errors.Is(err, tlc.ErrRequired) || !strings.Contains(err.Error(), "java") {
			t.Errorf("no java: %v; want ErrRequired saying java is missing", err)
		}
		return
	}
	if err != nil || got != jar {
		t.Errorf("Jar() = %q, %v; want %q", got, err, jar)
	}
}

func writeManifest(t *testing.T, models string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "models.json")
	man := `{"tlc": {"version": "TLC2 Version 2.20 (rev: 5b8488d)", "workers": 1}, "models": [` + models + `]}`
	if err := os.WriteFile(p, []byte(man), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	goodPass = `{"name": "p", "module": "MCRaft", "config": "p.cfg", "expect": "pass", "check": true, "distinct": 10, "generated": 30, "depth": 4}`
	goodFail = `{"name": "f", "module": "MutX", "config": "f.cfg", "expect": "ElectionSafety", "check": true, "trace_length": 5}`
)

func TestLoadManifest(t *testing.T) {
	p := writeManifest(t, goodPass+","+goodFail)
	man, err := tlc.LoadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := man.Find("p"); !ok || m.Distinct != 10 || m.Generated != 30 || m.Depth != 4 {
		t.Errorf("model p: %+v, %v", m, ok)
	}
	if m, ok := man.Find("f"); !ok || m.TraceLength != 5 {
		t.Errorf("model f: %+v, %v", m, ok)
	}
	// The project's own manifest has every figure.
	if _, err := tlc.LoadManifest(filepath.Join("..", "..", "tla", "models.json")); err != nil {
		t.Error(err)
	}
}

// An entry without the figures TLC recorded is rejected when the manifest is
// loaded, naming the file, the entry and the missing figures; the loader for
// tlc -record accepts it.
func TestLoadManifestRejectsMissingFigures(t *testing.T) {
	for _, tc := range []struct {
		models string
		name   string
		want   []string
	}{
		{goodFail + `, {"name": "nofigures", "module": "MCRaft", "config": "p.cfg", "expect": "pass", "check": true}`,
			`model 1 ("nofigures")`, []string{"distinct, generated, depth"}},
		{`{"name": "nodepth", "module": "MCRaft", "config": "p.cfg", "expect": "pass", "check": false, "distinct": 10, "generated": 30}`,
			`model 0 ("nodepth")`, []string{"for depth"}},
		{goodPass + `, {"name": "notrace", "module": "MutX", "config": "f.cfg", "expect": "ElectionSafety", "check": true, "distinct": 3}`,
			`model 1 ("notrace")`, []string{"trace_length"}},
	} {
		p := writeManifest(t, tc.models)
		_, err := tlc.LoadManifest(p)
		if err == nil {
			t.Errorf("%s: loaded without error", tc.name)
			continue
		}
		for _, want := range append([]string{p, tc.name, "no TLC figures"}, tc.want...) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
		if _, err := tlc.LoadManifestToRecord(p); err != nil {
			t.Errorf("%s: the loader for -record rejects it: %v", tc.name, err)
		}
	}
}

// Figures recorded by the explorer are allowed only on a passing model
// outside make check; any other recorded_by is rejected, naming the entry.
func TestLoadManifestRecordedBy(t *testing.T) {
	explorer := `{"name": "big", "module": "MCRaft", "config": "b.cfg", "expect": "pass", "check": false, "distinct": 10, "generated": 30, "depth": 4, "recorded_by": "explorer"}`
	man, err := tlc.LoadManifest(writeManifest(t, goodPass+","+explorer))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := man.Find("big"); m.RecordedBy != tlc.RecordedByExplorer {
		t.Errorf("recorded_by %q", m.RecordedBy)
	}
	for _, tc := range []struct{ models, want string }{
		{strings.Replace(explorer, `"explorer"`, `"me"`, 1), `recorded_by "me"`},
		{strings.Replace(explorer, `"check": false`, `"check": true`, 1), "only a passing model outside make check"},
		{`{"name": "big", "module": "MutX", "config": "f.cfg", "expect": "ElectionSafety", "check": false, "trace_length": 5, "recorded_by": "explorer"}`, "only a passing model"},
	} {
		_, err := tlc.LoadManifest(writeManifest(t, tc.models))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `("big")`) {
			t.Errorf("%s: %v; want an error naming the entry and saying %q", tc.models, err, tc.want)
		}
	}
}

// A model whose figures are the explorer's is left out of a TLC batch, and
// asking for it by name without -record is an error saying why (no TLC
// runs: the jar is never used).
func TestRunBatchSkipsExplorerFigures(t *testing.T) {
	explorer := `{"name": "big", "module": "MCRaft", "config": "b.cfg", "expect": "pass", "check": false, "distinct": 10, "generated": 30, "depth": 4, "recorded_by": "explorer"}`
	p := writeManifest(t, explorer)
	man, err := tlc.LoadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := tlc.RunBatch(t.Context(), "no.jar", filepath.Dir(p), man, tlc.BatchOptions{All: true}, &out); err != nil || out.Len() != 0 {
		t.Errorf("-all: %v, output %q; want the explorer's model left out", err, out.String())
	}
	err = tlc.RunBatch(t.Context(), "no.jar", filepath.Dir(p), man, tlc.BatchOptions{All: true, Names: []string{"big"}}, &out)
	if err == nil || !strings.Contains(err.Error(), "big") || !strings.Contains(err.Error(), "-record") {
		t.Errorf("by name without -record: %v; want an error naming big and -record", err)
	}
}

// A model marked tlc_long is left out of a default batch (make check's),
// though it is part of make check (its agreement check), and -all or its
// name selects it: here the jar does not exist, so selecting it is an error
// that names it.
func TestRunBatchTLCLong(t *testing.T) {
	long := `{"name": "slow", "module": "MCRaft", "config": "s.cfg", "expect": "pass", "check": true, "tlc_long": true, "distinct": 10, "generated": 30, "depth": 4}`
	p := writeManifest(t, long)
	man, err := tlc.LoadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if !man.Models[0].TLCLong || !man.Models[0].Check {
		t.Fatalf("loaded %+v; want check and tlc_long", man.Models[0])
	}
	var out strings.Builder
	if err := tlc.RunBatch(t.Context(), "no.jar", filepath.Dir(p), man, tlc.BatchOptions{}, &out); err != nil || out.Len() != 0 {
		t.Errorf("default batch: %v, output %q; want the long model left out", err, out.String())
	}
	for _, opt := range []tlc.BatchOptions{{All: true}, {Names: []string{"slow"}}} {
		out.Reset()
		err := tlc.RunBatch(t.Context(), "no.jar", filepath.Dir(p), man, opt, &out)
		if err == nil || !strings.Contains(err.Error()+out.String(), "slow") {
			t.Errorf("%+v: %v, output %q; want TLC run on slow (and fail without a jar)", opt, err, out.String())
		}
	}
}
