package explore

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// Options tune an exploration; the results do not depend on them.
type Options struct {
	// Workers is the number of goroutines that generate successors
	// (default: GOMAXPROCS).
	Workers int
	// Progress is the interval between progress lines (0: none): the
	// distinct and generated states, the queue, the depth, distinct states
	// per second and memory. raftcheck explore prints one every 10 s.
	Progress time.Duration
	// Log receives the progress lines (nil: none).
	Log io.Writer
	// TempDir is where large BFS levels spill to disk (default: the
	// system's temporary directory).
	TempDir string
	// SpillBytes is the size of a BFS level's in-memory part beyond which
	// its states go to a file in TempDir (default 64 MiB; a test sets a
	// few hundred bytes to force spilling).
	SpillBytes int
	// MemoryLimit bounds the process's memory (bytes; default: the
	// memory available when the search starts, MemAvailable on Linux,
	// but at least the reserve below and 256 MiB).
	// The fingerprint set grows within it, less a reserve for the rest
	// (1 GiB and four times SpillBytes: the frontiers' in-memory parts,
	// the workers' batches, the heap); when it
	// cannot, the search stops with a *MemoryError saying how far it got,
	// instead of being killed for lack of memory.
	MemoryLimit uint64
	// ExpectedStates sizes the fingerprint set for this many states from
	// the start (0: start small and grow), which saves the growth steps
	// and their peak of two tables in memory on a run of known size.
	ExpectedStates int64
}

// MemoryError is the error of a search stopped because its fingerprint
// set could not grow within Options.MemoryLimit.
type MemoryError struct {
	// Distinct, Generated and Depth are how far the search got: the
	// states visited, those generated, and the BFS level being expanded.
	Distinct, Generated int64
	Depth               int
	// SetBytes is the fingerprint set's size; Limit the memory limit.
	SetBytes, Limit uint64
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("explorer: out of memory: the fingerprint set (%s for %d states) cannot grow within the memory limit of %s; "+
		"stopped after exploring %d distinct states (%d generated) to depth %d, which is not a complete search (raise the limit or lower the bounds)",
		gib(e.SetBytes), e.Distinct, gib(e.Limit), e.Distinct, e.Generated, e.Depth)
}

// Result is the outcome of an exploration.
type Result struct {
	// Distinct is the number of distinct states found (one per symmetry
	// class, as TLC counts them), Generated the number of states generated
	// (the initial state and every successor of every explored state).
	Distinct, Generated int64
	// Depth is the length of the longest shortest behaviour, counting its
	// initial state, as TLC reports it ("the depth of the complete state
	// graph search"). On a violation, the depth reached.
	Depth int
	// Elapsed is the wall-clock time of the search.
	Elapsed time.Duration
	// PeakHeap is the largest Go heap in use seen (bytes; the fingerprint
	// set is outside it on Unix); MaxRSS the peak resident set size of the
	// process (bytes, 0 if unknown); SetBytes the fingerprint set's size
	// at the end.
	PeakHeap, MaxRSS, SetBytes uint64
	// Violation is the first violation found, nil if every property holds.
	Violation *Violation
}

// BytesPerState is the fingerprint set's memory per distinct state.
func (r *Result) BytesPerState() float64 {
	if r.Distinct == 0 {
		return 0
	}
	return float64(r.SetBytes) / float64(r.Distinct)
}

// StatesPerSecond is the number of distinct states found per second.
func (r *Result) StatesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Distinct) / r.Elapsed.Seconds()
}

// Violation is a violated property and a shortest counterexample.
type Violation struct {
	// Property is the TLA+ name of the violated invariant or action
	// property; Action says which kind it is.
	Property string
	Action   bool
	// Err is the property's report on the last state (invariant) or the
	// last step (action property).
	Err error
	// Trace is the behaviour from the initial state to the violation:
	// len(Trace) states, as TLC counts a counterexample's length.
	Trace []TraceStep
}

// TraceStep is one state of a counterexample and the step that led to it.
type TraceStep = model.TraceStep

// Explore checks cfg's invariants on every reachable state and its action
// properties on every step, by breadth-first search over the states up to
// cfg's symmetry. It stops at the level where the first violation appears
// and returns a shortest counterexample.
func Explore(cfg model.Config, opt Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &explorer{cfg: cfg, opt: opt, start: time.Now()}
	for _, name := range cfg.Invariants {
		check, _ := spec.LookupInvariant(name)
		e.invs = append(e.invs, spec.NamedInvariant{Name: name, Check: check})
	}
	for _, name := range cfg.Properties {
		check, _ := spec.LookupActionPropertyFor(name, cfg.CheckQuorum)
		e.props = append(e.props, spec.NamedActionProperty{Name: name, Check: check})
	}
	if e.opt.Workers <= 0 {
		e.opt.Workers = runtime.GOMAXPROCS(0)
	}
	if e.opt.SpillBytes <= 0 {
		e.opt.SpillBytes = defaultSpillBytes
	}

	return e.run()
}

