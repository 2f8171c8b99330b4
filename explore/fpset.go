package explore

import (
	"encoding/binary"
	"math/bits"
)

// fpSet is the explorer's set of visited states: an open-addressing hash
// table from a state's fingerprint to its parent's fingerprint (0 for an
// initial state), so that a counterexample can be rebuilt. Lookups may run
// concurrently; inserts may not run concurrently with anything.
type fpSet struct {
	slots []fpSlot
	mask  uint64
	n     int
}

type fpSlot struct{ fp, parent uint64 }

func newFPSet(capacity int) *fpSet {
	size := 1024
	for size < 2*capacity {
		size *= 2
	}
	return &fpSet{slots: make([]fpSlot, size), mask: uint64(size - 1)}
}

// Len is the number of fingerprints in the set.
func (s *fpSet) Len() int { return s.n }

// find returns the slot of fp, or the empty slot where it would go.
func (s *fpSet) find(fp uint64) *fpSlot {
	for k := fp & s.mask; ; k = (k + 1) & s.mask {
		if sl := &s.slots[k]; sl.fp == fp || sl.fp == 0 {
			return sl
		}
	}
}

// Has reports whether fp is in the set.
func (s *fpSet) Has(fp uint64) bool { return s.find(fp).fp == fp }

// Parent returns the parent recorded for fp, and whether fp is in the set.
func (s *fpSet) Parent(fp uint64) (uint64, bool) {
	sl := s.find(fp)
	return sl.parent, sl.fp == fp
}

// Insert adds fp with its parent unless it is there; it reports whether fp
// was new.
func (s *fpSet) Insert(fp, parent uint64) bool {
	sl := s.find(fp)
	if sl.fp == fp {
		return false
	}
	sl.fp, sl.parent = fp, parent
	s.n++
	if 4*s.n > 3*len(s.slots) {
		s.grow()
	}
	return true
}

func (s *fpSet) grow() {
	old := s.slots
	s.slots = make([]fpSlot, 2*len(old))
	s.mask = uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.fp != 0 {
			*s.find(sl.fp) = sl
		}
	}
}

// Bytes is the memory the table holds.
func (s *fpSet) Bytes() int { return len(s.slots) * 16 }

// fingerprint hashes an encoding to 64 bits (never 0, which marks an empty
// slot of the fingerprint set).
func fingerprint(b []byte) uint64 {
	const m1, m2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9
	h := uint64(len(b)) * m1
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m2
		h = bits.RotateLeft64(h, 29)
		b = b[8:]
	}
	var tail uint64
	for k := len(b) - 1; k >= 0; k-- {
		tail = tail<<8 | uint64(b[k])
	}
	h = (h ^ tail) * m1
	// splitmix64's finaliser.
	h ^= h >> 30
	h *= m2
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	h ^= h >> 31
	if h == 0 {
		h = 1
	}
	return h
}
