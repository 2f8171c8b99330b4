package properties

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"

	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// The client-level test: commands a client or an operator can issue
// (propose, let time pass, force a campaign, cut or heal a link, crash and
// restart a node) against a cluster whose network delivers every message at
// once (rafttest.Network), and what clients may observe of it, checked
// against everything observed before:
//   - every node's applied sequence is a prefix of one common sequence;
//   - nothing that was applied anywhere is ever lost or changed;
//   - no term ever has two leaders, over the whole run;
//   - after HealAndAwait, a leader followed by every node commits the
//     client's value within the liveness bound (liveness_gopter_test.go).
// The budget is GOPTER_CHECKS runs (default 100) per cluster shape.

// history is what clients have observed so far.
type history struct {
	// committed is the longest applied sequence seen (client values only).
	committed []string
	// leaders maps each term to the leader seen in it.
	leaders map[uint64]uint64
}

// clientState is the model state that decides the next command: the
// cluster's size and how many values were proposed (so each is new).
type clientState struct {
	n         int
	proposals int
}

// observation is what the system under test reports after a command, and
// the verdict on it against the history before it.
type observation struct {
	applied map[uint64][]string
	leaders map[uint64]uint64 // leader -> term
	verdict error
}

func observe(nw *rafttest.Network) observation {
	o := observation{applied: map[uint64][]string{}, leaders: nw.Leaders()}
	for _, id := range nw.IDs {
		n := nw.Node(id)
		if n.Down {
			continue
		}
		var vals []string
		for _, d := range n.Applied {
			if len(d) > 0 {
				vals = append(vals, string(d))
			}
		}
		o.applied[id] = vals
	}
	return o
}

// The names of the client-level checks.
const (
	// ClientOneSequence: every node's applied sequence is a prefix of one
	// common sequence.
	ClientOneSequence = "ClientOneSequence"
	// ClientCommittedNeverLost: nothing applied anywhere is ever lost or
	// changed.
	ClientCommittedNeverLost = "ClientCommittedNeverLost"
	// ClientOneLeaderPerTerm: no term ever has two leaders, over the run.
	ClientOneLeaderPerTerm = "ClientOneLeaderPerTerm"
	// ClientClusterBroke: a node refused a message (or the network could
	// not go on).
	ClientClusterBroke = "ClientClusterBroke"
)

// clientViolation is a failed client-level check and its name.
type clientViolation struct {
	property string
	err      error
}

func (v *clientViolation) Error() string { return v.property + ": " + v.err.Error() }

func violated(property, format string, args ...any) error {
	return &clientViolation{property: property, err: fmt.Errorf(format, args...)}
}

// check compares an observation with the history, then adds it.
func (h *history) check(o observation) error {
	// One common sequence: every applied sequence is a prefix of the
	// longest, which extends what was committed before.
	longest := h.committed
	for _, seq := range o.applied {
		if len(seq) > len(longest) {
			longest = seq
		}
	}
	if !slices.Equal(longest[:len(h.committed)], h.committed) {
		return violated(ClientCommittedNeverLost, "committed %v lost or changed: now %v", h.committed, longest)
	}
	for id, seq := range o.applied {
		if !slices.Equal(seq, longest[:len(seq)]) {
			return violated(ClientOneSequence, "node %d applied %v, not a prefix of %v", id, seq, longest)
		}
	}
	for l, t := range o.leaders {
		if prev, ok := h.leaders[t]; ok && prev != l {
			return violated(ClientOneLeaderPerTerm, "term %d had leaders %d and %d", t, prev, l)
		}
		h.leaders[t] = l
	}
	h.committed = slices.Clone(longest)
	return nil
}

// clientCommand is one client or operator command.
type clientCommand struct {
	name string
	run  func(nw *rafttest.Network)
	next func(s *clientState)
}

