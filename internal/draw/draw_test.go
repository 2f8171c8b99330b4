package draw_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/explore"
	"github.com/checkedraft/checkedraft/internal/draw"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
	"github.com/checkedraft/checkedraft/traces"
)

// node is an element of the SVG document, as encoding/xml reads it.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all lists the elements below n (n included) with the class.
func (n *node) all(class string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if x.attr("class") == class {
			out = append(out, x)
		}
		for k := range x.Nodes {
			walk(&x.Nodes[k])
		}
	}
	walk(n)
	return out
}

// text is the text of the first element named name below n.
func (n *node) text(name string) string {
	for k := range n.Nodes {
		c := &n.Nodes[k]
		if c.XMLName.Local == name {
			return strings.TrimSpace(c.Text)
		}
		if t := c.text(name); t != "" {
			return t
		}
	}
	return ""
}

// render draws the chart and parses the SVG back.
func render(t *testing.T, c *draw.Chart) *node {
	t.Helper()
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	var doc node
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the chart is not well-formed XML: %v", err)
	}
	if doc.XMLName.Local != "svg" || doc.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("the document is a %v, not an SVG", doc.XMLName)
	}
	return &doc
}

// checkLifelines: one lifeline per server, named s1..sN, in order.
func checkLifelines(t *testing.T, doc *node, n int) {
	t.Helper()
	ls := doc.all("lifeline")
	if len(ls) != n {
		t.Fatalf("%d lifelines, want %d", len(ls), n)
	}
	for i, l := range ls {
		want := fmt.Sprintf("s%d", i+1)
		if l.attr("data-server") != want || l.text("text") != want {
			t.Errorf("lifeline %d is %q named %q, want %s", i+1, l.attr("data-server"), l.text("text"), want)
		}
	}
}

// checkArrows: one arrow per message handled or dropped, at that step,
// from its sender to its receiver, one per copy a partition removed from
// flight, and one per copy still in flight at the end; the arrows are
// counted from the behaviour itself.
func checkArrows(t *testing.T, doc *node, states []model.TraceStep) []*node {
	t.Helper()
	arrows := doc.all("msg")
	at := map[string]*node{}
	lost := map[string]int{}
	for _, a := range arrows {
		switch a.attr("data-status") {
		case "lost":
			lost[a.attr("data-received")]++
		case "received", "dropped":
			at[a.attr("data-received")] = a
		}
	}
	want := 0
	for k := 1; k < len(states); k++ {
		l := states[k].Label
		if l.Action == "Partition" {
			n := 0
			for _, b := range states[k-1].State.Messages {
				if b.Msg.From == l.I && b.Msg.To == l.J {
					n += b.Copies
				}
			}
			if lost[strconv.Itoa(k)] != n {
				t.Errorf("step %d %v: %d arrows lost, want the %d copies on the link", k, l, lost[strconv.Itoa(k)], n)
			}
			want += n
		}
		if l.Msg == nil || l.Action == "DuplicateMessage" {
			continue
		}
		want++
		a := at[strconv.Itoa(k)]
		status := "received"
		if l.Action == "DropMessage" {
			status = "dropped"
		}
		if a == nil {
			t.Errorf("step %d %v: no arrow ends there", k, l)
			continue
		}
		if a.attr("data-type") != l.Msg.Type.String() || a.attr("data-from") != fmt.Sprintf("s%d", l.Msg.From) ||
			a.attr("data-to") != fmt.Sprintf("s%d", l.Msg.To) || a.attr("data-status") != status {
			t.Errorf("step %d %v: the arrow is %s %s->%s %s", k, l, a.attr("data-type"), a.attr("data-from"), a.attr("data-to"), a.attr("data-status"))
		}
		if sent, err := strconv.Atoi(a.attr("data-sent")); err != nil || sent >= k {
			t.Errorf("step %d %v: the arrow starts at step %q, not before", k, l, a.attr("data-sent"))
		}
	}
	inFlight := 0
	for _, b := range states[len(states)-1].State.Messages {
		inFlight += b.Copies
	}
	if len(arrows) != want+inFlight {
		t.Errorf("%d arrows, want %d handled, dropped or lost and %d in flight", len(arrows), want, inFlight)
	}
	return arrows
}

