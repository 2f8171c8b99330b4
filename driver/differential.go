package driver

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/spec"
)

// Setup is the shape of a differential run: the cluster size and options
// every node gets.
type Setup struct {
	N           int
	PreVote     bool
	CheckQuorum bool
	// MaxEntriesPerMsg is Config.MaxEntriesPerMsg (0: no bound).
	MaxEntriesPerMsg int
	// ElectionTick and HeartbeatTick default to 5 and 2: short, so that
	// timeouts fire and leases expire within a schedule.
	ElectionTick, HeartbeatTick int
	// Compaction adds Compact actions to the schedules: nodes compact their
	// logs, leaders send snapshots to followers that need compacted
	// entries.
	Compaction bool
	// Reads adds Read actions to the schedules (linearizable reads,
	// ReadIndex); LeaseBased confirms them by the CheckQuorum lease
	// (Config.ReadOnlyLeaseBased) instead of a heartbeat round.
	Reads, LeaseBased bool
}

func (s Setup) withDefaults() Setup {
	if s.ElectionTick == 0 {
		s.ElectionTick = 5
	}
	if s.HeartbeatTick == 0 {
		s.HeartbeatTick = 2
	}
	return s
}

func (s Setup) String() string {
	str := fmt.Sprintf("n%d/prevote=%v/checkquorum=%v", s.N, s.PreVote, s.CheckQuorum)
	if s.MaxEntriesPerMsg > 0 {
		str += fmt.Sprintf("/batch=%d", s.MaxEntriesPerMsg)
	}
	if s.Compaction {
		str += "/compaction"
	}
	if s.Reads {
		str += "/reads"
		if s.LeaseBased {
			str += "=lease"
		}
	}
	return str
}

// Setups lists the configurations of the differential runs: 3 and 5
// nodes, all four PreVote x CheckQuorum combinations; and on 3 nodes the
// same with one entry per append, so that a replicating follower has
// several appends in flight and acknowledges part of the leader's log;
// and on 3 nodes with compaction, PreVote and CheckQuorum both off and
// both on; and on 3 nodes with reads: safe reads without PreVote and
// CheckQuorum and with both, lease-based reads with CheckQuorum.
func Setups() []Setup {
	out := []Setup{{N: 3, Compaction: true}, {N: 3, PreVote: true, CheckQuorum: true, Compaction: true},
		{N: 3, Reads: true}, {N: 3, PreVote: true, CheckQuorum: true, Reads: true},
		{N: 3, PreVote: true, CheckQuorum: true, Reads: true, LeaseBased: true}}
	for _, sh := range []struct{ n, batch int }{{3, 0}, {5, 0}, {3, 1}} {
		for _, pv := range []bool{false, true} {
			for _, cq := range []bool{false, true} {
				out = append(out, Setup{N: sh.n, PreVote: pv, CheckQuorum: cq, MaxEntriesPerMsg: sh.batch})
			}
		}
	}
	return out
}

// Source draws the choices of a schedule: rapid (so that a failure
// shrinks) or a seeded generator.
type Source interface {
	// IntRange returns a number in [lo, hi].
	IntRange(label string, lo, hi int) int
}

// RapidSource draws from a rapid test.
type RapidSource struct{ T *rapid.T }

// IntRange implements Source.
func (r RapidSource) IntRange(label string, lo, hi int) int {
	return rapid.IntRange(lo, hi).Draw(r.T, label)
}

// RandSource draws from a seeded generator.
type RandSource struct{ R *rand.Rand }

// IntRange implements Source.
func (r RandSource) IntRange(_ string, lo, hi int) int { return lo + r.R.IntN(hi-lo+1) }

