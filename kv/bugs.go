package kv

import "github.com/checkedraft/checkedraft/internal/bugs"

// appliesTwice: the seeded bug DuplicateApplied (internal/bugs) applies a
// duplicate put or compare-and-swap again instead of answering it from
// the client's session.
func appliesTwice(req Request) bool { return bugs.On(bugs.DuplicateApplied) && req.Kind != Get }
