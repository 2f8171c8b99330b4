package raft

import "fmt"

// raftLog is a node's log, all of it in memory: the entries its Storage
// held at start plus everything appended since. It remembers which suffix
// has not been handed out for persisting yet, and what has been committed
// and applied.
type raftLog struct {
	ents []Entry // ents[k] has index k+1
	// unstable is the first index not yet acknowledged as persisted.
	unstable uint64
	// committed is the highest index known to be committed.
	committed uint64
	// applied is the highest index handed out for applying and acknowledged.
	applied uint64
	// overwritten is the lowest index replaced since the last Ready, 0 if
	// none: if it was handed out for persisting, the stored copy is stale.
	overwritten uint64
}

func (l *raftLog) lastIndex() uint64 { return uint64(len(l.ents)) }

// term is the term of entry i, 0 for index 0 or an index past the end (the
// TLA+ TermAt).
func (l *raftLog) term(i uint64) uint64 {
	if i == 0 || i > l.lastIndex() {
		return 0
	}
	return l.ents[i-1].Term
}

func (l *raftLog) lastTerm() uint64 { return l.term(l.lastIndex()) }

// matchTerm reports whether the log holds an entry at index i with term t
// (index 0 always matches term 0).
func (l *raftLog) matchTerm(i, t uint64) bool {
	return i <= l.lastIndex() && l.term(i) == t
}

// isUpToDate reports whether a log ending at (lastTerm, lastIndex) is at
// least as up to date as this one (Raft paper 5.4.1).
func (l *raftLog) isUpToDate(lastTerm, lastIndex uint64) bool {
	return lastTerm > l.lastTerm() || (lastTerm == l.lastTerm() && lastIndex >= l.lastIndex())
}

// slice returns the entries [lo, hi], or nil if lo > hi. It is the log's
// own array, capacity capped at hi: the log never writes to an index it
// holds again (merge replaces the array instead), so a slice stays valid
// once handed out.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi {
		return nil
	}
	return l.ents[lo-1 : hi : hi]
}

// findConflictByTerm returns the largest index k <= idx whose term is at
// most t (0 if there is none) and its term. An index past the end of the log
// is returned as is with term 0: its term is unknown.
func (l *raftLog) findConflictByTerm(idx, t uint64) (uint64, uint64) {
	if idx > l.lastIndex() {
		return idx, 0
	}
	for ; idx > 0; idx-- {
		if l.term(idx) <= t {
			return idx, l.term(idx)
		}
	}
	return 0, 0
}

// findConflict returns the index of the first of ents (anchored after prev)
// that is not in the log with the same term, 0 if all are.
func (l *raftLog) findConflict(prev uint64, ents []Entry) uint64 {
	for k, e := range ents {
		i := prev + 1 + uint64(k)
		if i > l.lastIndex() || l.term(i) != e.Term {
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
	if c <= l.lastIndex() && (l.overwritten == 0 || c < l.overwritten) {
		l.overwritten = c
	}
	keep := l.ents[:c-1]
	if c <= l.lastIndex() {
		// Entries are replaced: a new array (capacity capped), since the
		// replaced ones may have been handed out (slice) and stay as they
		// were.
		keep = l.ents[: c-1 : c-1]
	}
	l.ents = append(keep, ents[c-prev-1:]...)
	l.unstable = min(l.unstable, c)
}

// append adds one entry at the end.
func (l *raftLog) append(e Entry) {
	l.ents = append(l.ents, e)
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
