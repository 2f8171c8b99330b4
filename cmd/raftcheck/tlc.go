package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/checkedraft/checkedraft/internal/tlc"
)

// tlcCmd runs TLC on the models of tla/models.json: those that must pass
// (each must reach the recorded distinct-state count and depth) or, with
// -fail, the expected failures (each must violate exactly the recorded
// property). With no TLC jar it prints one line saying TLC was skipped, or
// fails if the environment has REQUIRE_TLC=1.
func tlcCmd(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("tlc", stderr)
	models := fs.String("models", "tla/models.json", "the manifest of TLA+ models")
	fail := fs.Bool("fail", false, "run the expected-failure models instead of the passing ones")
	all := fs.Bool("all", false, "include models not part of make check (the large config)")
	par := fs.Int("j", 2, "TLC processes at once (each with one worker)")
	record := fs.Bool("record", false, "record TLC's figures in the manifest instead of comparing")
	if err := fs.Parse(args); err != nil {
		return false, usageError{err}
	}
	load := tlc.LoadManifest
	if *record {
		load = tlc.LoadManifestToRecord // the figures are what it writes
	}
	man, err := load(*models)
	if err != nil {
		return false, usageError{err}
	}
	// The manifest is checked even where TLC is skipped.
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Fprintf(stdout, "TLC skipped: %v\n", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sel := tlc.Passing
	if *fail {
		sel = tlc.Failing
	}
	opt := tlc.BatchOptions{Select: sel, All: *all, Names: fs.Args(), Parallel: *par, Record: *record}
	err = tlc.RunBatch(context.Background(), jar, filepath.Dir(*models), man, opt, stdout)
	if *record {
		if serr := man.Save(*models); serr != nil {
			return false, serr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return true, nil
	}
	return false, nil
}
