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

// classes is a plain breadth-first search of cfg that keeps the canonical
// encodings: the classes of reachable states, and the number of levels.
func classes(cfg *Config) (map[string]bool, int) {
	st := newStepper(cfg)
	cz := newCanonicalizer(cfg)
	init := initState()
	seen := map[string]bool{string(cz.canon(&init)): true}
	level := []state{init}
	depth := 0
	for len(level) > 0 {
		depth++
		var next []state
		for k := range level {
			st.Next(&level[k], func(_ label, n *state) {
				if key := string(cz.canon(n)); !seen[key] {
					seen[key] = true
					next = append(next, n.clone())
				}
			})
		}
		level = next
	}
	return seen, depth
}

// TestSymmetryCountsOrbits explores a small model with and without
// symmetry: the states found without symmetry are exactly the images of
// the classes found with it, so their number is the sum of the orbits'
// sizes.
func TestSymmetryCountsOrbits(t *testing.T) {
	for _, name := range []string{"MCRaft_plain.cfg", "MCRaft_isolation.cfg"} {
		cfg := mustConfig(t, name)
		cfg.MaxTerm, cfg.MaxLogLen = 1, 1
		cfg.Invariants, cfg.Properties = nil, nil
		seen, depth := classes(&cfg)
		cz := newCanonicalizer(&cfg)
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
		plain := cfg
		plain.Symmetry = Symmetry{}
		all, allDepth := classes(&plain)
		if len(all) != concrete {
			t.Errorf("%s: without symmetry %d states, the orbits of the %d classes hold %d", name, len(all), len(seen), concrete)
		}
		if allDepth != depth {
			t.Errorf("%s: depth %d without symmetry, %d with", name, allDepth, depth)
		}
		if len(all) <= len(seen) {
			t.Errorf("%s: symmetry saved nothing (%d vs %d states)", name, len(seen), len(all))
		}
	}
}
