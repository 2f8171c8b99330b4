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
// and, for a node's own steps, the node's state afterwards. Servers are
// written s1..sN, values as themselves, and Nil as "Nil".
type Logger struct {
	w     io.Writer
	lines int
	err   error
}

// NewLogger writes to w.
func NewLogger(w io.Writer) *Logger { return &Logger{w: w} }

// Lines is the number of lines written.
func (lg *Logger) Lines() int { return lg.lines }

// Err is the first write error, if any.
func (lg *Logger) Err() error { return lg.err }

type logState struct {
	Term      uint64 `json:"term"`
	Vote      string `json:"vote"`
	Role      string `json:"role"`
	Leader    string `json:"leader"`
	Lease     bool   `json:"lease"`
	Commit    uint64 `json:"commit"`
	LastIndex uint64 `json:"lastIndex"`
	LastTerm  uint64 `json:"lastTerm"`
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
func MessageRecord(m spec.Message) map[string]any {
	r := map[string]any{"mtype": m.Type.String(), "msource": serverName(m.From), "mdest": serverName(m.To), "mterm": m.Term}
	switch m.Type {
	case spec.PreVoteRequest, spec.VoteRequest:
		r["mlastLogTerm"], r["mlastLogIndex"] = m.LastLogTerm, m.LastLogIndex
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
	}
	return r
}

// Step writes one model step; st is the state of the node that took it
// (nil for the network's steps) and sent the messages the step sent
// (written for a node's step, as an empty list if it sent none).
func (lg *Logger) Step(l model.Label, st *raft.NodeState, sent []raft.Message) {
	var ls *logState
	var out *[]map[string]any
	if st != nil {
		ls = &logState{
			Term: st.Term, Vote: serverName(int(st.Vote)), Role: st.Role.String(), Leader: serverName(int(st.Lead)),
			Lease: st.Lease, Commit: st.Commit, LastIndex: st.LastIndex, LastTerm: st.LastTerm,
		}
		recs := make([]map[string]any, len(sent))
		for k, m := range sent {
			recs[k] = MessageRecord(properties.SpecMessage(m))
		}
		out = &recs
	}
	lg.write(l, ls, out)
}

// StepServer writes one model step as Step does, with the state of the
// node that took it given as the spec sees it (nil for the network's
// steps): for a library that has no tracer of its own.
func (lg *Logger) StepServer(l model.Label, s *spec.Server) {
	var ls *logState
	if s != nil {
		ls = &logState{
			Term: s.Term, Vote: serverName(s.Vote), Role: s.Role.String(), Leader: serverName(s.Leader),
			Lease: s.Lease, Commit: s.Commit, LastIndex: uint64(len(s.Log)), LastTerm: s.LastTerm(),
		}
	}
	lg.write(l, ls, nil)
}

func (lg *Logger) write(l model.Label, st *logState, sent *[]map[string]any) {
	if lg.err != nil {
		return
	}
	line := logLine{Action: l.Action, I: serverName(l.I), V: l.Value, State: st, Sent: sent}
	if l.J != 0 {
		line.J = serverName(l.J)
	}
	if l.Msg != nil {
		line.Msg = MessageRecord(*l.Msg)
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
