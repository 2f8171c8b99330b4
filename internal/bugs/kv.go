package bugs

// Seeded bugs that kv/'s porcupine checks must catch (kv/'s nonvacuity
// test), besides the read bugs of Reads. They are not in All: they break
// what a client sees (linearizability), not the log or the leaders.
const (
	// LeaseReadWithoutCheckQuorum: raft/ accepts ReadOnlyLeaseBased without
	// CheckQuorum (Config validation lets it through), so a deposed leader
	// that never steps down keeps answering reads from its "lease".
	LeaseReadWithoutCheckQuorum Bug = "LeaseReadWithoutCheckQuorum"
	// DuplicateApplied (a bug of kv/, not of raft/): the store applies a
	// retried put or compare-and-swap a second time when its entry is
	// committed twice, instead of answering it from the client's session.
	DuplicateApplied Bug = "DuplicateApplied"
)

// KV lists these bugs.
var KV = []Bug{LeaseReadWithoutCheckQuorum, DuplicateApplied}
