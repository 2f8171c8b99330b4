package kv_test

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"
)

// recorder is a rapid.TB that keeps a failure instead of failing the test,
// so that the test can assert rapid found one, and what it was.
type recorder struct {
	name   string
	failed bool
	out    strings.Builder
}

type stopRun struct{}

func (r *recorder) Helper()                           {}
func (r *recorder) Name() string                      { return r.name }
func (r *recorder) Logf(format string, args ...any)   { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *recorder) Log(args ...any)                   { fmt.Fprintln(&r.out, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.Logf(format, args...); r.SkipNow() }
func (r *recorder) Skip(args ...any)                  { r.Log(args...); r.SkipNow() }
func (r *recorder) SkipNow()                          { panic(stopRun{}) }
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.failed = true; panic(stopRun{}) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

func (r *recorder) run(prop func(*rapid.T)) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stopRun); !ok {
				panic(p)
			}
		}
	}()
	rapid.Check(r, prop)
}

// caught runs the property run of shape s under a recorder, again and
// again (rapid's RAPID_CHECKS cases at a time, each time from a new seed)
// until it fails or maxCases cases ran, and returns the line of the
// Linearizable failure it found ("" if none) and the recorded output.
func caught(name string, s shape, steps, maxCases int) (line, out string) {
	checks := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			checks = n
		}
	}
	// At most 3 s of shrinking per failure (rapid's default is 30 s), and
	// no fail files: each search starts afresh rather than replaying the
	// failure a previous search found.
	if f := flag.Lookup("rapid.shrinktime"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > 3*time.Second {
			defer setFlag("rapid.shrinktime", "3s")()
		}
	}
	defer setFlag("rapid.nofailfile", "true")()
	for ran := 0; ran < maxCases; ran += checks {
		rec := &recorder{name: name}
		rec.run(func(rt *rapid.T) { runCase(rt, s, steps, newTally()) })
		out = rec.out.String()
		i := strings.Index(out, Linearizable+": porcupine finds")
		if !rec.failed {
			continue
		}
		if i < 0 {
			return "", out // a failure, but not porcupine's
		}
		line, _, _ = strings.Cut(out[i:], "\n")
		if j := strings.Index(out, "[rapid] failed after"); j >= 0 {
			after, _, _ := strings.Cut(out[j:], ":")
			if ran > 0 {
				after = fmt.Sprintf("%d cases before, then %s", ran, after)
			}
			line = fmt.Sprintf("(%s) %s", after, line)
		}
		return line, out
	}
	return "", out
}

// setFlag sets a flag of rapid's and returns what restores it.
func setFlag(name, value string) (restore func()) {
	f := flag.Lookup(name)
	if f == nil {
		return func() {}
	}
	old := f.Value.String()
	_ = flag.Set(name, value)
	return func() { _ = flag.Set(name, old) }
}
