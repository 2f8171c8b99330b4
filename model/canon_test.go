package model

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// permute is the image of v under p, built directly (not through encode).
func permute(v *state, n int, p *perm) state {
	var out state
	mapSet := func(s set) set { return p.setMap[s] }
	mapSeq := func(lg seq) seq {
		var out seq
		for _, e := range lg {
			out = append(out, entry{term: e.term, value: p.val[e.value]})
		}
		return out
	}
	for i := 1; i <= n; i++ {
		s := v.srv[i-1]
		d := s
		d.vote, d.leader = p.srv[s.vote], p.srv[s.leader]
		d.granted, d.rejected, d.active = mapSet(s.granted), mapSet(s.rejected), mapSet(s.active)
		d.log = mapSeq(s.log)
		for j := 1; j <= n; j++ {
			d.prs[p.srv[j]-1] = s.prs[j-1]
		}
		mapReqs := func(rs []readReq) []readReq {
			var out []readReq
			for _, r := range rs {
				out = append(out, readReq{id: r.id, from: p.srv[r.from], index: r.index, acks: mapSet(r.acks)})
			}
			return out
		}
		d.rq, d.pend = mapReqs(s.rq), mapReqs(s.pend)
		out.srv[p.srv[i]-1] = d
	}
	for _, b := range v.messages {
		m := b.msg
		m.msource, m.mdest = p.srv[m.msource], p.srv[m.mdest]
		m.mentries = mapSeq(m.mentries)
		for c := 0; c < int(b.copies); c++ {
			out.messages.Put(&m)
		}
	}
	for _, r := range v.reads {
		out.reads = append(out.reads, readRec{from: p.srv[r.from], begin: r.begin})
	}
	for from := 1; from <= n; from++ {
		for to := 1; to <= n; to++ {
			if v.cut.has(from, to) {
				out.cut |= linkBit(int(p.srv[from]), int(p.srv[to]))
			}
		}
	}
	return out
}

// randomStates collects the states of random walks through cfg.
func randomStates(cfg *Config, walks, depth int, seed uint64) []state {
	st := newStepper(cfg)
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []state
	for w := 0; w < walks; w++ {
		v := initState()
		for d := 0; d < depth; d++ {
			var succ []state
			st.Next(&v, func(_ label, next *state) { succ = append(succ, next.clone()) })
			if len(succ) == 0 {
				break
			}
			v = succ[rng.IntN(len(succ))]
			out = append(out, v)
		}
	}
	return out
}

// TestCanonicalFormIsOrbitInvariant: every image of a state under the
// symmetry group has the same canonical form, which is one of the images'
// encodings; the encoding decodes back to the state.
func TestCanonicalFormIsOrbitInvariant(t *testing.T) {
	for _, name := range []string{"MCRaft_plain.cfg", "MCRaft_isolation.cfg", "MCRaft_restart.cfg", "MCRaft_reads.cfg"} {
		cfg := mustConfig(t, name)
		cfg.MaxInFlight, cfg.MaxCopies = 3, 2
		cz := newCanonicalizer(&cfg)
		if want := cfg.Symmetry.Size() * 2; len(cz.perms) != want {
			t.Fatalf("%s: a group of %d elements, want %d", name, len(cz.perms), want)
		}
		for _, v := range randomStates(&cfg, 30, 30, 3) {
			enc := encode(nil, &v, cfg.N, &cz.perms[0])
			if back := decode(enc, cfg.N); !back.equal(&v) {
				t.Fatalf("%s: decode(encode(v)) != v", name)
			}
			canon := bytes.Clone(cz.canon(&v))
			found := false
			for k := range cz.perms {
				img := permute(&v, cfg.N, &cz.perms[k])
				if !bytes.Equal(cz.canon(&img), canon) {
					t.Fatalf("%s: an image of a state has another canonical form", name)
				}
				if bytes.Equal(encode(nil, &img, cfg.N, &cz.perms[0]), canon) {
					found = true
				}
				// encode under p is the encoding of the image under p.
				if !bytes.Equal(encode(nil, &v, cfg.N, &cz.perms[k]), encode(nil, &img, cfg.N, &cz.perms[0])) {
					t.Fatalf("%s: encode under a permutation differs from the encoding of the image", name)
				}
			}
			if !found {
				t.Fatalf("%s: the canonical form is no image's encoding", name)
			}
		}
	}
}