func (c *clientCommand) Run(sut commands.SystemUnderTest) (res commands.Result) {
	s := sut.(*sutCluster)
	defer func() {
		// The network fails (through failByPanic) when a node refuses a
		// message: a correct cluster never sends one (for instance an
		// append that would overwrite a committed entry).
		if p := recover(); p != nil {
			o := observation{verdict: violated(ClientClusterBroke, "the cluster broke: %v", p)}
			s.report(o.verdict)
			res = o
		}
	}()
	c.run(s.Network)
	o := observe(s.Network)
	o.verdict = s.history.check(o)
	s.report(o.verdict)
	return o
}

func (c *clientCommand) NextState(state commands.State) commands.State {
	s := *state.(*clientState)
	if c.next != nil {
		c.next(&s)
	}
	return &s
}

func (c *clientCommand) PreCondition(commands.State) bool { return true }

func (c *clientCommand) PostCondition(_ commands.State, result commands.Result) *gopter.PropResult {
	if err := result.(observation).verdict; err != nil {
		return &gopter.PropResult{Status: gopter.PropFalse, Labels: []string{err.Error()}}
	}
	return &gopter.PropResult{Status: gopter.PropTrue}
}

func (c *clientCommand) String() string { return c.name }

// sutCluster is the system under test: a network of nodes and the history
// of what clients observed of it.
type sutCluster struct {
	*rafttest.Network
	history *history
	// caught, when set, is told the name of every check that fails.
	caught func(property string)
}

func (s *sutCluster) report(verdict error) {
	var v *clientViolation
	if s.caught != nil && errors.As(verdict, &v) {
		s.caught(v.property)
	}
}

func genCommand(state commands.State) gopter.Gen {
	st := state.(*clientState)
	node := gen.IntRange(1, st.n).Map(func(i int) uint64 { return uint64(i) })
	return gen.Weighted([]gen.WeightedGen{
		{Weight: 4, Gen: gen.IntRange(1, 30).Map(func(k int) commands.Command {
			return &clientCommand{name: fmt.Sprintf("Tick(%d)", k), run: func(nw *rafttest.Network) { nw.TickN(k) }}
		})},
		{Weight: 3, Gen: gen.Const(0).Map(func(int) commands.Command {
			v := fmt.Sprintf("v%d", st.proposals+1)
			return &clientCommand{
				name: fmt.Sprintf("Propose(%s)", v),
				run: func(nw *rafttest.Network) {
					if l, _ := nw.Leader(); l != 0 {
						_ = nw.Propose(l, v)
					}
				},
				next: func(s *clientState) { s.proposals++ },
			}
		})},
		{Weight: 1, Gen: node.Map(func(id uint64) commands.Command {
			return &clientCommand{name: fmt.Sprintf("Campaign(%d)", id), run: func(nw *rafttest.Network) {
				if !nw.Node(id).Down {
					nw.Campaign(id)
				}
			}}
		})},
		{Weight: 1, Gen: gopter.CombineGens(node, node).Map(func(v []any) commands.Command {
			a, b := v[0].(uint64), v[1].(uint64)
			return &clientCommand{name: fmt.Sprintf("Partition(%d,%d)", a, b), run: func(nw *rafttest.Network) {
				if a != b {
					nw.CutBoth(a, b)
				}
			}}
		})},
		{Weight: 1, Gen: gen.Const(0).Map(func(int) commands.Command {
			return &clientCommand{name: "HealAll", run: func(nw *rafttest.Network) { nw.HealAll() }}
		})},
		// A crash in the middle of a round: a proposal or a campaign, k
		// messages delivered (oldest first), then node b crashes and
		// restarts, and the network settles.
		{Weight: 1, Gen: gopter.CombineGens(node, gen.IntRange(1, 8)).Map(func(v []any) commands.Command {
			b, k := v[0].(uint64), v[1].(int)
			val := fmt.Sprintf("v%d", st.proposals+1)
			return &clientCommand{
				name: fmt.Sprintf("Propose(%s)ThenCrash(%d,after %d)", val, b, k),
				run: func(nw *rafttest.Network) {
					if l, _ := nw.Leader(); l != 0 && nw.Node(l).RN.Propose([]byte(val)) == nil {
						nw.Process(l)
						crashMidRound(nw, b, k)
					}
				},
				next: func(s *clientState) { s.proposals++ },
			}
		})},
		{Weight: 1, Gen: gopter.CombineGens(node, node, gen.IntRange(1, 8)).Map(func(v []any) commands.Command {
			c, b, k := v[0].(uint64), v[1].(uint64), v[2].(int)
			return &clientCommand{name: fmt.Sprintf("Campaign(%d)ThenCrash(%d,after %d)", c, b, k), run: func(nw *rafttest.Network) {
				if !nw.Node(c).Down {
					nw.Node(c).RN.Campaign()
					nw.Process(c)
					crashMidRound(nw, b, k)
				}
			}}
		})},
		{Weight: 1, Gen: node.Map(func(id uint64) commands.Command {
			return &clientCommand{name: fmt.Sprintf("CrashRestart(%d)", id), run: func(nw *rafttest.Network) {
				nw.Crash(id)
				nw.Restart(id)
				nw.Stabilize()
			}}
		})},
		healAndAwait(st),
	})
}