// Figures counts what the schedules of one configuration did (on the
// first library; on the second it is the same while they agree).
type Figures struct {
	Schedules int
	Actions   int
	Elections int // a node became leader
	// LeaseExpiries counts a follower's lease ending while it stays a
	// follower of the same term (its election timeout passed).
	LeaseExpiries int
	StepDowns     int // a leader stopped leading (a restart aside)
	Restarts      int
	// Timeouts counts ticks that made a node a pre-candidate or candidate
	// (a new role or term: a pre-candidate timing out again is not seen).
	Timeouts  int
	MaxTerm   uint64
	MaxCommit uint64
	// Reordered counts actions whose messages the two libraries handed
	// out in different orders (NormMessageOrder made them agree).
	Reordered int
	// Compactions counts compactions that dropped entries; Snapshots,
	// followers restoring from a leader's snapshot.
	Compactions, Snapshots int
	// Transfers counts leader transfers started (a leader's transferee set
	// by TransferLeader); ForcedCampaigns the candidacies a TimeoutNow
	// request started; Forgets the followers that forgot their leader.
	Transfers, ForcedCampaigns, Forgets int
	// Reads counts the reads issued (Read actions a node took without an
	// error), Answered the answers handed out (ReadStates).
	Reads, Answered int
}

// Add adds o to f.
func (f *Figures) Add(o Figures) {
	f.Schedules += o.Schedules
	f.Actions += o.Actions
	f.Elections += o.Elections
	f.LeaseExpiries += o.LeaseExpiries
	f.StepDowns += o.StepDowns
	f.Restarts += o.Restarts
	f.Timeouts += o.Timeouts
	f.MaxTerm = max(f.MaxTerm, o.MaxTerm)
	f.MaxCommit = max(f.MaxCommit, o.MaxCommit)
	f.Reordered += o.Reordered
	f.Compactions += o.Compactions
	f.Snapshots += o.Snapshots
	f.Transfers += o.Transfers
	f.ForcedCampaigns += o.ForcedCampaigns
	f.Forgets += o.Forgets
	f.Reads += o.Reads
	f.Answered += o.Answered
}

func (f Figures) String() string {
	s := fmt.Sprintf("schedules=%d actions=%d elections=%d timeouts=%d lease-expiries=%d step-downs=%d restarts=%d max-term=%d max-commit=%d reordered=%d transfers=%d forced-campaigns=%d forget-leader=%d",
		f.Schedules, f.Actions, f.Elections, f.Timeouts, f.LeaseExpiries, f.StepDowns, f.Restarts, f.MaxTerm, f.MaxCommit, f.Reordered,
		f.Transfers, f.ForcedCampaigns, f.Forgets)
	if f.Compactions > 0 || f.Snapshots > 0 {
		s += fmt.Sprintf(" compactions=%d snapshots=%d", f.Compactions, f.Snapshots)
	}
	if f.Reads > 0 || f.Answered > 0 {
		s += fmt.Sprintf(" reads=%d answered=%d", f.Reads, f.Answered)
	}
	return s
}

// Divergence is a schedule after which two libraries differ.
type Divergence struct {
	Setup    Setup
	A, B     string // library names
	Timeouts []int  // the nodes' election timeouts
	// Schedule is every action taken; the last one made them differ.
	Schedule []Action
	// Paths are the compared fields that differ, as go-cmp paths, e.g.
	// ".Nodes[1].State.Server.Term" or ".Sent[0].Term".
	Paths []string
	// Diff is go-cmp's report (- A, + B).
	Diff string
}

func (d *Divergence) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s and %s diverge on %v (election timeouts %v) after %d actions:\n", d.A, d.B, d.Setup, d.Timeouts, len(d.Schedule))
	for i, a := range d.Schedule {
		fmt.Fprintf(&b, "  %3d %v\n", i, a)
	}
	fmt.Fprintf(&b, "differing fields: %v\ndiff (-%s +%s):\n%s", d.Paths, d.A, d.B, d.Diff)
	return b.String()
}

// Caught reports whether one of the differing fields' paths contains sub.
func (d *Divergence) Caught(sub string) bool {
	return slices.ContainsFunc(d.Paths, func(p string) bool { return strings.Contains(p, sub) })
}

// pathRecorder is a cmp.Reporter that collects the paths of differences.
type pathRecorder struct {
	path  cmp.Path
	paths []string
}

