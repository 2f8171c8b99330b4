package raft

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Storage is a node's durable state: its HardState and its log. The node
// reads it only when it starts; afterwards the application writes to it
// what Ready hands out. Entries are never compacted in this library.
type Storage interface {
	// InitialState returns the persisted HardState.
	InitialState() (HardState, error)
	// Entries returns the entries with indexes in [lo, hi).
	Entries(lo, hi uint64) ([]Entry, error)
	// LastIndex returns the index of the last entry, 0 if there is none.
	LastIndex() (uint64, error)
}

// ErrUnavailable is returned by Storage.Entries for indexes it does not hold.
var ErrUnavailable = errors.New("raft: requested entries are unavailable")

// MemoryStorage is a Storage held in memory, for tests and simulations. It
// is safe for concurrent use.
type MemoryStorage struct {
	mu   sync.Mutex
	hs   HardState
	ents []Entry // ents[k] has index k+1
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{} }

// InitialState implements Storage.
func (s *MemoryStorage) InitialState() (HardState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hs, nil
}

// SetHardState persists hs.
func (s *MemoryStorage) SetHardState(hs HardState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hs = hs
	return nil
}

// Entries implements Storage.
func (s *MemoryStorage) Entries(lo, hi uint64) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lo < 1 || lo > hi || hi > uint64(len(s.ents))+1 {
		return nil, fmt.Errorf("%w: [%d, %d) of a log with entries [1, %d]", ErrUnavailable, lo, hi, len(s.ents))
	}
	return cloneEntries(s.ents[lo-1 : hi-1]), nil
}

// LastIndex implements Storage.
func (s *MemoryStorage) LastIndex() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.ents)), nil
}

// Append persists entries, which must be contiguous: the first one may
// overwrite an existing index (dropping every entry from there on), or
// follow the last one. It copies the entries but keeps their Data, which
// the caller must not change afterwards (the Data of entries from Ready
// never changes).
func (s *MemoryStorage) Append(ents []Entry) error {
	if len(ents) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := ents[0].Index
	if first < 1 || first > uint64(len(s.ents))+1 {
		return fmt.Errorf("raft: MemoryStorage.Append: first index %d leaves a gap after last index %d", first, len(s.ents))
	}
	for k, e := range ents {
		if e.Index != first+uint64(k) {
			return fmt.Errorf("raft: MemoryStorage.Append: entry %d of %d has index %d, want %d", k, len(ents), e.Index, first+uint64(k))
		}
	}
	// The entries are copied, their Data kept: what Ready hands out is
	// never written to (see the package doc).
	s.ents = append(s.ents[:first-1], ents...)
	return nil
}

func cloneEntries(ents []Entry) []Entry {
	out := make([]Entry, len(ents))
	for i, e := range ents {
		out[i] = Entry{Term: e.Term, Index: e.Index, Data: slices.Clone(e.Data)}
	}
	return out
}
