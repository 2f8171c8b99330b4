package model

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/checkedraft/checkedraft/spec"
)

// Symmetry reduction. TLC, given SYMMETRY S, closes the set of permutations
// S into the group it generates and fingerprints a state by the minimum
// over the group of the fingerprints of its images, so it counts one state
// per orbit. The explorer does the same with a canonical form: the least
// byte encoding of the images of a state under the group.

// perm is one element of the symmetry group: a permutation of the servers
// and one of the values.
type perm struct {
	srv    [maxServers + 1]uint8      // srv[i] is the image of server i; srv[0] = 0 (Nil)
	inv    [maxServers + 1]uint8      // the inverse
	setMap [1 << (maxServers + 1)]set // setMap[s] is the image of the set s
	val    []uint8                    // val[v] is the image of value v; val[0] = 0 (Nil)
	// moveVals: val is not the identity.
	moveVals bool
}

// group lists the elements of the symmetry group of cfg, the identity
// first.
func group(cfg *Config) []perm {
	// Server permutations: the product of all permutations of each class.
	srvPerms := [][]uint8{identity(cfg.N)}
	for _, class := range cfg.Symmetry.Servers {
		var next [][]uint8
		for _, base := range srvPerms {
			for _, order := range permutations(len(class)) {
				p := slices.Clone(base)
				for k, i := range class {
					p[i] = uint8(class[order[k]])
				}
				next = append(next, p)
			}
		}
		srvPerms = next
	}
	valPerms := [][]uint8{identity(len(cfg.Values))}
	if cfg.Symmetry.Values {
		valPerms = nil
		for _, order := range permutations(len(cfg.Values)) {
			p := identity(len(cfg.Values))
			for k := range order {
				p[k+1] = uint8(order[k] + 1)
			}
			valPerms = append(valPerms, p)
		}
	}
	var out []perm
	for _, sp := range srvPerms {
		for _, vp := range valPerms {
			var p perm
			copy(p.srv[:], sp)
			for i := 1; i <= cfg.N; i++ {
				p.inv[p.srv[i]] = uint8(i)
			}
			for s := range p.setMap {
				var img set
				for i := 1; i <= cfg.N; i++ {
					if set(s).has(i) {
						img = img.with(int(p.srv[i]))
					}
				}
				p.setMap[s] = img
			}
			p.val = vp
			for k := range vp {
				if vp[k] != uint8(k) {
					p.moveVals = true
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// identity is the identity on 0..n.
func identity(n int) []uint8 {
	p := make([]uint8, n+1)
	for k := range p {
		p[k] = uint8(k)
	}
	return p
}

// permutations lists the permutations of 0..n-1, the identity first.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for pos := len(p); pos >= 0; pos-- {
			q := make([]int, 0, n)
			q = append(q, p[:pos]...)
			q = append(q, n-1)
			q = append(q, p[pos:]...)
			out = append(out, q)
		}
	}
	return out
}

// The encoding of a state (under a permutation p): for each server in the
// order of its image, its fields with server and value references mapped
// by p; then the messages, each mapped and encoded, sorted bytewise, each
// followed by its number of copies; then the cut links, mapped. The
// encoding is injective and prefix-free per part, so comparing encodings
// of images compares orbits' candidates consistently.

// msgScratch holds the encoded messages of a bag while they are sorted.
type msgScratch struct {
	buf   []byte
	offs  []int // message k is buf[offs[k]:offs[k+1]]
	order []int
}

// key is the k-th encoded message.
func (sc *msgScratch) key(k int) []byte { return sc.buf[sc.offs[k]:sc.offs[k+1]] }

// encodeMsgs encodes the messages of v under p into sc, each followed by
// its copies, and sorts them (insertion sort: bags are small).
func (sc *msgScratch) encodeMsgs(v *state, p *perm) {
	sc.buf, sc.offs, sc.order = sc.buf[:0], append(sc.offs[:0], 0), sc.order[:0]
	for k := range v.messages {
		m := &v.messages[k].msg
		sc.buf = append(sc.buf,
			uint8(m.mtype), p.srv[m.msource], p.srv[m.mdest], m.mterm, m.mlastLogTerm, m.mlastLogIndex,
			b2u8(m.mreject), m.mprevLogIndex, m.mprevLogTerm, m.mcommitIndex, m.mindex, m.mrejectHint,
			m.mlogTerm, m.msnapshotIndex, m.msnapshotTerm, uint8(len(m.mentries)))
		for _, e := range m.mentries {
			sc.buf = append(sc.buf, e.term, p.val[e.value])
		}
		sc.buf = append(sc.buf, v.messages[k].copies)
		sc.offs = append(sc.offs, len(sc.buf))
		b := sc.key(k)
		sc.order = append(sc.order, k)
		pos := k
		for pos > 0 && bytes.Compare(sc.key(sc.order[pos-1]), b) > 0 {
			sc.order[pos] = sc.order[pos-1]
			pos--
		}
		sc.order[pos] = k
	}
}

// encodeServer appends the encoding of server s under p.
func encodeServer(buf []byte, s *server, n int, p *perm) []byte {
	buf = append(buf, s.term, uint8(s.role)|b2u8(s.lease)<<2, s.commit,
		p.srv[s.vote], p.srv[s.leader],
		uint8(p.setMap[s.granted]), uint8(p.setMap[s.rejected]), uint8(p.setMap[s.active]),
		s.snapIndex, s.snapTerm, uint8(len(s.log)))
	for _, e := range s.log {
		buf = append(buf, e.term, p.val[e.value])
	}
	if s.prs == ([maxServers]progress{}) { // NoProgresses
		return append(buf, 0)
	}
	buf = append(buf, 1)
	for j := 1; j <= n; j++ {
		pr := &s.prs[p.inv[j]-1]
		buf = append(buf, pr.next, pr.match, uint8(pr.mode)|b2u8(pr.paused)<<2, pr.sentCommit)
	}
	return buf
}

// encodeUnder appends to buf (empty) the encoding of the image of v under
// p. With a bound (the encoding of another image of v, so of the same
// length) it gives up, returning false, as soon as the encoding cannot be
// less than the bound.
func encodeUnder(buf []byte, v *state, n int, p *perm, sc *msgScratch, bound []byte) ([]byte, bool) {
	less := bound == nil
	for k := 1; k <= n; k++ {
		buf = encodeServer(buf, &v.srv[p.inv[k]-1], n, p)
		if !less {
			switch bytes.Compare(buf, bound[:len(buf)]) {
			case 1:
				return buf, false
			case -1:
				less = true
			}
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(v.messages)))
	sc.encodeMsgs(v, p)
	for _, k := range sc.order {
		buf = append(buf, sc.key(k)...)
	}
	var cut uint32
	for c := v.cut; c != 0; c &= c - 1 {
		b := bits.TrailingZeros32(uint32(c))
		from, to := b/maxServers+1, b%maxServers+1
		cut |= uint32(linkBit(int(p.srv[from]), int(p.srv[to])))
	}
	buf = binary.LittleEndian.AppendUint32(buf, cut)
	if !less {
		return buf, bytes.Compare(buf, bound) < 0
	}
	return buf, true
}

// encode appends the encoding of the image of v under p to buf.
func encode(buf []byte, v *state, n int, p *perm) []byte {
	var sc msgScratch
	out, _ := encodeUnder(nil, v, n, p, &sc, nil)
	return append(buf, out...)
}

// hasValues reports whether a client value occurs in v (if not, the
// permutations of values leave v's encoding unchanged).
func (v *state) hasValues(n int) bool {
	for i := 0; i < n; i++ {
		for _, e := range v.srv[i].log {
			if e.value != 0 {
				return true
			}
		}
	}
	for k := range v.messages {
		for _, e := range v.messages[k].msg.mentries {
			if e.value != 0 {
				return true
			}
		}
	}
	return false
}

// decoder decodes states into memory it reuses from one state to the next.
type decoder struct {
	ents seq
	bag  bag
}

// decode is the inverse of encode under the identity. The state uses d's
// memory until the next call.
func (d *decoder) decode(buf []byte, n int) state {
	var v state
	d.ents, d.bag = d.ents[:0], d.bag[:0]
	// Room for every entry, so that the logs below stay put.
	if cap(d.ents) < len(buf)/2 {
		d.ents = make(seq, 0, len(buf))
	}
	r := 0
	next := func() uint8 { b := buf[r]; r++; return b }
	entries := func(k int) seq {
		from := len(d.ents)
		for e := 0; e < k; e++ {
			d.ents = append(d.ents, entry{term: next(), value: next()})
		}
		if k == 0 {
			return nil
		}
		return d.ents[from:len(d.ents):len(d.ents)]
	}
	for i := 1; i <= n; i++ {
		s := &v.srv[i-1]
		s.term = next()
		rl := next()
		s.role, s.lease = roleOf(rl&3), rl&4 != 0
		s.commit, s.vote, s.leader = next(), next(), next()
		s.granted, s.rejected, s.active = set(next()), set(next()), set(next())
		s.snapIndex, s.snapTerm = next(), next()
		s.log = entries(int(next()))
		if next() == 1 {
			for j := 1; j <= n; j++ {
				pr := &s.prs[j-1]
				pr.next, pr.match = next(), next()
				mp := next()
				pr.mode, pr.paused = modeOf(mp&3), mp&4 != 0
				pr.sentCommit = next()
			}
		}
	}
	nm, k := binary.Uvarint(buf[r:])
	r += k
	for k := 0; k < int(nm); k++ {
		var m message
		m.mtype = msgTypeOf(next())
		m.msource, m.mdest, m.mterm = next(), next(), next()
		m.mlastLogTerm, m.mlastLogIndex = next(), next()
		m.mreject = next() == 1
		m.mprevLogIndex, m.mprevLogTerm, m.mcommitIndex = next(), next(), next()
		m.mindex, m.mrejectHint, m.mlogTerm = next(), next(), next()
		m.msnapshotIndex, m.msnapshotTerm = next(), next()
		m.mentries = entries(int(next()))
		d.bag = append(d.bag, bagged{msg: m, copies: next()})
	}
	v.messages = d.bag
	v.cut = links(binary.LittleEndian.Uint32(buf[r:]))
	return v
}

// decode decodes into fresh memory.
func decode(buf []byte, n int) state {
	var d decoder
	return d.decode(buf, n)
}

// canonicalizer computes canonical encodings and fingerprints; one per
// goroutine.
type canonicalizer struct {
	n     int
	perms []perm
	best  []byte
	cur   []byte
	sc    msgScratch
}

func newCanonicalizer(cfg *Config) *canonicalizer {
	return &canonicalizer{n: cfg.N, perms: group(cfg), best: make([]byte, 0, 512), cur: make([]byte, 0, 512)}
}

// canon returns the canonical encoding of v (valid until the next call):
// the least encoding of its images under the symmetry group.
func (c *canonicalizer) canon(v *state) []byte {
	c.best, _ = encodeUnder(c.best[:0], v, c.n, &c.perms[0], &c.sc, nil)
	values := v.hasValues(c.n)
	for k := 1; k < len(c.perms); k++ {
		p := &c.perms[k]
		if p.moveVals && !values {
			continue // the same image as the permutation of servers alone
		}
		var less bool
		if c.cur, less = encodeUnder(c.cur[:0], v, c.n, p, &c.sc, c.best); less {
			c.best, c.cur = c.cur, c.best
		}
	}
	return c.best
}

// fingerprint hashes an encoding to 64 bits (never 0, which marks an empty
// slot of the fingerprint set).
func fingerprint(b []byte) uint64 {
	const m1, m2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9
	h := uint64(len(b)) * m1
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m2
		h = bits.RotateLeft64(h, 29)
		b = b[8:]
	}
	var tail uint64
	for k := len(b) - 1; k >= 0; k-- {
		tail = tail<<8 | uint64(b[k])
	}
	h = (h ^ tail) * m1
	// splitmix64's finaliser.
	h ^= h >> 30
	h *= m2
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	h ^= h >> 31
	if h == 0 {
		h = 1
	}
	return h
}

func roleOf(b uint8) spec.Role       { return spec.Role(b) }
func modeOf(b uint8) spec.Mode       { return spec.Mode(b) }
func msgTypeOf(b uint8) spec.MsgType { return spec.MsgType(b) }