type explorer struct {
	cfg     model.Config
	opt     Options
	invs    []spec.NamedInvariant
	props   []spec.NamedActionProperty
	seen    *fpSet
	parents *parentFile
	// levelStart is the index (in the order of discovery) of the first
	// state of the level being expanded.
	levelStart int64
	limit      uint64
	start      time.Time

	chunks []*chunk // reused from batch to batch

	generated atomic.Int64
	distinct  atomic.Int64
	queue     atomic.Int64
	depth     atomic.Int64
	setBytes  atomic.Uint64
	peakHeap  uint64
}

// hit is a violation found while expanding a level: at the pos-th step of
// the level (in the order of its states and of Next), of an invariant by
// the state of index idx, or of an action property by the step from the
// state of index idx to the state fp.
type hit struct {
	pos      uint64
	property string
	action   bool
	err      error
	idx      int64
	fp       uint64
}

// cand is a successor that was not visited when its level began.
type cand struct {
	fp       uint64
	parent   uint32 // the index of the state it is a successor of
	off, end int    // its encoding in the chunk's slab
	pos      uint64
	inv      int // the first invariant it violates, or -1
	err      error
}

// chunk is a run of states of a level that one worker expands, and what it
// found.
type chunk struct {
	index     int // in the frontier
	from      int // the position of its first state in the level
	cands     []cand
	slab      []byte
	generated int64
	hit       *hit
	err       error
}

// worker holds one goroutine's scratch state.
type worker struct {
	e               *explorer
	enc             *model.Encoder
	pre, post, view spec.View
	local           map[uint64]struct{}
	buf             []byte // a chunk read from disk
}

func (e *explorer) newWorker() *worker {
	return &worker{e: e, enc: model.NewEncoder(e.cfg), local: map[uint64]struct{}{}}
}

// A worker takes chunkSize states at a time; a level is expanded
// batchChunks chunks at a time.
const (
	chunkSize   = 256
	batchChunks = 256
)

func (e *explorer) run() (*Result, error) {
	// What the rest of the search takes besides the set: the frontiers'
	// in-memory parts (two levels, each up to SpillBytes and a chunk's
	// slack), the batches, the heap.
	reserve := 4*uint64(e.opt.SpillBytes) + 1<<30
	e.limit = e.opt.MemoryLimit
	if e.limit == 0 {
		if e.limit = availableMemory(); e.limit == 0 {
			e.limit = 1 << 62 // unknown: no limit
		}
		// A default never below the reserve and a small set: on a busy
		// machine a small search still runs.
		e.limit = max(e.limit, reserve+256<<20)
	}
	if e.limit <= reserve {
		return nil, fmt.Errorf("explorer: a memory limit of %s leaves nothing for the fingerprint set (the rest needs about %s)", gib(e.limit), gib(reserve))
	}
	// The fingerprint set is off the heap, and the heap is small and
	// mostly reused: collecting less often saves the workers the
	// preemptions of frequent cycles, and the soft limit keeps the heap
	// within the reserve.
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(reserve)))
	var err error
	if e.seen, err = newFPSet(e.opt.ExpectedStates, e.limit-reserve); err != nil {
		return nil, fmt.Errorf("explorer: %w", err)
	}
	defer e.seen.free()
	if e.parents, err = newParentFile(e.opt.TempDir); err != nil {
		return nil, err
	}
	defer e.parents.close()
	w0 := e.newWorker()
	enc := w0.enc.Init()
	fp := fingerprint(enc)
	if _, err := e.seen.Insert(fp); err != nil {
		return nil, e.memoryError(0)
	}
	if err := e.parents.add(fp, noParent); err != nil {
		return nil, err
	}
	e.generated.Store(1)
	e.distinct.Store(1)
	e.setBytes.Store(e.seen.Bytes())
	res := &Result{}
	cur := newFrontier(e.opt.TempDir, e.opt.SpillBytes)
	defer func() { cur.close() }()
	if err := cur.add(enc); err != nil {
		return nil, err
	}
	// The initial state's invariants.
	w0.enc.View(&w0.view)
	for _, inv := range e.invs {
		if err := inv.Check(&w0.view); err != nil {
			v := &Violation{Property: inv.Name, Err: err,
				Trace: []TraceStep{{State: w0.view.Clone()}}}
			return e.finish(res, 1, v), nil
		}
	}
	workers := []*worker{w0}
	for len(workers) < e.opt.Workers {
		workers = append(workers, e.newWorker())
	}
	stop := e.progress()
	defer stop()
	depth := 0
	for cur.len() > 0 {
		depth++
		e.depth.Store(int64(depth))
		e.queue.Store(int64(cur.len()))
		next := newFrontier(e.opt.TempDir, e.opt.SpillBytes)
		// The level is expanded a batch of chunks at a time, each batch's
		// successors merged into the visited set in the level's order
		// before the next batch: the memory for successors stays bounded
		// and the outcome is that of merging the whole level in order.
		var first *hit
		for from := 0; from < cur.chunks() && first == nil; from += batchChunks {
			chunks := e.expand(cur, from, min(from+batchChunks, cur.chunks()), workers)
			for _, c := range chunks {
				if c.err != nil {
					next.close()
					return nil, c.err
				}
				if c.hit != nil && (first == nil || c.hit.pos < first.pos) {
					first = c.hit
				}
				for k := range c.cands {
					cd := &c.cands[k]
					added, err := e.seen.Insert(cd.fp)
					if err != nil {
						next.close()
						e.distinct.Store(e.seen.Len())
						return e.finish(res, depth, nil), e.memoryError(depth)
					}
					if !added {
						continue
					}
					idx := e.seen.Len() - 1
					if err := e.parents.add(cd.fp, cd.parent); err != nil {
						next.close()
						return nil, err
					}
					if err := next.add(c.slab[cd.off:cd.end]); err != nil {
						next.close()
						return nil, err
					}
					if cd.inv >= 0 && (first == nil || cd.pos < first.pos) {
						first = &hit{pos: cd.pos, property: e.invs[cd.inv].Name, err: cd.err, idx: idx, fp: cd.fp}
					}
				}
			}
			e.distinct.Store(e.seen.Len())
			e.setBytes.Store(e.seen.Bytes())
			e.queue.Store(int64(cur.len() - min((from+batchChunks)*chunkSize, cur.len()) + next.len()))
			e.sampleMemory()
		}
		e.levelStart += int64(cur.len())
		cur.close()
		cur = next
		if first != nil {
			v, err := e.counterexample(first)
			if err != nil {
				return nil, err
			}
			return e.finish(res, depth+1, v), nil
		}
	}
	return e.finish(res, depth, nil), nil
}

