// Command raftcheck runs the explorer (package explore) on the Go
// transcription of tla/Raft.tla (package model), on the project's models.
//
//	raftcheck explore [-config prevote|tla/X.cfg] [overrides] [-workers N] [-progress 10s]
//	raftcheck agree [-models tla/models.json] [-all] [-workers N] [MODEL...]
//	raftcheck speed [-config prevote|tla/X.cfg] [-workers N]
//	raftcheck tlc [-fail] [-all] [-j N] [-record] [MODEL...]
//	raftcheck tlc -simulate N [-depth N] [-seed N] MODEL...
//	raftcheck traces gen|validate
//	raftcheck draw FILE [-o out.svg]
//
// explore checks one model and prints a counterexample table on a
// violation (with -walk, on random behaviours instead of every state); agree runs every model of make check and compares with the
// figures TLC recorded in tla/models.json; speed measures distinct states
// per second of the explorer and of TLC on one model; tlc runs TLC itself on
// the models (make tlc, make tlc-mutants); traces generates the replay
// corpus with TLC, or has TLC validate logs of raft/ clusters; draw renders
// a counterexample or corpus trace as a message sequence chart (SVG), as
// explore does for its counterexample.
//
// Exit status: 0 if every property holds (explore) or every model agrees
// (agree), 1 on a violation or a disagreement, 2 on bad usage or input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/model"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1
	exitBadUsage = 2
)

// usageError is bad usage or input (exit 2).
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  raftcheck explore [-config NAME|FILE.cfg] [-servers N] [-max-term N] [-max-log N]
                    [-max-inflight N] [-max-copies N] [-max-cut N] [-restart[=BOOL]]
                    [-batch N] [-prevote[=BOOL]] [-checkquorum[=BOOL]]
                    [-workers N] [-progress DURATION] [-models FILE] [-draw DIR]
                    [-memory GiB] [-expect-states N] [-tmp DIR] [-record]
                    [-walk N [-depth N] [-seed N]]
  raftcheck agree   [-models tla/models.json] [-all] [-workers N] [MODEL...]
  raftcheck speed   [-config NAME|FILE.cfg] [-workers N] [-models FILE]
  raftcheck tlc     [-models tla/models.json] [-fail] [-all] [-j N] [-record] [MODEL...]
  raftcheck tlc     -simulate N [-depth N] [-seed N] MODEL...
  raftcheck traces  gen [-num N] [-depth N] [-seed N] | validate [-runs N] [-steps N]
  raftcheck draw    FILE [-o out.svg] [-property NAME] [-prevote[=BOOL]]
