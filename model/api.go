// Package model is an executable transcription of tla/Raft.tla: the same
// actions and helper operators under the same names, each with a doc
// comment naming the TLA+ operator, over a compact state that holds the
// TLA+ variables. Its API works on spec.View: Init, Successors and Apply,
// with steps named by Label (the TLA+ action and its parameters).
//
// The seeded mutants of tla/Mut*.tla are variants selected by
// Config.Mutation, each a small deviation marked "Mutant <Name>" in the
// operator its cfg overrides. ParseConfig reads the tla/*.cfg files.
//
// Encoder is the fast path for a model checker (package explore): states
// as canonical byte encodings up to the cfg's symmetry, decoded back, and
// their successors handed over in scratch memory.
package model

import (
	"fmt"
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// Label names a step: a TLA+ action and its parameters.
type Label struct {
	// Action is the TLA+ action name, e.g. "HandleVoteRequest".
	Action string
	// I and J are the action's server parameters as in the TLA+ action
	// (0 if unused): for message actions I is the receiver and J the
	// sender; for Partition and Heal the link is from I to J.
	I, J int
	// Value is ClientRequest's value.
	Value string
	// Msg is, for a message action, the message handled, dropped or
	// duplicated.
	Msg *spec.Message
}

// String renders the label as the TLA+ action with its parameters, e.g.
// "HandleVoteRequest(2, 1) VoteRequest 1->2 t1 last=0/0".
func (l Label) String() string {
	switch {
	case l.Action == actClientRequest.String():
		return fmt.Sprintf("%s(%d, %s)", l.Action, l.I, l.Value)
	case l.Msg != nil:
		return fmt.Sprintf("%s(%d, %d) %v", l.Action, l.I, l.J, *l.Msg)
	case l.J != 0:
		return fmt.Sprintf("%s(%d, %d)", l.Action, l.I, l.J)
	}
	return fmt.Sprintf("%s(%d)", l.Action, l.I)
}

// Transition is one step: its label and the state it leads to.
type Transition struct {
	Label Label
	Next  *spec.View
}

// TraceStep is one state of a behaviour and the step that led to it (nil
// Label for the initial state): a counterexample, a walk, a replayed
// trace.
type TraceStep struct {
	Label *Label
	State *spec.View
}

// Init is the initial state of Raft.tla's Init for cfg.
func Init(cfg Config) *spec.View {
	v := initState()
	return toView(&cfg, &v)
}

// Successors lists every enabled step from v, one per distinct message for
// the message actions, in the order of Raft.tla's Next. It panics if v
// does not fit cfg (a View of another number of servers, a value not in
// cfg.Values, or beyond the model's capacity); Apply reports that as an
// error instead.
func Successors(cfg Config, v *spec.View) []Transition {
	s, err := fromView(&cfg, v)
	if err != nil {
		panic("model.Successors: " + err.Error())
	}
	st := newStepper(&cfg)
	var out []Transition
	st.Next(&s, func(l label, next *state) {
		out = append(out, Transition{Label: toLabel(&cfg, &s, l), Next: toView(&cfg, next)})
	})
	return out
}

// Apply returns the unique successor of v by the step l, or an error saying
// why l is not a step of v (unknown action, message not in flight, guard
// false).
func Apply(cfg Config, v *spec.View, l Label) (*spec.View, error) {
	s, err := fromView(&cfg, v)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", l, err)
	}
	il, err := fromLabel(&cfg, &s, l)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", l, err)
	}
	st := newStepper(&cfg)
	var next state
	if why := safeStep(st, &s, il, &next); why != "" {
		return nil, fmt.Errorf("%v is not enabled: %s", l, why)
	}
	return toView(&cfg, &next), nil
}

// safeStep is st.step, with a capacity overflow reported as a reason.
func safeStep(st *stepper, v *state, l label, next *state) (why string) {
	defer func() {
		if r := recover(); r != nil {
			if r == errCapacity {
				why = errCapacity.Error()
				return
			}
			panic(r)
		}
	}()
	return st.step(v, l, next)
}