func (r *pathRecorder) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *pathRecorder) PopStep()                 { r.path = r.path[:len(r.path)-1] }
func (r *pathRecorder) Report(rs cmp.Result) {
	if !rs.Equal() {
		r.paths = append(r.paths, pathString(r.path))
	}
}

// pathString writes a go-cmp path as field accesses and indexes, e.g.
// ".Nodes[1].State.Server.Term"; an element present on one side only is
// "[?]".
func pathString(p cmp.Path) string {
	var b strings.Builder
	for _, ps := range p {
		switch s := ps.(type) {
		case cmp.StructField:
			b.WriteString("." + s.Name())
		case cmp.SliceIndex:
			if k := s.Key(); k >= 0 {
				fmt.Fprintf(&b, "[%d]", k)
			} else {
				b.WriteString("[?]")
			}
		case cmp.MapIndex:
			fmt.Fprintf(&b, "[%v]", s.Key())
		}
	}
	return b.String()
}

var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

// messageFields is spec.Message without its Equal method, so that go-cmp
// names the field of a message that differs.
type messageFields spec.Message

var pathOpts = append(cmpOpts, cmp.Transformer("fields", func(m spec.Message) messageFields { return messageFields(m) }))

// Compare returns the paths of the fields where a and b differ and
// go-cmp's diff (-a +b), or nil and "" if they agree.
func Compare(a, b Snapshot) ([]string, string) {
	if equal(a, b) {
		return nil, ""
	}
	var rec pathRecorder
	if cmp.Equal(a, b, append(pathOpts, cmp.Reporter(&rec))...) {
		return nil, ""
	}
	slices.Sort(rec.paths)
	return slices.Compact(rec.paths), cmp.Diff(a, b, cmpOpts...)
}

// Lockstep is a cluster of each of two libraries, driven by the same
// actions and compared after each.
type Lockstep struct {
	setup    Setup
	a, b     Library
	A, B     *Cluster
	timeouts []int
	sched    []Action
	prev     Snapshot
	// Figures counts what the actions did (on A).
	Figures Figures
}

// NewLockstep starts a cluster of a and one of b on setup s, node i with
// the election timeout timeouts[i-1], and compares them once.
func NewLockstep(a, b Library, s Setup, timeouts []int) (*Lockstep, *Divergence, error) {
	s = s.withDefaults()
	if len(timeouts) != s.N {
		return nil, nil, fmt.Errorf("driver: lockstep: %d election timeouts for %d nodes", len(timeouts), s.N)
	}
	cfgs := make([]Config, s.N)
	for i := range cfgs {
		cfgs[i] = Config{ID: i + 1, N: s.N, PreVote: s.PreVote, CheckQuorum: s.CheckQuorum, MaxEntriesPerMsg: s.MaxEntriesPerMsg,
			ElectionTick: s.ElectionTick, HeartbeatTick: s.HeartbeatTick, ElectionTimeout: timeouts[i],
			ReadOnlyLeaseBased: s.LeaseBased}
	}
	ca, err := NewCluster(a, cfgs)
	if err != nil {
		return nil, nil, err
	}
	cb, err := NewCluster(b, cfgs)
	if err != nil {
		return nil, nil, err
	}
	l := &Lockstep{setup: s, a: a, b: b, A: ca, B: cb, timeouts: slices.Clone(timeouts)}
	l.Figures.Schedules = 1
	var d *Divergence
	l.prev, d = l.diverged()
	return l, d, nil
}

// Schedule is the actions taken so far.
func (l *Lockstep) Schedule() []Action { return l.sched }

// diverged compares the clusters; it returns A's snapshot and the
// divergence, if any.
func (l *Lockstep) diverged() (Snapshot, *Divergence) {
	sa := l.A.Snapshot()
	paths, diff := Compare(sa, l.B.Snapshot())
	if paths == nil {
		return sa, nil
	}
	if l.A.Refused() != "" || l.B.Refused() != "" {
		diff += fmt.Sprintf("\nrefused: %s: %q, %s: %q", l.a.Name, l.A.Refused(), l.b.Name, l.B.Refused())
	}
	return sa, l.divergence(paths, diff)
}

