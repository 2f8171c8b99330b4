package kv_test

import (
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/checkedraft/checkedraft/kv"
)

// TestModelRefusesStaleRead: the porcupine model accepts a read that
// overlaps a write either way, and refuses one that misses a write
// finished before it began; an unanswered put may take effect late.
func TestModelRefusesStaleRead(t *testing.T) {
	put := func(c int, v string, call, ret int64, known bool) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Input: kv.Request{Client: uint64(c + 1), Seq: 1, Kind: kv.Put, Key: "x", Value: v}, Call: call, Return: ret, Output: output{known: known}}
	}
	get := func(c int, v string, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Input: kv.Request{Client: uint64(c + 1), Seq: 2, Kind: kv.Get, Key: "x"}, Call: call, Return: ret,
			Output: output{known: true, res: kv.Result{Value: v, Found: v != ""}}}
	}
	cases := []struct {
		name string
		h    []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"overlapping read sees the old value", []porcupine.Operation{put(0, "a", 1, 2, true), put(1, "b", 3, 6, true), get(2, "a", 4, 5)}, porcupine.Ok},
		{"overlapping read sees the new value", []porcupine.Operation{put(0, "a", 1, 2, true), put(1, "b", 3, 6, true), get(2, "b", 4, 5)}, porcupine.Ok},
		{"read misses a finished write", []porcupine.Operation{put(0, "a", 1, 2, true), put(1, "b", 3, 4, true), get(2, "a", 5, 6)}, porcupine.Illegal},
		{"read of a never written key", []porcupine.Operation{put(0, "a", 1, 2, true), get(2, "", 5, 6)}, porcupine.Illegal},
		{"unanswered put seen late", []porcupine.Operation{put(0, "a", 1, 2, true), put(1, "b", 3, 100, false), get(2, "a", 5, 6), get(2, "b", 7, 8)}, porcupine.Ok},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperations(kvModel, c.h); (got && c.want != porcupine.Ok) || (!got && c.want != porcupine.Illegal) {
			t.Errorf("%s: linearizable = %v, want %v", c.name, got, c.want)
		}
	}
}