// fromLabel resolves a Label against the state v.
func fromLabel(cfg *Config, v *state, l Label) (label, error) {
	act := action(0)
	for ; act < numActions; act++ {
		if actionNames[act] == l.Action {
			break
		}
	}
	if act == numActions {
		return label{}, fmt.Errorf("unknown action %q", l.Action)
	}
	out := label{act: act}
	check := func(name string, x int) error {
		if x < 1 || x > cfg.N {
			return fmt.Errorf("%s = %d is not a server 1..%d", name, x, cfg.N)
		}
		return nil
	}
	if err := check("I", l.I); err != nil {
		return label{}, err
	}
	out.i = uint8(l.I)
	switch {
	case act.isMessageAction(), act == actPartition, act == actHeal, act == actTransferLeadership:
		if err := check("J", l.J); err != nil {
			return label{}, err
		}
		out.j = uint8(l.J)
	case l.J != 0:
		return label{}, fmt.Errorf("%s takes no J", l.Action)
	}
	if act == actClientRequest {
		k := slices.Index(cfg.Values, l.Value)
		if k < 0 {
			return label{}, fmt.Errorf("value %q is not in Value %v", l.Value, cfg.Values)
		}
		out.value = uint8(k + 1)
	} else if l.Value != "" {
		return label{}, fmt.Errorf("%s takes no value", l.Action)
	}
	if act.isMessageAction() {
		if l.Msg == nil {
			return label{}, fmt.Errorf("%s needs a message", l.Action)
		}
		m, err := fromMessage(cfg, *l.Msg)
		if err != nil {
			return label{}, err
		}
		k, ok := v.messages.find(&m)
		if !ok {
			return label{}, fmt.Errorf("message %v is not in flight", *l.Msg)
		}
		if act.isHandler() && act != handlerFor(m.mtype) {
			return label{}, fmt.Errorf("message %v is not a %v", *l.Msg, spec.MsgType(act-actHandlePreVoteRequest))
		}
		out.msg = uint8(k)
	} else if l.Msg != nil {
		return label{}, fmt.Errorf("%s takes no message", l.Action)
	}
	return out, nil
}

// toLabel is the Label of the step l from v.
func toLabel(cfg *Config, v *state, l label) Label {
	out := Label{Action: l.act.String(), I: int(l.i), J: int(l.j)}
	if l.act == actClientRequest {
		out.Value = cfg.Values[l.value-1]
	}
	if l.act.isMessageAction() {
		m := toMessage(cfg, &v.messages[l.msg].msg, nil)
		out.Msg = &m
	}
	return out
}

// toView converts a state to a fresh View.
func toView(cfg *Config, v *state) *spec.View {
	out := &spec.View{}
	viewInto(cfg, v, out)
	return out
}

// viewInto converts the state v into out, reusing out's slices (the
// explorer converts every state it checks into the same few Views).
func viewInto(cfg *Config, v *state, out *spec.View) {
	n := cfg.N
	if cap(out.Servers) < n {
		out.Servers = make([]spec.Server, n)
	}
	out.Servers = out.Servers[:n]
	for i := 1; i <= n; i++ {
		s := &v.srv[i-1]
		d := &out.Servers[i-1]
		lg := d.Log[:0]
		for k := 1; k <= s.log.Len(); k++ {
			lg = append(lg, toEntry(cfg, s.log.At(k)))
		}
		prs := d.Progress[:0]
		for j := 1; j <= n; j++ {
			p := s.prs[j-1]
			prs = append(prs, spec.Progress{Next: uint64(p.next), Match: uint64(p.match), Mode: p.mode, Paused: p.paused,
				SentCommit: uint64(p.sentCommit)})
		}
		*d = spec.Server{
			Term: uint64(s.term), Vote: int(s.vote), Log: lg, Commit: uint64(s.commit),
			Role: s.role, Leader: int(s.leader), Lease: s.lease,
			Granted: spec.Set(s.granted), Rejected: spec.Set(s.rejected),
			Progress: prs, RecentActive: spec.Set(s.active), Transferee: int(s.transferee),
			SnapshotIndex: uint64(s.snapIndex), SnapshotTerm: uint64(s.snapTerm),
			ReadQueue: toReadRequests(s.rq), PendingReads: toReadRequests(s.pend),
		}
		for _, a := range s.rs {
			d.ReadStates = append(d.ReadStates, spec.ReadAnswer{ID: uint64(a.id), Index: uint64(a.index)})
		}
	}
	nm := len(v.messages)
	if cap(out.Messages) < nm {
		out.Messages = append(out.Messages[:cap(out.Messages)], make([]spec.Bagged, nm-cap(out.Messages))...)
	}
	out.Messages = out.Messages[:nm]
	sorted := true
	for k := 0; k < nm; k++ {
		d := &out.Messages[k]
		d.Msg = toMessage(cfg, &v.messages[k].msg, d.Msg.Entries[:0])
		d.Copies = int(v.messages[k].copies)
		if k > 0 && sorted && out.Messages[k-1].Msg.Compare(d.Msg) > 0 {
			sorted = false
		}
	}
	if !sorted {
		slices.SortFunc(out.Messages, func(a, b spec.Bagged) int { return a.Msg.Compare(b.Msg) })
	}
	out.Reads = nil
	for _, r := range v.reads {
		out.Reads = append(out.Reads, spec.Read{From: int(r.from), Begin: uint64(r.begin)})
	}
	out.Cut = out.Cut[:0]
	for from := 1; from <= n; from++ {
		for to := 1; to <= n; to++ {
			if v.cut.has(from, to) {
				out.Cut = append(out.Cut, spec.Link{From: from, To: to})
			}
		}
	}
}

