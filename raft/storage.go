package raft

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Storage is a node's durable state: its HardState, its latest snapshot and
// the log entries after it. The application writes to it what Ready hands
// out; the node reads from it the entries it has handed out and the
// application has persisted (it keeps in memory only those not yet
// persisted), and at a restart everything it starts from.
//
// The log a Storage holds starts after the snapshot: FirstIndex is the
// snapshot's index plus one, and Term also answers for the snapshot's index.
// An index below it has been compacted away (ErrCompacted); an index above
// LastIndex is unavailable (ErrUnavailable).
type Storage interface {
	// InitialState returns the persisted HardState.
	InitialState() (HardState, error)
	// Entries returns the entries with indexes in [lo, hi). The node may
	// hand the slice out in a Ready or a message as it is: neither the
	// node nor its caller writes to it, and the Storage must not either
	// (MemoryStorage returns a part of its own array, capacity capped,
	// and never writes to an index it returned again).
	Entries(lo, hi uint64) ([]Entry, error)
	// Term returns the term of entry i, for i in [FirstIndex()-1,
	// LastIndex()] (FirstIndex()-1 is the snapshot's index, and the term is
	// the snapshot's term).
	Term(i uint64) (uint64, error)
	// LastIndex returns the index of the last entry (the snapshot's index if
	// there is no entry after it; 0 for an empty storage).
	LastIndex() (uint64, error)
	// FirstIndex returns the index of the first entry that may be
	// available (the snapshot's index plus one; 1 for an empty storage).
	FirstIndex() (uint64, error)
	// Snapshot returns the latest snapshot (empty if there is none).
	Snapshot() (Snapshot, error)
}

// Storage errors. The node tells them apart with errors.Is.
var (
	// ErrCompacted is returned for an index at or below the snapshot's
	// index where entries are asked for, or below it where a term is.
	ErrCompacted = errors.New("raft: requested index is unavailable due to compaction")
	// ErrSnapOutOfDate is returned for a snapshot no newer than the one
	// the storage already holds.
	ErrSnapOutOfDate = errors.New("raft: requested index is older than the existing snapshot")
	// ErrUnavailable is returned for indexes past the last entry.
	ErrUnavailable = errors.New("raft: requested entries are unavailable")
)

// SnapshotMetadata locates a snapshot in the log: it holds the state
// machine up to and including entry Index, whose term is Term.
type SnapshotMetadata struct {
	Index uint64
	Term  uint64
}

// Snapshot is the application's state up to an index, standing in for the
// entries up to it. Data is the application's; the library never reads it.
type Snapshot struct {
	Data     []byte
	Metadata SnapshotMetadata
}

// IsEmpty reports whether s is no snapshot at all (index 0).
func (s Snapshot) IsEmpty() bool { return s.Metadata.Index == 0 }

func (s Snapshot) String() string {
	return fmt.Sprintf("snapshot %d/%d (%d bytes)", s.Metadata.Index, s.Metadata.Term, len(s.Data))
}

func (s Snapshot) clone() Snapshot {
	return Snapshot{Data: slices.Clone(s.Data), Metadata: s.Metadata}
}

// MemoryStorage is a Storage held in memory, for tests and simulations. It
// is safe for concurrent use.
type MemoryStorage struct {
	mu   sync.Mutex
	hs   HardState
	snap Snapshot
	// ents[0] stands for the snapshot (its index and term, no data);
	// ents[k] has index ents[0].Index+k.
	ents []Entry
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{ents: make([]Entry, 1)} }

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

func (s *MemoryStorage) offset() uint64    { return s.ents[0].Index }
func (s *MemoryStorage) lastIndex() uint64 { return s.offset() + uint64(len(s.ents)) - 1 }

// Entries implements Storage. The slice is the storage's own, capacity
// capped at hi (as etcd's MemoryStorage.Entries): the caller must not write
// to it.
func (s *MemoryStorage) Entries(lo, hi uint64) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.offset()
	switch {
	case lo <= off:
		return nil, fmt.Errorf("%w: entries [%d, %d) asked, the log starts after the snapshot at %d", ErrCompacted, lo, hi, off)
	case lo > hi || hi > s.lastIndex()+1:
		return nil, fmt.Errorf("%w: [%d, %d) of a log with entries [%d, %d]", ErrUnavailable, lo, hi, off+1, s.lastIndex())
	}
	return s.ents[lo-off : hi-off : hi-off], nil
}

// Term implements Storage.
func (s *MemoryStorage) Term(i uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.offset()
	switch {
	case i < off:
		return 0, fmt.Errorf("%w: term of %d asked, the snapshot is at %d", ErrCompacted, i, off)
	case i > s.lastIndex():
		return 0, fmt.Errorf("%w: term of %d asked, the last index is %d", ErrUnavailable, i, s.lastIndex())
	}
	return s.ents[i-off].Term, nil
}

// LastIndex implements Storage.
func (s *MemoryStorage) LastIndex() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastIndex(), nil
}

// FirstIndex implements Storage.
func (s *MemoryStorage) FirstIndex() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset() + 1, nil
}

// Snapshot implements Storage.
func (s *MemoryStorage) Snapshot() (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap.clone(), nil
}

