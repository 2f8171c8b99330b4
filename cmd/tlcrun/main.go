// Command tlcrun runs TLC on the models of tla/models.json.
//
//	tlcrun [-models tla/models.json] [-fail] [-all] [-j 2] [-record] [names...]
//
// Without -fail it checks the models TLC must pass (each must reach the
// recorded distinct-state count and depth); with -fail, the expected-failure
// models (each must violate exactly the recorded property). With no TLC jar
// it prints one line saying TLC was skipped, and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/checkedraft/checkedraft/internal/tlc"
)

func main() {
	models := flag.String("models", "tla/models.json", "the manifest of TLA+ models")
	fail := flag.Bool("fail", false, "run the expected-failure models instead of the passing ones")
	all := flag.Bool("all", false, "include models not part of make check (the large config)")
	par := flag.Int("j", 2, "TLC processes at once (each with one worker)")
	record := flag.Bool("record", false, "record TLC's figures in the manifest instead of comparing")
	flag.Parse()

	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Printf("TLC skipped: %v\n", err)
		return
	}
	man, err := tlc.LoadManifest(*models)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sel := tlc.Passing
	if *fail {
		sel = tlc.Failing
	}
	opt := tlc.BatchOptions{Select: sel, All: *all, Names: flag.Args(), Parallel: *par, Record: *record}
	err = tlc.RunBatch(context.Background(), jar, filepath.Dir(*models), man, opt, os.Stdout)
	if *record {
		if serr := man.Save(*models); serr != nil {
			fmt.Fprintln(os.Stderr, serr)
			os.Exit(1)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