func explorerCounterexample(t *testing.T, name string) *explore.Violation {
	t.Helper()
	cfg, err := model.ParseConfig(filepath.Join("..", "..", "tla", name+".cfg"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := explore.Explore(cfg, explore.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil {
		t.Fatalf("the explorer finds no violation in %s", name)
	}
	return res.Violation
}

// TestExplorerCounterexample draws the explorer's counterexample for the
// MutVoteTwice mutant (a server grants two votes in a term, two leaders of
// term 1 follow).
func TestExplorerCounterexample(t *testing.T) {
	v := explorerCounterexample(t, "MutVoteTwice")
	c, err := draw.FromTrace("MutVoteTwice", v.Trace)
	if err != nil {
		t.Fatal(err)
	}
	last := len(v.Trace) - 1
	c.Violation = &draw.Violation{Property: v.Property, Step: last - 1, Detail: v.Err.Error()}
	doc := render(t, c)
	checkLifelines(t, doc, 3)
	arrows := checkArrows(t, doc, v.Trace)

	// The last step handles the vote that makes the second leader: a
	// granted VoteResponse of term 1, so labelled.
	l := v.Trace[last].Label
	if l.Msg == nil || l.Msg.Type != spec.VoteResponse {
		t.Fatalf("the counterexample ends with %v, not a vote response", l)
	}
	var final *node
	for _, a := range arrows {
		if a.attr("data-received") == strconv.Itoa(last) {
			final = a
		}
	}
	if got := final.text("text"); got != "VoteResp t1 granted" {
		t.Errorf("the last arrow is labelled %q, want %q", got, "VoteResp t1 granted")
	}
	// The new leader's appends are still in flight, labelled with their
	// previous index and term, entries and commit.
	apps := 0
	for _, a := range arrows {
		if a.attr("data-status") == "in flight" && a.attr("data-type") == "AppendEntriesRequest" {
			apps++
			if got := a.text("text"); got != "App t1 prev 0/0 [1:-] c0" {
				t.Errorf("an append in flight is labelled %q", got)
			}
		}
	}
	if apps == 0 {
		t.Error("no append in flight at the end")
	}

	// The violated property, named at the last step, whose row says what
	// the step was.
	vs := doc.all("violation")
	if len(vs) != 1 || vs[0].attr("data-property") != "ElectionSafety" || vs[0].attr("data-step") != strconv.Itoa(last) {
		t.Fatalf("violation marks %v, want one ElectionSafety at step %d", attrsOf(vs), last)
	}
	for _, row := range doc.all("step") {
		if row.attr("data-step") == strconv.Itoa(last) && !strings.Contains(row.text("text"), "HandleVoteResponse") {
			t.Errorf("row %d reads %q", last, row.text("text"))
		}
	}
	// Each lifeline's role band changes colour where the server's role
	// changes.
	for i, l := range doc.all("lifeline") {
		var want []string
		for _, st := range v.Trace {
			if r := st.State.Servers[i].Role.String(); len(want) == 0 || want[len(want)-1] != r {
				want = append(want, r)
			}
		}
		var got []string
		for _, r := range l.all("role") {
			got = append(got, r.attr("data-role"))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("lifeline s%d: roles %v, want %v", i+1, got, want)
		}
	}
	// Both leaders' role changes are on their lifelines.
	leaders := 0
	for _, st := range doc.all("state") {
		for k := range st.Nodes {
			if strings.HasPrefix(strings.TrimSpace(st.Nodes[k].Text), "Leader t1") {
				leaders++
			}
		}
	}
	if leaders != 2 {
		t.Errorf("%d servers become Leader t1 on the chart, want 2", leaders)
	}
}

func attrsOf(ns []*node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprint(n.Attrs))
	}
	return out
}

// TestTLCCounterexample draws TLC's -dumpTrace json counterexample for the
// same mutant. TLC was told to check ElectionSafety; checking every
// property finds that a vote was granted twice (OneVotePerTerm) first.
func TestTLCCounterexample(t *testing.T) {
	tr, err := traces.ReadAny(filepath.Join("..", "..", "traces", "testdata", "MutVoteTwice.json"))
	if err != nil {
		t.Fatal(err)
	}
	states, err := traces.States(tr)
	if err != nil {
		t.Fatal(err)
	}
	election := draw.FindViolation(states, spec.Invariants, nil)
	if election == nil || election.Property != "ElectionSafety" || election.Step != len(states)-2 {
		t.Fatalf("with the invariants: %+v, want ElectionSafety at the last step", election)
	}
	first := draw.FindViolation(states, spec.Invariants, spec.ActionPropertiesFor(draw.UsesPreVote(states)))
	if first == nil || first.Property != "OneVotePerTerm" || first.Step >= election.Step {
		t.Fatalf("with every property: %+v, want OneVotePerTerm before ElectionSafety", first)
	}
	c, err := draw.FromTrace(tr.File, states)
	if err != nil {
		t.Fatal(err)
	}
	c.Violation = first
	doc := render(t, c)
	checkLifelines(t, doc, 3)
	checkArrows(t, doc, states)
	vs := doc.all("violation")
	if len(vs) != 1 || vs[0].attr("data-property") != "OneVotePerTerm" || vs[0].attr("data-step") != strconv.Itoa(first.Step+1) {
		t.Fatalf("violation marks %v, want OneVotePerTerm at step %d", attrsOf(vs), first.Step+1)
	}
	// The step that breaks it handles a vote request.
	if a := states[first.Step+1].Label.Action; a != "HandleVoteRequest" {
		t.Errorf("OneVotePerTerm fails at %s", a)
	}
}

// TestTLCMutantCounterexample: a counterexample TLC wrote (-dumpTrace
// json) for the MutCandidateSkipsPreVote mutant, whose action MutTimeout
// stands for Timeout: the second timeout makes a candidate without a
// pre-vote quorum, at the last step.
func TestTLCMutantCounterexample(t *testing.T) {
	tr, err := traces.ReadAny(filepath.Join("testdata", "MutCandidateSkipsPreVote.json"))
	if err != nil {
		t.Fatal(err)
	}
	states, err := traces.States(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !draw.UsesPreVote(states) {
		t.Fatal("the counterexample shows no PreVote")
	}
	v := draw.FindViolation(states, spec.Invariants, spec.ActionPropertiesFor(true))
	last := len(states) - 1
	if v == nil || v.Property != "CandidateHasPreVoteQuorum" || v.Step+1 != last {
		t.Fatalf("%+v, want CandidateHasPreVoteQuorum at step %d", v, last)
	}
	c, err := draw.FromTrace(tr.File, states)
	if err != nil {
		t.Fatal(err)
	}
	c.Violation = v
	doc := render(t, c)
	checkLifelines(t, doc, 3)
	checkArrows(t, doc, states)
	vs := doc.all("violation")
	if len(vs) != 1 || vs[0].attr("data-property") != "CandidateHasPreVoteQuorum" || vs[0].attr("data-step") != strconv.Itoa(last) {
		t.Fatalf("violation marks %v", attrsOf(vs))
	}
	for _, row := range doc.all("step") {
		if row.attr("data-step") == strconv.Itoa(last) && !strings.HasSuffix(row.text("text"), "Timeout(s1)") {
			t.Errorf("step %d reads %q, want the timeout of s1", last, row.text("text"))
		}
	}
}

// TestCorpusTraces draws traces of the corpus with partitions and
// restarts: every cut, heal and restart is marked at its step, and no
// property is violated.
func TestCorpusTraces(t *testing.T) {
	for _, file := range []string{"partitions/001.ndjson.gz", "restarts/002.ndjson.gz", "prevote_checkquorum/003.ndjson.gz"} {
		t.Run(file, func(t *testing.T) {
			tr, err := traces.ReadAny(filepath.Join("..", "..", "traces", "corpus", filepath.FromSlash(file)))
			if err != nil {
				t.Fatal(err)
			}
			states, err := traces.States(tr)
			if err != nil {
				t.Fatal(err)
			}
			if v := draw.FindViolation(states, spec.Invariants, spec.ActionPropertiesFor(draw.UsesPreVote(states))); v != nil {
				t.Fatalf("a corpus trace violates %s at step %d: %s", v.Property, v.Step+1, v.Detail)
			}
			c, err := draw.FromTrace(file, states)
			if err != nil {
				t.Fatal(err)
			}
			doc := render(t, c)
			checkLifelines(t, doc, states[0].State.N())
			checkArrows(t, doc, states)
			if vs := doc.all("violation"); len(vs) != 0 {
				t.Errorf("violation marks on a passing trace: %v", attrsOf(vs))
			}
			want := map[string]string{}
			for k := 1; k < len(states); k++ {
				switch states[k].Label.Action {
				case "Partition":
					want[strconv.Itoa(k)] = "cut"
				case "Heal":
					want[strconv.Itoa(k)] = "heal"
				case "Restart":
					want[strconv.Itoa(k)] = "restart"
				case "DuplicateMessage":
					want[strconv.Itoa(k)] = "duplicate"
				}
			}
			got := map[string]string{}
			for _, m := range doc.all("mark") {
				got[m.attr("data-step")] = m.attr("data-kind")
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("marks %v, want %v", got, want)
			}
			if file == "partitions/001.ndjson.gz" && len(want) == 0 || file == "restarts/002.ndjson.gz" && !strings.Contains(fmt.Sprint(want), "restart") {
				t.Errorf("%s has no fault to mark: pick another trace", file)
			}
		})
	}
}

// TestExpand: implementation steps made of several model steps show each
// model step, with the states the model computes between them.
func TestExpand(t *testing.T) {
	v := explorerCounterexample(t, "MutVoteTwice")
	cfg, err := model.ParseConfig(filepath.Join("..", "..", "tla", "MutVoteTwice.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	// Pairs of model steps as one implementation step, the state after
	// each pair known, the last one only.
	var steps []draw.Compound
	for k := 1; k < len(v.Trace); k += 2 {
		st := draw.Compound{Labels: []model.Label{*v.Trace[k].Label}}
		end := k
		if k+1 < len(v.Trace) {
			st.Labels = append(st.Labels, *v.Trace[k+1].Label)
			end = k + 1
		}
		if end == len(v.Trace)-1 {
			st.Post = v.Trace[end].State
		}
		steps = append(steps, st)
	}
	got := draw.Expand(cfg, v.Trace[0].State, steps)
	if len(got) != len(v.Trace) {
		t.Fatalf("%d states, want %d", len(got), len(v.Trace))
	}
	for k := range got {
		if !spec.Equal(got[k].State, v.Trace[k].State) {
			t.Errorf("state %d differs from the explorer's", k)
		}
	}
	// A step the model refuses leaves the state unknown, shown unchanged,
	// until a known state.
	bad := model.Label{Action: "Timeout", I: 9}
	got = draw.Expand(cfg, v.Trace[0].State, []draw.Compound{{Labels: []model.Label{bad, *v.Trace[1].Label}}, {Labels: []model.Label{*v.Trace[2].Label}, Post: v.Trace[2].State}})
	if len(got) != 4 || !spec.Equal(got[2].State, v.Trace[0].State) || !spec.Equal(got[3].State, v.Trace[2].State) {
		t.Errorf("after a refused step: %d states", len(got))
	}
}

// TestBadCharts: a chart that does not hold together is an error, not a
// panic.
func TestBadCharts(t *testing.T) {
	v := explorerCounterexample(t, "MutVoteTwice")
	if _, err := draw.FromTrace("x", nil); err == nil {
		t.Error("no state: no error")
	}
	if _, err := draw.FromTrace("x", []model.TraceStep{v.Trace[0], {State: v.Trace[1].State}}); err == nil || !strings.Contains(err.Error(), "state 2") {
		t.Errorf("a state without its step: %v", err)
	}
	c, err := draw.FromTrace("x", v.Trace)
	if err != nil {
		t.Fatal(err)
	}
	c.Steps[3].Servers = c.Steps[3].Servers[:1]
	if err := c.WriteSVG(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "step 4") {
		t.Errorf("a step with one server: %v", err)
	}
	if err := (&draw.Chart{}).WriteSVG(&bytes.Buffer{}); err == nil {
		t.Error("an empty chart: no error")
	}
}

// TestPropertyOf names the property of the reports the property runs
// give.
func TestPropertyOf(t *testing.T) {
	for report, want := range map[string]string{
		"after Timeout(1): ElectionSafety: servers 1 and 2 are both leaders of term 2":   "ElectionSafety",
		"at HandleVoteRequest(2, 1) VoteRequest 1->2 t1: OneVotePerTerm: server 2 voted": "OneVotePerTerm",
		"refinement: the model does not allow step 1 of 2":                               "refinement",
		"committed entry changed: server 1 commits 1:v1 at index 1":                      "committed entry changed",
	} {
		if got := draw.PropertyOf(report); got != want {
			t.Errorf("PropertyOf(%q) = %q, want %q", report, got, want)
		}
	}
}

// FuzzDraw: whatever a file holds, reading and drawing it is an error or a
// chart, never a panic.
func FuzzDraw(f *testing.F) {
	for _, p := range []string{filepath.Join("..", "..", "traces", "testdata", "good.ndjson"), filepath.Join("testdata", "MutCandidateSkipsPreVote.json")} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tr, err := traces.ReadAny(p)
		if err != nil {
			return
		}
		states, err := traces.States(tr)
		if err != nil {
			return
		}
		c, err := draw.FromTrace("fuzz", states)
		if err != nil {
			return
		}
		c.Violation = draw.FindViolation(states, spec.Invariants, spec.ActionPropertiesFor(true))
		if err := c.WriteSVG(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}
