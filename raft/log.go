package raft

import (
	"errors"
	"fmt"
)

// raftLog is a node's log. What has been persisted is read from Storage;
// the node holds in memory only what it has not yet seen acknowledged as
// persisted (etcd's unstable): entries from offset on, and a snapshot
// received from a leader. It also remembers what has been committed and
// applied.
//
// The log starts after a snapshot: firstIndex()-1 is the snapshot's index,
// whose term is known; the entries before it are gone.
type raftLog struct {
	storage Storage
	// snap is a snapshot received and not yet acknowledged as persisted;
	// while it is set, the log starts after it, whatever Storage holds.
	snap *Snapshot
	// ents are the entries not yet acknowledged as persisted; ents[k] has
	// index offset+k. Without them, offset is lastIndex()+1.
	ents   []Entry
	offset uint64
	// stableLastTerm is the term of entry offset-1, the last stored one
	// (or the snapshot's): the term asked most often (an append's anchor,
	// the leader's commit check), answered without Storage's mutex.
	stableLastTerm uint64
	// committed is the highest index known to be committed.
	committed uint64
	// applied is the highest index handed out for applying and acknowledged.
	applied uint64
	// overwritten is the lowest index replaced since the last Ready, 0 if
	// none: if it was handed out for persisting, the stored copy is stale.
	overwritten uint64
	// entsPeak is the most unstable entries held, to size ents' arrays.
	entsPeak int
}

// storageFailed reports a Storage failure the node cannot go on from: the
// storage lost or never held what the application acknowledged persisting.
func storageFailed(what string, err error) {
	panic(fmt.Sprintf("raft: storage: %s: %v", what, err))
}

func (l *raftLog) firstIndex() uint64 {
	if l.snap != nil {
		return l.snap.Metadata.Index + 1
	}
	i, err := l.storage.FirstIndex()
	if err != nil {
		storageFailed("first index", err)
	}
	return i
}

// lastIndex is the index of the last entry. It asks nothing of Storage:
// offset is one past the last stored entry when nothing is unstable, since
// the stored log changes only by what Ready hands out (entries, snapshot)
// and the application persists before Advance (stableTo), and a restart
// reads it from Storage (newRaft). It is the node's hottest question (every
// message's validation asks it), and MemoryStorage answers under a mutex.
func (l *raftLog) lastIndex() uint64 {
	return l.offset + uint64(len(l.ents)) - 1
}

// snapshotMeta is the index and term the log starts after.
func (l *raftLog) snapshotMeta() SnapshotMetadata {
	i := l.firstIndex() - 1
	t, _ := l.termOK(i)
	return SnapshotMetadata{Index: i, Term: t}
}

// termOK is the term of entry i, and whether the log knows it: index 0 has
// term 0; an index past the end or compacted away is unknown.
func (l *raftLog) termOK(i uint64) (uint64, bool) {
	if i == 0 {
		return 0, true
	}
	if l.snap != nil && i <= l.snap.Metadata.Index {
		return l.snap.Metadata.Term, i == l.snap.Metadata.Index
	}
	if i >= l.offset && i < l.offset+uint64(len(l.ents)) {
		return l.ents[i-l.offset].Term, true
	}
	if i == l.offset-1 {
		// Never compacted away: compacting up to it makes it the
		// snapshot's index, whose term is known.
		return l.stableLastTerm, true
	}
	if i > l.lastIndex() {
		return 0, false
	}
	t, err := l.storage.Term(i)
	switch {
	case err == nil:
		return t, true
	case errors.Is(err, ErrCompacted):
		return 0, false
	}
	storageFailed(fmt.Sprintf("term of %d", i), err)
	return 0, false
}

// term is the term of entry i, 0 for index 0, an index past the end (the
// TLA+ TermAt) or one compacted away.
func (l *raftLog) term(i uint64) uint64 {
	t, _ := l.termOK(i)
	return t
}

func (l *raftLog) lastTerm() uint64 { return l.term(l.lastIndex()) }

// matchTerm reports whether the log holds an entry at index i with term t
// (index 0 always matches term 0, a snapshot's index its term).
func (l *raftLog) matchTerm(i, t uint64) bool {
	got, ok := l.termOK(i)
	return ok && got == t
}

// isUpToDate reports whether a log ending at (lastTerm, lastIndex) is at
// least as up to date as this one (Raft paper 5.4.1).
func (l *raftLog) isUpToDate(lastTerm, lastIndex uint64) bool {
	return lastTerm > l.lastTerm() || (lastTerm == l.lastTerm() && lastIndex >= l.lastIndex())
}

// slice returns the entries [lo, hi], or nil if lo > hi; lo must not be
// compacted away and hi not past the end. Nothing is copied where the
// entries lie on one side: stable ones are what Storage.Entries returns
// (which the caller must not write to), unstable ones the log's own array,
// capacity capped at hi. The log never writes to an index it holds again
// (merge replaces the array instead, and MemoryStorage gives its log a new
// array when entries are replaced), so a slice stays valid once handed out.
// Only a range across both is a new slice.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi {
		return nil
	}
	var out []Entry
	if lo < l.offset {
		stableHi := min(hi, l.offset-1)
		ents, err := l.storage.Entries(lo, stableHi+1)
		if err != nil {
			storageFailed(fmt.Sprintf("entries [%d, %d]", lo, stableHi), err)
		}
		if hi < l.offset {
			return ents
		}
		out = make([]Entry, 0, hi-lo+1)
		out = append(out, ents...)
		lo = l.offset
	}
	u := l.ents[lo-l.offset : hi-l.offset+1 : hi-l.offset+1]
	if out == nil {
		return u
	}
	return append(out, u...)
}

