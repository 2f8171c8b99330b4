// Package traces checks conformance between the TLA+ spec and the
// implementation in both directions: behaviours TLC generated are replayed
// against raft/ nodes, state by state; and raft/ clusters write logs of
// their steps that TLC validates against the spec (tla/TraceRaft.tla).
//
// Both directions work for any Raft library with a driver.Driver (the
// conformance modules run them on etcd-raft): ReplayOn replays a behaviour
// through the driver (which must also be a driver.Firer, to take the
// spec's timer actions one at a time), and WriteLibraryLog logs a run of a
// library that has no tracer, deriving each model step from the harness
// action and the projected states before and after it (Derive).
package traces

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// Step is one state of a behaviour and the action that led to it.
type Step struct {
	// Line is the line of the file the state was read from (for NDJSON).
	Line int
	// Action is the TLA+ action that led to this state ("Init" for the
	// first state).
	Action string
	// Params are the action's parameters as TLC printed them (e.g. i: "s1").
	Params map[string]string
	View   *spec.View
}

// Trace is a behaviour of the spec read from a TLC output file.
type Trace struct {
	File  string
	Steps []Step
	// Reads: a behaviour of a config with reads (MaxReads > 0), whose
	// heartbeats carry mctx; WriteTrace then writes the read variables.
	// The parsers set it when a line has readQueue.
	Reads bool
}

// ParseError says which file, line and field could not be read.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: field %s: %v", loc, e.Field, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ReadNDJSON reads a behaviour written one state per line, each with the
// action that led to it: by TLC (ndJsonSerialize(file, Trace), with an
// _action field) or by WriteTrace (an action field). A .gz file is
// decompressed.
func ReadNDJSON(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, &ParseError{File: path, Err: err}
		}
		defer zr.Close()
		r = zr
	}
	return ParseNDJSON(path, r)
}

// ParseNDJSON reads a behaviour from r (name is used in errors).
func ParseNDJSON(name string, r io.Reader) (*Trace, error) {
	tr := &Trace{File: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			return nil, &ParseError{File: name, Line: line, Err: fmt.Errorf("not a JSON object (truncated line?): %w", err)}
		}
		st, err := decodeStep(obj)
		if err != nil {
			err.File, err.Line = name, line
			return nil, err
		}
		if _, ok := obj["readQueue"]; ok {
			tr.Reads = true
		}
		st.Line = line
		tr.Steps = append(tr.Steps, *st)
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: name, Line: line + 1, Err: err}
	}
	if len(tr.Steps) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("no state")}
	}
	return tr, nil
}

// ReadDumpTrace reads a counterexample TLC wrote with -dumpTrace json.
func ReadDumpTrace(path string) (*Trace, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseDumpTrace(path, data)
}

// ParseDumpTrace reads a -dumpTrace json counterexample from data.
func ParseDumpTrace(name string, data []byte) (*Trace, error) {
	var doc struct {
		State  [][2]json.RawMessage `json:"state"`
		Action [][3]json.RawMessage `json:"action"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("not a -dumpTrace json document: %w", err)}
	}
	if len(doc.State) == 0 {
		return nil, &ParseError{File: name, Field: "state", Err: fmt.Errorf("no state")}
	}
	tr := &Trace{File: name}
	for k, pair := range doc.State {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(pair[1], &obj); err != nil {
			return nil, &ParseError{File: name, Field: fmt.Sprintf("state[%d]", k), Err: err}
		}
		st, perr := decodeState(obj)
		if perr != nil {
			perr.File, perr.Field = name, fmt.Sprintf("state[%d].%s", k, perr.Field)
			return nil, perr
		}
		st.Action = "Init"
		if k > 0 {
			if k-1 >= len(doc.Action) {
				return nil, &ParseError{File: name, Field: "action", Err: fmt.Errorf("no action leads to state %d", k+1)}
			}
			if err := decodeAction(doc.Action[k-1][1], st); err != nil {
				err.File, err.Field = name, fmt.Sprintf("action[%d].%s", k-1, err.Field)
				return nil, err
			}
		}
		tr.Steps = append(tr.Steps, *st)
	}
	return tr, nil
}

func decodeStep(obj map[string]json.RawMessage) (*Step, *ParseError) {
	st, err := decodeState(obj)
	if err != nil {
		return nil, err
	}
	// TLC's own dump of Trace names the action _action; tla/SimRaft.tla
	// writes action.
	raw, ok := obj["_action"]
	if !ok {
		if raw, ok = obj["action"]; !ok {
			return nil, &ParseError{Field: "_action", Err: fmt.Errorf("missing")}
		}
	}
	if err := decodeAction(raw, st); err != nil {
		return nil, err
	}
	return st, nil
}

func decodeAction(raw json.RawMessage, st *Step) *ParseError {
	var a struct {
		Name    string            `json:"name"`
		Context map[string]string `json:"context"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return &ParseError{Field: "_action", Err: err}
	}
	if a.Name == "" {
		return &ParseError{Field: "_action.name", Err: fmt.Errorf("missing")}
	}
	st.Action, st.Params = a.Name, a.Context
	return nil
}

