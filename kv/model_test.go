package kv_test

import (
	"fmt"
	"maps"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/checkedraft/checkedraft/kv"
)

// output is what a client saw of a request: its result, or nothing (known
// false) when no answer came before the history ended, so that the
// request may have taken effect at any point after its call, or never.
type output struct {
	res   kv.Result
	known bool
}

// keyState is the sequential specification's state of one key.
type keyState struct {
	value string
	found bool
}

// kvModel is the sequential specification of the store, for porcupine:
// keys are independent, so a history is checked key by key.
var kvModel = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range h {
			k := op.Input.(kv.Request).Key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return keyState{} },
	Step: func(st, in, out any) (bool, any) {
		s, req, o := st.(keyState), in.(kv.Request), out.(output)
		switch req.Kind {
		case kv.Put:
			return true, keyState{value: req.Value, found: true}
		case kv.Get:
			return !o.known || (o.res.Found == s.found && o.res.Value == s.value), s
		case kv.CAS:
			swapped := s.found && s.value == req.Old
			if o.known && o.res.Swapped != swapped {
				return false, s
			}
			if swapped {
				return true, keyState{value: req.Value, found: true}
			}
			return true, s
		}
		return false, s
	},
	DescribeOperation: func(in, out any) string {
		req, o := in.(kv.Request), out.(output)
		res := "?"
		if o.known {
			switch req.Kind {
			case kv.Put:
				res = "ok"
			case kv.Get:
				res = "none"
				if o.res.Found {
					res = o.res.Value
				}
			case kv.CAS:
				res = fmt.Sprint(o.res.Swapped)
			}
		}
		return fmt.Sprintf("%v -> %s", req, res)
	},
	DescribeState: func(st any) string {
		s := st.(keyState)
		if !s.found {
			return "none"
		}
		return s.value
	},
}
