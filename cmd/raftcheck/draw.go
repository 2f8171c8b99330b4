package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/internal/draw"
	"github.com/checkedraft/checkedraft/spec"
	"github.com/checkedraft/checkedraft/traces"
)

// drawCmd draws a behaviour file as a message sequence chart:
//
//	raftcheck draw FILE [-o out.svg] [-property NAME] [-prevote[=BOOL]]
//
// FILE is a TLC -dumpTrace json counterexample or NDJSON states (the
// corpus, gzipped or not). The first violated property is found by checking
// the spec's properties along the behaviour (the PreVote-only ones when the
// behaviour shows PreVote, or as -prevote says), or only -property.
func drawCmd(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("draw", stderr)
	out := fs.String("o", "", "the SVG file to write (default: FILE's name with .svg, in the current directory)")
	property := fs.String("property", "", "check only this property (TLA+ name)")
	var preVote optBool
	fs.Var(&preVote, "prevote", "check the PreVote-only properties (default: if the behaviour shows PreVote)")
	// The file may come before, between or after the flags.
	var file string
	for {
		if err := fs.Parse(args); err != nil {
			return false, usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		if file != "" {
			return false, usagef("draw: one file at a time (%q and %q)", file, fs.Arg(0))
		}
		file, args = fs.Arg(0), fs.Args()[1:]
	}
	if file == "" {
		return false, usagef("draw: which file? (raftcheck draw FILE [-o out.svg])")
	}
	tr, err := traces.ReadAny(file)
	if err != nil {
		return false, usageError{err}
	}
	states, err := traces.States(tr)
	if err != nil {
		return false, usageError{err}
	}
	invs := spec.Invariants
	props := spec.ActionPropertiesFor(preVote.val || (!preVote.set && draw.UsesPreVote(states)))
	if *property != "" {
		invs, props = nil, nil
		if check, ok := spec.LookupInvariant(*property); ok {
			invs = []spec.NamedInvariant{{Name: *property, Check: check}}
		} else if check, ok := spec.LookupActionProperty(*property); ok {
			props = []spec.NamedActionProperty{{Name: *property, Check: check}}
		} else {
			return false, usagef("draw: no property %q in spec/", *property)
		}
	}
	chart, err := draw.FromTrace(filepath.Base(file), states)
	if err != nil {
		return false, usageError{fmt.Errorf("%s: %w", file, err)}
	}
	chart.Violation = draw.FindViolation(states, invs, props)
	if *out == "" {
		base := filepath.Base(file)
		for _, ext := range []string{".gz", ".json", ".ndjson"} {
			base = strings.TrimSuffix(base, ext)
		}
		*out = base + ".svg"
	}
	if err := writeChart(chart, *out); err != nil {
		return false, err
	}
	verdict := "no property is violated"
	if v := chart.Violation; v != nil {
		verdict = fmt.Sprintf("%s is violated at step %d", v.Property, v.Step+1)
	}
	fmt.Fprintf(stdout, "%s: %d states, %d servers; %s\nchart: %s\n", file, len(states), len(chart.Servers), verdict, *out)
	return false, nil
}

// writeChart renders the chart into path.
func writeChart(c *draw.Chart, path string) error {
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// drawViolation draws the explorer's counterexample into dir (the system's
// temporary directory if empty) and returns the file's path.
func drawViolation(name string, v *explore.Violation, dir string) (string, error) {
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "raftcheck-charts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	c, err := draw.FromTrace(fmt.Sprintf("model %s: %s is violated", name, v.Property), v.Trace)
	if err != nil {
		return "", err
	}
	c.Violation = &draw.Violation{Property: v.Property, Step: len(v.Trace) - 2, Detail: fmt.Sprint(v.Err)}
	path := filepath.Join(dir, "explore-"+name+".svg")
	return path, writeChart(c, path)
}