func (l *Lockstep) divergence(paths []string, diff string) *Divergence {
	return &Divergence{Setup: l.setup, A: l.a.Name, B: l.b.Name, Timeouts: l.timeouts, Schedule: slices.Clone(l.sched), Paths: paths, Diff: diff}
}

// Step applies act to both clusters and compares them. It returns the
// divergence, if any; an error is the harness's.
func (l *Lockstep) Step(act Action) (*Divergence, error) {
	l.sched = append(l.sched, act)
	errA, errB := l.A.Apply(act), l.B.Apply(act)
	if errA != nil || errB != nil {
		// A panic or a failure to persist on one side only is a
		// divergence of that library; on both, the harness's.
		if errA != nil && errB != nil {
			return nil, fmt.Errorf("after %v: %v; %v", l.sched, errA, errB)
		}
		return l.divergence([]string{"error"}, fmt.Sprintf("%s: %v\n%s: %v", l.a.Name, errA, l.b.Name, errB)), nil
	}
	l.Figures.Actions++
	cur, d := l.diverged()
	if d != nil {
		return d, nil
	}
	if !slices.EqualFunc(l.A.RawSent(), l.B.RawSent(), spec.Message.Equal) {
		l.Figures.Reordered++
	}
	l.Figures.count(act, l.prev, cur)
	l.prev = cur
	return nil, nil
}

// equal is a fast check that a and b agree in every field Compare
// compares (go-cmp is slow; it only explains a difference). A test keeps
// it in step with the types.
func equal(a, b Snapshot) bool {
	if len(a.Nodes) != len(b.Nodes) || a.Refused != b.Refused || a.NotLeader != b.NotLeader ||
		!slices.Equal(a.Cut, b.Cut) ||
		!slices.EqualFunc(a.Sent, b.Sent, spec.Message.Equal) || !slices.EqualFunc(a.Flight, b.Flight, spec.Message.Equal) {
		return false
	}
	for i := range a.Nodes {
		x, y := &a.Nodes[i], &b.Nodes[i]
		p, q := &x.State.Server, &y.State.Server
		if !slices.Equal(x.Answers, y.Answers) || !slices.EqualFunc(p.ReadQueue, q.ReadQueue, readRequestEqual) ||
			!slices.EqualFunc(p.PendingReads, q.PendingReads, readRequestEqual) || !slices.Equal(p.ReadStates, q.ReadStates) {
			return false
		}
		if x.State.Active != y.State.Active || x.State.Applied != y.State.Applied ||
			x.Persisted.HardState != y.Persisted.HardState || x.Persisted.Applied != y.Persisted.Applied ||
			!slices.Equal(x.Persisted.Log, y.Persisted.Log) ||
			x.Persisted.SnapshotIndex != y.Persisted.SnapshotIndex || x.Persisted.SnapshotTerm != y.Persisted.SnapshotTerm ||
			p.SnapshotIndex != q.SnapshotIndex || p.SnapshotTerm != q.SnapshotTerm ||
			p.Term != q.Term || p.Vote != q.Vote || p.Commit != q.Commit || p.Role != q.Role ||
			p.Leader != q.Leader || p.Lease != q.Lease || p.Granted != q.Granted || p.Rejected != q.Rejected ||
			p.RecentActive != q.RecentActive || p.Transferee != q.Transferee || !slices.Equal(p.Log, q.Log) || !slices.Equal(p.Progress, q.Progress) {
			return false
		}
	}
	return true
}

func readRequestEqual(a, b spec.ReadRequest) bool { return a == b }

