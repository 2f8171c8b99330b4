package spec

import (
	"fmt"
	"slices"
)

// An Invariant holds in every reachable state. It returns nil, or an error
// that says what was violated where.
type Invariant func(v *View) error

// An ActionProperty holds for every step from pre to post (a TLA+ property
// of the form [][A]_vars). It returns nil, or an error saying what was
// violated where.
type ActionProperty func(pre, post *View) error

// NamedInvariant is an invariant and its TLA+ name.
type NamedInvariant struct {
	Name  string
	Check Invariant
}

// NamedActionProperty is an action property and its TLA+ name.
type NamedActionProperty struct {
	Name  string
	Check ActionProperty
}

// Invariants are the invariants of tla/Raft.tla, checked in every config.
var Invariants = []NamedInvariant{
	{"TypeOK", TypeOK},
	{"ElectionSafety", ElectionSafety},
	{"LogMatching", LogMatching},
	{"LeaderCompleteness", LeaderCompleteness},
	{"StateMachineSafety", StateMachineSafety},
	{"SnapshotCommitted", SnapshotCommitted},
}

// ActionProperties are the action properties that hold with or without
// PreVote. The first two PreVote properties hold vacuously without PreVote.
var ActionProperties = []NamedActionProperty{
	{"OneVotePerTerm", OneVotePerTerm},
	{"TermMonotonic", TermMonotonic},
	{"LeaderAppendOnly", LeaderAppendOnly},
	{"PreVoteKeepsTermAndVote", PreVoteKeepsTermAndVote},
	{"PreVoteRequestHarmless", PreVoteRequestHarmless},
	{"CommitMonotonic", CommitMonotonic},
}

// PreVoteActionProperties hold only with PreVote (without it, TLC and the
// explorer must find counterexamples).
var PreVoteActionProperties = []NamedActionProperty{
	{"CandidateHasPreVoteQuorum", CandidateHasPreVoteQuorum},
	{"IsolatedTermStable", IsolatedTermStable},
}

// LookupActionPropertyFor finds an action property by its TLA+ name, as it
// reads in a config with or without CheckQuorum: LeaseHonoured and
// NonDisruption depend on the constant CheckQuorum (the View does not carry
// it); every other property reads the same either way.
func LookupActionPropertyFor(name string, checkQuorum bool) (ActionProperty, bool) {
	switch name {
	case "LeaseHonoured":
		return func(pre, post *View) error { return leaseHonoured(pre, post, checkQuorum) }, true
	case "NonDisruption":
		return func(pre, post *View) error { return nonDisruption(pre, post, checkQuorum) }, true
	}
	return LookupActionProperty(name)
}

// CheckQuorumActionProperties hold only with CheckQuorum (without it there
// is no lease, and a leader never checks its quorum).
var CheckQuorumActionProperties = []NamedActionProperty{
	{"LeaseHonoured", LeaseHonoured},
	{"StepDownWithoutQuorum", StepDownWithoutQuorum},
}

// PreVoteCheckQuorumActionProperties hold only with PreVote and CheckQuorum
// together (without either, TLC and the explorer must find
// counterexamples).
var PreVoteCheckQuorumActionProperties = []NamedActionProperty{
	{"NonDisruption", NonDisruption},
}

// ActionPropertiesFor lists the action properties that must hold in a
// cluster with or without PreVote, whatever its CheckQuorum.
func ActionPropertiesFor(preVote bool) []NamedActionProperty {
	out := slices.Clone(ActionProperties)
	if preVote {
		out = append(out, PreVoteActionProperties...)
	}
	return out
}

// ActionPropertiesWith lists the action properties that must hold in a
// cluster with the given PreVote and CheckQuorum.
func ActionPropertiesWith(preVote, checkQuorum bool) []NamedActionProperty {
	out := ActionPropertiesFor(preVote)
	if checkQuorum {
		out = append(out, CheckQuorumActionProperties...)
		if preVote {
			out = append(out, PreVoteCheckQuorumActionProperties...)
		}
	}
	return out
}

// AllActionProperties lists every action property of tla/Raft.tla.
func AllActionProperties() []NamedActionProperty {
	return ActionPropertiesWith(true, true)
}

// LookupInvariant finds an invariant by its TLA+ name.
func LookupInvariant(name string) (Invariant, bool) {
	for _, p := range Invariants {
		if p.Name == name {
			return p.Check, true
		}
	}
	return nil, false
}

// LookupActionProperty finds an action property by its TLA+ name.
func LookupActionProperty(name string) (ActionProperty, bool) {
	for _, p := range AllActionProperties() {
		if p.Name == name {
			return p.Check, true
		}
	}
	return nil, false
}