// stateVars are the variables of tla/Raft.tla; a state must have each.
var stateVars = []string{"currentTerm", "votedFor", "log", "commitIndex", "state", "leader", "lease",
	"votesGranted", "votesRejected", "progress", "recentActive", "messages", "cut"}

func decodeState(obj map[string]json.RawMessage) (*Step, *ParseError) {
	for _, name := range stateVars {
		if _, ok := obj[name]; !ok {
			return nil, &ParseError{Field: name, Err: fmt.Errorf("missing")}
		}
	}
	var terms map[string]uint64
	if err := json.Unmarshal(obj["currentTerm"], &terms); err != nil {
		return nil, &ParseError{Field: "currentTerm", Err: err}
	}
	n := len(terms)
	for i := 1; i <= n; i++ {
		if _, ok := terms["s"+strconv.Itoa(i)]; !ok {
			return nil, &ParseError{Field: "currentTerm", Err: fmt.Errorf("servers are not s1..s%d: %v", n, slices.Sorted(mapKeys(terms)))}
		}
	}
	v := &spec.View{Servers: make([]spec.Server, n)}
	d := decoder{n: n}
	perServer := func(field string, fn func(s *spec.Server, raw json.RawMessage) error) *ParseError {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(obj[field], &m); err != nil {
			return &ParseError{Field: field, Err: err}
		}
		if len(m) != n {
			return &ParseError{Field: field, Err: fmt.Errorf("has %d servers, want %d", len(m), n)}
		}
		for name, raw := range m {
			i, err := d.server(name, false)
			if err != nil {
				return &ParseError{Field: field, Err: err}
			}
			if err := fn(&v.Servers[i-1], raw); err != nil {
				return &ParseError{Field: field + "." + name, Err: err}
			}
		}
		return nil
	}
	fields := []struct {
		name string
		fn   func(s *spec.Server, raw json.RawMessage) error
	}{
		{"currentTerm", func(s *spec.Server, raw json.RawMessage) error { return json.Unmarshal(raw, &s.Term) }},
		{"votedFor", func(s *spec.Server, raw json.RawMessage) (err error) { s.Vote, err = d.serverJSON(raw, true); return }},
		{"log", func(s *spec.Server, raw json.RawMessage) (err error) { s.Log, err = d.entriesJSON(raw); return }},
		{"commitIndex", func(s *spec.Server, raw json.RawMessage) error { return json.Unmarshal(raw, &s.Commit) }},
		{"state", func(s *spec.Server, raw json.RawMessage) error {
			var r string
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			role, err := spec.ParseRole(r)
			s.Role = role
			return err
		}},
		{"leader", func(s *spec.Server, raw json.RawMessage) (err error) { s.Leader, err = d.serverJSON(raw, true); return }},
		{"lease", func(s *spec.Server, raw json.RawMessage) error { return json.Unmarshal(raw, &s.Lease) }},
		{"votesGranted", func(s *spec.Server, raw json.RawMessage) (err error) { s.Granted, err = d.setJSON(raw); return }},
		{"votesRejected", func(s *spec.Server, raw json.RawMessage) (err error) { s.Rejected, err = d.setJSON(raw); return }},
		{"recentActive", func(s *spec.Server, raw json.RawMessage) (err error) { s.RecentActive, err = d.setJSON(raw); return }},
	}
	for _, f := range fields {
		if err := perServer(f.name, f.fn); err != nil {
			return nil, err
		}
	}
	// The log's offset and transferee: behaviours from before compaction
	// (or transfers) were modelled do not have them (nothing was
	// compacted, no transfer made: corpus/compaction is such).
	for _, f := range []struct {
		name string
		fn   func(s *spec.Server, raw json.RawMessage) error
	}{
		{"transferee", func(s *spec.Server, raw json.RawMessage) (err error) {
			s.Transferee, err = d.serverJSON(raw, true)
			return
		}},
		{"snapshotIndex", func(s *spec.Server, raw json.RawMessage) error { return json.Unmarshal(raw, &s.SnapshotIndex) }},
		{"snapshotTerm", func(s *spec.Server, raw json.RawMessage) error { return json.Unmarshal(raw, &s.SnapshotTerm) }},
	} {
		if _, ok := obj[f.name]; !ok {
			continue
		}
		if err := perServer(f.name, f.fn); err != nil {
			return nil, err
		}
	}
	// The read variables: behaviours from before reads were modelled do
	// not have them (no read was ever made).
	for _, f := range []struct {
		name string
		fn   func(s *spec.Server, raw json.RawMessage) error
	}{
		{"readQueue", func(s *spec.Server, raw json.RawMessage) (err error) { s.ReadQueue, err = d.readsJSON(raw); return }},
		{"pendingReads", func(s *spec.Server, raw json.RawMessage) (err error) { s.PendingReads, err = d.readsJSON(raw); return }},
		{"readStates", func(s *spec.Server, raw json.RawMessage) (err error) { s.ReadStates, err = answersJSON(raw); return }},
	} {
		if _, ok := obj[f.name]; !ok {
			continue
		}
		if err := perServer(f.name, f.fn); err != nil {
			return nil, err
		}
	}
	if raw, ok := obj["reads"]; ok {
		var rs []struct {
			From  json.RawMessage `json:"from"`
			Begin *uint64         `json:"begin"`
		}
		if err := json.Unmarshal(raw, &rs); err != nil {
			return nil, &ParseError{Field: "reads", Err: err}
		}
		for k, r := range rs {
			from, err := d.serverJSON(r.From, false)
			if err != nil || r.Begin == nil {
				return nil, &ParseError{Field: fmt.Sprintf("reads[%d]", k+1), Err: fmt.Errorf("not a [from, begin] record (%v)", err)}
			}
			v.Reads = append(v.Reads, spec.Read{From: from, Begin: *r.Begin})
		}
	}
	if err := d.progressJSON(obj["progress"], v); err != nil {
		return nil, &ParseError{Field: "progress", Err: err}
	}
	msgs, err := d.bagJSON(obj["messages"])
	if err != nil {
		return nil, &ParseError{Field: "messages", Err: err}
	}
	v.Messages = msgs
	if v.Cut, err = d.linksJSON(obj["cut"]); err != nil {
		return nil, &ParseError{Field: "cut", Err: err}
	}
	return &Step{View: v}, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// decoder maps TLC's names (s1, v1, Nil) to the View's.
type decoder struct{ n int }

func (d decoder) server(name string, nilOK bool) (int, error) {
	if name == "Nil" && nilOK {
		return 0, nil
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(name, "s")); err == nil && strings.HasPrefix(name, "s") && i >= 1 && i <= d.n {
		return i, nil
	}
	return 0, fmt.Errorf("%q is not a server s1..s%d", name, d.n)
}

func (d decoder) serverJSON(raw json.RawMessage, nilOK bool) (int, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return d.server(s, nilOK)
}

func value(s string) (string, error) {
	if s == "Nil" {
		return "", nil
	}
	if s == "" {
		return "", fmt.Errorf("empty value")
	}
	return s, nil
}

func (d decoder) entriesJSON(raw json.RawMessage) ([]spec.Entry, error) {
	var ents []struct {
		Term  *uint64 `json:"term"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(raw, &ents); err != nil {
		return nil, err
	}
	out := make([]spec.Entry, 0, len(ents))
	for k, e := range ents {
		if e.Term == nil || e.Value == nil {
			return nil, fmt.Errorf("entry %d lacks its term or value", k+1)
		}
		val, err := value(*e.Value)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", k+1, err)
		}
		out = append(out, spec.Entry{Term: *e.Term, Value: val})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (d decoder) setJSON(raw json.RawMessage) (spec.Set, error) {
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return 0, err
	}
	var s spec.Set
	for _, name := range names {
		i, err := d.server(name, false)
		if err != nil {
			return 0, err
		}
		s = s.Add(i)
	}
	return s, nil
}

// readsJSON reads a sequence of read records: [id, from, index, acks] in
// readQueue, [id, from] in pendingReads.
func (d decoder) readsJSON(raw json.RawMessage) ([]spec.ReadRequest, error) {
	var rs []struct {
		ID    *uint64         `json:"id"`
		From  json.RawMessage `json:"from"`
		Index uint64          `json:"index"`
		Acks  json.RawMessage `json:"acks"`
	}
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, err
	}
	var out []spec.ReadRequest
	for k, r := range rs {
		if r.ID == nil {
			return nil, fmt.Errorf("read %d has no id", k+1)
		}
		from, err := d.serverJSON(r.From, false)
		if err != nil {
			return nil, fmt.Errorf("read %d: from: %w", k+1, err)
		}
		rr := spec.ReadRequest{ID: *r.ID, From: from, Index: r.Index}
		if r.Acks != nil {
			if rr.Acks, err = d.setJSON(r.Acks); err != nil {
				return nil, fmt.Errorf("read %d: acks: %w", k+1, err)
			}
		}
		out = append(out, rr)
	}
	return out, nil
}

// answersJSON reads a set of answers <<id, index>>, sorted as spec.Server
// keeps them.
func answersJSON(raw json.RawMessage) ([]spec.ReadAnswer, error) {
	var pairs [][]uint64
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, err
	}
	var out []spec.ReadAnswer
	for k, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("answer %d is not a pair <<id, index>>", k+1)
		}
		out = append(out, spec.ReadAnswer{ID: p[0], Index: p[1]})
	}
	slices.SortFunc(out, func(a, b spec.ReadAnswer) int {
		if a.ID != b.ID {
			return cmp.Compare(a.ID, b.ID)
		}
		return cmp.Compare(a.Index, b.Index)
	})
	return out, nil
}

type progressJSON struct {
	Next   *uint64 `json:"next"`
	Match  *uint64 `json:"match"`
	Mode   *string `json:"mode"`
	Paused *bool   `json:"paused"`
	// SentCommit is Raft.tla's sentCommit.
	SentCommit *uint64 `json:"sentCommit"`
}

// progressJSON reads progress, either as TLC writes the variable (an object
// of objects keyed by server) or as tla/SimRaft.tla writes it (a list of
// triples [i, j, progress[i][j]]).
func (d decoder) progressJSON(raw json.RawMessage, v *spec.View) error {
	for i := range v.Servers {
		v.Servers[i].Progress = make([]spec.Progress, d.n)
	}
	seen := map[[2]int]bool{}
	set := func(from, to string, p progressJSON) error {
		i, err := d.server(from, false)
		if err != nil {
			return err
		}
		j, err := d.server(to, false)
		if err != nil {
			return err
		}
		if p.Next == nil || p.Match == nil || p.Mode == nil || p.Paused == nil || p.SentCommit == nil {
			return fmt.Errorf("progress of %s for %s lacks a field", from, to)
		}
		pr := spec.Progress{Next: *p.Next, Match: *p.Match, Paused: *p.Paused, SentCommit: *p.SentCommit}
		switch *p.Mode {
		case "Probe":
		case "Replicate":
			pr.Mode = spec.Replicate
		case "Snapshot":
			pr.Mode = spec.Snapshot
		default:
			return fmt.Errorf("progress of %s for %s has mode %q", from, to, *p.Mode)
		}
		v.Servers[i-1].Progress[j-1] = pr
		seen[[2]int{i, j}] = true
		return nil
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		var triples [][3]json.RawMessage
		if err := json.Unmarshal(raw, &triples); err != nil {
			return err
		}
		for _, tr := range triples {
			var from, to string
			var p progressJSON
			if err := errors.Join(json.Unmarshal(tr[0], &from), json.Unmarshal(tr[1], &to), json.Unmarshal(tr[2], &p)); err != nil {
				return err
			}
			if err := set(from, to, p); err != nil {
				return err
			}
		}
	} else {
		var m map[string]map[string]progressJSON
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		for from, row := range m {
			for to, p := range row {
				if err := set(from, to, p); err != nil {
					return err
				}
			}
		}
	}
	if len(seen) != d.n*d.n {
		return fmt.Errorf("has %d of the %d server pairs", len(seen), d.n*d.n)
	}
	return nil
}

func (d decoder) linksJSON(raw json.RawMessage) ([]spec.Link, error) {
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, err
	}
	out := make([]spec.Link, 0, len(pairs))
	for _, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("link %v is not a pair", p)
		}
		a, err := d.server(p[0], false)
		if err != nil {
			return nil, err
		}
		b, err := d.server(p[1], false)
		if err != nil {
			return nil, err
		}
		out = append(out, spec.Link{From: a, To: b})
	}
	spec.SortLinks(out)
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// maxCopies bounds the copies of one message a trace may hold.
const maxCopies = 1 << 16

// bagJSON reads the messages bag: [] when empty, otherwise an object whose
// keys are the messages as TLA+ text and whose values are the copies.
func (d decoder) bagJSON(raw json.RawMessage) ([]spec.Bagged, error) {
	if t := bytes.TrimSpace(raw); bytes.Equal(t, []byte("[]")) {
		return nil, nil
	}
	var m map[string]int
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var msgs []spec.Message
	for key, copies := range m {
		if copies < 1 || copies > maxCopies {
			return nil, fmt.Errorf("message %s has %d copies (at most %d)", key, copies, maxCopies)
		}
		v, err := parseTLA(key)
		if err != nil {
			return nil, err
		}
		msg, err := d.message(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		for range copies {
			msgs = append(msgs, msg)
		}
	}
	return spec.NewBag(msgs), nil
}

// message maps a TLA+ message record to a spec.Message.
func (d decoder) message(v any) (spec.Message, error) {
	r, ok := v.(tlaRecord)
	if !ok {
		return spec.Message{}, fmt.Errorf("not a record")
	}
	var m spec.Message
	typ, err := d.str(r, "mtype")
	if err != nil {
		return m, err
	}
	if m.Type, err = spec.ParseMsgType(typ); err != nil {
		return m, err
	}
	if m.From, err = d.serverField(r, "msource"); err != nil {
		return m, err
	}
	if m.To, err = d.serverField(r, "mdest"); err != nil {
		return m, err
	}
	fields := map[spec.MsgType][]string{
		spec.PreVoteRequest:        {"mterm", "mlastLogTerm", "mlastLogIndex", "mtransfer"},
		spec.VoteRequest:           {"mterm", "mlastLogTerm", "mlastLogIndex", "mtransfer"},
		spec.PreVoteResponse:       {"mterm", "mreject"},
		spec.VoteResponse:          {"mterm", "mreject"},
		spec.AppendEntriesRequest:  {"mterm", "mprevLogIndex", "mprevLogTerm", "mentries", "mcommitIndex"},
		spec.AppendEntriesResponse: {"mterm", "mreject", "mindex", "mrejectHint", "mlogTerm"},
		spec.HeartbeatRequest:      {"mterm", "mcommitIndex"},
		spec.HeartbeatResponse:     {"mterm"},
		spec.SnapshotRequest:       {"mterm", "msnapshotIndex", "msnapshotTerm"},
		spec.TimeoutNowRequest:     {"mterm"},
		spec.ReadIndexRequest:      {"mctx"},
		spec.ReadIndexResponse:     {"mterm", "mindex", "mctx"},
	}[m.Type]
	// A vote request from before transfers were modelled has no
	// mtransfer (FALSE).
	if _, ok := r["mtransfer"]; !ok && (m.Type == spec.PreVoteRequest || m.Type == spec.VoteRequest) {
		fields = fields[:len(fields)-1]
	}
	// With reads (MaxReads > 0) heartbeats carry a read's context.
	if _, ok := r["mctx"]; ok && (m.Type == spec.HeartbeatRequest || m.Type == spec.HeartbeatResponse) {
		fields = append(slices.Clone(fields), "mctx")
	}
	if len(r) != len(fields)+3 {
		return m, fmt.Errorf("a %v has fields %v, want mtype, msource, mdest and %v", m.Type, slices.Sorted(mapKeys(r)), fields)
	}
	nums := map[string]*uint64{"mterm": &m.Term, "mlastLogTerm": &m.LastLogTerm, "mlastLogIndex": &m.LastLogIndex,
		"mprevLogIndex": &m.PrevLogIndex, "mprevLogTerm": &m.PrevLogTerm, "mcommitIndex": &m.Commit,
		"mindex": &m.Index, "mrejectHint": &m.RejectHint, "mlogTerm": &m.LogTerm,
		"msnapshotIndex": &m.SnapshotIndex, "msnapshotTerm": &m.SnapshotTerm, "mctx": &m.Ctx}
	for _, f := range fields {
		switch f {
		case "mreject":
			b, ok := r[f].(bool)
			if !ok {
				return m, fmt.Errorf("field %s is not a boolean", f)
			}
			m.Reject = b
		case "mtransfer":
			b, ok := r[f].(bool)
			if !ok {
				return m, fmt.Errorf("field %s is not a boolean", f)
			}
			m.Transfer = b
		case "mentries":
			seq, ok := r[f].(tlaSeq)
			if !ok {
				return m, fmt.Errorf("field %s is not a sequence", f)
			}
			for k, e := range seq {
				er, ok := e.(tlaRecord)
				t, ok2 := er["term"].(int64)
				val, ok3 := er["value"].(tlaIdent)
				if !ok || !ok2 || !ok3 || len(er) != 2 || t < 1 {
					return m, fmt.Errorf("entry %d of %s is not a [term, value] record", k+1, f)
				}
				vs, err := value(string(val))
				if err != nil {
					return m, err
				}
				m.Entries = append(m.Entries, spec.Entry{Term: uint64(t), Value: vs})
			}
		default:
			n, ok := r[f].(int64)
			if !ok || n < 0 {
				return m, fmt.Errorf("field %s is not a natural number", f)
			}
			*nums[f] = uint64(n)
		}
	}
	return m, nil
}

func (d decoder) str(r tlaRecord, f string) (string, error) {
	s, ok := r[f].(string)
	if !ok {
		return "", fmt.Errorf("field %s is not a string", f)
	}
	return s, nil
}

func (d decoder) serverField(r tlaRecord, f string) (int, error) {
	id, ok := r[f].(tlaIdent)
	if !ok {
		return 0, fmt.Errorf("field %s is not a server", f)
	}
	return d.server(string(id), false)
}

// Labels returns the model step of every state after the first, with the
// message each message action handled, dropped or duplicated (the one whose
// number of copies changed).
func Labels(tr *Trace) ([]model.Label, error) {
	out := make([]model.Label, 0, len(tr.Steps))
	for k := 1; k < len(tr.Steps); k++ {
		st := &tr.Steps[k]
		errf := func(format string, args ...any) error {
			return &ParseError{File: tr.File, Line: st.Line, Field: "_action", Err: fmt.Errorf("state %d, %s: %s", k+1, st.Action, fmt.Sprintf(format, args...))}
		}
		d := decoder{n: st.View.N()}
		l := model.Label{Action: st.Action}
		for name, val := range st.Params {
			switch name {
			case "i", "j":
				id, err := d.server(val, false)
				if err != nil {
					return nil, errf("parameter %s: %v", name, err)
				}
				if name == "i" {
					l.I = id
				} else {
					l.J = id
				}
			case "v":
				l.Value = val
			default:
				return nil, errf("unknown parameter %s", name)
			}
		}
		if isMessageAction(st.Action) {
			pre, post := tr.Steps[k-1].View, st.View
			var changed []spec.Message
			for _, b := range pre.Messages {
				if post.Copies(b.Msg) < b.Copies {
					changed = append(changed, b.Msg)
				}
			}
			if raft.Action(st.Action) == raft.ActionDuplicateMessage {
				changed = changed[:0]
				for _, b := range post.Messages {
					if pre.Copies(b.Msg) < b.Copies {
						changed = append(changed, b.Msg)
					}
				}
			}
			if len(changed) != 1 {
				return nil, errf("%d messages changed their number of copies, want exactly one", len(changed))
			}
			l.Msg = &changed[0]
		} else if !knownAction(st.Action) {
			return nil, errf("unknown action")
		}
		out = append(out, l)
	}
	return out, nil
}

// messageActions are the actions on one message in flight (the handlers,
// DropMessage and DuplicateMessage): their trace lines name no message, so
// it is recovered from the bags.
var messageActions = []raft.Action{
	raft.ActionHandlePreVoteRequest, raft.ActionHandlePreVoteResponse,
	raft.ActionHandleVoteRequest, raft.ActionHandleVoteResponse,
	raft.ActionHandleAppendEntriesRequest, raft.ActionHandleAppendEntriesResponse,
	raft.ActionHandleHeartbeatRequest, raft.ActionHandleHeartbeatResponse,
	raft.ActionHandleSnapshotRequest,
	raft.ActionHandleTimeoutNowRequest,
	raft.ActionHandleReadIndexRequest, raft.ActionHandleReadIndexResponse,
	raft.ActionDropMessage, raft.ActionDuplicateMessage,
}

func isMessageAction(a string) bool { return slices.Contains(messageActions, raft.Action(a)) }
func knownAction(a string) bool     { return slices.Contains(raft.Actions(), raft.Action(a)) }