// RunSchedule draws one schedule of up to steps actions from src and runs
// it in lockstep on a cluster of a and one of b, comparing after every
// action. It returns the divergence found (nil if none), adding what the
// schedule did to fig. An error is the harness's.
func RunSchedule(src Source, a, b Library, s Setup, steps int, fig *Figures) (*Divergence, error) {
	s = s.withDefaults()
	timeouts := make([]int, s.N)
	for i := range timeouts {
		timeouts[i] = s.ElectionTick + src.IntRange(fmt.Sprintf("timeout%d", i+1), 0, s.ElectionTick-1)
	}
	l, d, err := NewLockstep(a, b, s, timeouts)
	if err != nil || d != nil {
		return d, err
	}
	defer func() { fig.Add(l.Figures) }()
	values := 0
	for range steps {
		if d, err := l.Step(drawAction(src, l.A, &values, s)); err != nil || d != nil {
			return d, err
		}
	}
	return nil, nil
}

// count updates the figures for one action from the states before and
// after it.
func (f *Figures) count(act Action, prev, cur Snapshot) {
	if act.Kind == Restart {
		f.Restarts++
	}
	if act.Kind == Read && !cur.Refused {
		f.Reads++
	}
	for i := range cur.Nodes {
		f.Answered += len(cur.Nodes[i].Answers) - len(prev.Nodes[i].Answers)
	}
	if act.Kind == TransferLeader {
		if p, c := prev.Nodes[act.Node-1].State.Server, cur.Nodes[act.Node-1].State.Server; c.Transferee != 0 && c.Transferee != p.Transferee {
			f.Transfers++
		}
	}
	if act.Kind == ForgetLeader && prev.Nodes[act.Node-1].State.Server.Leader != 0 && cur.Nodes[act.Node-1].State.Server.Leader == 0 {
		f.Forgets++
	}
	if act.Kind == Deliver && act.Msg < len(prev.Flight) {
		if m := prev.Flight[act.Msg]; m.Type == spec.TimeoutNowRequest {
			if p, c := prev.Nodes[m.To-1].State.Server, cur.Nodes[m.To-1].State.Server; c.Term > p.Term && (c.Role == spec.Candidate || c.Role == spec.Leader) {
				f.ForcedCampaigns++
			}
		}
	}
	for i := range cur.Nodes {
		p, c := prev.Nodes[i].State.Server, cur.Nodes[i].State.Server
		if c.SnapshotIndex > p.SnapshotIndex {
			if act.Kind == Compact {
				f.Compactions++
			} else {
				f.Snapshots++
			}
		}
		f.MaxTerm = max(f.MaxTerm, c.Term)
		f.MaxCommit = max(f.MaxCommit, c.Commit)
		if c.Role == spec.Leader && (p.Role != spec.Leader || p.Term != c.Term) {
			f.Elections++
		}
		if p.Role == spec.Leader && c.Role != spec.Leader && !(act.Kind == Restart && act.Node == i+1) {
			f.StepDowns++
		}
		if p.Lease && !c.Lease && c.Role == spec.Follower && c.Term == p.Term && act.Kind == Tick {
			f.LeaseExpiries++
		}
		if act.Kind == Tick && act.Node == i+1 && (c.Role == spec.PreCandidate || c.Role == spec.Candidate) &&
			(c.Role != p.Role || c.Term != p.Term) {
			f.Timeouts++
		}
	}
}

// maxFlight bounds the messages in flight: beyond it, a schedule delivers
// or drops.
const maxFlight = 48

