package traces

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// Logger writes the steps of a cluster as the NDJSON log tla/TraceRaft.tla
// validates: one line per model step with its action, parameters, message
// and, for a node's own steps, the node's whole state afterwards (term,
// vote, role, leader, lease, commit, log, tally, progress and recently
// active followers: the spec's server record). Servers are
// written s1..sN, values as themselves, and Nil as "Nil".
type Logger struct {
	w     io.Writer
	lines int
	err   error
	reads bool
}

// NewLogger writes to w.
func NewLogger(w io.Writer) *Logger { return &Logger{w: w} }

// WithReads makes lg write messages as a config with reads (MaxReads > 0)
// has them: heartbeats carry a read's context. It returns lg.
func (lg *Logger) WithReads() *Logger { lg.reads = true; return lg }

// Lines is the number of lines written.
func (lg *Logger) Lines() int { return lg.lines }

// Err is the first write error, if any.
func (lg *Logger) Err() error { return lg.err }

// logState is a server's record (tla/Raft.tla's Srv) as a log line writes
// it: everything the spec keeps of the server.
type logState struct {
	Term      uint64     `json:"term"`
	Vote      string     `json:"vote"`
	Role      string     `json:"role"`
	Leader    string     `json:"leader"`
	Lease     bool       `json:"lease"`
	Commit    uint64     `json:"commit"`
	LastIndex uint64     `json:"lastIndex"`
	LastTerm  uint64     `json:"lastTerm"`
	Log       []logEntry `json:"log"`
	Granted   []string   `json:"granted"`
	Rejected  []string   `json:"rejected"`
	// Progress is progress[i][j] for every other server j (NoProgress
	// unless i leads), keyed by j's name.
	Progress map[string]logProgress `json:"prs"`
	Active   []string               `json:"active"`
	// SnapshotIndex and SnapshotTerm are snapshotIndex and snapshotTerm;
	// Log holds the entries after SnapshotIndex and LastIndex is absolute.
	SnapshotIndex uint64 `json:"snapshotIndex"`
	SnapshotTerm  uint64 `json:"snapshotTerm"`
	// Transferee is the target of a leader's pending transfer ("Nil").
	Transferee string `json:"transferee"`
	// ReadQueue, PendingReads and ReadStates are readQueue, pendingReads
	// and readStates, written only by a logger WithReads (nil: left out).
	ReadQueue    *[]logRead   `json:"readQueue,omitempty"`
	PendingReads *[]logRead   `json:"pendingReads,omitempty"`
	ReadStates   *[][2]uint64 `json:"readStates,omitempty"`
}

// logRead is a read record: [id, from, index, acks] in readQueue, [id,
// from] in pendingReads (Index and Acks left out).
type logRead struct {
	ID    uint64    `json:"id"`
	From  string    `json:"from"`
	Index *uint64   `json:"index,omitempty"`
	Acks  *[]string `json:"acks,omitempty"`
}

func logReads(rs []spec.ReadRequest, queue bool) *[]logRead {
	out := []logRead{}
	for _, r := range rs {
		lr := logRead{ID: r.ID, From: serverName(r.From)}
		if queue {
			index, acks := r.Index, serverNames(r.Acks)
			lr.Index, lr.Acks = &index, &acks
		}
		out = append(out, lr)
	}
	return &out
}

type logEntry struct {
	Term  uint64 `json:"term"`
	Value string `json:"value"`
}

type logProgress struct {
	Next       uint64 `json:"next"`
	Match      uint64 `json:"match"`
	Mode       string `json:"mode"`
	Paused     bool   `json:"paused"`
	SentCommit uint64 `json:"sentCommit"`
}

func serverNames(s spec.Set) []string {
	out := []string{}
	for _, i := range s.Members() {
		out = append(out, serverName(i))
	}
	return out
}

// stateOf is the record a log line writes for server i in state s.
func stateOf(i int, s *spec.Server) *logState {
	ls := &logState{
		Term: s.Term, Vote: serverName(s.Vote), Role: s.Role.String(), Leader: serverName(s.Leader),
		Lease: s.Lease, Commit: s.Commit, LastIndex: s.LastIndex(), LastTerm: s.LastTerm(),
		SnapshotIndex: s.SnapshotIndex, SnapshotTerm: s.SnapshotTerm,
		Log: make([]logEntry, len(s.Log)), Granted: serverNames(s.Granted), Rejected: serverNames(s.Rejected),
		Progress: map[string]logProgress{}, Active: serverNames(s.RecentActive),
		Transferee: serverName(s.Transferee),
	}
	for k, e := range s.Log {
		ls.Log[k] = logEntry{Term: e.Term, Value: valueName(e.Value)}
	}
	for k, pr := range s.Progress {
		if k+1 == i {
			continue
		}
		ls.Progress[serverName(k+1)] = logProgress{Next: pr.Next, Match: pr.Match, Mode: pr.Mode.String(),
			Paused: pr.Paused, SentCommit: pr.SentCommit}
	}
	return ls
}

