package bugs

// Seeded bugs of the read path (RawNode.ReadIndex), each the twin of a
// TLA+ mutant. They are not in All: the suites that must catch every bug
// of All check the committed log and the leaders; these break only what a
// read returns, which ReadIndexLinearizable states.
const (
	// ReadWithoutQuorum: a leader with ReadOnlySafe answers a read at once,
	// without waiting for a quorum to acknowledge a heartbeat carrying its
	// context (tla/MutReadWithoutQuorum.tla).
	ReadWithoutQuorum Bug = "ReadWithoutQuorum"
	// ReadBeforeTermCommit: a leader answers reads before it has committed
	// an entry of its term (tla/MutReadBeforeTermCommit.tla).
	ReadBeforeTermCommit Bug = "ReadBeforeTermCommit"
)

// Reads lists the seeded bugs of the read path.
var Reads = []Bug{ReadWithoutQuorum, ReadBeforeTermCommit}
