package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

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
	simulate := fs.Int("simulate", 0, "run TLC's simulation mode with this many behaviours on the named models (-simulate num=N)")
	depth := fs.Int("depth", 100, "with -simulate: the most states of a behaviour")
	seed := fs.Int64("seed", 1, "with -simulate: TLC's seed")
	if err := fs.Parse(args); err != nil {
		return false, usageError{err}
	}
	if *simulate < 0 || *simulate > 0 && (fs.NArg() == 0 || *record || *fail || *depth < 1) {
		return false, usagef("-simulate N takes N >= 1, -depth >= 1 and the names of passing models, without -record or -fail")
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
	if *simulate > 0 {
		return simulateCmd(jar, man, *models, fs.Args(), *simulate, *depth, *seed, stdout)
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

// simulateCmd runs TLC's simulation mode on each named model: num random
// behaviours of at most depth states, every invariant and action property
// of the cfg checked on them. It fails if TLC finds a violation or does not
// finish normally.
func simulateCmd(jar string, man *tlc.Manifest, models string, names []string, num, depth int, seed int64, stdout io.Writer) (bool, error) {
	failed := false
	for _, name := range names {
		m, ok := man.Find(name)
		if !ok || m.Expect != "pass" {
			return false, usagef("%q is not a passing model of %s", name, models)
		}
		args := []string{"-simulate", fmt.Sprintf("num=%d", num), "-depth", fmt.Sprint(depth), "-seed", fmt.Sprint(seed)}
		res, err := tlc.Run(context.Background(), jar, filepath.Dir(models), m.Module, m.Config, tlc.Options{Args: args})
		if err != nil {
			return false, err
		}
		verdict := "ok"
		if res.ExitCode != tlc.ExitOK || res.Violated != "" {
			verdict, failed = "FAIL", true
		}
		fmt.Fprintf(stdout, "%-28s %-4s TLC -simulate num=%d -depth %d -seed %d: %s  %.1fs\n",
			m.Name, verdict, num, depth, seed, simulationFigures(res.Output), res.Seconds)
		if failed {
			fmt.Fprintln(stdout, res.Output)
			return true, nil
		}
	}
	return false, nil
}

var reSimulated = regexp.MustCompile(`(?m)^The number of states generated: ([\d,]+)|([\d,]+) states checked, ([\d,]+) traces generated`)

// simulationFigures is what TLC's simulation mode says it did: the states it
// generated and the behaviours.
func simulationFigures(out string) string {
	var parts []string
	for _, m := range reSimulated.FindAllStringSubmatch(out, -1) {
		if m[1] != "" {
			parts = append(parts, m[1]+" states generated")
		} else {
			parts = append(parts, m[2]+" states checked, "+m[3]+" traces")
		}
	}
	if len(parts) == 0 {
		return "(no figures in TLC's output)"
	}
	return strings.Join(parts[max(0, len(parts)-2):], "; ")
}
