package driver_test

import (
	"reflect"
	"testing"

	"github.com/checkedraft/checkedraft/driver"
)

// snapshot runs a fixed schedule on a fresh raft/ cluster: a leader, one
// node isolated, a proposal in flight.
func snapshot(t *testing.T) driver.Snapshot {
	t.Helper()
	c, err := driver.NewCluster(driver.Native, []driver.Config{cfg(1, 3), cfg(2, 3), cfg(3, 3)})
	if err != nil {
		t.Fatal(err)
	}
	apply := func(a driver.Action) {
		t.Helper()
		if err := c.Apply(a); err != nil {
			t.Fatal(err)
		}
	}
	apply(driver.Action{Kind: driver.Campaign, Node: 1})
	for range 20 {
		if len(c.Flight()) == 0 {
			break
		}
		apply(driver.Action{Kind: driver.Deliver, Msg: 0})
	}
	apply(driver.Action{Kind: driver.Isolate, Node: 3})
	apply(driver.Action{Kind: driver.Propose, Node: 1, Value: "x"})
	if c.Leader() != 1 || len(c.Sent()) == 0 || len(c.Flight()) == 0 {
		t.Fatalf("the schedule did not get a leader and messages: leader %d, sent %v", c.Leader(), c.Sent())
	}
	return c.Snapshot()
}

// leaves calls visit with every settable number, bool and string reachable
// in v (the first element of every non-empty slice).
func leaves(v reflect.Value, path string, visit func(reflect.Value, string)) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			leaves(v.Field(i), path+"."+v.Type().Field(i).Name, visit)
		}
	case reflect.Slice:
		if v.Len() > 0 {
			leaves(v.Index(0), path+"[0]", visit)
		}
	case reflect.Int, reflect.Uint8, reflect.Uint64, reflect.Bool, reflect.String:
		visit(v, path)
	default:
		panic("leaves: unhandled kind " + v.Kind().String() + " at " + path)
	}
}

// The fast comparison sees every field: changing any one leaf of a
// snapshot makes it differ, and go-cmp names that field.
func TestEqualCoversEveryField(t *testing.T) {
	a := snapshot(t)
	if !driver.Equal(a, snapshot(t)) {
		t.Fatal("the same schedule gave two snapshots")
	}
	var paths []string
	leaves(reflect.ValueOf(&a).Elem(), "", func(_ reflect.Value, p string) { paths = append(paths, p) })
	if len(paths) < 30 {
		t.Fatalf("only %d leaves: %v", len(paths), paths)
	}
	for k, want := range paths {
		b := snapshot(t)
		i := 0
		leaves(reflect.ValueOf(&b).Elem(), "", func(v reflect.Value, _ string) {
			if i == k {
				switch v.Kind() {
				case reflect.Bool:
					v.SetBool(!v.Bool())
				case reflect.String:
					v.SetString(v.String() + "!")
				case reflect.Int:
					v.SetInt(v.Int() + 1)
				default:
					v.SetUint(v.Uint() + 1)
				}
			}
			i++
		})
		if driver.Equal(a, b) {
			t.Errorf("changing %s goes unseen by the fast comparison", want)
		}
		if got, _ := driver.Compare(a, b); len(got) != 1 || got[0] != want {
			t.Errorf("changing %s: Compare names %v", want, got)
		}
	}
}
