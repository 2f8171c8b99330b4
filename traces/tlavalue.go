package traces

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// TLC writes the keys of a bag (a function whose domain is a set of
// records) as TLA+ text, e.g. `[mtype |-> "VoteRequest", mterm |-> 1]`.
// parseTLA reads the values TLC prints: records, sequences, sets, strings,
// integers, booleans and model values (identifiers).

// tlaIdent is a model value or other identifier, e.g. s1 or Nil.
type tlaIdent string

// tlaRecord is a record: field name to value.
type tlaRecord map[string]any

// tlaSeq is a sequence (or tuple).
type tlaSeq []any

// tlaSet is a set, in the order printed.
type tlaSet []any

type tlaParser struct {
	s   string
	pos int
}

func parseTLA(s string) (any, error) {
	p := &tlaParser{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, p.errf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

func (p *tlaParser) errf(format string, args ...any) error {
	return fmt.Errorf("TLA+ value at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *tlaParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *tlaParser) space() {
	for p.pos < len(p.s) && unicode.IsSpace(rune(p.s[p.pos])) {
		p.pos++
	}
}

func (p *tlaParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *tlaParser) value() (any, error) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, p.errf("unexpected end of text")
	}
	switch c := p.s[p.pos]; {
	case c == '[':
		return p.record()
	case strings.HasPrefix(p.s[p.pos:], "<<"):
		p.pos += 2
		items, err := p.list(">>")
		return tlaSeq(items), err
	case c == '{':
		p.pos++
		items, err := p.list("}")
		return tlaSet(items), err
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case unicode.IsLetter(rune(c)) || c == '_':
		id := p.ident()
		switch id {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
		return tlaIdent(id), nil
	}
	return nil, p.errf("unexpected %q", p.rest())
}

func (p *tlaParser) list(end string) ([]any, error) {
	items := []any{}
	if p.eat(end) {
		return items, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if p.eat(end) {
			return items, nil
		}
		if !p.eat(",") {
			return nil, p.errf("expected \",\" or %q, found %q", end, p.rest())
		}
	}
}

func (p *tlaParser) record() (any, error) {
	p.pos++ // [
	r := tlaRecord{}
	for {
		p.space()
		name := p.ident()
		if name == "" {
			return nil, p.errf("expected a field name, found %q", p.rest())
		}
		if !p.eat("|->") {
			return nil, p.errf("expected \"|->\" after field %s", name)
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if _, dup := r[name]; dup {
			return nil, p.errf("field %s appears twice", name)
		}
		r[name] = v
		if p.eat("]") {
			return r, nil
		}
		if !p.eat(",") {
			return nil, p.errf("expected \",\" or \"]\" in a record, found %q", p.rest())
		}
	}
}

func (p *tlaParser) ident() string {
	start := p.pos
	for p.pos < len(p.s) {
		c := rune(p.s[p.pos])
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *tlaParser) str() (any, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
			if p.pos+1 >= len(p.s) {
				return nil, p.errf("unterminated escape in a string")
			}
			p.pos++
			switch e := p.s[p.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
		p.pos++
	}
	p.pos = start
	return nil, p.errf("unterminated string")
}

func (p *tlaParser) number() (any, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.ParseInt(p.s[start:p.pos], 10, 64)
	if err != nil {
		p.pos = start
		return nil, p.errf("bad number %q", p.s[start:p.pos])
	}
	return n, nil
}
