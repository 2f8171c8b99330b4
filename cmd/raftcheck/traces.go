package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/traces"
)

// tracesCmd is trace conformance in both directions:
//
//	raftcheck traces gen       TLC generates behaviours of the spec into
//	                           traces/corpus (replayed by go test ./traces)
//	raftcheck traces validate  raft/ clusters write logs, TLC validates them
func tracesCmd(args []string, stdout, stderr io.Writer) (bool, error) {
	if len(args) == 0 {
		return false, usagef("traces: gen or validate?")
	}
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Fprintf(stdout, "TLC skipped: %v\n", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch args[0] {
	case "gen":
		return tracesGen(jar, args[1:], stdout, stderr)
	case "validate":
		return tracesValidate(jar, args[1:], stdout, stderr)
	}
	return false, usagef("traces: unknown command %q (gen or validate)", args[0])
}

func tracesGen(jar string, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("traces gen", stderr)
	tlaDir := fs.String("tla", "tla", "the folder of the TLA+ modules")
	out := fs.String("out", "traces/corpus", "the corpus folder")
	num := fs.Int("num", 25, "behaviours per config")
	depth := fs.Int("depth", 80, "states per behaviour")
	seed := fs.Int64("seed", 1, "TLC's simulation seed")
	if err := parseFlags(fs, args); err != nil {
		return false, err
	}
	coverage := map[string]map[string]int{}
	for _, name := range traces.SimConfigs {
		dir := filepath.Join(*out, name)
		n, err := traces.Generate(context.Background(), jar, *tlaDir, name, dir, traces.GenOptions{Num: *num, Depth: *depth, Seed: *seed})
		if err != nil {
			return false, err
		}
		fmt.Fprintf(stdout, "%-22s %3d behaviours\n", name, n)
		coverage[name] = map[string]int{}
		files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson.gz"))
		for _, f := range files {
			tr, err := traces.ReadNDJSON(f)
			if err != nil {
				return false, err
			}
			for _, st := range tr.Steps[1:] {
				coverage[name][st.Action]++
			}
		}
	}
	fmt.Fprintf(stdout, "\nactions in the corpus:\n%s", traces.CoverageTable(coverage))
	return false, nil
}

func tracesValidate(jar string, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("traces validate", stderr)
	tlaDir := fs.String("tla", "tla", "the folder of the TLA+ modules")
	runs := fs.Int("runs", 12, "runs per cluster shape")
	steps := fs.Int("steps", 400, "random actions per run")
	if err := parseFlags(fs, args); err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "validate-traces-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	shapes := []properties.Options{
		{N: 3}, {N: 3, PreVote: true}, {N: 3, CheckQuorum: true}, {N: 3, PreVote: true, CheckQuorum: true},
		{N: 3, PreVote: true, CheckQuorum: true, MaxEntriesPerMsg: 1},
	}
	failed := false
	lines, accepted := 0, 0
	for _, o := range shapes {
		for r := range *runs {
			path := filepath.Join(dir, fmt.Sprintf("run-%d.ndjson", r))
			n, err := traces.WriteRandomLog(path, o, uint64(r+1), *steps)
			if err != nil {
				return false, err
			}
			lines += n
			if err := traces.ValidateLog(context.Background(), jar, *tlaDir, path, o); err != nil {
				fmt.Fprintf(stdout, "REJECTED %v seed %d: %v\n", o, r+1, err)
				failed = true
				continue
			}
			accepted++
		}
		// A corrupted log must be rejected, at the corrupted line, for
		// every kind of corruption.
		path := filepath.Join(dir, "run-0.ndjson")
		var at []string
		for _, kind := range traces.Corruptions {
			bad, line, err := traces.CorruptLogAs(path, kind)
			if err != nil {
				return false, err
			}
			var ve *traces.ValidationError
			if err := traces.ValidateLog(context.Background(), jar, *tlaDir, bad, o); !errors.As(err, &ve) || ve.Line != line {
				fmt.Fprintf(stdout, "a log whose %s is corrupted at line %d was not rejected there: %v\n", kind, line, err)
				failed = true
			}
			at = append(at, fmt.Sprintf("%s@%d", kind, line))
		}
		fmt.Fprintf(stdout, "%-40v %d runs validated; corrupted logs rejected at their lines: %s\n", o, *runs, strings.Join(at, " "))
	}
	fmt.Fprintf(stdout, "TLC accepted %d of %d logs (%d lines)\n", accepted, len(shapes)**runs, lines)
	return failed, nil
}
