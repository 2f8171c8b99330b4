package draw

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/checkedraft/checkedraft/spec"
)

// Layout, in pixels.
const (
	rowH      = 34  // between two steps
	colW      = 240 // between two lifelines
	charW     = 7.3 // of the 12px monospace step column
	headerH   = 124 // title, legend and server names above the first row
	stateW    = 270 // right of the last lifeline
	bandW     = 10  // the role band along a lifeline
	footerGap = 40
	// footerLines is how many lines of the violation's report the chart
	// shows below it (all of it is in the tooltip).
	footerLines = 6
)

const (
	cutColor  = "#d00000"
	healColor = "#2b8a3e"
)

var roleColor = map[spec.Role]string{
	spec.Follower:     "#cfd4da",
	spec.PreCandidate: "#f5c342",
	spec.Candidate:    "#ef8a2c",
	spec.Leader:       "#2f9e44",
}

// msgColor is the colour of a message type's arrows: one per pair of
// request and response.
func msgColor(t spec.MsgType) string {
	switch t {
	case spec.PreVoteRequest, spec.PreVoteResponse:
		return "#7b3fb8"
	case spec.VoteRequest, spec.VoteResponse:
		return "#1c64c8"
	case spec.AppendEntriesRequest, spec.AppendEntriesResponse:
		return "#0b7f7f"
	}
	return "#7a7a7a"
}

func isResponse(t spec.MsgType) bool {
	switch t {
	case spec.PreVoteResponse, spec.VoteResponse, spec.AppendEntriesResponse, spec.HeartbeatResponse:
		return true
	}
	return false
}

var shortType = map[spec.MsgType]string{
	spec.PreVoteRequest: "PreVote", spec.PreVoteResponse: "PreVoteResp",
	spec.VoteRequest: "Vote", spec.VoteResponse: "VoteResp",
	spec.AppendEntriesRequest: "App", spec.AppendEntriesResponse: "AppResp",
	spec.HeartbeatRequest: "Heartbeat", spec.HeartbeatResponse: "HeartbeatResp",
}

// MessageLabel is the label of a message's arrow: its type, term and the
// fields that matter for its type.
func MessageLabel(m spec.Message) string {
	name, ok := shortType[m.Type]
	if !ok {
		name = m.Type.String()
	}
	s := fmt.Sprintf("%s t%d", name, m.Term)
	outcome := func() string {
		if m.Reject {
			return " rejected"
		}
		return " granted"
	}
	switch m.Type {
	case spec.PreVoteRequest, spec.VoteRequest:
		s += fmt.Sprintf(" last %d/%d", m.LastLogIndex, m.LastLogTerm)
	case spec.PreVoteResponse, spec.VoteResponse:
		s += outcome()
	case spec.AppendEntriesRequest:
		s += fmt.Sprintf(" prev %d/%d %s c%d", m.PrevLogIndex, m.PrevLogTerm, entriesText(m.Entries, 3), m.Commit)
	case spec.AppendEntriesResponse:
		if m.Reject {
			s += fmt.Sprintf(" rejected %d hint %d/%d", m.Index, m.RejectHint, m.LogTerm)
		} else {
			s += fmt.Sprintf(" ok %d", m.Index)
		}
	case spec.HeartbeatRequest:
		s += fmt.Sprintf(" c%d", m.Commit)
	}
	return s
}

// entriesText lists at most max entries (the last ones), as term:value.
func entriesText(ents []spec.Entry, max int) string {
	var parts []string
	from := 0
	if len(ents) > max {
		from = len(ents) - max
		parts = append(parts, fmt.Sprintf("…%d+", from))
	}
	for _, e := range ents[from:] {
		parts = append(parts, e.String())
	}
	return "[" + strings.Join(parts, " ") + "]"
}

var roleShort = map[spec.Role]string{
	spec.Follower: "Follower", spec.PreCandidate: "PreCandidate", spec.Candidate: "Candidate", spec.Leader: "Leader",
}

// serverText is a server's full state, for a tooltip.
func serverText(name string, s *spec.Server) string {
	id := func(x int) string {
		if x == 0 {
			return "Nil"
		}
		return fmt.Sprintf("s%d", x)
	}
	t := fmt.Sprintf("%s: %s term %d vote %s leader %s commit %d log %s", name, s.Role, s.Term, id(s.Vote), id(s.Leader), s.Commit, entriesText(s.Log, 1<<30))
	if s.Lease {
		t += " lease"
	}
	return t
}