// TestSymmetryCountsOrbits explores a small model with and without
// symmetry: the states found without symmetry are exactly the images of
// the states found with it, so their number is the sum of the orbits'
// sizes.
func TestSymmetryCountsOrbits(t *testing.T) {
	for _, name := range []string{"MCRaft_plain.cfg", "MCRaft_isolation.cfg"} {
		cfg := mustConfig(t, name)
		cfg.MaxTerm, cfg.MaxLogLen = 1, 1
		cfg.Invariants, cfg.Properties = nil, nil
		// A breadth-first search that keeps the canonical states.
		st := newStepper(&cfg)
		cz := newCanonicalizer(&cfg)
		init := initState()
		seen := map[string]bool{string(cz.canon(&init)): true}
		queue := []state{init}
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			st.Next(&v, func(_ label, next *state) {
				if key := string(cz.canon(next)); !seen[key] {
					seen[key] = true
					queue = append(queue, next.clone())
				}
			})
		}
		concrete := 0
		for key := range seen {
			v := decode([]byte(key), cfg.N)
			images := map[string]bool{}
			for k := range cz.perms {
				img := permute(&v, cfg.N, &cz.perms[k])
				images[string(encode(nil, &img, cfg.N, &cz.perms[0]))] = true
			}
			concrete += len(images)
		}
		sym, err := Explore(cfg, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		plain := cfg
		plain.Symmetry = Symmetry{}
		all, err := Explore(plain, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if sym.Distinct != int64(len(seen)) {
			t.Errorf("%s: Explore found %d classes, the plain search %d", name, sym.Distinct, len(seen))
		}
		if all.Distinct != int64(concrete) {
			t.Errorf("%s: without symmetry %d states, the orbits of the %d classes hold %d", name, all.Distinct, len(seen), concrete)
		}
		if all.Depth != sym.Depth {
			t.Errorf("%s: depth %d without symmetry, %d with", name, all.Depth, sym.Depth)
		}
		if all.Distinct <= sym.Distinct {
			t.Errorf("%s: symmetry saved nothing (%d vs %d states)", name, sym.Distinct, all.Distinct)
		}
	}
}

// TestExploreIsDeterministic: the counts and the counterexample do not
// depend on the number of workers.
func TestExploreIsDeterministic(t *testing.T) {
	for _, name := range []string{"MutCommitEarlierTerm.cfg", "MCRaft_restart.cfg"} {
		cfg := mustConfig(t, name)
		var first *Result
		for _, w := range []int{1, 2, 3} {
			res, err := Explore(cfg, Options{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res
				continue
			}
			if res.Distinct != first.Distinct || res.Generated != first.Generated || res.Depth != first.Depth {
				t.Errorf("%s: %d workers: %d/%d/%d, 1 worker %d/%d/%d", name, w, res.Distinct, res.Generated, res.Depth,
					first.Distinct, first.Generated, first.Depth)
			}
			if (res.Violation == nil) != (first.Violation == nil) {
				t.Fatalf("%s: a violation with one number of workers only", name)
			}
			if res.Violation != nil {
				a, b := res.Violation.Trace, first.Violation.Trace
				if len(a) != len(b) {
					t.Fatalf("%s: counterexamples of %d and %d states", name, len(a), len(b))
				}
				for k := range a {
					if a[k].Label != nil && a[k].Label.String() != b[k].Label.String() {
						t.Errorf("%s: step %d is %v with %d workers, %v with 1", name, k, a[k].Label, w, b[k].Label)
					}
				}
			}
		}
	}
}

// TestSpilledLevels explores with BFS levels spilled to disk after a few
// hundred bytes: the outcome is the same as in memory.
func TestSpilledLevels(t *testing.T) {
	cfg := mustConfig(t, "MutAppendSkipsTermCheck.cfg")
	mem, err := Explore(cfg, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func(old int) { spillBytes = old }(spillBytes)
	spillBytes = 300
	disk, err := Explore(cfg, Options{Workers: 2, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if mem.Distinct != disk.Distinct || mem.Generated != disk.Generated || mem.Depth != disk.Depth {
		t.Errorf("in memory %d/%d/%d, spilled %d/%d/%d (distinct/generated/depth)",
			mem.Distinct, mem.Generated, mem.Depth, disk.Distinct, disk.Generated, disk.Depth)
	}
	if mem.Violation == nil || disk.Violation == nil || len(mem.Violation.Trace) != len(disk.Violation.Trace) {
		t.Errorf("the counterexamples differ")
	}
}