// TypeOK: every variable has its type, a commit index lies within the log,
// a commit sent to a follower within the sender's commit index, and a lease
// is held only by a follower that knows its leader.
func TypeOK(v *View) error {
	n := v.N()
	for i := 1; i <= n; i++ {
		s := v.Server(i)
		switch {
		case s.Vote < 0 || s.Vote > n:
			return fmt.Errorf("TypeOK: server %d votedFor %d is not a server", i, s.Vote)
		case s.Leader < 0 || s.Leader > n:
			return fmt.Errorf("TypeOK: server %d leader %d is not a server", i, s.Leader)
		case s.Role > Leader:
			return fmt.Errorf("TypeOK: server %d has role %v", i, s.Role)
		case s.Commit > s.LastIndex():
			return fmt.Errorf("TypeOK: server %d (term %d) has commitIndex %d beyond its log of %d entries", i, s.Term, s.Commit, s.LastIndex())
		case s.Lease && (s.Role != Follower || s.Leader == 0):
			return fmt.Errorf("TypeOK: server %d holds a lease as %v with leader %d", i, s.Role, s.Leader)
		case len(s.Progress) != n:
			return fmt.Errorf("TypeOK: server %d has %d progress records for %d servers", i, len(s.Progress), n)
		}
		for _, set := range []Set{s.Granted, s.Rejected, s.RecentActive} {
			if set>>(uint(n)+1) != 0 || set.Has(0) {
				return fmt.Errorf("TypeOK: server %d has a server set %v outside 1..%d", i, set, n)
			}
		}
		for k, e := range s.Log {
			if e.Term == 0 {
				return fmt.Errorf("TypeOK: server %d has an entry of term 0 at index %d", i, k+1)
			}
		}
		for j, pr := range s.Progress {
			if pr.SentCommit > s.Commit {
				return fmt.Errorf("TypeOK: server %d (term %d) sent commit %d to server %d, beyond its commitIndex %d", i, s.Term, pr.SentCommit, j+1, s.Commit)
			}
		}
	}
	for _, b := range v.Messages {
		if b.Copies <= 0 {
			return fmt.Errorf("TypeOK: message %v has %d copies", b.Msg, b.Copies)
		}
		if b.Msg.From < 1 || b.Msg.From > n || b.Msg.To < 1 || b.Msg.To > n {
			return fmt.Errorf("TypeOK: message %v names a server outside 1..%d", b.Msg, n)
		}
	}
	for _, l := range v.Cut {
		if l.From < 1 || l.From > n || l.To < 1 || l.To > n {
			return fmt.Errorf("TypeOK: cut link %d->%d names a server outside 1..%d", l.From, l.To, n)
		}
	}
	return nil
}

// ElectionSafety: at most one leader per term.
func ElectionSafety(v *View) error {
	for i := 1; i <= v.N(); i++ {
		for j := i + 1; j <= v.N(); j++ {
			a, b := v.Server(i), v.Server(j)
			if a.Role == Leader && b.Role == Leader && a.Term == b.Term {
				return fmt.Errorf("ElectionSafety: servers %d and %d are both leaders of term %d", i, j, a.Term)
			}
		}
	}
	return nil
}

// fromBoth is Raft.tla's FromBoth(i, j): the index from which both servers
// know what they have (the later of their snapshots).
func fromBoth(a, b *Server) uint64 { return max(a.SnapshotIndex, b.SnapshotIndex) }

// disagreement is the first index from fromBoth(a, b) to k at which a and b
// do not agree (Raft.tla's AgreeUpTo(i, j, k) fails there): their known
// terms differ, or both hold entries that differ. It reports false if they
// agree throughout.
func disagreement(a, b *Server, k uint64) (uint64, bool) {
	from := fromBoth(a, b)
	for l := from; l <= k; l++ {
		if a.KnownTerm(l) != b.KnownTerm(l) || l > from && a.EntryAt(l) != b.EntryAt(l) {
			return l, true
		}
	}
	return 0, false
}

// known renders what server s knows at index k: the entry, or the
// snapshot's term.
func known(s *Server, k uint64) string {
	if s.Holds(k) {
		return s.EntryAt(k).String()
	}
	return fmt.Sprintf("snapshot term %d", s.KnownTerm(k))
}