// svg accumulates the document.
type svg struct{ b bytes.Buffer }

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// esc is text escaped for XML.
func esc(t string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(t))
	return b.String()
}

// flight is a copy of a message in flight: where it was sent from.
type flight struct {
	row  int // the chart row that sent it (0: the initial state)
	copy bool
}

// WriteSVG draws the chart as a self-contained SVG document.
func (c *Chart) WriteSVG(w io.Writer) error {
	n := len(c.Servers)
	if n == 0 {
		return fmt.Errorf("draw: the chart has no server")
	}
	if len(c.Init) != n {
		return fmt.Errorf("draw: the initial state has %d servers, the chart %d", len(c.Init), n)
	}
	for k := range c.Steps {
		if len(c.Steps[k].Servers) != n {
			return fmt.Errorf("draw: step %d has %d servers, the chart %d", k+1, len(c.Steps[k].Servers), n)
		}
	}
	rows := len(c.Steps) + 1 // row 0 is the initial state
	texts := make([]string, rows)
	texts[0] = fmt.Sprintf("%3d  Init", 0)
	maxChars := len(texts[0])
	for k, st := range c.Steps {
		texts[k+1] = fmt.Sprintf("%3d  %s", k+1, st.Text)
		maxChars = max(maxChars, len([]rune(texts[k+1])))
	}
	leftW := math.Max(220, 24+float64(maxChars)*charW)
	x := func(i int) float64 { return leftW + 70 + float64(i-1)*colW }
	y := func(r int) float64 { return headerH + float64(r)*rowH }
	arrows := c.arrows()
	inFlight := 0
	for _, a := range arrows {
		if a.to < 0 {
			inFlight++
		}
	}
	// The lifelines go on below the last step for the messages still in
	// flight, each ending lower than the one before.
	yEnd := y(rows-1) + rowH*(1+0.5*float64(inFlight))
	flightEnd := y(rows-1) + rowH*0.4
	width := x(n) + stateW
	if v := c.Violation; v != nil {
		width = math.Max(width, x(n)+bandW+100+textW("✗ "+v.Property, 9.5)+16)
	}
	height := yEnd + footerGap
	var footer []string
	if v := c.Violation; v != nil {
		footer = wrap(v.Detail, int((width-32)/7), footerLines)
		height += 17 * float64(len(footer))
	}
	server := func(r, i int) *spec.Server {
		if r == 0 {
			return &c.Init[i-1]
		}
		return &c.Steps[r-1].Servers[i-1]
	}

	s := &svg{}
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	s.f("<title>%s</title>\n", esc(c.Title))
	s.f("<defs>\n")
	for _, col := range []string{msgColor(spec.PreVoteRequest), msgColor(spec.VoteRequest), msgColor(spec.AppendEntriesRequest), msgColor(spec.HeartbeatRequest), cutColor, healColor} {
		s.f(`<marker id="head-%s" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+"\n", col[1:], col)
	}
	s.f("</defs>\n")
	s.f(`<style>
text { fill: #222; }
.step text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.msg text, .state text, .mark text, .event text { font-size: 10.5px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.lifeline text { font-size: 15px; font-weight: bold; }
</style>` + "\n")
	s.f(`<rect width="100%%" height="100%%" fill="#fff"/>` + "\n")

	// Title and legend.
	s.f(`<text x="16" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", esc(c.Title))
	lx := 16.0
	s.f(`<g class="legend" font-size="11">`)
	for _, r := range []spec.Role{spec.Follower, spec.PreCandidate, spec.Candidate, spec.Leader} {
		s.f(`<rect x="%.0f" y="38" width="%d" height="12" fill="%s"/><text x="%.0f" y="48">%s</text>`, lx, bandW, roleColor[r], lx+14, r)
		lx += 18 + float64(len(r.String()))*6.6
	}
	lx += 12
	for _, t := range []spec.MsgType{spec.PreVoteRequest, spec.VoteRequest, spec.AppendEntriesRequest, spec.HeartbeatRequest} {
		col := msgColor(t)
		s.f(`<line x1="%.0f" y1="44" x2="%.0f" y2="44" stroke="%s" stroke-width="1.6" marker-end="url(#head-%s)"/><text x="%.0f" y="48">%s</text>`, lx, lx+26, col, col[1:], lx+32, shortType[t])
		lx += 44 + float64(len(shortType[t]))*6.6
	}
	s.f(`<text x="16" y="66">Dashed arrows are responses, dotted ones still in flight at the end; ✕ marks a message dropped, or lost to a cut link. Hover for details.</text>`)
	s.f("</g>\n")

	// Row stripes and the step column.
	s.f(`<g class="steps">` + "\n")
	for r := range rows {
		if r%2 == 1 {
			s.f(`<rect x="0" y="%.1f" width="%.0f" height="%d" fill="#f5f6f8"/>`+"\n", y(r)-rowH/2, width, rowH)
		}
	}
	if v := c.Violation; v != nil && v.Step+1 >= 0 && v.Step+1 < rows {
		s.f(`<rect x="0" y="%.1f" width="%.0f" height="%d" fill="#ffd8d8"/>`+"\n", y(v.Step+1)-rowH/2, width, rowH)
	}
	for r := range rows {
		fill := ""
		if v := c.Violation; v != nil && v.Step+1 == r {
			fill = ` style="fill:#b00020;font-weight:bold"`
		}
		s.f(`<g class="step" data-step="%d"><text x="16" y="%.1f" xml:space="preserve"%s>%s</text></g>`+"\n", r, y(r)+4, fill, esc(texts[r]))
	}
	s.f("</g>\n")

	// Lifelines: the name, a thin line, the role band (one rectangle per
	// run of the same role) and the role and term where they change.
	for i := 1; i <= n; i++ {
		name := c.Servers[i-1]
		s.f(`<g class="lifeline" data-server="%s">`, esc(name))
		s.f(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), headerH-30, esc(name))
		s.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#999" stroke-width="1"/>`, x(i), headerH-22, x(i), yEnd)
		start := 0
		for r := 1; r <= rows; r++ {
			if r < rows && server(r, i).Role == server(start, i).Role {
				continue
			}
			top, bottom := y(start), y(r)
			if r == rows {
				bottom = yEnd
			}
			s.f(`<rect class="role" data-role="%s" x="%.1f" y="%.1f" width="%d" height="%.1f" fill="%s"/>`,
				server(start, i).Role, x(i)-bandW/2, top, bandW, bottom-top, roleColor[server(start, i).Role])
			start = r
		}
		s.f("</g>\n")
	}

	// State labels where the role or term changes, and the log where it
	// or the commit index changes.
	var pl placer
	s.f(`<g class="state">` + "\n")
	for i := 1; i <= n; i++ {
		for r := range rows {
			cur := server(r, i)
			var prev *spec.Server
			if r > 0 {
				prev = server(r-1, i)
			}
			if prev == nil || prev.Role != cur.Role || prev.Term != cur.Term {
				label := fmt.Sprintf("%s t%d", roleShort[cur.Role], cur.Term)
				if cur.Lease {
					label += " lease"
				}
				pl.add(box{x(i) + bandW/2 + 4, y(r) - 16, textW(label, 6.4), 13})
				s.f(`<text x="%.1f" y="%.1f" font-weight="bold" data-server="%s" data-step="%d">%s<title>%s</title></text>`+"\n",
					x(i)+bandW/2+4, y(r)-6, esc(c.Servers[i-1]), r, esc(label), esc(serverText(c.Servers[i-1], cur)))
			}
			if prev != nil && (prev.Commit != cur.Commit || !sameLog(prev.Log, cur.Log)) {
				pl.add(box{x(i) + bandW/2 + 4, y(r) + 4, textW("log "+entriesText(cur.Log, 3)+" c00", 6), 13})
				s.f(`<text x="%.1f" y="%.1f" fill="#555" style="fill:#555">log %s c%d<title>%s</title></text>`+"\n",
					x(i)+bandW/2+4, y(r)+14, esc(entriesText(cur.Log, 3)), cur.Commit, esc(serverText(c.Servers[i-1], cur)))
			}
		}
	}
	s.f("</g>\n")

	for k, st := range c.Steps {
		if st.Actor > 0 {
			pl.add(box{x(st.Actor) - 7, y(k+1) - 7, 14, 14}) // its dot
		}
		switch {
		case st.Cut != nil || st.Healed != nil:
			l := st.Cut
			if l == nil {
				l = st.Healed
			}
			w := textW("heal s1→s2", 6.4)
			pl.add(box{(x(l.From)+x(l.To))/2 - w/2, y(k+1) - 16, w, 14})
		case st.Duplicated != nil:
			pl.add(box{x(st.Duplicated.From) - 10 - textW("copy →s1", 6.4), y(k+1) - 6, textW("copy →s1", 6.4), 13})
		case st.Restart:
			pl.add(box{x(st.Actor) - 14 - textW("⟲ restart", 6.4), y(k+1) - 6, textW("⟲ restart", 6.4), 13})
		case st.Actor > 0 && st.Received == nil:
			w := textW(eventWord(st), 6)
			pl.add(box{x(st.Actor) - 10 - w, y(k+1) - 6, w, 13})
		}
	}

	s.f(`<g class="messages">` + "\n")
	for _, a := range arrows {
		col := msgColor(a.m.Type)
		x1, y1 := x(a.m.From), y(a.from)
		if !a.seenStart {
			y1 = y(0)
		}
		x2, y2 := x(a.m.To), 0.0
		label := MessageLabel(a.m)
		if a.copy {
			label = "copy: " + label
		}
		status := "received"
		switch {
		case a.to < 0:
			status = "in flight"
			flightEnd += rowH * 0.5
			y2 = flightEnd
		case a.dropped:
			status = "dropped"
			if a.lost {
				status = "lost"
			}
			y2 = y(a.to)
			x2 = x1 + 0.8*(x2-x1)
		default:
			y2 = y(a.to)
		}
		// Start and end clear of the role bands.
		dx, dy := x2-x1, y2-y1
		l := math.Hypot(dx, dy)
		ux, uy := dx/l, dy/l
		sx, sy := x1+ux*(bandW/2+1), y1+uy*(bandW/2+1)
		ex, ey := x2, y2
		if !a.dropped {
			ex, ey = x2-ux*(bandW/2+1), y2-uy*(bandW/2+1)
		}
		s.f(`<g class="msg" data-type="%s" data-from="%s" data-to="%s" data-sent="%d" data-received="%d" data-status="%s">`,
			a.m.Type, esc(c.Servers[a.m.From-1]), esc(c.Servers[a.m.To-1]), a.from, a.to, status)
		s.f("<title>%s</title>", esc(a.m.String()))
		dash := ""
		if isResponse(a.m.Type) {
			dash = ` stroke-dasharray="6 3"`
		}
		if status == "in flight" {
			dash = ` stroke-dasharray="2 3"`
		}
		head := fmt.Sprintf(` marker-end="url(#head-%s)"`, col[1:])
		if a.dropped {
			head = ""
		}
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.6"%s%s/>`, sx, sy, ex, ey, col, dash, head)
		if a.dropped {
			s.f(`<path d="M%.1f,%.1f l8,8 m0,-8 l-8,8" stroke="#d00" stroke-width="2.2"/>`, ex-4, ey-4)
		}
		// The label along the arrow, at its middle, kept upright.
		ang := math.Atan2(dy, dx) * 180 / math.Pi
		if ang > 90 {
			ang -= 180
		} else if ang < -90 {
			ang += 180
		}
		t := pl.place(sx, sy, ex, ey, ang, textW(label, 5.9), 13)
		mx, my := sx+t*(ex-sx), sy+t*(ey-sy)
		s.f(`<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(%.1f %.1f %.1f)" dy="-4" style="fill:%s">%s</text>`,
			mx, my, ang, mx, my, col, esc(label))
		s.f("</g>\n")
	}
	s.f("</g>\n")

	// Events: a dot where a server takes a step; what the step is for the
	// steps without a message; restarts, partitions and heals.
	s.f(`<g class="events">` + "\n")
	for k, st := range c.Steps {
		r := k + 1
		yr := y(r)
		switch {
		case st.Cut != nil || st.Healed != nil:
			l, col, word := st.Cut, cutColor, "cut"
			if st.Healed != nil {
				l, col, word = st.Healed, healColor, "heal"
			}
			x1, x2 := x(l.From), x(l.To)
			s.f(`<g class="mark" data-kind="%s" data-step="%d"><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5" stroke-dasharray="8 4" marker-end="url(#head-%s)"/>`,
				word, r, x1, yr, x2-sign(x2-x1)*(bandW/2+1), yr, col, col[1:])
			s.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" style="fill:%s">%s %s→%s</text></g>`+"\n",
				(x1+x2)/2, yr-5, col, word, esc(c.Servers[l.From-1]), esc(c.Servers[l.To-1]))
		case st.Duplicated != nil:
			m := st.Duplicated
			xi := x(m.From)
			s.f(`<g class="mark" data-kind="duplicate" data-step="%d"><circle cx="%.1f" cy="%.1f" r="6" fill="#fff" stroke="%s" stroke-width="2"/>`, r, xi, yr, msgColor(m.Type))
			s.f(`<text x="%.1f" y="%.1f" text-anchor="end" font-weight="bold">copy →%s</text><title>%s</title></g>`+"\n", xi-10, yr+4, esc(c.Servers[m.To-1]), esc(m.String()))
		case st.Restart:
			xi := x(st.Actor)
			s.f(`<g class="mark" data-kind="restart" data-step="%d"><rect x="%.1f" y="%.1f" width="22" height="10" fill="#222"/>`, r, xi-11, yr-5)
			s.f(`<text x="%.1f" y="%.1f" text-anchor="end" font-weight="bold">⟲ restart</text><title>%s</title></g>`+"\n", xi-14, yr+4, esc(serverText(c.Servers[st.Actor-1], &st.Servers[st.Actor-1])))
		case st.Actor > 0:
			xi := x(st.Actor)
			s.f(`<g class="event" data-step="%d" data-server="%s"><circle cx="%.1f" cy="%.1f" r="4.5" fill="#222"/><title>%s&#10;%s</title>`,
				r, esc(c.Servers[st.Actor-1]), xi, yr, esc(st.Text), esc(serverText(c.Servers[st.Actor-1], &st.Servers[st.Actor-1])))
			if st.Received == nil {
				s.f(`<text x="%.1f" y="%.1f" text-anchor="end" font-style="italic">%s</text>`, xi-10, yr+4, esc(eventWord(st)))
			}
			s.f("</g>\n")
		}
	}
	s.f("</g>\n")

	// The violated property, at its step and below the chart.
	if v := c.Violation; v != nil {
		r := min(max(v.Step+1, 0), rows-1)
		s.f(`<g class="violation" data-property="%s" data-step="%d"><title>%s</title>`, esc(v.Property), r, esc(v.Detail))
		s.f(`<text x="%.1f" y="%.1f" font-size="14" font-weight="bold" style="fill:#b00020">✗ %s</text>`, x(n)+bandW+100, y(r)+5, esc(v.Property))
		at := fmt.Sprintf("at step %d", r)
		if r == 0 {
			at = "in the initial state"
		}
		s.f(`<text x="16" y="%.1f" font-size="13" style="fill:#b00020"><tspan font-weight="bold">%s is violated %s:</tspan>`, yEnd+22, esc(v.Property), at)
		for _, line := range footer {
			s.f(`<tspan x="16" dy="17">%s</tspan>`, esc(line))
		}
		s.f("</text></g>\n")
	}
	s.f("</svg>\n")
	_, err := w.Write(s.b.Bytes())
	return err
}

// arrow is one copy of a message: from the row that sent it to the row
// that received or dropped it.
type arrow struct {
	m         spec.Message
	from, to  int  // chart rows; to = -1: still in flight at the end
	dropped   bool // by the network (lost: by a partition)
	lost      bool
	copy      bool
	seenStart bool // the sending step is in the chart
}

// arrows matches each reception or drop with the earliest copy of the
// message sent and not yet taken; the copies left are still in flight.
func (c *Chart) arrows() []arrow {
	pending := map[string][]flight{}
	key := func(m spec.Message) string { return fmt.Sprintf("%+v", m) }
	var arrows []arrow
	take := func(m spec.Message, to int, dropped, lost bool) {
		k := key(m)
		a := arrow{m: m, to: to, dropped: dropped, lost: lost}
		if q := pending[k]; len(q) > 0 {
			a.from, a.copy, a.seenStart = q[0].row, q[0].copy, true
			pending[k] = q[1:]
		}
		arrows = append(arrows, a)
	}
	var order []string // keys in first-sent order, for the messages left in flight
	for k, st := range c.Steps {
		r := k + 1
		if st.Received != nil {
			take(*st.Received, r, false, false)
		}
		if st.Dropped != nil {
			take(*st.Dropped, r, true, false)
		}
		for _, m := range st.Lost {
			take(m, r, true, true)
		}
		if st.Duplicated != nil {
			kk := key(*st.Duplicated)
			pending[kk] = append(pending[kk], flight{row: r, copy: true})
		}
		for _, m := range st.Sent {
			kk := key(m)
			if _, ok := pending[kk]; !ok {
				order = append(order, kk)
			}
			pending[kk] = append(pending[kk], flight{row: r})
		}
	}
	byKey := map[string]spec.Message{}
	for _, st := range c.Steps {
		for _, m := range st.Sent {
			byKey[key(m)] = m
		}
		if st.Duplicated != nil {
			byKey[key(*st.Duplicated)] = *st.Duplicated
		}
	}
	for _, kk := range order {
		for _, f := range pending[kk] {
			arrows = append(arrows, arrow{m: byKey[kk], from: f.row, to: -1, copy: f.copy, seenStart: true})
		}
	}
	return arrows
}

// eventWord names a step that handles no message, next to its dot.
func eventWord(st Step) string {
	switch st.Action {
	case "ClientRequest":
		if i := strings.LastIndex(st.Text, ", "); i >= 0 {
			return "client " + strings.TrimSuffix(st.Text[i+2:], ")")
		}
		return "client request"
	case "Timeout":
		return "timeout"
	case "Heartbeat":
		return "heartbeat"
	case "QuorumCheck":
		return "quorum check"
	case "LeaseExpire":
		return "lease expires"
	}
	return st.Action
}

// box is an axis-aligned rectangle: a label's extent.
type box struct{ x, y, w, h float64 }

func (a box) overlap(b box) float64 {
	w := math.Min(a.x+a.w, b.x+b.w) - math.Max(a.x, b.x)
	h := math.Min(a.y+a.h, b.y+b.h) - math.Max(a.y, b.y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// placer keeps the labels placed so far, so that the next arrow's label
// goes where it overlaps them least.
type placer struct{ boxes []box }

func (p *placer) add(b box) { p.boxes = append(p.boxes, b) }

// where along an arrow its label may go, in order of preference.
var labelAt = []float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85}

// place chooses where along the arrow from (x1,y1) to (x2,y2) its label
// (w by h, rotated by ang degrees) goes, records its extent and returns
// the fraction of the arrow.
func (p *placer) place(x1, y1, x2, y2, ang, w, h float64) float64 {
	rad := ang * math.Pi / 180
	bw := w*math.Abs(math.Cos(rad)) + h*math.Abs(math.Sin(rad))
	bh := w*math.Abs(math.Sin(rad)) + h*math.Abs(math.Cos(rad))
	best, bestCost := labelAt[0], math.Inf(1)
	var bestBox box
	for _, t := range labelAt {
		cx, cy := x1+t*(x2-x1), y1+t*(y2-y1)-4
		b := box{cx - bw/2, cy - bh/2, bw, bh}
		cost := 0.0
		for _, o := range p.boxes {
			cost += o.overlap(b)
		}
		if cost < bestCost-1e-9 {
			best, bestCost, bestBox = t, cost, b
		}
		if cost == 0 {
			break
		}
	}
	p.add(bestBox)
	return best
}

// textW estimates the width of a text at perChar pixels a character.
func textW(t string, perChar float64) float64 { return float64(len([]rune(t))) * perChar }

// wrap breaks text into at most max lines of about width characters, at
// spaces and line breaks; a cut is marked with "…".
func wrap(text string, width, max int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	if len(lines) > max {
		lines = append(lines[:max-1], lines[max-1]+" …")
	}
	return lines
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func sameLog(a, b []spec.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