// crashMidRound delivers up to k messages in flight, oldest first, then
// crashes node b, restarts it and lets the network settle.
func crashMidRound(nw *rafttest.Network, b uint64, k int) {
	for ; k > 0 && len(nw.Queue) > 0; k-- {
		if err := nw.Deliver(0); err != nil {
			panic(fmt.Sprintf("a node refused a message: %v", err))
		}
	}
	nw.Crash(b)
	nw.Restart(b)
	nw.Stabilize()
}

// failByPanic is the testing.TB the client-level networks fail through: it
// panics instead of ending the test, and clientCommand.Run turns the panic
// into a failed observation that gopter shrinks like any other.
type failByPanic struct{ testing.TB }

// Fatalf panics with the message.
func (failByPanic) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// clientCommands are the client-level commands on clusters of n nodes;
// caught, when not nil, is told the name of every check that fails.
func clientCommands(tb testing.TB, n int, preVote, cq bool, seed uint64, caught func(string), opts ...rafttest.Option) *commands.ProtoCommands {
	return &commands.ProtoCommands{
		NewSystemUnderTestFunc: func(commands.State) commands.SystemUnderTest {
			opts := append([]rafttest.Option{rafttest.PreVote(preVote), rafttest.CheckQuorum(cq), rafttest.Seed(seed)}, opts...)
			return &sutCluster{
				Network: rafttest.New(failByPanic{tb}, n, opts...),
				history: &history{leaders: map[uint64]uint64{}},
				caught:  caught,
			}
		},
		InitialStateGen: gen.Const(0).Map(func(int) *clientState { return &clientState{n: n} }),
		GenCommandFunc:  genCommand,
	}
}

func gopterChecks() int {
	if s := os.Getenv("GOPTER_CHECKS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 100
}

// TestGopterClients runs the client-level commands for every cluster shape.
func TestGopterClients(t *testing.T) {
	for _, o := range configs() {
		t.Run(o.String(), func(t *testing.T) {
			params := gopter.DefaultTestParameters()
			params.MinSuccessfulTests = gopterChecks()
			params.Rng.Seed(int64(o.N*4) + b2i(o.PreVote)*2 + b2i(o.CheckQuorum))
			props := gopter.NewProperties(params)
			props.Property("clients observe one committed sequence and one leader per term",
				commands.Prop(clientCommands(t, o.N, o.PreVote, o.CheckQuorum, uint64(o.N), nil)))
			var out strings.Builder
			if !props.Run(gopter.NewFormatedReporter(true, 100, &out)) {
				t.Error(out.String())
			}
		})
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