// LogMatching: two logs with an entry of the same index and term agree up to
// that index. Over compacted logs: where both know a term (an entry, or a
// snapshot's last), the same term means the same terms and entries down to
// the later of their snapshots.
func LogMatching(v *View) error {
	for i := 1; i <= v.N(); i++ {
		for j := i + 1; j <= v.N(); j++ {
			a, b := v.Server(i), v.Server(j)
			// The highest index where the terms agree decides.
			for k := min(a.LastIndex(), b.LastIndex()); k >= max(fromBoth(a, b), 1); k-- {
				if a.KnownTerm(k) != b.KnownTerm(k) {
					continue
				}
				if l, bad := disagreement(a, b, k); bad {
					return fmt.Errorf("LogMatching: servers %d and %d agree on the term %d of index %d but not at index %d: %s vs %s",
						i, j, a.KnownTerm(k), k, l, known(a, l), known(b, l))
				}
				break
			}
		}
	}
	return nil
}

// LeaderCompleteness: an entry that server i knows is committed is in the log
// of every leader of a term at least i's (over compacted logs: what both
// still know of it agrees).
func LeaderCompleteness(v *View) error {
	for i := 1; i <= v.N(); i++ {
		si := v.Server(i)
		for l := 1; l <= v.N(); l++ {
			sl := v.Server(l)
			if sl.Role != Leader || sl.Term < si.Term {
				continue
			}
			if si.Commit > sl.LastIndex() {
				return fmt.Errorf("LeaderCompleteness: leader %d of term %d has %d entries but server %d (term %d) committed %d",
					l, sl.Term, sl.LastIndex(), i, si.Term, si.Commit)
			}
			if k, bad := disagreement(sl, si, si.Commit); bad {
				return fmt.Errorf("LeaderCompleteness: leader %d of term %d has %s at index %d where server %d (term %d) committed %s",
					l, sl.Term, known(sl, k), k, i, si.Term, known(si, k))
			}
		}
	}
	return nil
}

// StateMachineSafety: no two servers commit different entries at one index
// (over compacted logs: what both still know of their committed prefixes).
func StateMachineSafety(v *View) error {
	for i := 1; i <= v.N(); i++ {
		for j := i + 1; j <= v.N(); j++ {
			a, b := v.Server(i), v.Server(j)
			c := min(a.Commit, b.Commit, a.LastIndex(), b.LastIndex())
			if k, bad := disagreement(a, b, c); bad {
				return fmt.Errorf("StateMachineSafety: servers %d and %d committed %s and %s at index %d",
					i, j, known(a, k), known(b, k), k)
			}
		}
	}
	return nil
}

// SnapshotCommitted: no server's snapshot index is above its commit index
// (a snapshot holds only committed, applied state).
func SnapshotCommitted(v *View) error {
	for i := 1; i <= v.N(); i++ {
		if s := v.Server(i); s.SnapshotIndex > s.Commit {
			return fmt.Errorf("SnapshotCommitted: server %d (term %d) has a snapshot at index %d beyond its commitIndex %d",
				i, s.Term, s.SnapshotIndex, s.Commit)
		}
	}
	return nil
}

// CommitMonotonic: a server's commit index never decreases, restarts and
// snapshots included.
func CommitMonotonic(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		if a, b := pre.Server(i).Commit, post.Server(i).Commit; b < a {
			return fmt.Errorf("CommitMonotonic: server %d went from commitIndex %d to %d", i, a, b)
		}
	}
	return nil
}

// OneVotePerTerm: within a term, a vote once cast never changes.
func OneVotePerTerm(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		a, b := pre.Server(i), post.Server(i)
		if a.Term == b.Term && a.Vote != 0 && b.Vote != a.Vote {
			return fmt.Errorf("OneVotePerTerm: server %d changed its vote in term %d from %d to %d", i, a.Term, a.Vote, b.Vote)
		}
	}
	return nil
}

// TermMonotonic: no server's term ever decreases, restarts included.
func TermMonotonic(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		if a, b := pre.Server(i).Term, post.Server(i).Term; b < a {
			return fmt.Errorf("TermMonotonic: server %d went from term %d to term %d", i, a, b)
		}
	}
	return nil
}

// LeaderAppendOnly: a leader that stays leader only appends to its log.
func LeaderAppendOnly(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		a, b := pre.Server(i), post.Server(i)
		if a.Role != Leader || b.Role != Leader {
			continue
		}
		changed := b.LastIndex() < a.LastIndex()
		for k := max(a.SnapshotIndex, b.SnapshotIndex) + 1; !changed && k <= a.LastIndex(); k++ {
			changed = b.EntryAt(k) != a.EntryAt(k)
		}
		if changed {
			return fmt.Errorf("LeaderAppendOnly: leader %d (term %d) changed its log from %v to %v", i, a.Term, a.Log, b.Log)
		}
	}
	return nil
}