// drawAction draws the next action, aware of the cluster (its flight and
// leader) so that most draws are useful; with compaction, one in twenty is
// a Compact.
func drawAction(src Source, c *Cluster, values *int, s Setup) Action {
	n := c.N()
	fl := len(c.Flight())
	if s.Compaction && src.IntRange("compact", 0, 19) == 0 {
		return Action{Kind: Compact, Node: src.IntRange("node", 1, n)}
	}
	// With reads, one in ten is a read, at a node that takes one (the
	// leader, or a follower that knows a leader: raft/ refuses a read
	// elsewhere, etcd drops it, and neither is drawn).
	if s.Reads && src.IntRange("read", 0, 9) == 0 {
		id := src.IntRange("node", 1, n)
		if st := c.Node(id).State().Server; st.Role == spec.Leader || (st.Role == spec.Follower && st.Leader != 0) {
			return Action{Kind: Read, Node: id}
		}
	}
	k := src.IntRange("kind", 0, 99)
	if fl >= maxFlight {
		k = k % 50 // deliver, drop or duplicate below
	}
	node := func() int { return src.IntRange("node", 1, n) }
	msg := func() int { return src.IntRange("msg", 0, fl-1) }
	propose := func(id int) Action {
		*values++
		return Action{Kind: Propose, Node: id, Value: "v" + strconv.Itoa(*values)}
	}
	switch {
	case k < 45 && fl > 0:
		return Action{Kind: Deliver, Msg: msg()}
	case k < 49 && fl > 0:
		return Action{Kind: Drop, Msg: msg()}
	case k < 50 && fl > 0:
		return Action{Kind: Duplicate, Msg: msg()}
	case k < 78:
		return Action{Kind: Tick, Node: node()}
	case k < 82:
		return Action{Kind: Campaign, Node: node()}
	case k < 89:
		if l := c.Leader(); l != 0 {
			return propose(l)
		}
		return propose(node())
	case k < 91:
		return propose(node())
	case k < 92:
		// A transfer from the leader to another node (etcd forwards one
		// asked of a follower to its leader, raft/ refuses it; and etcd
		// ignores a transfer to itself, raft/ refuses it: neither is
		// drawn).
		if l := c.Leader(); l != 0 {
			return Action{Kind: TransferLeader, Node: l, Target: 1 + (l-1+src.IntRange("target", 1, n-1))%n}
		}
		return Action{Kind: Tick, Node: node()}
	case k < 93:
		// Under lease-based reads raft/ refuses ForgetLeader with an
		// error, etcd ignores it without one (Step: MsgForgetLeader):
		// the same state, another report; not drawn there.
		if s.LeaseBased {
			return Action{Kind: Tick, Node: node()}
		}
		return Action{Kind: ForgetLeader, Node: node()}
	case k < 94:
		return Action{Kind: Isolate, Node: node()}
	case k < 98:
		return Action{Kind: Heal}
	default:
		return Action{Kind: Restart, Node: node()}
	}
}

// Budget is the size of a differential run: Checks schedules per
// configuration (RAPID_CHECKS, read by rapid) of Steps actions
// (CONFORMANCE_STEPS).
type Budget struct{ Checks, Steps int }

// BudgetFromEnv reads the budget from the environment, with defaults.
func BudgetFromEnv(checks, steps int) Budget {
	b := Budget{Checks: checks, Steps: steps}
	if v, err := strconv.Atoi(os.Getenv("RAPID_CHECKS")); err == nil && v > 0 {
		b.Checks = v
	}
	if v, err := strconv.Atoi(os.Getenv("CONFORMANCE_STEPS")); err == nil && v > 0 {
		b.Steps = v
	}
	return b
}

// Check runs rapid schedules of a and b in lockstep on one setup, steps
// actions each, and fails t (with the shrunk schedule and the go-cmp diff)
// on a divergence. The number of schedules is rapid's (RAPID_CHECKS). It
// returns the figures.
func Check(t rapid.TB, a, b Library, s Setup, steps int) Figures {
	var fig Figures
	rapid.Check(t, func(rt *rapid.T) {
		d, err := RunSchedule(RapidSource{rt}, a, b, s, steps, &fig)
		if err != nil {
			rt.Fatalf("harness: %v", err)
		}
		if d != nil {
			rt.Fatal(d.Error())
		}
	})
	return fig
}

// Find runs seeded schedules of a and b on one setup until they diverge,
// at most schedules of them, and returns the first divergence (nil if
// none). It is how a test shows that the differential run catches a
// seeded change.
func Find(seed uint64, a, b Library, s Setup, schedules, steps int) (*Divergence, Figures, error) {
	var fig Figures
	r := rand.New(rand.NewPCG(seed, 0xd1ff))
	for range schedules {
		d, err := RunSchedule(RandSource{r}, a, b, s, steps, &fig)
		if err != nil || d != nil {
			return d, fig, err
		}
	}
	return nil, fig, nil
}
