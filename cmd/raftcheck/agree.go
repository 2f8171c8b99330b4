package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/internal/tlc"
)

// agreeAll checks every selected model and prints the table; it reports
// whether any model disagrees.
func agreeAll(manPath string, all bool, names []string, workers int, w io.Writer) (bool, error) {
	man, err := tlc.LoadManifest(manPath)
	if err != nil {
		return false, usageError{err}
	}
	for _, n := range names {
		if _, ok := man.Find(n); !ok {
			return false, usagef("no model %q in %s", n, manPath)
		}
	}
	dir := filepath.Dir(manPath)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\texpect\tTLC distinct\texplorer distinct\tTLC depth/trace\texplorer depth/trace\ttime\tdistinct/s\tverdict")
	disagree := 0
	ran := 0
	for i := range man.Models {
		m := &man.Models[i]
		if !m.Check && !all || len(names) > 0 && !slices.Contains(names, m.Name) {
			continue
		}
		ran++
		a, err := explore.CheckModel(dir, m, explore.Options{Workers: workers})
		if err != nil {
			a.Problem = err.Error()
		}
		tlcDistinct, ourDistinct, tlcDepth, ourDepth := "-", "-", "-", "-"
		elapsed, rate := "-", "-"
		if m.Expect == "pass" {
			tlcDistinct, tlcDepth = fmt.Sprint(m.Distinct), fmt.Sprint(m.Depth)
		} else {
			tlcDepth = fmt.Sprintf("trace %d", m.TraceLength)
		}
		if a.Result != nil {
			ourDistinct = fmt.Sprint(a.Result.Distinct)
			ourDepth = fmt.Sprint(a.Result.Depth)
			if v := a.Result.Violation; v != nil {
				ourDepth = fmt.Sprintf("trace %d", len(v.Trace))
			}
			elapsed = fmt.Sprintf("%.2fs", a.Result.Elapsed.Seconds())
			rate = fmt.Sprintf("%.0f", a.Result.StatesPerSecond())
		}
		verdict := "agree"
		if m.RecordedBy == tlc.RecordedByExplorer {
			verdict = "agree (figures recorded by the explorer)"
		}
		if a.Problem != "" {
			verdict = "DISAGREE: " + a.Problem
			disagree++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Expect, tlcDistinct, ourDistinct, tlcDepth, ourDepth, elapsed, rate, verdict)
	}
	if err := tw.Flush(); err != nil {
		return false, err
	}
	if disagree > 0 {
		fmt.Fprintf(w, "%d of %d models disagree with TLC\n", disagree, ran)
		return true, nil
	}
	fmt.Fprintf(w, "all %d models agree with TLC (or, where recorded_by is explorer, with the explorer's recorded figures)\n", ran)
	return false, nil
}

func agree(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("agree", stderr)
	models := fs.String("models", "", "the manifest of models (default: tla/models.json here or above)")
	all := fs.Bool("all", false, `include the models with "check": false (the large and scope configs)`)
	workers := fs.Int("workers", 0, "goroutines generating successors (default: all cores)")
	if err := fs.Parse(args); err != nil {
		return false, usageError{err}
	}
	manPath, err := findManifest(*models)
	if err != nil {
		return false, err
	}
	return agreeAll(manPath, *all, fs.Args(), *workers, stdout)
}

func speed(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlagSet("speed", stderr)
	config := fs.String("config", "prevote", "a tla/*.cfg file, or the name of a model in tla/models.json")
	models := fs.String("models", "", "the manifest of models (default: tla/models.json here or above)")
	workers := fs.Int("workers", 0, "goroutines generating successors (default: all cores)")
	if err := parseFlags(fs, args); err != nil {
		return false, err
	}
	r, cfg, err := openModel(*config, *models)
	if err != nil {
		return false, err
	}
	res, err := explore.Explore(cfg, explore.Options{Workers: *workers})
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "model %s (%s)\n", r.name, r.cfgPath)
	fmt.Fprintf(stdout, "explorer: %d distinct states in %.2fs: %.0f distinct states/s\n",
		res.Distinct, res.Elapsed.Seconds(), res.StatesPerSecond())
	if *workers != 1 {
		one, err := explore.Explore(cfg, explore.Options{Workers: 1})
		if err != nil {
			return false, err
		}
		fmt.Fprintf(stdout, "explorer, 1 worker: %.2fs: %.0f distinct states/s\n", one.Elapsed.Seconds(), one.StatesPerSecond())
	}
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Fprintf(stdout, "TLC skipped: %v\n", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	module := "MCRaft"
	if r.entry != nil {
		module = r.entry.Module
	} else if base := filepath.Base(r.cfgPath); strings.HasPrefix(base, "Mut") {
		module = strings.TrimSuffix(base, ".cfg")
	}
	tr, err := tlc.Run(context.Background(), jar, filepath.Dir(r.cfgPath), module, filepath.Base(r.cfgPath), tlc.Options{})
	if err != nil {
		return false, err
	}
	if tr.Distinct == 0 || tr.Seconds <= 0 {
		return false, fmt.Errorf("TLC reported no states (exit %d)", tr.ExitCode)
	}
	tlcRate := float64(tr.Distinct) / tr.Seconds
	fmt.Fprintf(stdout, "TLC (1 worker): %d distinct states in %.2fs (wall, JVM start included): %.0f distinct states/s\n",
		tr.Distinct, tr.Seconds, tlcRate)
	if tr.Distinct != res.Distinct {
		fmt.Fprintf(stdout, "note: TLC found %d distinct states, the explorer %d\n", tr.Distinct, res.Distinct)
	}
	fmt.Fprintf(stdout, "ratio: explorer/TLC = %.1fx\n", res.StatesPerSecond()/tlcRate)
	return false, nil
}
