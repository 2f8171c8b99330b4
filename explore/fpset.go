package explore

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// fpSet is the explorer's set of visited states: 64-bit fingerprints and
// nothing else (8 bytes a slot; the parents, needed only to rebuild a
// counterexample, are on disk: traceFile). It is an open-addressing table
// of buckets of bucketSlots slots (a 64-byte cache line), with linear
// probing from bucket to bucket, which keeps probes short up to high
// loads; a fingerprint's home bucket is its high bits scaled to the number
// of buckets (so any number of buckets will do, not only powers of two).
// The table is allocated outside the Go heap where the platform allows
// (tableAlloc), so that the garbage collector neither scans it nor counts
// it towards its target. Lookups may run concurrently; inserts may not run
// concurrently with anything.
type fpSet struct {
	slots    []uint64 // len = buckets * bucketSlots; 0 marks an empty slot
	buckets  uint64
	n        int64
	maxBytes uint64 // the most the table may take, growth included
	full     bool   // growth needed more than maxBytes: fill up to hardLoad
}

const (
	bucketSlots = 8
	// growLoad is the load at which the table grows; hardLoad the load up
	// to which it fills when it cannot grow, before the search stops.
	growLoad = 0.9
	hardLoad = 0.96
	// minBuckets is the size of a new table (512 KiB).
	minBuckets = 1 << 13
)

// errSetFull is returned by Insert when the table is at hardLoad and
// cannot grow within maxBytes.
var errSetFull = fmt.Errorf("the fingerprint set is full")

// newFPSet returns a set with room for capacity fingerprints below
// growLoad, or an error if that is beyond maxBytes.
func newFPSet(capacity int64, maxBytes uint64) (*fpSet, error) {
	s := &fpSet{maxBytes: maxBytes}
	b := max(uint64(minBuckets), uint64(float64(capacity)/growLoad/bucketSlots)+1)
	if b*bucketSlots*8 > maxBytes {
		return nil, fmt.Errorf("a fingerprint set for %d states needs %s, beyond the memory limit of %s", capacity, gib(b*bucketSlots*8), gib(maxBytes))
	}
	s.alloc(b)
	return s, nil
}

func (s *fpSet) alloc(buckets uint64) {
	s.buckets = buckets
	s.slots = tableAlloc(int(buckets * bucketSlots))
}

// Len is the number of fingerprints in the set.
func (s *fpSet) Len() int64 { return s.n }

// Bytes is the memory the table holds.
func (s *fpSet) Bytes() uint64 { return uint64(len(s.slots)) * 8 }

// home is fp's first bucket.
func (s *fpSet) home(fp uint64) uint64 {
	hi, _ := bits.Mul64(fp, s.buckets)
	return hi
}

// find returns the index of fp's slot, or of the empty slot where it would
// go.
func (s *fpSet) find(fp uint64) int {
	b := s.home(fp)
	for {
		base := int(b * bucketSlots)
		bucket := s.slots[base : base+bucketSlots : base+bucketSlots]
		for k, x := range bucket {
			if x == fp || x == 0 {
				return base + k
			}
		}
		if b++; b == s.buckets {
			b = 0
		}
	}
}

// Has reports whether fp is in the set.
func (s *fpSet) Has(fp uint64) bool { return s.slots[s.find(fp)] == fp }

// Insert adds fp unless it is there; it reports whether fp was new. It
// returns errSetFull, without adding fp, when the table is full and cannot
// grow within its memory.
func (s *fpSet) Insert(fp uint64) (bool, error) {
	k := s.find(fp)
	if s.slots[k] == fp {
		return false, nil
	}
	capacity := float64(len(s.slots))
	if float64(s.n+1) > growLoad*capacity && !s.full {
		if !s.grow() {
			s.full = true
		} else {
			k = s.find(fp)
		}
	}
	if s.full && float64(s.n+1) > hardLoad*capacity {
		return false, errSetFull
	}
	s.slots[k] = fp
	s.n++
	return true, nil
}

// grow moves the set to a table twice as large, or as large as maxBytes
// allows with the old table still in memory; it reports false if that is
// not at least an eighth larger.
func (s *fpSet) grow() bool {
	old, oldBuckets := s.slots, s.buckets
	want := 2 * oldBuckets
	oldBytes := uint64(len(old)) * 8
	if oldBytes+want*bucketSlots*8 > s.maxBytes {
		if s.maxBytes <= oldBytes {
			return false
		}
		want = (s.maxBytes - oldBytes) / (bucketSlots * 8)
		if want < oldBuckets+oldBuckets/8 {
			return false
		}
	}
	s.alloc(want)
	for _, fp := range old {
		if fp != 0 {
			s.slots[s.find(fp)] = fp
		}
	}
	tableFree(old)
	return true
}

// free releases the table.
func (s *fpSet) free() {
	if s.slots != nil {
		tableFree(s.slots)
		s.slots = nil
	}
}

func gib(b uint64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

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