// PreVoteKeepsTermAndVote (PreVote 1): becoming or staying PreCandidate
// never changes currentTerm, and never changes votedFor, except that a
// pre-candidate with no vote may cast one for another server's real
// election in its own term.
func PreVoteKeepsTermAndVote(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		a, b := pre.Server(i), post.Server(i)
		if b.Role != PreCandidate {
			continue
		}
		if a.Term != b.Term {
			return fmt.Errorf("PreVoteKeepsTermAndVote: server %d changed its term from %d to %d as %v -> PreCandidate", i, a.Term, b.Term, a.Role)
		}
		if a.Vote != b.Vote && !(a.Role == PreCandidate && a.Vote == 0 && b.Vote != i) {
			return fmt.Errorf("PreVoteKeepsTermAndVote: server %d changed its vote in term %d from %d to %d as %v -> PreCandidate", i, a.Term, a.Vote, b.Vote, a.Role)
		}
	}
	return nil
}

// consumed lists the messages with fewer copies after the step than before.
func consumed(pre, post *View) []Message {
	var out []Message
	for _, b := range pre.Messages {
		if post.Copies(b.Msg) < b.Copies {
			out = append(out, b.Msg)
		}
	}
	return out
}

// PreVoteRequestHarmless (PreVote 2): handling (or losing) a pre-vote
// request never changes the receiver's term, vote, role, leader or lease.
func PreVoteRequestHarmless(pre, post *View) error {
	for _, m := range consumed(pre, post) {
		if m.Type != PreVoteRequest {
			continue
		}
		a, b := pre.Server(m.To), post.Server(m.To)
		if a.Term != b.Term || a.Vote != b.Vote || a.Role != b.Role || a.Leader != b.Leader || a.Lease != b.Lease {
			return fmt.Errorf("PreVoteRequestHarmless: server %d handled %v and went from (term %d, vote %d, %v, leader %d, lease %v) to (term %d, vote %d, %v, leader %d, lease %v)",
				m.To, m, a.Term, a.Vote, a.Role, a.Leader, a.Lease, b.Term, b.Vote, b.Role, b.Leader, b.Lease)
		}
	}
	return nil
}

// CandidateHasPreVoteQuorum (PreVote 3): a server becomes Candidate (or
// starts a new candidacy) only in a step that hands it a pre-vote grant
// completing a quorum of grants for its pre-campaign.
func CandidateHasPreVoteQuorum(pre, post *View) error {
	n := pre.N()
	for i := 1; i <= n; i++ {
		a, b := pre.Server(i), post.Server(i)
		if b.Role != Candidate || (a.Role == Candidate && a.Term == b.Term) {
			continue
		}
		ok := false
		if a.Role == PreCandidate {
			for _, m := range consumed(pre, post) {
				if m.Type == PreVoteResponse && m.To == i && !m.Reject && IsQuorum(a.Granted.Add(m.From), n) {
					ok = true
				}
			}
		}
		if !ok {
			return fmt.Errorf("CandidateHasPreVoteQuorum: server %d became Candidate of term %d from %v (term %d) holding pre-vote grants %v, without a grant completing a quorum",
				i, b.Term, a.Role, a.Term, a.Granted)
		}
	}
	return nil
}

// IsolatedTermStable (PreVote 4): a server that no other server can reach
// (for three servers, one cut off from every quorum) never raises its term
// by its own campaign.
func IsolatedTermStable(pre, post *View) error {
	for i := 1; i <= pre.N(); i++ {
		if pre.Isolated(i) && post.Server(i).Term > pre.Server(i).Term {
			return fmt.Errorf("IsolatedTermStable: isolated server %d raised its term from %d to %d", i, pre.Server(i).Term, post.Server(i).Term)
		}
	}
	return nil
}

// withinLease is Raft.tla's WithinLease(i): with CheckQuorum, a leader or a
// follower holding its lease.
func withinLease(s *Server, checkQuorum bool) bool {
	return checkQuorum && (s.Role == Leader || s.Lease)
}

// LeaseHonoured (CheckQuorum 1): a server within its lease never changes
// its term, vote, role or leader because of a vote or pre-vote request. It
// holds only with CheckQuorum (CheckQuorumActionProperties), and this is
// its reading with CheckQuorum; LookupActionPropertyFor gives the reading
// for a config.
func LeaseHonoured(pre, post *View) error { return leaseHonoured(pre, post, true) }

