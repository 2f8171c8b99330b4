package model

import (
	"github.com/checkedraft/checkedraft/spec"
)

// Encoder is the fast path of the transcription for a model checker
// (package explore): states as byte strings, successors handed to a
// callback in scratch memory. A state's canonical encoding is the least
// byte encoding of its images under cfg's symmetry group (the group the
// cfg's permutations generate, as TLC closes it), so two states have the
// same canonical encoding exactly when they are in the same orbit: one
// state is counted per orbit, as TLC's fingerprints do. Encodings decode
// back to the state (Load), so a BFS level can be kept as bytes.
//
// An Encoder is not safe for concurrent use: use one per goroutine. The
// byte slices it returns stay valid until its next call.
type Encoder struct {
	cfg  Config
	st   *stepper
	cz   *canonicalizer
	dec  decoder
	cur  state
	step Step
	raw  []byte
	sc   msgScratch
}

// Step is a successor of the Encoder's current state, valid only during
// the callback of Next that hands it over.
type Step struct {
	e    *Encoder
	l    label
	next *state
}

// NewEncoder returns an Encoder for cfg, which must be valid
// (Config.Validate).
func NewEncoder(cfg Config) *Encoder {
	e := &Encoder{cfg: cfg}
	e.st = newStepper(&e.cfg)
	e.cz = newCanonicalizer(&e.cfg)
	e.step.e = e
	return e
}

// Init makes the initial state of Raft.tla's Init the current state and
// returns its canonical encoding.
func (e *Encoder) Init() []byte {
	e.cur = initState()
	return e.cz.canon(&e.cur)
}

// Load makes the state that enc encodes the current state. enc must be an
// encoding returned by this package (Init, Step.Canon, Step.Raw) for the
// same config: the explorer's own bytes, not input.
func (e *Encoder) Load(enc []byte) {
	e.cur = e.dec.decode(enc, e.cfg.N)
}

// View converts the current state into out, reusing out's memory.
func (e *Encoder) View(out *spec.View) { viewInto(&e.cfg, &e.cur, out) }

// Next calls emit for every enabled step of the current state, in the
// order of Raft.tla's Next (as Successors). It returns an error if a step
// leaves the model's range (a log of more than 255 entries, a term beyond
// 255), which no config within Config.Validate's bounds reaches.
func (e *Encoder) Next(emit func(s *Step)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errCapacity {
				panic(r)
			}
			err = errCapacity
		}
	}()
	e.st.resetScratch()
	cur := &e.cur
	e.st.Next(cur, func(l label, next *state) {
		e.step.l, e.step.next = l, next
		emit(&e.step)
	})
	return nil
}

// Canon is the canonical encoding of the successor.
func (s *Step) Canon() []byte { return s.e.cz.canon(s.next) }

// Raw is the successor's own encoding (not its orbit's): Load of it gives
// back this very state, so that a behaviour can be replayed step by step.
func (s *Step) Raw() []byte {
	s.e.raw, _ = encodeUnder(s.e.raw[:0], s.next, s.e.cfg.N, &s.e.cz.perms[0], &s.e.sc, nil)
	return s.e.raw
}

// View converts the successor into out, reusing out's memory.
func (s *Step) View(out *spec.View) { viewInto(&s.e.cfg, s.next, out) }

// Label names the step.
func (s *Step) Label() Label { return toLabel(&s.e.cfg, &s.e.cur, s.l) }