func toReadRequests(rs []readReq) []spec.ReadRequest {
	var out []spec.ReadRequest
	for _, r := range rs {
		out = append(out, spec.ReadRequest{ID: uint64(r.id), From: int(r.from), Index: uint64(r.index), Acks: spec.Set(r.acks)})
	}
	return out
}

func toEntry(cfg *Config, e entry) spec.Entry {
	out := spec.Entry{Term: uint64(e.term)}
	if e.value > 0 {
		out.Value = cfg.Values[e.value-1]
	}
	return out
}

// toMessage converts a message, appending its entries to ents.
func toMessage(cfg *Config, m *message, ents []spec.Entry) spec.Message {
	for k := 1; k <= m.mentries.Len(); k++ {
		ents = append(ents, toEntry(cfg, m.mentries.At(k)))
	}
	if len(ents) == 0 {
		ents = nil
	}
	return spec.Message{
		Type: m.mtype, From: int(m.msource), To: int(m.mdest), Term: uint64(m.mterm),
		LastLogTerm: uint64(m.mlastLogTerm), LastLogIndex: uint64(m.mlastLogIndex),
		Reject: m.mreject, Transfer: m.mtransfer, PrevLogIndex: uint64(m.mprevLogIndex), PrevLogTerm: uint64(m.mprevLogTerm),
		Entries: ents, Commit: uint64(m.mcommitIndex), Index: uint64(m.mindex),
		RejectHint: uint64(m.mrejectHint), LogTerm: uint64(m.mlogTerm), Ctx: uint64(m.mctx),
		SnapshotIndex: uint64(m.msnapshotIndex), SnapshotTerm: uint64(m.msnapshotTerm),
	}
}

// small checks that a number fits the compact state.
func small(what string, x uint64) (uint8, error) {
	if x > 255 {
		return 0, fmt.Errorf("%s = %d is beyond the model's range 0..255", what, x)
	}
	return uint8(x), nil
}

func fromEntry(cfg *Config, e spec.Entry) (entry, error) {
	t, err := small("entry term", e.Term)
	if err != nil {
		return entry{}, err
	}
	out := entry{term: t}
	if e.Value != "" {
		k := slices.Index(cfg.Values, e.Value)
		if k < 0 {
			return entry{}, fmt.Errorf("value %q is not in Value %v", e.Value, cfg.Values)
		}
		out.value = uint8(k + 1)
	}
	return out, nil
}