`

// run is the command with its arguments and streams; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadUsage
	}
	var err error
	var failed bool
	switch args[0] {
	case "explore":
		failed, err = exploreCmd(args[1:], stdout, stderr)
	case "agree":
		failed, err = agree(args[1:], stdout, stderr)
	case "speed":
		failed, err = speed(args[1:], stdout, stderr)
	case "tlc":
		failed, err = tlcCmd(args[1:], stdout, stderr)
	case "traces":
		failed, err = tracesCmd(args[1:], stdout, stderr)
	case "draw":
		failed, err = drawCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "raftcheck: unknown command %q\n%s", args[0], usage)
		return exitBadUsage
	}
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "raftcheck: %v\n", err)
		return exitBadUsage
	case err != nil:
		fmt.Fprintf(stderr, "raftcheck: %v\n", err)
		return exitFailed
	case failed:
		return exitFailed
	}
	return exitOK
}

// optBool is a boolean flag that remembers whether it was given.
type optBool struct{ set, val bool }

func (b *optBool) String() string {
	if b == nil || !b.set {
		return "unset"
	}
	return strconv.FormatBool(b.val)
}

func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.val = true, v
	return nil
}

func (b *optBool) IsBoolFlag() bool { return true }

// newFlagSet is a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("raftcheck "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	return nil
}

// findManifest returns path if given, else tla/models.json in the current
// directory or the nearest parent that has one.
func findManifest(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "tla", "models.json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", usagef("no tla/models.json here or in a parent directory (use -models)")
		}
		dir = parent
	}
}

// resolved is a model to run: its config file and, if known, its entry in
// the manifest.
type resolved struct {
	name    string
	cfgPath string
	entry   *tlc.Model
}

// resolveModel turns -config into a config file: a path to a .cfg file, or
// the name of a model in the manifest.
func resolveModel(name, models string) (resolved, error) {
	isPath := strings.HasSuffix(name, ".cfg") || strings.ContainsRune(name, os.PathSeparator)
	manPath, merr := findManifest(models)
	var man *tlc.Manifest
	if merr == nil {
		var err error
		if man, err = tlc.LoadManifest(manPath); err != nil && !isPath {
			return resolved{}, usageError{err}
		}
	}
	if isPath {
		if _, err := os.Stat(name); err != nil {
			return resolved{}, usageError{err}
		}
		r := resolved{name: strings.TrimSuffix(filepath.Base(name), ".cfg"), cfgPath: name}
		if man != nil {
			for i := range man.Models {
				if m := &man.Models[i]; m.Config == filepath.Base(name) {
					r.name, r.entry = m.Name, m
				}
			}
		}
		return r, nil
	}
	if merr != nil {
		return resolved{}, merr
	}
	m, ok := man.Find(name)
	if !ok {
		var names []string
		for _, m := range man.Models {
			names = append(names, m.Name)
		}
		return resolved{}, usagef("no model %q in %s (models: %s)", name, manPath, strings.Join(names, ", "))
	}
	return resolved{name: m.Name, cfgPath: filepath.Join(filepath.Dir(manPath), m.Config), entry: m}, nil
}

// openModel resolves -config and parses the config it names.
func openModel(name, models string) (resolved, model.Config, error) {
	r, err := resolveModel(name, models)
	if err != nil {
		return r, model.Config{}, err
	}
	cfg, err := model.ParseConfig(r.cfgPath)
	if err != nil {
		return r, cfg, usageError{err}
	}
	return r, cfg, nil
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func exploreCmd(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("explore", stderr)
	config := fs.String("config", "prevote", "a tla/*.cfg file, or the name of a model in tla/models.json")
	models := fs.String("models", "", "the manifest of models (default: tla/models.json here or above)")
	servers := fs.Int("servers", -1, "number of servers (overrides Server)")
	maxTerm := fs.Int("max-term", -1, "override MaxTerm")
	maxLog := fs.Int("max-log", -1, "override MaxLogLen")
	maxInFlight := fs.Int("max-inflight", -1, "override MaxInFlight")
	maxCopies := fs.Int("max-copies", -1, "override MaxCopies")
	maxCut := fs.Int("max-cut", -1, "override MaxCutLinks")
	batch := fs.Int("batch", -1, "override MaxBatch")
	var restart, preVote, checkQuorum optBool
	fs.Var(&restart, "restart", "override AllowRestart")
	fs.Var(&preVote, "prevote", "override PreVote")
	fs.Var(&checkQuorum, "checkquorum", "override CheckQuorum")
	workers := fs.Int("workers", 0, "goroutines generating successors (default: all cores)")
	progress := fs.Duration("progress", 10*time.Second, "interval of progress lines (0: none)")
	memory := fs.Float64("memory", 0, "memory limit in GiB (default: the memory available)")
	expect := fs.Int64("expect-states", 0, "size the fingerprint set for this many states from the start")
	tempDir := fs.String("tmp", "", "where BFS levels and the file of parents go (default: $TMPDIR)")
	record := fs.Bool("record", false, `record the figures of a passing run in the manifest ("recorded_by": "explorer"), for a config too large for TLC`)
	drawDir := fs.String("draw", "", "where to write the counterexample's chart (default: $TMPDIR/raftcheck-charts)")
	walks := fs.Int("walk", 0, "check random behaviours instead of every state: this many walks (TLC's -simulate num=N)")
	depth := fs.Int("depth", 100, "with -walk: the most states of a walk (TLC's -depth)")
	seed := fs.Uint64("seed", 1, "with -walk: the random seed")
	if err := parseFlags(fs, args); err != nil {
		return false, err
	}
	if *walks < 0 || *depth < 1 {
		return false, usagef("-walk %d -depth %d: the walks must be at least 0 and the depth at least 1", *walks, *depth)
	}
	r, cfg, err := openModel(*config, *models)
	if err != nil {
		return false, err
	}
	if *record {
		overridden := *walks > 0 || restart.set || preVote.set || checkQuorum.set
		for _, v := range []int{*servers, *maxTerm, *maxLog, *maxInFlight, *maxCopies, *maxCut, *batch} {
			overridden = overridden || v >= 0
		}
		if overridden {
			return false, usagef("-record records the cfg's own figures: it takes no -walk and no override of the cfg's constants")
		}
		if r.entry != nil && r.entry.RecordedBy != tlc.RecordedByExplorer {
			return false, usagef("-record: %s has TLC's figures in the manifest; the explorer does not overwrite them", r.name)
		}
	}
	if *servers >= 0 {
		if cfg, err = cfg.WithServers(*servers); err != nil {
			return false, usageError{err}
		}
	}
	for _, o := range []struct {
		v   int
		dst *int
	}{
		{*maxTerm, &cfg.MaxTerm}, {*maxLog, &cfg.MaxLogLen}, {*maxInFlight, &cfg.MaxInFlight},
		{*maxCopies, &cfg.MaxCopies}, {*maxCut, &cfg.MaxCutLinks}, {*batch, &cfg.MaxBatch},
	} {
		if o.v >= 0 {
			*o.dst = o.v
		}
	}
	for _, o := range []struct {
		v   optBool
		dst *bool
	}{{restart, &cfg.AllowRestart}, {preVote, &cfg.PreVote}, {checkQuorum, &cfg.CheckQuorum}} {
		if o.v.set {
			*o.dst = o.v.val
		}
	}
	if err := cfg.Validate(); err != nil {
		return false, usageError{err}
	}
	fmt.Fprintf(stdout, "model %s (%s)\n%v\n", r.name, r.cfgPath, cfg)
	if *walks > 0 {
		return walk(r, cfg, explore.WalkOptions{Walks: *walks, Depth: *depth, Seed: *seed}, *drawDir, stdout)
	}
	if *memory < 0 || *expect < 0 {
		return false, usagef("-memory %v -expect-states %d: neither may be negative", *memory, *expect)
	}
	res, err := explore.Explore(cfg, explore.Options{Workers: *workers, Progress: *progress, Log: stdout,
		MemoryLimit: uint64(*memory * (1 << 30)), ExpectedStates: *expect, TempDir: *tempDir})
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "%d distinct states, %d generated, depth %d\n", res.Distinct, res.Generated, res.Depth)
	fmt.Fprintf(stdout, "%.2fs, %.0f distinct states/s; fingerprint set %s (%.1f bytes/state), peak heap %s, max RSS %s (%.1f bytes/state)\n",
		res.Elapsed.Seconds(), res.StatesPerSecond(), mib(res.SetBytes), res.BytesPerState(), mib(res.PeakHeap), mib(res.MaxRSS),
		float64(res.MaxRSS)/float64(max(res.Distinct, 1)))
	if res.Violation != nil {
		return true, reportViolation(r.name, res.Violation, *drawDir, stdout)
	}
	fmt.Fprintln(stdout, "every invariant and property holds")
	if *record {
		return false, recordExplorer(r, *models, res, stdout)
	}
	return false, nil
}

// recordExplorer writes a passing run's figures into the manifest as the
// explorer's, adding an entry for the cfg if it has none.
func recordExplorer(r resolved, models string, res *explore.Result, stdout io.Writer) error {
	manPath, err := findManifest(models)
	if err != nil {
		return err
	}
	man, err := tlc.LoadManifestToRecord(manPath)
	if err != nil {
		return err
	}
	var m *tlc.Model
	for i := range man.Models {
		if man.Models[i].Config == filepath.Base(r.cfgPath) {
			m = &man.Models[i]
		}
	}
	if m == nil {
		if filepath.Dir(r.cfgPath) != filepath.Dir(manPath) {
			return usagef("-record: %s is not next to %s", r.cfgPath, manPath)
		}
		name := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(r.cfgPath), ".cfg"), "MCRaft_")
		man.Models = append(man.Models, tlc.Model{Name: name, Module: "MCRaft", Config: filepath.Base(r.cfgPath), Expect: "pass"})
		m = &man.Models[len(man.Models)-1]
	}
	m.Distinct, m.Generated, m.Depth = res.Distinct, res.Generated, res.Depth
	m.RecordedBy, m.ExplorerSeconds, m.Check = tlc.RecordedByExplorer, float64(res.Elapsed.Milliseconds())/1000, false
	if err := man.Save(manPath); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %s in %s (recorded_by explorer)\n", m.Name, manPath)
	return nil
}

// reportViolation prints a counterexample's table and draws its chart.
func reportViolation(name string, v *explore.Violation, drawDir string, stdout io.Writer) error {
	fmt.Fprintln(stdout)
	if err := v.WriteTable(stdout); err != nil {
		return err
	}
	path, err := drawViolation(name, v, drawDir)
	if err != nil {
		return fmt.Errorf("drawing the counterexample: %w", err)
	}
	fmt.Fprintf(stdout, "\nchart: %s\n", path)
	return nil
}

// walk is explore -walk: random behaviours of the model, each state's
// successors checked (explore.Walk), the cross-check of a config too large
// for TLC's exhaustive search next to TLC's simulation mode.
func walk(r resolved, cfg model.Config, opt explore.WalkOptions, drawDir string, stdout io.Writer) (bool, error) {
	res, err := explore.Walk(cfg, opt)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "%d walks of at most %d states (seed %d): %d steps, %d successors checked, longest %d states, %d ended with no step enabled\n",
		res.Walks, opt.Depth, opt.Seed, res.Steps, res.Checked, res.Longest, res.Deadlocked)
	fmt.Fprintf(stdout, "%.2fs\n", res.Elapsed.Seconds())
	if res.Violation != nil {
		fmt.Fprintf(stdout, "%s violated on walk %d\n", res.Violation.Property, res.Walks)
		return true, reportViolation(r.name, res.Violation, drawDir, stdout)
	}
	fmt.Fprintln(stdout, "every invariant and property holds on every walk")
	return false, nil
}