// entries returns every entry the log holds, from firstIndex on.
func (l *raftLog) entries() []Entry { return l.slice(l.firstIndex(), l.lastIndex()) }

// findConflictByTerm returns the largest index k <= idx whose term is at
// most t (0 if there is none) and its term. An index past the end of the log
// is returned as is with term 0: its term is unknown; so is the first index
// the search reaches whose term was compacted away.
func (l *raftLog) findConflictByTerm(idx, t uint64) (uint64, uint64) {
	if idx > l.lastIndex() {
		return idx, 0
	}
	for ; idx > 0; idx-- {
		got, ok := l.termOK(idx)
		if !ok {
			return idx, 0
		}
		if got <= t {
			return idx, got
		}
	}
	return 0, 0
}

// findConflict returns the index of the first of ents (anchored after prev)
// that is not in the log with the same term, 0 if all are.
func (l *raftLog) findConflict(prev uint64, ents []Entry) uint64 {
	for k, e := range ents {
		i := prev + 1 + uint64(k)
		if !l.matchTerm(i, e.Term) {
			return i
		}
	}
	return 0
}

// merge accepts ents anchored after prev (whose term matched): entries
// already present are kept; the first conflicting one and everything after
// it are replaced (the TLA+ Merge).
func (l *raftLog) merge(prev uint64, ents []Entry) {
	c := l.findConflict(prev, ents)
	if c == 0 {
		return
	}
	if c <= l.committed {
		panic(fmt.Sprintf("raft: entry %d conflicts with the committed log (commit %d)", c, l.committed))
	}
	last := l.lastIndex()
	if c <= last && (l.overwritten == 0 || c < l.overwritten) {
		l.overwritten = c
	}
	// The entries are copied into the log, their Data kept (see the
	// package doc, What is whose).
	fresh := ents[c-prev-1:]
	switch {
	case c == l.offset+uint64(len(l.ents)):
		l.ents = l.grow(l.ents, fresh)
	case c <= l.offset:
		// The stored entries from c on are replaced: the unstable part
		// starts at c, in a new array.
		if c < l.offset {
			l.stableLastTerm = l.term(c - 1) // the anchor matched: known
		}
		l.offset, l.ents = c, l.grow(nil, fresh)
	default:
		// Unstable entries are replaced: a new array (capacity capped),
		// since the replaced ones may have been handed out (slice) and
		// stay as they were.
		k := c - l.offset
		l.ents = l.grow(l.ents[:k:k], fresh)
	}
}

// grow appends ents to the log's unstable entries u. When u's array is
// full, the new one has room for twice the most unstable entries held so
// far (at least logChunk): stableTo leaves the unstable part empty after
// every Advance, and an array sized by what is unstable at that moment
// would be one entry long, a new one for every append.
func (l *raftLog) grow(u, ents []Entry) []Entry {
	if n := len(u) + len(ents); n > cap(u) {
		l.entsPeak = max(l.entsPeak, n)
		g := make([]Entry, len(u), max(2*l.entsPeak, logChunk))
		copy(g, u)
		u = g
	}
	return append(u, ents...)
}

// append adds one entry at the end.
func (l *raftLog) append(e Entry) {
	l.ents = l.grow(l.ents, []Entry{e})
}

// logChunk is the least room a new array of unstable entries has.
const logChunk = 64

// stableTo records that the entries up to i are persisted: they are read
// from Storage from now on.
func (l *raftLog) stableTo(i uint64) {
	if i < l.offset || len(l.ents) == 0 {
		return
	}
	n := min(i-l.offset+1, uint64(len(l.ents)))
	// The persisted entries are dropped from the front only: the array's
	// room after them is never handed out, so appends go on in it (grow).
	l.stableLastTerm = l.ents[n-1].Term
	l.ents = l.ents[n:]
	l.offset += n
}

// restore makes the log start after snap, a snapshot newer than the
// commit index (etcd's unstable.restore): every entry is dropped and snap
// is to be persisted; the snapshot's index is committed. It keeps snap's
// Data, as merge keeps entries' (see the package doc, What is whose).
func (l *raftLog) restore(snap Snapshot) {
	l.snap = &snap
	l.ents = nil
	l.offset = snap.Metadata.Index + 1
	l.stableLastTerm = snap.Metadata.Term
	l.committed = snap.Metadata.Index
	// Whatever was handed out for persisting before is superseded.
	if l.overwritten == 0 || l.offset < l.overwritten {
		l.overwritten = l.offset
	}
}

// commitTo raises the commit index to i, which must be in the log.
func (l *raftLog) commitTo(i uint64) {
	if i <= l.committed {
		return
	}
	if i > l.lastIndex() {
		panic(fmt.Sprintf("raft: commit index %d is beyond the last index %d", i, l.lastIndex()))
	}
	l.committed = i
}
