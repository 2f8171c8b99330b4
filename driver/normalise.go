package driver

import (
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// Normalisation is a structural difference between Raft libraries that
// carries no meaning, and how the harness removes it. Every one is applied
// in one place, named here; a semantic difference is never normalised.
type Normalisation struct {
	Name string
	// Reason says which libraries differ, how, and why it is not a
	// difference of the protocol.
	Reason string
	// Where names the code that applies it.
	Where string
}

// The normalisations, each with a test (normalise_test.go, and the etcd
// tests of the conformance module) that shows it is needed.
var (
	// NormQuiescent: compare only once every Ready is handled.
	NormQuiescent = Normalisation{
		Name: "compare-when-quiescent",
		Reason: "etcd counts a candidate's own vote, and a leader's acknowledgement of its own " +
			"entries, by a message to itself that it steps only on Advance (RawNode.acceptReady, " +
			"stepsOnAdvance); raft/ counts them at once. Between a step and its Advance the tally " +
			"and the leader's commit differ; once the Ready is handled they agree, and no other " +
			"node can observe the difference (the messages of that Ready are the same).",
		Where: "Cluster.Apply runs HandleReady before any comparison",
	}
	// NormMessageOrder: the messages of one action are compared, and put
	// in flight, in one canonical order.
	NormMessageOrder = Normalisation{
		Name: "canonical-message-order",
		Reason: "etcd hands out the responses that wait for persistence (MsgAppResp, MsgVoteResp, " +
			"MsgPreVoteResp: raft.send, msgsAfterAppend) after every other message of a Ready; " +
			"raft/ hands them out in the order it sent them. Messages in flight are a bag, so the " +
			"order within one action means nothing; it is fixed to spec.Message.Compare so that " +
			"the i-th message in flight is the same message on both sides.",
		Where: "canonicalOrder, called by Cluster.Apply",
	}
)

// Normalisations lists every normalisation the harness applies.
var Normalisations = []Normalisation{NormQuiescent, NormMessageOrder}

// canonicalOrder applies NormMessageOrder.
func canonicalOrder(msgs []spec.Message) []spec.Message {
	out := slices.Clone(msgs)
	slices.SortStableFunc(out, spec.Message.Compare)
	return out
}
