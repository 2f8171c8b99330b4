// Package tlc runs the TLC model checker on the project's TLA+ models and
// reads its results, and keeps the manifest of models (tla/models.json) with
// the figures TLC recorded for each.
package tlc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Model is one entry of tla/models.json: a TLA+ module and config, what TLC
// must conclude, and the figures TLC recorded.
type Model struct {
	Name   string `json:"name"`
	Module string `json:"module"`
	Config string `json:"config"`
	// Expect is "pass", or the name of the property TLC must find violated.
	Expect string `json:"expect"`
	// Mutation names the seeded bug of a mutant module ("" for none).
	Mutation string `json:"mutation,omitempty"`
	// Check: part of make check (false for long runs).
	Check bool `json:"check"`
	// TLCLong: TLC takes minutes on this model, so make check leaves it to
	// the explorer's agreement check (make agree, which reaches TLC's
	// recorded figures in seconds) and TLC runs it only with -all (make
	// tlc-long).
	TLCLong bool `json:"tlc_long,omitempty"`
	// For pass models: distinct states, states generated, BFS depth.
	Distinct  int64 `json:"distinct,omitempty"`
	Generated int64 `json:"generated,omitempty"`
	Depth     int   `json:"depth,omitempty"`
	// For expected failures: states in TLC's (shortest) counterexample,
	// the initial state included.
	TraceLength int `json:"trace_length,omitempty"`
	// TLCSeconds is TLC's wall time with one worker when recorded.
	TLCSeconds float64 `json:"tlc_seconds,omitempty"`
	// RecordedBy says who recorded the figures: "" for TLC, or
	// RecordedByExplorer for a passing model too large for TLC to finish
	// here, whose figures are the explorer's exhaustive search (TLC's
	// simulation mode cross-checks it instead). raftcheck tlc runs TLC on
	// such a model only when asked to record it by name, and then the
	// figures become TLC's.
	RecordedBy string `json:"recorded_by,omitempty"`
	// ExplorerSeconds is the explorer's wall time when it recorded the
	// figures (RecordedByExplorer only).
	ExplorerSeconds float64 `json:"explorer_seconds,omitempty"`
}

// RecordedByExplorer is Model.RecordedBy for figures of the explorer.
const RecordedByExplorer = "explorer"

// Manifest is tla/models.json.
type Manifest struct {
	TLC struct {
		Version string `json:"version"`
		Workers int    `json:"workers"`
	} `json:"tlc"`
	Models []Model `json:"models"`
}

// LoadManifest reads a manifest and checks every entry: a name, module,
// config and expectation, and the figures TLC recorded for it (distinct
// states, states generated and depth for a model that must pass, the
// counterexample's length for an expected failure). The error names the
// file and the entry at fault.
func LoadManifest(path string) (*Manifest, error) {
	return load(path, true)
}

// LoadManifestToRecord reads a manifest like LoadManifest but accepts entries
// without figures: it is for raftcheck tlc -record, which runs TLC on them and
// writes the figures in.
func LoadManifestToRecord(path string) (*Manifest, error) {
	return load(path, false)
}

func load(path string, figures bool) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, mo := range m.Models {
		if mo.Name == "" || mo.Module == "" || mo.Config == "" || mo.Expect == "" {
			return nil, fmt.Errorf("%s: model %d (%q) lacks a name, module, config or expect", path, i, mo.Name)
		}
		switch {
		case mo.RecordedBy != "" && mo.RecordedBy != RecordedByExplorer:
			return nil, fmt.Errorf("%s: model %d (%q): recorded_by %q, want %q or nothing (TLC)", path, i, mo.Name, mo.RecordedBy, RecordedByExplorer)
		case mo.RecordedBy == RecordedByExplorer && (mo.Expect != "pass" || mo.Check):
			return nil, fmt.Errorf("%s: model %d (%q): only a passing model outside make check (\"check\": false) may have figures recorded by the explorer", path, i, mo.Name)
		}
		if !figures {
			continue
		}
		if missing := mo.missingFigures(); len(missing) > 0 {
			return nil, fmt.Errorf("%s: model %d (%q) has no TLC figures for %s (record them with make tlc-record)",
				path, i, mo.Name, strings.Join(missing, ", "))
		}
	}
	return &m, nil
}

// missingFigures lists the figures TLC must have recorded for the model and
// that are absent (zero).
func (m *Model) missingFigures() []string {
	var missing []string
	if m.Expect == "pass" {
		if m.Distinct <= 0 {
			missing = append(missing, "distinct")
		}
		if m.Generated <= 0 {
			missing = append(missing, "generated")
		}
		if m.Depth <= 0 {
			missing = append(missing, "depth")
		}
	} else if m.TraceLength <= 0 {
		missing = append(missing, "trace_length")
	}
	return missing
}

// Save writes the manifest back, indented.
func (m *Manifest) Save(path string) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// Find returns the model named name.
func (m *Manifest) Find(name string) (*Model, bool) {
	for i := range m.Models {
		if m.Models[i].Name == name {
			return &m.Models[i], true
		}
	}
	return nil, false
}

// ErrNoTLC says why TLC cannot run here: a TLC step that gets it is
// skipped.
var ErrNoTLC = errors.New("no TLC")

// ErrRequired says that TLC cannot run here although the environment
// requires it (REQUIRE_TLC=1): a TLC step that gets it fails. It is never
// returned together with ErrNoTLC.
var ErrRequired = errors.New("TLC is required (REQUIRE_TLC=1) but cannot run")

