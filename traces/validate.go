package traces

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	// A log that compacts is checked with AllowCompaction (which also has
	// leaders keep recentActive, as etcd always does); one that never
	// compacts, as before.
	compacts, err := logCompacts(abs)
	if err != nil {
		return err
	}
	// A run with reads (Options.Reads) is checked with reads on: its
	// heartbeats carry mctx, its lines the read variables.
	maxReads := 0
	if o.Reads {
		maxReads = properties.MaxReads
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
  AllowCompaction = %s
  AllowTransfer = TRUE
  AllowForgetLeader = TRUE
  MaxBatch = %d
  MaxReads = %d
  ReadOnlyLeaseBased = FALSE
  CuttableLinks <- TraceLinks
  LogFile = %q
INIT TraceInit
NEXT TraceNext
VIEW TraceView
POSTCONDITION Accepted
CHECK_DEADLOCK FALSE
`, strings.Join(servers, ", "), strings.Join(vals, ", "), tlaBool(o.PreVote), tlaBool(o.CheckQuorum),
		tlaBool(compacts), batch, maxReads, abs)
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

// logCompacts reports whether a line of the log is a Compact step.
func logCompacts(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		var l struct {
			Action string `json:"action"`
		}
		// A line that does not parse is TLC's to reject.
		if json.Unmarshal(line, &l) == nil && l.Action == "Compact" {
			return true, nil
		}
	}
	return false, nil
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
	if o.Reads {
		lg.WithReads()
	}
	c := properties.NewCluster(o)
	c.OnStep = lg.Step
	if err := randomRun(c, seed, steps); err != nil {
		return 0, err
	}
	if lg.Err() != nil {
		return 0, lg.Err()
	}
	return lg.Lines(), f.Close()
}

// randomRun is properties.RandomRun, and with Options.Compaction a node
// (drawn from the seed) compacts up to its commit index every
// compactEvery steps, when it committed something since its snapshot (the
// spec's Compact): the run is RandomRun's in chunks, each seeded from seed.
func randomRun(c *properties.Cluster, seed uint64, steps int) error {
	if !c.Options().Compaction {
		return properties.RandomRun(c, seed, steps, Values)
	}
	const compactEvery = 10
	r := rand.New(rand.NewPCG(seed, 0xc0))
	for done, k := 0, uint64(0); done < steps; k++ {
		n := min(compactEvery, steps-done)
		if err := properties.RandomRun(c, seed+k*7919, n, Values); err != nil {
			return err
		}
		done += n
		id := 1 + r.IntN(c.Options().N)
		st := c.Node(id).Status()
		if st.Applied == st.Commit && st.Commit > st.Snapshot.Index {
			if _, err := c.Compact(id, st.Commit); err != nil {
				return fmt.Errorf("compacting node %d to %d: %w", id, st.Commit, err)
			}
		}
	}
	return nil
}

// A Corruption is one kind of damage CorruptLogAs does to a log line.
type Corruption string

// The corruptions: each changes one thing a log line says, so that the
// line describes no step of the spec.
const (
	// CorruptTerm: the node's reported term.
	CorruptTerm Corruption = "term"
	// CorruptVote: the node's reported vote, another server.
	CorruptVote Corruption = "vote"
	// CorruptCommit: the node's reported commit index.
	CorruptCommit Corruption = "commit"
	// CorruptLastEntry: the term of the node's last log entry.
	CorruptLastEntry Corruption = "last entry"
	// CorruptLogLength: the length of the node's log, one more.
	CorruptLogLength Corruption = "log length"
	// CorruptRole: the node's reported role.
	CorruptRole Corruption = "role"
	// CorruptMessage: the term of the message the line handles, drops or
	// duplicates.
	CorruptMessage Corruption = "message"
	// CorruptSent: the term of a message the line's step sent.
	CorruptSent Corruption = "sent message"
	// CorruptSentNone: a message the line's step sent left out.
	CorruptSentNone Corruption = "sent message left out"
	// CorruptEntryValue: the value of the node's last log entry, another
	// value (its term and the log's length unchanged).
	CorruptEntryValue Corruption = "entry value"
	// CorruptTally: a server that granted the node's (pre-)campaign left
	// out of the tally.
	CorruptTally Corruption = "tally member"
	// CorruptMatch: a leader's match index for one follower, one more.
	CorruptMatch Corruption = "progress match"
	// CorruptNext: a leader's next index for one follower, one more.
	CorruptNext Corruption = "progress next"
	// CorruptReadIndex: the index of a read's answer (an element of the
	// node's readStates), in a log of a run with reads.
	CorruptReadIndex Corruption = "read answer index"
)

// ReadCorruptions lists the corruptions of a log of a run with reads
// (Options.Reads), besides Corruptions.
var ReadCorruptions = []Corruption{CorruptReadIndex}

// Corruptions lists every kind of corruption.
var Corruptions = []Corruption{CorruptTerm, CorruptVote, CorruptCommit, CorruptLastEntry, CorruptLogLength, CorruptRole,
	CorruptMessage, CorruptSent, CorruptSentNone, CorruptEntryValue, CorruptTally, CorruptMatch, CorruptNext}

// StateCorruptions lists the corruptions of the node's state that a log
// without sent messages (a library's, written by WriteLibraryLog) can take
// besides CorruptTerm: the log's contents, the tally, the progress.
var StateCorruptions = []Corruption{CorruptTerm, CorruptEntryValue, CorruptTally, CorruptMatch, CorruptNext}

// CorruptLog is CorruptLogAs(path, CorruptTerm).
func CorruptLog(path string) (string, int, error) { return CorruptLogAs(path, CorruptTerm) }

// CorruptLogAs writes a copy of the log at path with one line corrupted as
// kind says, at the first line about two thirds in (or, failing that, from
// the start) that kind applies to, and returns the copy's path and that
// line.
func CorruptLogAs(path string, kind Corruption) (string, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	objs := make([]map[string]any, len(lines))
	// cut[k]: the links cut when line k is taken (a message sent over one
	// is lost: corrupting it changes nothing the spec sees).
	cut := make([]map[[2]string]bool, len(lines))
	now := map[[2]string]bool{}
	for k, line := range lines {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&objs[k]); err != nil {
			return "", 0, fmt.Errorf("%s:%d: %v", path, k+1, err)
		}
		cut[k] = maps.Clone(now)
		i, _ := objs[k]["i"].(string)
		j, _ := objs[k]["j"].(string)
		switch objs[k]["action"] {
		case "Partition":
			now[[2]string{i, j}] = true
		case "Heal":
			delete(now, [2]string{i, j})
		}
	}
	from := len(lines) * 2 / 3
	for _, k := range append(seq(from, len(lines)), seq(0, from)...) {
		obj := objs[k]
		if !corrupt(obj, kind, cut[k]) {
			continue
		}
		out, err := json.Marshal(obj)
		if err != nil {
			return "", 0, err
		}
		lines[k] = string(out)
		bad := strings.TrimSuffix(path, ".ndjson") + "-corrupt-" + strings.ReplaceAll(string(kind), " ", "-") + ".ndjson"
		return bad, k + 1, os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	}
	return "", 0, fmt.Errorf("%s: no line to corrupt (%s)", path, kind)
}

func seq(from, to int) []int {
	var out []int
	for k := from; k < to; k++ {
		out = append(out, k)
	}
	return out
}

// corrupt applies kind to one decoded log line; it reports false if kind
// does not apply to it.
func corrupt(obj map[string]any, kind Corruption, cut map[[2]string]bool) bool {
	st, _ := obj["state"].(map[string]any)
	num := func(m map[string]any, k string) (int64, bool) {
		n, ok := m[k].(json.Number)
		if !ok {
			return 0, false
		}
		v, err := n.Int64()
		return v, err == nil
	}
	switch kind {
	case CorruptSent, CorruptSentNone:
		sent, _ := obj["sent"].([]any)
		for k, x := range sent {
			m, ok := x.(map[string]any)
			from, _ := m["msource"].(string)
			to, _ := m["mdest"].(string)
			if !ok || cut[[2]string{from, to}] {
				continue
			}
			if kind == CorruptSentNone {
				obj["sent"] = slices.Delete(slices.Clone(sent), k, k+1)
			} else {
				m["mterm"] = 999
			}
			return true
		}
		return false
	case CorruptMessage:
		msg, ok := obj["msg"].(map[string]any)
		if !ok {
			return false
		}
		msg["mterm"] = 999
		return true
	case CorruptRole:
		if st == nil {
			return false
		}
		if st["role"] == "Leader" {
			st["role"] = "Follower"
		} else {
			st["role"] = "Leader"
		}
		return true
	}
	if st == nil {
		return false
	}
	switch kind {
	case CorruptTerm:
		st["term"] = 999
	case CorruptVote:
		v, _ := st["vote"].(string)
		if v == "s1" {
			st["vote"] = "s2"
		} else {
			st["vote"] = "s1"
		}
	case CorruptCommit:
		st["commit"] = 999
	case CorruptLastEntry:
		if n, ok := num(st, "lastIndex"); !ok || n == 0 {
			return false
		}
		st["lastTerm"] = 999
	case CorruptLogLength:
		n, ok := num(st, "lastIndex")
		if !ok {
			return false
		}
		st["lastIndex"] = n + 1
	case CorruptEntryValue:
		ents, _ := st["log"].([]any)
		if len(ents) == 0 {
			return false
		}
		e, ok := ents[len(ents)-1].(map[string]any)
		if !ok {
			return false
		}
		if e["value"] == "v1" {
			e["value"] = "v2"
		} else {
			e["value"] = "v1"
		}
	case CorruptTally:
		granted, _ := st["granted"].([]any)
		if len(granted) == 0 {
			return false
		}
		st["granted"] = granted[1:]
	case CorruptReadIndex:
		rs, _ := st["readStates"].([]any)
		if len(rs) == 0 {
			return false
		}
		a, _ := rs[len(rs)-1].([]any)
		if len(a) != 2 {
			return false
		}
		n, ok := a[1].(json.Number)
		v, err := n.Int64()
		if !ok || err != nil {
			return false
		}
		a[1] = v + 1
	case CorruptMatch, CorruptNext:
		prs, _ := st["prs"].(map[string]any)
		if st["role"] != "Leader" || len(prs) == 0 {
			return false
		}
		field := "match"
		if kind == CorruptNext {
			field = "next"
		}
		pr, _ := prs[slices.Sorted(maps.Keys(prs))[0]].(map[string]any)
		n, ok := num(pr, field)
		if !ok {
			return false
		}
		pr[field] = n + 1
	default:
		panic(fmt.Sprintf("traces: unknown corruption %q", kind))
	}
	return true
}
