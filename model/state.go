package model

import (
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// The model's own compact state. It holds exactly the TLA+ variables, like
// spec.View, in small integers: servers are 1..N and 0 is Nil, as in
// spec.View; a value is 0 (Nil) or k for Config.Values[k-1]; terms and
// indexes go up to 255 (maxLog).
//
// Sequences (logs, the entries of an append) and the bag of messages are
// slices that are never written in place once built: a step that changes
// one builds a new one, so states share them freely. The explorer builds
// them in scratch memory that it reuses once a state's successors have
// been encoded; see stepper.alloc and state.clone.

// entry is a log entry [term, value].
type entry struct {
	term, value uint8
}

// seq is a TLA+ sequence of entries (a log, or the entries of an append).
type seq []entry

// Len is Len(lg).
func (lg seq) Len() int { return len(lg) }

// At is lg[k] (1-based).
func (lg seq) At(k int) entry { return lg[k-1] }

// SubSeq is SubSeq(lg, from, to): the entries from..to, empty if to < from.
// It shares lg's entries.
func (lg seq) SubSeq(from, to int) seq {
	if to < from {
		return nil
	}
	return lg[from-1 : to : to]
}

// set is a set of servers (bit i for server i).
type set uint8

func (s set) has(i int) bool  { return s&(1<<uint(i)) != 0 }
func (s set) with(i int) set  { return s | 1<<uint(i) }
func (s set) union(o set) set { return s | o }
func (s set) cardinality() int {
	n := 0
	for x := s; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// progress is progress[i][j]: leader i's view of follower j.
type progress struct {
	next, match uint8
	mode        spec.Mode
	paused      bool
	sentCommit  uint8
}

// server is Raft.tla's Srv(i): one server's variables as a record, with the
// same field names.
type server struct {
	term     uint8
	vote     uint8
	log      seq
	commit   uint8
	role     spec.Role
	leader   uint8
	lease    bool
	granted  set
	rejected set
	prs      [maxServers]progress // prs[j-1] is progress[i][j]
	active   set
	// snapIndex and snapTerm are snapshotIndex[i] and snapshotTerm[i]: log
	// holds the entries after snapIndex (log[k-1] is entry snapIndex+k).
	snapIndex, snapTerm uint8
}

// equal compares two servers' variables.
func (s *server) equal(o *server) bool {
	return s.term == o.term && s.vote == o.vote && s.commit == o.commit && s.role == o.role &&
		s.leader == o.leader && s.lease == o.lease && s.granted == o.granted &&
		s.rejected == o.rejected && s.prs == o.prs && s.active == o.active &&
		s.snapIndex == o.snapIndex && s.snapTerm == o.snapTerm && slices.Equal(s.log, o.log)
}

// message is a TLA+ message record, with the same field names. Only the
// fields of its type are set, so two messages are equal exactly when the
// records are.
type message struct {
	mtype         spec.MsgType
	msource       uint8
	mdest         uint8
	mterm         uint8
	mlastLogTerm  uint8
	mlastLogIndex uint8
	mreject       bool
	mprevLogIndex uint8
	mprevLogTerm  uint8
	mcommitIndex  uint8
	mindex        uint8
	mrejectHint   uint8
	mlogTerm      uint8
	mentries      seq
	// A SnapshotRequest's index and term of the snapshot's last entry.
	msnapshotIndex uint8
	msnapshotTerm  uint8
}

// compareMsg is a total order on messages consistent with equality: the
// order of their encodings (fields in order, then the number of entries,
// then the entries).
func compareMsg(a, b *message) int {
	ka := [...]uint8{uint8(a.mtype), a.msource, a.mdest, a.mterm, a.mlastLogTerm, a.mlastLogIndex,
		b2u8(a.mreject), a.mprevLogIndex, a.mprevLogTerm, a.mcommitIndex, a.mindex, a.mrejectHint,
		a.mlogTerm, uint8(len(a.mentries)), a.msnapshotIndex, a.msnapshotTerm}
	kb := [...]uint8{uint8(b.mtype), b.msource, b.mdest, b.mterm, b.mlastLogTerm, b.mlastLogIndex,
		b2u8(b.mreject), b.mprevLogIndex, b.mprevLogTerm, b.mcommitIndex, b.mindex, b.mrejectHint,
		b.mlogTerm, uint8(len(b.mentries)), b.msnapshotIndex, b.msnapshotTerm}
	for k := range ka {
		if ka[k] != kb[k] {
			if ka[k] < kb[k] {
				return -1
			}
			return 1
		}
	}
	for k := range a.mentries {
		ea, eb := a.mentries[k], b.mentries[k]
		switch {
		case ea.term != eb.term:
			if ea.term < eb.term {
				return -1
			}
			return 1
		case ea.value != eb.value:
			if ea.value < eb.value {
				return -1
			}
			return 1
		}
	}
	return 0
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// bagged is one distinct message in flight and its number of copies.
type bagged struct {
	msg    message
	copies uint8
}

// bag is the TLA+ variable messages: a function from message to its number
// of copies, kept as the distinct messages in compareMsg order.
type bag []bagged

// find returns the position of m in the bag, or where it would go.
func (b bag) find(m *message) (int, bool) {
	for k := range b {
		switch c := compareMsg(&b[k].msg, m); {
		case c == 0:
			return k, true
		case c > 0:
			return k, false
		}
	}
	return len(b), false
}

// Copies is Copies(b, m): the number of copies of m (0 if none).
func (b bag) Copies(m *message) int {
	if k, ok := b.find(m); ok {
		return int(b[k].copies)
	}
	return 0
}

// InFlight is InFlight(b): the number of messages, counting copies.
func (b bag) InFlight() int {
	n := 0
	for k := range b {
		n += int(b[k].copies)
	}
	return n
}

// Put is Put(b, m), in place: one copy of m more. It reports false if m
// already has 255 copies (beyond the model's range; such a bag exceeds any
// MaxInFlight the explorer accepts).
func (b *bag) Put(m *message) bool {
	k, ok := b.find(m)
	if ok {
		if (*b)[k].copies == 255 {
			return false
		}
		(*b)[k].copies++
		return true
	}
	*b = slices.Insert(*b, k, bagged{msg: *m, copies: 1})
	return true
}

// Take is Take(b, m) for the message at position k, in place: one copy
// less, and the message leaves the domain when its last copy goes.
func (b *bag) Take(k int) {
	if (*b)[k].copies > 1 {
		(*b)[k].copies--
		return
	}
	*b = slices.Delete(*b, k, k+1)
}

// links is a set of directed links: bit (from-1)*maxServers+(to-1).
type links uint32

func linkBit(from, to int) links { return 1 << uint((from-1)*maxServers+(to-1)) }

func (c links) has(from, to int) bool { return c&linkBit(from, to) != 0 }

func (c links) cardinality() int {
	n := 0
	for x := c; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// state is a whole state of the model: the TLA+ variables.
type state struct {
	srv      [maxServers]server // srv[i-1] is server i
	messages bag
	cut      links
}

// Srv is Raft.tla's Srv(i): server i's variables as a record.
func (v *state) Srv(i int) server { return v.srv[i-1] }

// SetSrv is Raft.tla's SetSrv(i, s): server i takes the state s.
func (v *state) SetSrv(i int, s server) { v.srv[i-1] = s }

// clone is a copy of v that shares no memory with it (v may be in scratch
// memory that is about to be reused).
func (v *state) clone() state {
	c := *v
	for i := range c.srv {
		c.srv[i].log = slices.Clone(c.srv[i].log)
	}
	c.messages = slices.Clone(c.messages)
	for k := range c.messages {
		c.messages[k].msg.mentries = slices.Clone(c.messages[k].msg.mentries)
	}
	return c
}

// equal compares two states.
func (v *state) equal(o *state) bool {
	if v.cut != o.cut || len(v.messages) != len(o.messages) {
		return false
	}
	for i := range v.srv {
		if !v.srv[i].equal(&o.srv[i]) {
			return false
		}
	}
	for k := range v.messages {
		if v.messages[k].copies != o.messages[k].copies || compareMsg(&v.messages[k].msg, &o.messages[k].msg) != 0 {
			return false
		}
	}
	return true
}

// capacityError is the panic value when a step would leave the model's
// range: a log of more than 255 entries or a term beyond 255 (never within
// Config.Validate's bounds for a correct spec).
type capacityError struct{}

func (capacityError) Error() string {
	return "model capacity exceeded: a log of more than 255 entries, or a term beyond 255"
}

var errCapacity error = capacityError{}