func leaseHonoured(pre, post *View, checkQuorum bool) error {
	for _, m := range consumed(pre, post) {
		if m.Type != PreVoteRequest && m.Type != VoteRequest {
			continue
		}
		a, b := pre.Server(m.To), post.Server(m.To)
		if !withinLease(a, checkQuorum) {
			continue
		}
		if a.Term != b.Term || a.Vote != b.Vote || a.Role != b.Role || a.Leader != b.Leader {
			return fmt.Errorf("LeaseHonoured: server %d, within its lease as %v, handled %v and went from (term %d, vote %d, %v, leader %d) to (term %d, vote %d, %v, leader %d)",
				m.To, a.Role, m, a.Term, a.Vote, a.Role, a.Leader, b.Term, b.Vote, b.Role, b.Leader)
		}
	}
	return nil
}

// FollowersOf is Raft.tla's FollowersOf(l): leader l and the followers that
// know l as the leader of its term (with CheckQuorum, within their lease).
func FollowersOf(v *View, l int, checkQuorum bool) Set {
	out := Set(0).Add(l)
	sl := v.Server(l)
	for j := 1; j <= v.N(); j++ {
		s := v.Server(j)
		if s.Role == Follower && s.Term == sl.Term && s.Leader == l && (s.Lease || !checkQuorum) {
			out = out.Add(j)
		}
	}
	return out
}

// produced lists the messages with more copies after the step than before.
func produced(pre, post *View) []Message {
	var out []Message
	for _, b := range post.Messages {
		if pre.Copies(b.Msg) < b.Copies {
			out = append(out, b.Msg)
		}
	}
	return out
}

// NonDisruption (CheckQuorum with PreVote 2): a server that comes back (or
// is behind) cannot depose a leader l that a quorum follows. While a quorum
// follows l in term t, no server raises its term above t by a campaign of
// its own (a step that consumes no message to it), and no follower of l
// grants a vote or pre-vote for a term above t. It holds only with PreVote
// and CheckQuorum (PreVoteCheckQuorumActionProperties), and this is its
// reading with CheckQuorum; LookupActionPropertyFor gives the reading for a
// config (the expected failures check it without CheckQuorum).
func NonDisruption(pre, post *View) error { return nonDisruption(pre, post, true) }

func nonDisruption(pre, post *View, checkQuorum bool) error {
	n := pre.N()
	cons := consumed(pre, post)
	consumedBy := func(k int) bool {
		return slices.ContainsFunc(cons, func(m Message) bool { return m.To == k })
	}
	for l := 1; l <= n; l++ {
		sl := pre.Server(l)
		if sl.Role != Leader {
			continue
		}
		f := FollowersOf(pre, l, checkQuorum)
		if !IsQuorum(f, n) {
			continue
		}
		for k := 1; k <= n; k++ {
			a, b := pre.Server(k), post.Server(k)
			if b.Term > sl.Term && b.Term > a.Term && !consumedBy(k) {
				return fmt.Errorf("NonDisruption: server %d raised its term from %d to %d by its own campaign while leader %d of term %d was followed by %v",
					k, a.Term, b.Term, l, sl.Term, f)
			}
		}
		for _, m := range produced(pre, post) {
			if (m.Type == PreVoteResponse || m.Type == VoteResponse) && !m.Reject && m.Term > sl.Term && f.Has(m.From) && consumedBy(m.From) {
				return fmt.Errorf("NonDisruption: server %d, a follower of leader %d of term %d (followed by %v), sent %v",
					m.From, l, sl.Term, f, m)
			}
		}
	}
	return nil
}

// StepDownWithoutQuorum (CheckQuorum 3): a leader that stays leader across
// a quorum check (the only step of a leader that stays leader in its term
// and empties a non-empty set of recently active followers) heard from a
// quorum since the previous check. With three servers a check without a
// quorum finds the set empty, and a leader that wrongly stays leader
// changes nothing: it takes four servers or more to see.
func StepDownWithoutQuorum(pre, post *View) error {
	n := pre.N()
	for i := 1; i <= n; i++ {
		a, b := pre.Server(i), post.Server(i)
		if a.Role != Leader || b.Role != Leader || a.Term != b.Term || a.RecentActive == 0 || b.RecentActive != 0 {
			continue
		}
		if !IsQuorum(a.RecentActive.Add(i), n) {
			return fmt.Errorf("StepDownWithoutQuorum: leader %d of term %d passed a quorum check having heard only from %v since the previous one",
				i, a.Term, a.RecentActive)
		}
	}
	return nil
}