func (e *explorer) memoryError(depth int) *MemoryError {
	return &MemoryError{Distinct: e.seen.Len(), Generated: e.generated.Load(), Depth: depth,
		SetBytes: e.seen.Bytes(), Limit: e.limit}
}

func (e *explorer) finish(res *Result, depth int, v *Violation) *Result {
	e.sampleMemory()
	res.Distinct = e.seen.Len()
	res.SetBytes = e.seen.Bytes()
	res.Generated = e.generated.Load()
	res.Depth = depth
	res.Elapsed = time.Since(e.start)
	res.PeakHeap = e.peakHeap
	res.MaxRSS = maxRSS()
	res.Violation = v
	return res
}

func (e *explorer) sampleMemory() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.peakHeap = max(e.peakHeap, ms.HeapInuse)
}

// progress prints a line every opt.Progress until the returned function is
// called.
func (e *explorer) progress() func() {
	if e.opt.Progress <= 0 || e.opt.Log == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.opt.Progress)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				el := time.Since(e.start).Seconds()
				d := e.distinct.Load()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(e.opt.Log, "progress: %.0fs: %d distinct, %d generated, %d queued, depth %d, %.0f distinct/s; fingerprint set %.0f MiB (%.1f bytes/state), heap %.0f MiB\n",
					el, d, e.generated.Load(), e.queue.Load(), e.depth.Load(), float64(d)/el,
					float64(e.setBytes.Load())/(1<<20), float64(e.setBytes.Load())/float64(max(d, 1)), float64(ms.HeapInuse)/(1<<20))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// expand generates the successors of the states of chunks from..to of the
// level, with the workers in parallel. The chunks come back in the level's
// order, so what follows does not depend on the scheduling.
func (e *explorer) expand(cur *frontier, from, to int, workers []*worker) []*chunk {
	chunks := e.chunks[:0]
	for k := from; k < to; k++ {
		i := len(chunks)
		if i == len(e.chunks) {
			e.chunks = append(e.chunks, &chunk{})
		}
		c := e.chunks[i]
		*c = chunk{index: k, from: k * chunkSize, cands: c.cands[:0], slab: c.slab[:0]}
		chunks = e.chunks[:i+1]
	}
	var nextChunk atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(nextChunk.Add(1)) - 1
				if k >= len(chunks) {
					return
				}
				w.expandChunk(cur, chunks[k])
				e.generated.Add(chunks[k].generated)
			}
		}()
	}
	wg.Wait()
	return chunks
}