// CreateSnapshot records a snapshot of the application's state up to entry
// i, with data standing in for it, and returns it. The entries stay until
// Compact drops them. i must be an index the storage holds, committed (at
// or below the persisted HardState's commit index) and newer than the
// current snapshot (ErrSnapOutOfDate otherwise).
func (s *MemoryStorage) CreateSnapshot(i uint64, data []byte) (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case i <= s.snap.Metadata.Index:
		return Snapshot{}, fmt.Errorf("%w: snapshot at %d asked, the storage holds one at %d", ErrSnapOutOfDate, i, s.snap.Metadata.Index)
	case i > s.lastIndex():
		return Snapshot{}, fmt.Errorf("%w: snapshot at %d asked, the last index is %d", ErrUnavailable, i, s.lastIndex())
	case i > s.hs.Commit:
		return Snapshot{}, fmt.Errorf("raft: MemoryStorage.CreateSnapshot: snapshot index %d is beyond the commit index %d", i, s.hs.Commit)
	}
	s.snap = Snapshot{Data: slices.Clone(data), Metadata: SnapshotMetadata{Index: i, Term: s.ents[i-s.offset()].Term}}
	return s.snap.clone(), nil
}

// Compact drops the entries up to and including i, which the snapshot must
// cover: create one at i or later first (etcd's MemoryStorage lets the
// application compact past its snapshot, which leaves a leader nothing to
// send a follower that needs the dropped entries). Compacting at or below
// the current start is ErrCompacted.
func (s *MemoryStorage) Compact(i uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.offset()
	switch {
	case i <= off:
		return fmt.Errorf("%w: compaction to %d asked, the log already starts after %d", ErrCompacted, i, off)
	case i > s.snap.Metadata.Index:
		return fmt.Errorf("raft: MemoryStorage.Compact: index %d is beyond the snapshot index %d (create a snapshot first)", i, s.snap.Metadata.Index)
	}
	// A new array, so that the dropped entries can be collected.
	ents := make([]Entry, 1, 1+s.lastIndex()-i)
	ents[0] = Entry{Index: i, Term: s.ents[i-off].Term}
	s.ents = append(ents, s.ents[i-off+1:]...)
	return nil
}

// ApplySnapshot replaces the storage's snapshot and log with snap (a
// snapshot received from a leader, handed out by Ready): every entry is
// dropped, the log starts after snap. A snapshot no newer than the one held
// is ErrSnapOutOfDate. The HardState is the caller's to persist (Ready
// carries it).
func (s *MemoryStorage) ApplySnapshot(snap Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap.Metadata.Index <= s.snap.Metadata.Index {
		return fmt.Errorf("%w: snapshot at %d applied, the storage holds one at %d", ErrSnapOutOfDate, snap.Metadata.Index, s.snap.Metadata.Index)
	}
	if snap.Metadata.Term == 0 {
		return fmt.Errorf("raft: MemoryStorage.ApplySnapshot: snapshot at %d has term 0", snap.Metadata.Index)
	}
	s.snap = snap.clone()
	s.ents = []Entry{{Index: snap.Metadata.Index, Term: snap.Metadata.Term}}
	return nil
}

// Append persists entries, which must be contiguous and leave no gap after
// the last stored one: entries at or below the snapshot's index are
// skipped, the first of the rest may overwrite an existing index (dropping
// every entry from there on), or follow the last one. It copies the
// entries but keeps their Data, which the caller must not change afterwards
// (the Data of entries from Ready never changes). Replacing entries gives
// the storage's log a new array, so that what Entries returned before stays
// as it was.
func (s *MemoryStorage) Append(ents []Entry) error {
	if len(ents) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := ents[0].Index
	for k, e := range ents {
		if e.Index != first+uint64(k) {
			return fmt.Errorf("raft: MemoryStorage.Append: entry %d of %d has index %d, want %d", k, len(ents), e.Index, first+uint64(k))
		}
	}
	if first < 1 || first > s.lastIndex()+1 {
		return fmt.Errorf("raft: MemoryStorage.Append: first index %d leaves a gap after last index %d", first, s.lastIndex())
	}
	off := s.offset()
	if last := first + uint64(len(ents)) - 1; last <= off {
		return nil // all compacted
	}
	if first <= off {
		ents = ents[off+1-first:]
		first = off + 1
	}
	// The entries are copied, their Data kept: what Ready hands out is
	// never written to (see the package doc). Entries from first on that
	// are replaced may have been returned by Entries: a new array then.
	keep := s.ents[:first-off]
	if first <= s.lastIndex() {
		keep = s.ents[: first-off : first-off]
	}
	if n := len(keep) + len(ents); n > cap(keep) {
		// Twice what is needed: append grows a large array by only a
		// quarter, which copies a long log five times over instead of
		// twice (a quarter of the time of a serial commit went there).
		g := make([]Entry, len(keep), 2*n)
		copy(g, keep)
		keep = g
	}
	s.ents = append(keep, ents...)
	return nil
}

// dropLast drops the last entry after the snapshot, if there is one (for
// the seeded bug RestartLosesLastEntry).
func (s *MemoryStorage) dropLast() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.ents); n > 1 {
		// Capped, so that the next Append does not write over the dropped
		// entry, which Entries may have returned.
		s.ents = s.ents[: n-1 : n-1]
	}
}

func cloneEntries(ents []Entry) []Entry {
	out := make([]Entry, len(ents))
	for i, e := range ents {
		out[i] = Entry{Term: e.Term, Index: e.Index, Data: slices.Clone(e.Data)}
	}
	return out
}
