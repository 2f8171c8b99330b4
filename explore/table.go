package explore

import (
	"fmt"
	"io"
	"strings"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// WriteTable prints the counterexample as a table: one row per state with
// the step that led to it and, per server, its role, term, vote, leader,
// commit and log, followed by the messages in flight and the cut links.
// A server the step changed is marked with "*".
func (v *Violation) WriteTable(w io.Writer) error {
	kind := "invariant"
	if v.Action {
		kind = "action property"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s is violated: %v\n", kind, v.Property, v.Err)
	fmt.Fprintf(&b, "counterexample: %d states\n\n", len(v.Trace))
	if len(v.Trace) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	n := v.Trace[0].State.N()
	// Cells: step, action, one per server.
	rows := make([][]string, len(v.Trace))
	for k, step := range v.Trace {
		row := []string{fmt.Sprint(k), "Init"}
		if step.Label != nil {
			row[1] = actionCell(*step.Label)
		}
		for i := 1; i <= n; i++ {
			changed := k > 0 && !sameServer(v.Trace[k-1].State.Server(i), step.State.Server(i))
			row = append(row, serverCell(step.State.Server(i), changed))
		}
		rows[k] = row
	}
	header := []string{"step", "action"}
	for i := 1; i <= n; i++ {
		header = append(header, fmt.Sprintf("server %d", i))
	}
	width := make([]int, len(header))
	for c, h := range header {
		width[c] = len(h)
	}
	for _, row := range rows {
		for c, cell := range row {
			width[c] = max(width[c], len(cell))
		}
	}
	writeRow := func(row []string) {
		for c, cell := range row {
			switch {
			case c == 0:
				fmt.Fprintf(&b, "%*s", width[c], cell)
			case c == len(row)-1:
				fmt.Fprintf(&b, "  %s", cell)
			default:
				fmt.Fprintf(&b, "  %-*s", width[c], cell)
			}
		}
		b.WriteString("\n")
	}
	writeRow(header)
	rule := make([]string, len(header))
	for c := range rule {
		rule[c] = strings.Repeat("-", width[c])
	}
	writeRow(rule)
	indent := strings.Repeat(" ", width[0]+2)
	for k, row := range rows {
		writeRow(row)
		st := v.Trace[k].State
		var msgs []string
		for _, m := range st.Messages {
			s := m.Msg.String()
			if m.Copies > 1 {
				s += fmt.Sprintf(" (x%d)", m.Copies)
			}
			msgs = append(msgs, s)
		}
		if len(msgs) == 0 {
			fmt.Fprintf(&b, "%sin flight: none\n", indent)
		} else {
			fmt.Fprintf(&b, "%sin flight: %s\n", indent, strings.Join(msgs, "; "))
		}
		if len(st.Cut) > 0 {
			var cut []string
			for _, l := range st.Cut {
				cut = append(cut, fmt.Sprintf("%d->%d", l.From, l.To))
			}
			fmt.Fprintf(&b, "%scut: %s\n", indent, strings.Join(cut, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// actionCell is the action with its parameters (the message is shown in
// the previous row's in-flight list, so only its type is repeated).
func actionCell(l model.Label) string {
	switch {
	case l.Action == "ClientRequest":
		return fmt.Sprintf("%s(%d, %s)", l.Action, l.I, l.Value)
	case l.Msg != nil:
		return fmt.Sprintf("%s(%d, %d) %s t%d", l.Action, l.I, l.J, msgSummary(*l.Msg), l.Msg.Term)
	case l.J != 0:
		return fmt.Sprintf("%s(%d, %d)", l.Action, l.I, l.J)
	}
	return fmt.Sprintf("%s(%d)", l.Action, l.I)
}

// msgSummary is a message's type and outcome in a few characters.
func msgSummary(m spec.Message) string {
	switch m.Type {
	case spec.PreVoteResponse, spec.VoteResponse:
		if m.Reject {
			return m.Type.String() + " reject"
		}
		return m.Type.String() + " grant"
	case spec.AppendEntriesResponse:
		if m.Reject {
			return fmt.Sprintf("%v reject %d", m.Type, m.Index)
		}
		return fmt.Sprintf("%v ack %d", m.Type, m.Index)
	case spec.AppendEntriesRequest:
		return fmt.Sprintf("%v prev %d/%d %d ents", m.Type, m.PrevLogIndex, m.PrevLogTerm, len(m.Entries))
	}
	return m.Type.String()
}

var roleAbbrev = map[spec.Role]string{
	spec.Follower: "Fol", spec.PreCandidate: "Pre", spec.Candidate: "Can", spec.Leader: "LEAD",
}

// serverCell renders one server: role, term, vote, leader, commit, log.
func serverCell(s *spec.Server, changed bool) string {
	id := func(x int) string {
		if x == 0 {
			return "-"
		}
		return fmt.Sprint(x)
	}
	var b strings.Builder
	if changed {
		b.WriteString("*")
	}
	fmt.Fprintf(&b, "%s t%d vote %s lead %s", roleAbbrev[s.Role], s.Term, id(s.Vote), id(s.Leader))
	if s.Lease {
		b.WriteString(" lease")
	}
	fmt.Fprintf(&b, " commit %d log [", s.Commit)
	for k, e := range s.Log {
		if k > 0 {
			b.WriteString(" ")
		}
		b.WriteString(e.String())
	}
	b.WriteString("]")
	return b.String()
}

// sameServer compares the variables a trace row shows and the rest.
func sameServer(a, b *spec.Server) bool {
	if a.Term != b.Term || a.Vote != b.Vote || a.Commit != b.Commit || a.Role != b.Role ||
		a.Leader != b.Leader || a.Lease != b.Lease || a.Granted != b.Granted ||
		a.Rejected != b.Rejected || a.RecentActive != b.RecentActive || a.Transferee != b.Transferee ||
		len(a.Log) != len(b.Log) || len(a.Progress) != len(b.Progress) {
		return false
	}
	for k := range a.Log {
		if a.Log[k] != b.Log[k] {
			return false
		}
	}
	for k := range a.Progress {
		if a.Progress[k] != b.Progress[k] {
			return false
		}
	}
	return true
}