// expandChunk generates the successors of the chunk's states: it checks the
// action properties on every step, and keeps the successors not visited
// before (checking their invariants).
func (w *worker) expandChunk(cur *frontier, c *chunk) {
	e := w.e
	clear(w.local)
	recs, err := cur.chunk(c.index, &w.buf)
	if err != nil {
		c.err = err
		return
	}
	checkProps := len(e.props) > 0
	for k := c.from; len(recs) > 0; k++ {
		var enc []byte
		enc, recs = nextRecord(recs)
		w.enc.Load(enc)
		parent := uint32(e.levelStart + int64(k))
		if checkProps {
			w.enc.View(&w.pre)
		}
		succ := uint64(0)
		base := uint64(k) << 24
		err := w.enc.Next(func(s *model.Step) {
			pos := base | succ
			succ++
			c.generated++
			enc := s.Canon()
			fp := fingerprint(enc)
			if checkProps && c.hit == nil {
				s.View(&w.post)
				for _, p := range e.props {
					if err := p.Check(&w.pre, &w.post); err != nil {
						c.hit = &hit{pos: pos, property: p.Name, action: true, err: err, idx: int64(parent), fp: fp}
						break
					}
				}
			}
			if _, ok := w.local[fp]; ok || e.seen.Has(fp) {
				return
			}
			w.local[fp] = struct{}{}
			cd := cand{fp: fp, parent: parent, off: len(c.slab), pos: pos, inv: -1}
			c.slab = append(c.slab, enc...)
			cd.end = len(c.slab)
			if len(e.invs) > 0 {
				s.View(&w.view)
				for x, inv := range e.invs {
					if err := inv.Check(&w.view); err != nil {
						cd.inv, cd.err = x, err
						break
					}
				}
			}
			c.cands = append(c.cands, cd)
		})
		if err != nil {
			c.err = err
			return
		}
	}
}

// counterexample rebuilds a shortest behaviour to the hit: it follows the
// parents' indexes in the file of parents back to the initial state, then
// replays forward, at each step choosing a successor with the recorded
// fingerprint.
func (e *explorer) counterexample(h *hit) (*Violation, error) {
	var chain []uint64
	for idx := h.idx; ; {
		fp, parent, err := e.parents.read(idx)
		if err != nil {
			return nil, err
		}
		chain = append(chain, fp)
		if parent == noParent {
			break
		}
		if int64(parent) >= idx {
			return nil, fmt.Errorf("explorer: state %d of the counterexample has parent %d, not an earlier state", idx, parent)
		}
		idx = int64(parent)
	}
	slices.Reverse(chain)
	enc := model.NewEncoder(e.cfg)
	enc.Init()
	var view spec.View
	enc.View(&view)
	trace := []TraceStep{{State: view.Clone()}}
	for _, fp := range chain[1:] {
		var found bool
		var nl model.Label
		var raw []byte
		var nv *spec.View
		if err := enc.Next(func(s *model.Step) {
			if !found && fingerprint(s.Canon()) == fp {
				found, nl, raw = true, s.Label(), bytes.Clone(s.Raw())
				nv = &spec.View{}
				s.View(nv)
			}
		}); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("explorer: cannot replay the counterexample at step %d", len(trace))
		}
		enc.Load(raw)
		trace = append(trace, TraceStep{Label: &nl, State: nv})
	}
	v := &Violation{Property: h.property, Action: h.action}
	if !h.action {
		check, _ := spec.LookupInvariant(h.property)
		v.Err = check(trace[len(trace)-1].State)
		if v.Err == nil {
			return nil, fmt.Errorf("explorer: the replayed counterexample does not violate %s", h.property)
		}
		v.Trace = trace
		return v, nil
	}
	check, _ := spec.LookupActionPropertyFor(h.property, e.cfg.CheckQuorum)
	pre := trace[len(trace)-1].State
	// The recorded step if it is found again, else the first violating one.
	var exact, any *TraceStep
	var exactErr, anyErr error
	if err := enc.Next(func(s *model.Step) {
		if exact != nil {
			return
		}
		post := &spec.View{}
		s.View(post)
		err := check(pre, post)
		if err == nil {
			return
		}
		lb := s.Label()
		step := &TraceStep{Label: &lb, State: post}
		if fingerprint(s.Canon()) == h.fp {
			exact, exactErr = step, err
		} else if any == nil {
			any, anyErr = step, err
		}
	}); err != nil {
		return nil, err
	}
	if exact == nil {
		exact, exactErr = any, anyErr
	}
	if exact == nil {
		return nil, fmt.Errorf("explorer: the replayed counterexample does not violate %s", h.property)
	}
	v.Err = exactErr
	v.Trace = append(trace, *exact)
	return v, nil
}