// Jar returns the path of tla2tools.jar: $TLA2TOOLS_JAR, or
// $HOME/.tla/tla2tools.jar. If there is no jar or no java it returns an
// error saying why (and where the jar was looked for) that wraps ErrNoTLC,
// or, when the environment has REQUIRE_TLC=1, ErrRequired instead.
func Jar() (string, error) {
	required := false
	switch v := os.Getenv("REQUIRE_TLC"); v {
	case "", "0":
	case "1":
		required = true
	default:
		return "", fmt.Errorf("REQUIRE_TLC=%q: want 1 (TLC must run) or 0 or unset (TLC steps may be skipped)", v)
	}
	jar, why := findJar()
	switch {
	case why == "":
		return jar, nil
	case required:
		return "", fmt.Errorf("%w: %s", ErrRequired, why)
	default:
		return "", fmt.Errorf("%w: %s", ErrNoTLC, why)
	}
}

// findJar returns the jar, or says why TLC cannot run.
func findJar() (jar, why string) {
	jar = os.Getenv("TLA2TOOLS_JAR")
	if jar == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "TLA2TOOLS_JAR is unset and the home directory is unknown"
		}
		jar = filepath.Join(home, ".tla", "tla2tools.jar")
	}
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Sprintf("no jar at %s (set TLA2TOOLS_JAR)", jar)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", fmt.Sprintf("java is not on PATH (jar %s)", jar)
	}
	return jar, ""
}

// Result is what one TLC run concluded.
type Result struct {
	ExitCode  int
	Distinct  int64
	Generated int64
	Depth     int
	// Violated is the name of the invariant or action property TLC found
	// violated ("" if none).
	Violated string
	// TraceLength counts the states of the counterexample printed.
	TraceLength int
	Seconds     float64
	Output      string
}

// Exit codes of TLC (measured; see ../shared/TLC.md).
const (
	ExitOK        = 0
	ExitInvariant = 12
	ExitProperty  = 13
)

var (
	reCounts   = regexp.MustCompile(`([\d,]+) states generated, ([\d,]+) distinct states found`)
	reDepth    = regexp.MustCompile(`depth of the complete state graph search is (\d+)`)
	reViolated = regexp.MustCompile(`(?:Invariant|Action property) (\w+) is violated`)
	reState    = regexp.MustCompile(`(?m)^State \d+:`)
)

// Options are extra TLC arguments.
type Options struct {
	// Args are appended to TLC's command line (for example -simulate).
	Args []string
	// Timeout stops TLC (0: none).
	Timeout time.Duration
}

// Run checks one module of dir with one config (a path relative to dir, or
// absolute), with one worker and a temporary metadir, and parses the output.
func Run(ctx context.Context, jar, dir, module, config string, opt Options) (*Result, error) {
	meta, err := os.MkdirTemp("", "tlc-meta-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(meta)
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(config) {
		config = filepath.Join(absDir, config)
	}
	args := []string{"-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", "1",
		"-config", config, "-metadir", meta, "-noGenerateSpecTE"}
	args = append(args, opt.Args...)
	args = append(args, filepath.Join(absDir, module+".tla"))
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Dir = absDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	res := &Result{Seconds: time.Since(start).Seconds(), Output: out.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		return nil, fmt.Errorf("running TLC on %s with %s: %w", module, config, err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("TLC on %s with %s: %w", module, config, ctx.Err())
	}
	parse(res)
	return res, nil
}

func parse(r *Result) {
	if m := reCounts.FindAllStringSubmatch(r.Output, -1); len(m) > 0 {
		last := m[len(m)-1]
		r.Generated = atoi64(last[1])
		r.Distinct = atoi64(last[2])
	}
	if m := reDepth.FindStringSubmatch(r.Output); m != nil {
		r.Depth, _ = strconv.Atoi(m[1])
	}
	if m := reViolated.FindStringSubmatch(r.Output); m != nil {
		r.Violated = m[1]
		r.TraceLength = len(reState.FindAllString(r.Output, -1))
	}
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	return n
}

// Verdict compares a result with what the model expects and with the
// figures recorded for it; it returns nil if they agree.
func (m *Model) Verdict(r *Result) error {
	if m.Expect == "pass" {
		if r.ExitCode != ExitOK {
			if r.Violated != "" {
				return fmt.Errorf("%s: TLC found %s violated (exit %d)", m.Name, r.Violated, r.ExitCode)
			}
			return fmt.Errorf("%s: TLC exited %d:\n%s", m.Name, r.ExitCode, tail(r.Output, 30))
		}
		if r.Distinct != m.Distinct || r.Depth != m.Depth {
			return fmt.Errorf("%s: TLC found %d distinct states at depth %d, tla/models.json records %d at depth %d (the spec changed: re-record with make tlc-record)",
				m.Name, r.Distinct, r.Depth, m.Distinct, m.Depth)
		}
		return nil
	}
	if r.Violated != m.Expect {
		if r.Violated == "" {
			return fmt.Errorf("%s: TLC did not find the expected violation of %s (exit %d)", m.Name, m.Expect, r.ExitCode)
		}
		return fmt.Errorf("%s: TLC found %s violated, expected %s", m.Name, r.Violated, m.Expect)
	}
	if r.TraceLength != m.TraceLength {
		return fmt.Errorf("%s: TLC's counterexample has %d states, tla/models.json records %d", m.Name, r.TraceLength, m.TraceLength)
	}
	return nil
}

// Record copies a result's figures into the model.
func (m *Model) Record(r *Result) {
	m.TLCSeconds = float64(int(r.Seconds*10+0.5)) / 10
	m.RecordedBy, m.ExplorerSeconds = "", 0
	if m.Expect == "pass" {
		m.Distinct, m.Generated, m.Depth = r.Distinct, r.Generated, r.Depth
	} else {
		m.TraceLength = r.TraceLength
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