func fromEntries(cfg *Config, ents []spec.Entry) (seq, error) {
	if len(ents) > maxLog {
		return nil, fmt.Errorf("%d entries: beyond the model's range of %d", len(ents), maxLog)
	}
	var out seq
	for _, e := range ents {
		x, err := fromEntry(cfg, e)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func fromServerID(cfg *Config, what string, x int, nilOK bool) (uint8, error) {
	if x < 0 || x > cfg.N || x == 0 && !nilOK {
		return 0, fmt.Errorf("%s = %d is not a server 1..%d", what, x, cfg.N)
	}
	return uint8(x), nil
}

func fromSet(cfg *Config, what string, s spec.Set) (set, error) {
	if s.Has(0) || s>>(uint(cfg.N)+1) != 0 {
		return 0, fmt.Errorf("%s %v names a server outside 1..%d", what, s, cfg.N)
	}
	return set(s), nil
}

func fromMessage(cfg *Config, m spec.Message) (message, error) {
	var out message
	var err error
	if m.Type > spec.SnapshotRequest {
		return out, fmt.Errorf("message %v: unknown type", m)
	}
	out.mtype = m.Type
	if out.msource, err = fromServerID(cfg, "message source", m.From, false); err != nil {
		return out, err
	}
	if out.mdest, err = fromServerID(cfg, "message destination", m.To, false); err != nil {
		return out, err
	}
	out.mreject = m.Reject
	out.mtransfer = m.Transfer
	for _, f := range []struct {
		name string
		dst  *uint8
		x    uint64
	}{
		{"mterm", &out.mterm, m.Term}, {"mlastLogTerm", &out.mlastLogTerm, m.LastLogTerm},
		{"mlastLogIndex", &out.mlastLogIndex, m.LastLogIndex}, {"mprevLogIndex", &out.mprevLogIndex, m.PrevLogIndex},
		{"mprevLogTerm", &out.mprevLogTerm, m.PrevLogTerm}, {"mcommitIndex", &out.mcommitIndex, m.Commit},
		{"mindex", &out.mindex, m.Index}, {"mrejectHint", &out.mrejectHint, m.RejectHint},
		{"mlogTerm", &out.mlogTerm, m.LogTerm}, {"mctx", &out.mctx, m.Ctx},
		{"msnapshotIndex", &out.msnapshotIndex, m.SnapshotIndex}, {"msnapshotTerm", &out.msnapshotTerm, m.SnapshotTerm},
	} {
		if *f.dst, err = small(f.name, f.x); err != nil {
			return out, fmt.Errorf("message %v: %w", m, err)
		}
	}
	if out.mentries, err = fromEntries(cfg, m.Entries); err != nil {
		return out, fmt.Errorf("message %v: %w", m, err)
	}
	return out, nil
}

// fromView converts a View to the compact state, checking that it fits.
func fromView(cfg *Config, v *spec.View) (state, error) {
	var out state
	if v.N() != cfg.N {
		return out, fmt.Errorf("the view has %d servers, the config %d", v.N(), cfg.N)
	}
	for i := 1; i <= cfg.N; i++ {
		s := v.Server(i)
		d := &out.srv[i-1]
		var err error
		if d.term, err = small(fmt.Sprintf("server %d term", i), s.Term); err != nil {
			return out, err
		}
		if d.commit, err = small(fmt.Sprintf("server %d commit", i), s.Commit); err != nil {
			return out, err
		}
		if d.snapIndex, err = small(fmt.Sprintf("server %d snapshotIndex", i), s.SnapshotIndex); err != nil {
			return out, err
		}
		if d.snapTerm, err = small(fmt.Sprintf("server %d snapshotTerm", i), s.SnapshotTerm); err != nil {
			return out, err
		}
		if int(d.snapIndex)+len(s.Log) > maxLog {
			return out, fmt.Errorf("server %d: snapshotIndex %d and %d entries are beyond the model's range of %d", i, d.snapIndex, len(s.Log), maxLog)
		}
		if d.vote, err = fromServerID(cfg, fmt.Sprintf("server %d votedFor", i), s.Vote, true); err != nil {
			return out, err
		}
		if d.leader, err = fromServerID(cfg, fmt.Sprintf("server %d leader", i), s.Leader, true); err != nil {
			return out, err
		}
		if s.Role > spec.Leader {
			return out, fmt.Errorf("server %d has role %v", i, s.Role)
		}
		d.role, d.lease = s.Role, s.Lease
		if d.log, err = fromEntries(cfg, s.Log); err != nil {
			return out, fmt.Errorf("server %d log: %w", i, err)
		}
		if d.granted, err = fromSet(cfg, fmt.Sprintf("server %d votesGranted", i), s.Granted); err != nil {
			return out, err
		}
		if d.rejected, err = fromSet(cfg, fmt.Sprintf("server %d votesRejected", i), s.Rejected); err != nil {
			return out, err
		}
		if d.active, err = fromSet(cfg, fmt.Sprintf("server %d recentActive", i), s.RecentActive); err != nil {
			return out, err
		}
		if d.transferee, err = fromServerID(cfg, fmt.Sprintf("server %d transferee", i), s.Transferee, true); err != nil {
			return out, err
		}
		if len(s.Progress) != cfg.N {
			return out, fmt.Errorf("server %d has %d progress records for %d servers", i, len(s.Progress), cfg.N)
		}
		for j, p := range s.Progress {
			next, err := small("progress next", p.Next)
			if err != nil {
				return out, err
			}
			match, err := small("progress match", p.Match)
			if err != nil {
				return out, err
			}
			sentCommit, err := small("progress sentCommit", p.SentCommit)
			if err != nil {
				return out, err
			}
			if p.Mode > spec.Snapshot {
				return out, fmt.Errorf("server %d progress %d has mode %v", i, j+1, p.Mode)
			}
			d.prs[j] = progress{next: next, match: match, mode: p.Mode, paused: p.Paused, sentCommit: sentCommit}
		}
	}
	if err := fromReads(cfg, v, &out); err != nil {
		return out, err
	}
	for _, b := range v.Messages {
		m, err := fromMessage(cfg, b.Msg)
		if err != nil {
			return out, err
		}
		if b.Copies < 1 || b.Copies > 255 {
			return out, fmt.Errorf("message %v has %d copies", b.Msg, b.Copies)
		}
		if _, dup := out.messages.find(&m); dup {
			return out, fmt.Errorf("message %v is listed twice", b.Msg)
		}
		out.messages.Put(&m)
		k, _ := out.messages.find(&m)
		out.messages[k].copies = uint8(b.Copies)
	}
	for _, l := range v.Cut {
		if l.From < 1 || l.From > cfg.N || l.To < 1 || l.To > cfg.N {
			return out, fmt.Errorf("cut link %d->%d names a server outside 1..%d", l.From, l.To, cfg.N)
		}
		out.cut |= linkBit(l.From, l.To)
	}
	return out, nil
}

// fromReads converts the read variables of v into out.
func fromReads(cfg *Config, v *spec.View, out *state) error {
	conv := func(what string, rs []spec.ReadRequest) ([]readReq, error) {
		var o []readReq
		for _, r := range rs {
			id, err := small(what+" id", r.ID)
			if err != nil {
				return nil, err
			}
			idx, err := small(what+" index", r.Index)
			if err != nil {
				return nil, err
			}
			from, err := fromServerID(cfg, what+" from", r.From, false)
			if err != nil {
				return nil, err
			}
			acks, err := fromSet(cfg, what+" acks", r.Acks)
			if err != nil {
				return nil, err
			}
			o = append(o, readReq{id: id, from: from, index: idx, acks: acks})
		}
		return o, nil
	}
	for i := 1; i <= cfg.N; i++ {
		s, d := v.Server(i), &out.srv[i-1]
		var err error
		if d.rq, err = conv(fmt.Sprintf("server %d readQueue", i), s.ReadQueue); err != nil {
			return err
		}
		if d.pend, err = conv(fmt.Sprintf("server %d pendingReads", i), s.PendingReads); err != nil {
			return err
		}
		for _, a := range s.ReadStates {
			id, err := small("read state id", a.ID)
			if err != nil {
				return err
			}
			idx, err := small("read state index", a.Index)
			if err != nil {
				return err
			}
			d.rs = addAnswer(d.rs, answer{id: id, index: idx})
		}
	}
	for k, r := range v.Reads {
		from, err := fromServerID(cfg, fmt.Sprintf("read %d origin", k+1), r.From, false)
		if err != nil {
			return err
		}
		begin, err := small("read begin", r.Begin)
		if err != nil {
			return err
		}
		out.reads = append(out.reads, readRec{from: from, begin: begin})
	}
	return nil
}
