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
)

func (m ProgressMode) String() string {
	if m == ProgressReplicate {
		return "Replicate"
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
	// RecentActive: the follower was heard from since the last quorum check.
	RecentActive bool
}

func (pr Progress) String() string {
	s := fmt.Sprintf("%v match=%d next=%d", pr.Mode, pr.Match, pr.Next)
	if pr.Paused {
		s += " paused"
	}
	if pr.RecentActive {
		s += " active"
	}
	return s
}

// canSend is the opposite of etcd's IsPaused: a probed follower gets one
// append at a time.
func (pr *Progress) canSend() bool { return !(pr.Mode == ProgressProbe && pr.Paused) }

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
func (pr *Progress) maybeDecrTo(rejected, matchHint uint64) bool {
	if pr.Mode == ProgressReplicate {
		if rejected <= pr.Match {
			return false
		}
		pr.Next = pr.Match + 1
		return true
	}
	if pr.Next-1 != rejected {
		return false
	}
	pr.Next = max(min(rejected, matchHint+1), pr.Match+1)
	pr.Paused = false
	return true
}

// becomeProbe returns to probing from just after Match.
func (pr *Progress) becomeProbe() {
	pr.Mode = ProgressProbe
	pr.Paused = false
	pr.Next = pr.Match + 1
}

// becomeReplicate starts pipelining from just after Match.
func (pr *Progress) becomeReplicate() {
	pr.Mode = ProgressReplicate
	pr.Paused = false
	pr.Next = pr.Match + 1
}
