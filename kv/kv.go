// Package kv is a small key-value store replicated by raft/: put, get and
// compare-and-swap, applied from the entries a node hands out in
// Ready.CommittedEntries. Every request carries its client's ID and a
// sequence number, so that a request proposed twice (a client retrying
// after a timeout, at the same or another leader) takes effect once: the
// store remembers, per client, the last request it applied and its result,
// and answers a duplicate from there.
//
// Gets need not go through the log: Node serves them through raft's
// ReadIndex (ReadMode), answering once the node has applied up to the
// index the read was confirmed at.
//
// The package's tests drive clusters of Nodes with concurrent clients
// under message loss, duplication, reordering, partitions and crashes, and
// check every history for linearizability with porcupine
// (github.com/anishathalye/porcupine), which only the tests import.
// Lease-based reads (raft.ReadOnlyLeaseBased) are linearizable only under
// timing assumptions; their runs tick every node together and lose any
// message that outlives its tick, and the tests show that with timers
// firing anywhere porcupine does find a stale lease read.
package kv

import (
	"encoding/json"
	"fmt"

	"github.com/checkedraft/checkedraft/raft"
)

// Kind is the kind of a request.
type Kind uint8

// The kinds of request.
const (
	// Put sets Key to Value.
	Put Kind = iota + 1
	// Get reads Key.
	Get
	// CAS sets Key to Value if it holds Old (a missing key holds nothing
	// and never matches).
	CAS
)

func (k Kind) String() string {
	switch k {
	case Put:
		return "put"
	case Get:
		return "get"
	case CAS:
		return "cas"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Request is one client request. Client and Seq identify it: a client
// numbers its requests 1, 2, ... and sends the next only once the previous
// one was answered (retrying it meanwhile as often as it likes).
type Request struct {
	Client uint64 `json:"c"`
	Seq    uint64 `json:"s"`
	Kind   Kind   `json:"k"`
	Key    string `json:"key"`
	Value  string `json:"v,omitempty"`
	Old    string `json:"old,omitempty"`
}

func (r Request) String() string {
	switch r.Kind {
	case Put:
		return fmt.Sprintf("c%d#%d put(%s, %s)", r.Client, r.Seq, r.Key, r.Value)
	case CAS:
		return fmt.Sprintf("c%d#%d cas(%s, %s -> %s)", r.Client, r.Seq, r.Key, r.Old, r.Value)
	}
	return fmt.Sprintf("c%d#%d %v(%s)", r.Client, r.Seq, r.Kind, r.Key)
}

// Result is the answer to a request: for a get, the value and whether the
// key was set; for a compare-and-swap, whether it swapped.
type Result struct {
	Value   string
	Found   bool
	Swapped bool
}

// Encode returns the request as entry data.
func (r Request) Encode() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("kv: encoding %v: %v", r, err)) // a struct of strings and numbers always encodes
	}
	return b
}

// Decode parses entry data written by Encode.
func Decode(data []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(data, &r); err != nil {
		return Request{}, fmt.Errorf("kv: entry data %q is not a request: %v", data, err)
	}
	if r.Kind < Put || r.Kind > CAS {
		return Request{}, fmt.Errorf("kv: entry data %q: unknown request kind %d", data, r.Kind)
	}
	if r.Client == 0 || r.Seq == 0 {
		return Request{}, fmt.Errorf("kv: entry data %q: client and sequence number must not be zero", data)
	}
	return r, nil
}

// Applied is what applying one committed entry did.
type Applied struct {
	Index uint64
	// Req and Res are the request the entry carried and its result; Req is
	// zero for a leader's empty entry.
	Req Request
	Res Result
	// Duplicate: the request had been applied before (its result is the
	// one it had then); Stale: the client had since moved on to a later
	// request, so the entry did nothing and has no result.
	Duplicate, Stale bool
}

// session is what the store remembers of a client: its last applied
// request and that request's result.
type session struct {
	seq uint64
	res Result
}

// Store is the replicated state machine. It is deterministic: nodes that
// apply the same entries hold the same state and give the same results.
type Store struct {
	data     map[string]string
	sessions map[uint64]session
	applied  uint64
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{data: map[string]string{}, sessions: map[uint64]session{}}
}

// AppliedIndex is the index of the last entry applied.
func (s *Store) AppliedIndex() uint64 { return s.applied }

// Read reads key from the applied state (for a read confirmed through
// ReadIndex).
func (s *Store) Read(key string) Result {
	v, ok := s.data[key]
	return Result{Value: v, Found: ok}
}

// Apply applies the next committed entry. Entries must come in index
// order without gaps; an entry whose data is not a request is an error
// naming its index, and changes nothing.
func (s *Store) Apply(e raft.Entry) (Applied, error) {
	if e.Index != s.applied+1 {
		return Applied{}, fmt.Errorf("kv: applying entry %d after entry %d", e.Index, s.applied)
	}
	a := Applied{Index: e.Index}
	if len(e.Data) == 0 {
		s.applied = e.Index
		return a, nil
	}
	req, err := Decode(e.Data)
	if err != nil {
		return Applied{}, fmt.Errorf("entry %d/%d: %w", e.Index, e.Term, err)
	}
	s.applied = e.Index
	a.Req = req
	last := s.sessions[req.Client]
	switch {
	case req.Seq == last.seq && !appliesTwice(req):
		a.Res, a.Duplicate = last.res, true
		return a, nil
	case req.Seq < last.seq:
		a.Stale = true
		return a, nil
	}
	a.Res = s.do(req)
	s.sessions[req.Client] = session{seq: req.Seq, res: a.Res}
	return a, nil
}

func (s *Store) do(req Request) Result {
	switch req.Kind {
	case Put:
		s.data[req.Key] = req.Value
		return Result{}
	case CAS:
		if v, ok := s.data[req.Key]; ok && v == req.Old {
			s.data[req.Key] = req.Value
			return Result{Swapped: true}
		}
		return Result{}
	}
	return s.Read(req.Key)
}
