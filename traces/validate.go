package traces

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/properties"
)

// ValidationError says that TLC rejected a log, and at which line.
type ValidationError struct {
	Log  string
	Line int // the first line not matched, 0 if unknown
	Text string
}

func (e *ValidationError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: TLC rejected the log: this line matches no step of the spec: %s", e.Log, e.Line, e.Text)
	}
	return fmt.Sprintf("%s: TLC rejected the log: %s", e.Log, e.Text)
}

var reUnmatched = regexp.MustCompile(`(?s)<<\s*"TraceRaft: line not matched",\s*(\d+),(.*?)>>\s*\n`)

// ValidateLog runs TLC (jar) on tla/TraceRaft.tla in tlaDir for the log at
// logPath, written by a cluster with options o that proposed values
// v1..vValues. It returns nil if every line matched a step of the spec, a
// *ValidationError if not.
func ValidateLog(ctx context.Context, jar, tlaDir, logPath string, o properties.Options) error {
	return ValidateLogValues(ctx, jar, tlaDir, logPath, o, Values)
}

// ValidateLogValues is ValidateLog for a log whose values are v1..vN,
// N = values.
func ValidateLogValues(ctx context.Context, jar, tlaDir, logPath string, o properties.Options, values int) error {
	abs, err := filepath.Abs(logPath)
	if err != nil {
		return err
	}
	servers := make([]string, o.N)
	for i := range servers {
		servers[i] = fmt.Sprintf("%q", fmt.Sprintf("s%d", i+1))
	}
	vals := make([]string, max(values, 1))
	for i := range vals {
		vals[i] = fmt.Sprintf("%q", fmt.Sprintf("v%d", i+1))
	}
	batch := o.MaxEntriesPerMsg
	if batch == 0 {
		batch = 1000000
	}
	cfg := fmt.Sprintf(`CONSTANTS
  Server = {%s}
  Value = {%s}
  Nil = "Nil"
  PreVote = %s
  CheckQuorum = %s
  MaxTerm = 1000000
  MaxLogLen = 1000000
  MaxInFlight = 1000000
  MaxCopies = 1000000
  MaxCutLinks = 1000000
  AllowRestart = TRUE
  MaxBatch = %d
  CuttableLinks <- TraceLinks
  LogFile = %q
INIT TraceInit
NEXT TraceNext
VIEW TraceView
POSTCONDITION Accepted
CHECK_DEADLOCK FALSE
`, strings.Join(servers, ", "), strings.Join(vals, ", "), tlaBool(o.PreVote), tlaBool(o.CheckQuorum), batch, abs)
	f, err := os.CreateTemp("", "traceraft-*.cfg")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(cfg); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	res, err := tlc.Run(ctx, jar, tlaDir, "TraceRaft", f.Name(), tlc.Options{})
	if err != nil {
		return err
	}
	if res.ExitCode == tlc.ExitOK {
		return nil
	}
	if m := reUnmatched.FindStringSubmatch(res.Output); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &ValidationError{Log: logPath, Line: line, Text: strings.Join(strings.Fields(m[2]), " ")}
	}
	return &ValidationError{Log: logPath, Text: fmt.Sprintf("TLC exited %d:\n%s", res.ExitCode, lastLines(res.Output, 25))}
}

func tlaBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Values is how many client values (v1..vValues) the logged clusters use.
const Values = 3

// WriteRandomLog runs a cluster with options o through steps random actions
// (seeded), logging every model step to path, and returns the number of
// lines. The actions mix deliveries, drops, duplicates, timers, proposals,
// partitions and restarts, as the property harness does.
func WriteRandomLog(path string, o properties.Options, seed uint64, steps int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lg := NewLogger(f)
	c := properties.NewCluster(o)
	c.OnStep = lg.Step
	if err := properties.RandomRun(c, seed, steps, Values); err != nil {
		return 0, err
	}
	if lg.Err() != nil {
		return 0, lg.Err()
	}
	return lg.Lines(), f.Close()
}

// CorruptLog writes a copy of the log at path in which one node's reported
// term is wrong, at a line about two thirds in, and returns the copy's path
// and that line.
func CorruptLog(path string) (string, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for k := len(lines) * 2 / 3; k < len(lines); k++ {
		if i := strings.Index(lines[k], `"state":{"term":`); i >= 0 {
			lines[k] = lines[k][:i] + `"state":{"term":999` + lines[k][i+len(`"state":{"term":`)+strings.IndexAny(lines[k][i+len(`"state":{"term":`):], ",}"):]
			bad := strings.TrimSuffix(path, ".ndjson") + "-corrupt.ndjson"
			return bad, k + 1, os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		}
	}
	return "", 0, fmt.Errorf("%s: no node state to corrupt", path)
}
