package raft

import "fmt"

// ProgressMode is how a leader replicates to one follower.
type ProgressMode uint8

const (
	// ProgressProbe: the leader does not know where the follower's log
	// matches its own; it sends one append at a time and waits for the
	// answer (or a heartbeat response) before the next.
	ProgressProbe ProgressMode = iota
	// ProgressReplicate: the follower's log is known to match up to Match;
	// the leader pipelines appends, advancing Next as it sends.
	ProgressReplicate
	// ProgressSnapshot: the follower needs entries the leader has
	// compacted away; a snapshot was sent (PendingSnapshot is its index)
	// and nothing more is sent until the follower acknowledges an index
	// the log can continue from, or the application reports the snapshot
	// (RawNode.ReportSnapshot).
	ProgressSnapshot
)

func (m ProgressMode) String() string {
	switch m {
	case ProgressReplicate:
		return "Replicate"
	case ProgressSnapshot:
		return "Snapshot"
	}
	return "Probe"
}

// Progress is a leader's view of one follower.
type Progress struct {
	// Match is the highest index known to be replicated on the follower.
	Match uint64
	// Next is the index of the next entry to send.
	Next uint64
	// Mode is Probe or Replicate.
	Mode ProgressMode
	// Paused: in Probe, an append was sent and no answer has come back.
	Paused bool
	// SentCommit is the highest commit index sent to the follower, in an
	// append or a heartbeat; it is lowered when Next backs off (etcd's
	// Progress.sentCommit, which decides whether an ack that commits
	// nothing still warrants an append carrying the commit).
	SentCommit uint64
	// RecentActive: the follower was heard from since the last quorum check.
	RecentActive bool
	// PendingSnapshot is the index of the snapshot sent, in Snapshot mode
	// (0 otherwise, or once a snapshot was reported failed).
	PendingSnapshot uint64
}

func (pr Progress) String() string {
	s := fmt.Sprintf("%v match=%d next=%d sentcommit=%d", pr.Mode, pr.Match, pr.Next, pr.SentCommit)
	if pr.Paused {
		s += " paused"
	}
	if pr.RecentActive {
		s += " active"
	}
	if pr.PendingSnapshot > 0 {
		s += fmt.Sprintf(" pendingsnap=%d", pr.PendingSnapshot)
	}
	return s
}

// canSend is the opposite of etcd's IsPaused: a probed follower gets one
// append at a time.
// In Snapshot mode nothing is sent.
func (pr *Progress) canSend() bool {
	return pr.Mode != ProgressSnapshot && !(pr.Mode == ProgressProbe && pr.Paused)
}

// sentEntries records an append of n entries (etcd's SentEntries): in
// Replicate, next moves past them; in Probe, the follower is paused until
// it answers.
func (pr *Progress) sentEntries(n uint64) {
	if n == 0 {
		return
	}
	if pr.Mode == ProgressReplicate {
		pr.Next += n
	} else {
		pr.Paused = true
	}
}

// sentCommit records that commit index c was sent to the follower (etcd's
// SentCommit).
func (pr *Progress) sentCommit(c uint64) { pr.SentCommit = c }

// canBumpCommit reports whether sending commit index c may advance the
// follower's commit (etcd's CanBumpCommit): c is above the commit last sent,
// and that one was below Next-1, the most the follower can commit from the
// entries it was sent.
func (pr *Progress) canBumpCommit(c uint64) bool {
	return c > pr.SentCommit && pr.SentCommit < pr.Next-1
}

// maybeUpdate records that the follower holds the log up to n (etcd's
// MaybeUpdate). It reports whether Match grew.
func (pr *Progress) maybeUpdate(n uint64) bool {
	if n <= pr.Match {
		return false
	}
	pr.Match = n
	pr.Next = max(pr.Next, n+1)
	pr.Paused = false
	return true
}

// maybeDecrTo backs Next off after a rejection of the append anchored at
// rejected, using matchHint, the leader's best guess of the last index where
// the logs agree (etcd's MaybeDecrTo). A rejection that cannot concern the
// latest probe or the pipeline is stale, and ignored: it reports false.
// SentCommit is lowered below the new Next, as etcd does: the commit sent
// with entries the follower rejected has likely not been applied.
func (pr *Progress) maybeDecrTo(rejected, matchHint uint64) bool {
	if pr.Mode == ProgressReplicate {
		if rejected <= pr.Match {
			return false
		}
		pr.Next = pr.Match + 1
		pr.SentCommit = min(pr.SentCommit, pr.Next-1)
		return true
	}
	if pr.Next-1 != rejected {
		return false
	}
	pr.Next = max(min(rejected, matchHint+1), pr.Match+1)
	pr.SentCommit = min(pr.SentCommit, pr.Next-1)
	pr.Paused = false
	return true
}

// becomeProbe returns to probing from just after Match, or from just after
// the pending snapshot when leaving Snapshot mode, lowering SentCommit below
// Next (etcd's BecomeProbe).
func (pr *Progress) becomeProbe() {
	pr.Next = pr.Match + 1
	if pr.Mode == ProgressSnapshot {
		pr.Next = max(pr.Next, pr.PendingSnapshot+1)
	}
	pr.Mode = ProgressProbe
	pr.Paused = false
	pr.PendingSnapshot = 0
	pr.SentCommit = min(pr.SentCommit, pr.Next-1)
}

// becomeSnapshot records that a snapshot at index i was sent (etcd's
// BecomeSnapshot): Next and SentCommit follow it, and nothing more is sent.
func (pr *Progress) becomeSnapshot(i uint64) {
	pr.Mode = ProgressSnapshot
	pr.Paused = false
	pr.PendingSnapshot = i
	pr.Next = i + 1
	pr.SentCommit = i
}

// becomeReplicate starts pipelining from just after Match.
func (pr *Progress) becomeReplicate() {
	pr.Mode = ProgressReplicate
	pr.Paused = false
	pr.PendingSnapshot = 0
	pr.Next = pr.Match + 1
}
