package tlc

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Selection says which models of a manifest a batch runs.
type Selection int

const (
	// Passing selects the models TLC must check without finding a
	// violation.
	Passing Selection = iota
	// Failing selects the expected-failure models (mutants and configs
	// where a property must fail).
	Failing
)

// BatchOptions configure RunBatch.
type BatchOptions struct {
	Select Selection
	// All includes the models with "check": false and those with
	// "tlc_long": true.
	All bool
	// Names, if set, restricts the batch to these models.
	Names []string
	// Parallel is how many TLC processes run at once (each with one
	// worker); 0 means 1.
	Parallel int
	// Record copies the figures of every run into the manifest instead of
	// comparing with them.
	Record bool
}

// RunBatch runs TLC on the selected models of a manifest whose files are in
// dir, prints one line per model to w, and returns an error listing every
// model whose result disagrees with what the manifest expects.
func RunBatch(ctx context.Context, jar, dir string, man *Manifest, opt BatchOptions, w io.Writer) error {
	var todo []*Model
	for i := range man.Models {
		m := &man.Models[i]
		if (m.Expect == "pass") != (opt.Select == Passing) || (!m.Check || m.TLCLong) && !opt.All && len(opt.Names) == 0 {
			continue
		}
		if len(opt.Names) > 0 && !contains(opt.Names, m.Name) {
			continue
		}
		if m.RecordedBy == RecordedByExplorer && !(opt.Record && len(opt.Names) > 0) {
			// TLC cannot finish it here: run only when asked by name to
			// record TLC's figures.
			if len(opt.Names) > 0 {
				return fmt.Errorf("%s: its figures are the explorer's (TLC cannot finish it here); TLC runs it only to record its figures (-record %s)", m.Name, m.Name)
			}
			continue
		}
		todo = append(todo, m)
	}
	if len(opt.Names) > 0 && len(todo) != len(opt.Names) {
		return fmt.Errorf("some of the models %v are not in the manifest or not of this selection", opt.Names)
	}
	par := max(opt.Parallel, 1)
	type outcome struct {
		res *Result
		err error
	}
	results := make([]outcome, len(todo))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, m := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := Run(ctx, jar, dir, m.Module, m.Config, Options{})
			if err == nil && !opt.Record {
				err = m.Verdict(res)
			}
			results[i] = outcome{res, err}
			mu.Lock()
			defer mu.Unlock()
			report(w, m, res, err)
		}()
	}
	wg.Wait()
	var failed []string
	for i, m := range todo {
		if results[i].err != nil {
			failed = append(failed, results[i].err.Error())
			continue
		}
		if opt.Record {
			if m.Expect != "pass" && results[i].res.Violated != m.Expect {
				failed = append(failed, fmt.Sprintf("%s: expected %s violated, TLC found %q", m.Name, m.Expect, results[i].res.Violated))
				continue
			}
			if m.Expect == "pass" && results[i].res.ExitCode != ExitOK {
				failed = append(failed, fmt.Sprintf("%s: TLC exited %d", m.Name, results[i].res.ExitCode))
				continue
			}
			m.Record(results[i].res)
		}
	}
	if len(failed) > 0 {
		msg := fmt.Sprintf("%d of %d TLC runs disagree with tla/models.json:", len(failed), len(todo))
		for _, f := range failed {
			msg += "\n  " + f
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

func report(w io.Writer, m *Model, r *Result, err error) {
	verdict := "ok"
	if err != nil {
		verdict = "FAIL"
	}
	if r == nil {
		fmt.Fprintf(w, "%-30s %s: %v\n", m.Name, verdict, err)
		return
	}
	if m.Expect == "pass" {
		fmt.Fprintf(w, "%-30s %-4s %10d distinct  depth %3d  %6.1fs\n", m.Name, verdict, r.Distinct, r.Depth, r.Seconds)
	} else {
		fmt.Fprintf(w, "%-30s %-4s violates %-26s in %2d states  %6.1fs\n", m.Name, verdict, r.Violated, r.TraceLength, r.Seconds)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