type logLine struct {
	Action string         `json:"action"`
	I      string         `json:"i"`
	J      string         `json:"j,omitempty"`
	V      string         `json:"v,omitempty"`
	Msg    map[string]any `json:"msg,omitempty"`
	State  *logState      `json:"state,omitempty"`
	// Sent lists the messages a node's step sent, where the log knows them
	// (raft/'s trace events do): nil leaves the field out.
	Sent *[]map[string]any `json:"sent,omitempty"`
}

func serverName(id int) string {
	if id == 0 {
		return "Nil"
	}
	return fmt.Sprintf("s%d", id)
}

func valueName(v string) string {
	if v == "" {
		return "Nil"
	}
	return v
}

// MessageRecord is m as the TLA+ record of its type (field names as in
// tla/Raft.tla).
//
// With reads (reads: MaxReads > 0) heartbeats and their responses carry a
// read's context mctx (0 for none); a ReadIndexRequest has no term.
func MessageRecord(m spec.Message, reads bool) map[string]any {
	r := map[string]any{"mtype": m.Type.String(), "msource": serverName(m.From), "mdest": serverName(m.To), "mterm": m.Term}
	if reads && (m.Type == spec.HeartbeatRequest || m.Type == spec.HeartbeatResponse) {
		r["mctx"] = m.Ctx
	}
	switch m.Type {
	case spec.ReadIndexRequest:
		delete(r, "mterm")
		r["mctx"] = m.Ctx
	case spec.ReadIndexResponse:
		r["mindex"], r["mctx"] = m.Index, m.Ctx
	case spec.PreVoteRequest, spec.VoteRequest:
		r["mlastLogTerm"], r["mlastLogIndex"], r["mtransfer"] = m.LastLogTerm, m.LastLogIndex, m.Transfer
	case spec.PreVoteResponse, spec.VoteResponse:
		r["mreject"] = m.Reject
	case spec.AppendEntriesRequest:
		ents := make([]map[string]any, len(m.Entries))
		for k, e := range m.Entries {
			ents[k] = map[string]any{"term": e.Term, "value": valueName(e.Value)}
		}
		r["mprevLogIndex"], r["mprevLogTerm"], r["mentries"], r["mcommitIndex"] = m.PrevLogIndex, m.PrevLogTerm, ents, m.Commit
	case spec.AppendEntriesResponse:
		r["mreject"], r["mindex"], r["mrejectHint"], r["mlogTerm"] = m.Reject, m.Index, m.RejectHint, m.LogTerm
	case spec.HeartbeatRequest:
		r["mcommitIndex"] = m.Commit
	case spec.SnapshotRequest:
		r["msnapshotIndex"], r["msnapshotTerm"] = m.SnapshotIndex, m.SnapshotTerm
	}
	return r
}

// Step writes one model step; s is the state of the node that took it, as
// the spec sees it after the step (nil for the network's steps), and sent
// the messages the step sent (written for a node's step, as an empty list
// if it sent none).
func (lg *Logger) Step(l model.Label, s *spec.Server, sent []raft.Message) {
	var out *[]map[string]any
	if s != nil {
		recs := make([]map[string]any, len(sent))
		for k, m := range sent {
			recs[k] = MessageRecord(properties.SpecMessage(m), lg.reads)
		}
		out = &recs
	}
	lg.write(l, s, out)
}

// StepServer writes one model step as Step does, without the messages it
// sent: for a library that has no tracer of its own.
func (lg *Logger) StepServer(l model.Label, s *spec.Server) { lg.write(l, s, nil) }

func (lg *Logger) write(l model.Label, s *spec.Server, sent *[]map[string]any) {
	if lg.err != nil {
		return
	}
	line := logLine{Action: l.Action, I: serverName(l.I), V: l.Value, Sent: sent}
	if s != nil {
		line.State = stateOf(l.I, s)
		if lg.reads {
			rs := [][2]uint64{}
			for _, a := range s.ReadStates {
				rs = append(rs, [2]uint64{a.ID, a.Index})
			}
			line.State.ReadQueue, line.State.PendingReads, line.State.ReadStates =
				logReads(s.ReadQueue, true), logReads(s.PendingReads, false), &rs
		}
	}
	if l.J != 0 {
		line.J = serverName(l.J)
	}
	if l.Msg != nil {
		line.Msg = MessageRecord(*l.Msg, lg.reads)
	}
	data, err := json.Marshal(line)
	if err == nil {
		_, err = lg.w.Write(append(data, '\n'))
	}
	if err != nil {
		lg.err = err
		return
	}
	lg.lines++
}
