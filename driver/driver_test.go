package driver_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
)

func cfg(id, n int) driver.Config {
	return driver.Config{ID: id, N: n, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}
}

func TestConfigValidate(t *testing.T) {
	good := cfg(1, 3)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mut  func(*driver.Config)
		want string
	}{
		{func(c *driver.Config) { c.N = 0 }, "N is 0"},
		{func(c *driver.Config) { c.ID = 4 }, "ID 4 is outside 1..3"},
		{func(c *driver.Config) { c.HeartbeatTick = 0 }, "HeartbeatTick is 0"},
		{func(c *driver.Config) { c.ElectionTick = 2 }, "ElectionTick (2)"},
		{func(c *driver.Config) { c.ElectionTimeout = 10 }, "ElectionTimeout 10 is outside [5, 10)"},
	} {
		bad := good
		c.mut(&bad)
		err := bad.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", bad, err, c.want)
		}
		if _, err := driver.Native.Start(bad, &driver.Storage{}); err == nil {
			t.Errorf("%+v: Native started", bad)
		}
	}
}

func TestStorageAppend(t *testing.T) {
	var s driver.Storage
	if err := s.Append(2, []spec.Entry{{Term: 1}}); err == nil || !strings.Contains(err.Error(), "gap after the last index 0") {
		t.Fatalf("append with a gap: %v", err)
	}
	must := func(first uint64, ents ...spec.Entry) {
		t.Helper()
		if err := s.Append(first, ents); err != nil {
			t.Fatal(err)
		}
	}
	must(1, spec.Entry{Term: 1}, spec.Entry{Term: 1, Value: "a"})
	must(2, spec.Entry{Term: 2, Value: "b"})
	if want := []spec.Entry{{Term: 1}, {Term: 2, Value: "b"}}; !slices.Equal(s.Log, want) {
		t.Fatalf("log %v, want %v", s.Log, want)
	}
}

// The native adapter elects a leader at the tick the harness chose, and
// refuses a proposal on a follower with ErrNotLeader.
func TestNativeTimeoutAndPropose(t *testing.T) {
	c := cfg(1, 3)
	c.ElectionTimeout = 8
	st := &driver.Storage{}
	d, err := driver.Native.Start(c, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Propose("x"); !errors.Is(err, driver.ErrNotLeader) {
		t.Fatalf("Propose on a follower: %v", err)
	}
	for i := 1; i <= 8; i++ {
		d.Tick()
		sent, err := driver.HandleReady(d, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (len(sent) > 0) != (i == 8) {
			t.Fatalf("tick %d sent %v", i, sent)
		}
	}
	if st.HardState.Term != 1 || st.HardState.Vote != 1 {
		t.Fatalf("persisted %+v after the timeout", st.HardState)
	}
}

// Two clusters of the same library never diverge, and a schedule does
// what the figures say.
func TestLockstepSameLibraryAgrees(t *testing.T) {
	for _, s := range driver.Setups() {
		d, fig, err := driver.Find(7, driver.Native, driver.Native, s, 10, 200)
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			t.Fatalf("raft/ diverges from itself:\n%v", d)
		}
		if fig.Actions != 10*200 || fig.Elections == 0 || fig.Timeouts == 0 {
			t.Errorf("%v: %v", s, fig)
		}
		if fig.Reordered != 0 {
			t.Errorf("%v: the same library reorders: %v", s, fig)
		}
		if s.Reads && (fig.Reads == 0 || fig.Answered == 0) {
			t.Errorf("%v: a reads setup that answers no read: %v", s, fig)
		}
		if s.Reads {
			t.Logf("%v: %v", s, fig)
		}
	}
}

// reversed is raft/ handing out every Ready's messages in reverse order:
// the same protocol, another order.
var reversed = driver.Library{Name: "raft/ reversed", Start: func(c driver.Config, st *driver.Storage) (driver.Driver, error) {
	d, err := driver.Native.Start(c, st)
	return reverser{d}, err
}}

type reverser struct{ driver.Driver }

func (r reverser) Ready() driver.Ready {
	rd := r.Driver.Ready()
	slices.Reverse(rd.Messages)
	return rd
}

// NormMessageOrder is needed: a library that orders the messages of one
// action differently (as etcd does with the responses it queues after
// persistence) agrees with raft/ only because the harness puts them in
// flight in canonical order.
func TestNormMessageOrderNeeded(t *testing.T) {
	s := driver.Setup{N: 3}
	d, fig, err := driver.Find(3, driver.Native, reversed, s, 10, 200)
	if err != nil {
		t.Fatal(err)
	}
	if d != nil {
		t.Fatalf("the order of a Ready's messages made a divergence:\n%v", d)
	}
	if fig.Reordered == 0 {
		t.Fatalf("no action produced messages in another order: %v", fig)
	}
	t.Logf("%d of %d actions reordered, normalised by %s", fig.Reordered, fig.Actions, driver.NormMessageOrder.Name)
}

// A changed library is caught, in the field it changes: a restart that
// forgets the commit index shows in the node's commit.
func TestLockstepCatchesChange(t *testing.T) {
	forgetful := driver.Library{Name: "raft/ forgets commit", Start: func(c driver.Config, st *driver.Storage) (driver.Driver, error) {
		st.HardState.Commit = 0
		st.Applied = 0
		return driver.Native.Start(c, st)
	}}
	d, _, err := driver.Find(1, driver.Native, forgetful, driver.Setup{N: 3}, 100, 200)
	if err != nil {
		t.Fatal(err)
	}
	if d == nil {
		t.Fatal("not caught")
	}
	if last := d.Schedule[len(d.Schedule)-1]; last.Kind != driver.Restart {
		t.Errorf("caught at %v, want a restart:\n%v", last, d)
	}
	if !d.Caught("State.Server.Commit") {
		t.Errorf("caught by %v, want the commit:\n%v", d.Paths, d)
	}
}

func TestNormalisationsNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range driver.Normalisations {
		if n.Name == "" || n.Reason == "" || n.Where == "" || seen[n.Name] {
			t.Errorf("normalisation %+v: unnamed, unexplained or twice", n)
		}
		seen[n.Name] = true
	}
}

func TestClusterRejectsBadAction(t *testing.T) {
	cfgs := []driver.Config{cfg(1, 2), cfg(2, 2)}
	c, err := driver.NewCluster(driver.Native, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []driver.Action{{Kind: driver.Tick, Node: 3}, {Kind: driver.Deliver, Msg: 0}, {Kind: 99}} {
		if err := c.Apply(a); err == nil {
			t.Errorf("%v accepted", a)
		}
	}
	if _, err := driver.NewCluster(driver.Native, []driver.Config{cfg(2, 1)}); err == nil {
		t.Error("a cluster whose node 1 has ID 2 started")
	}
}

// recorder is a rapid.TB that records a failure instead of failing the
// test, so that a test can assert that rapid found one.
type recorder struct {
	failed bool
	out    strings.Builder
}

type stopRun struct{}

func (r *recorder) Helper()                           {}
func (r *recorder) Name() string                      { return "recorder" }
func (r *recorder) Logf(format string, args ...any)   { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *recorder) Log(args ...any)                   { fmt.Fprintln(&r.out, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.Logf(format, args...); r.SkipNow() }
func (r *recorder) Skip(args ...any)                  { r.Log(args...); r.SkipNow() }
func (r *recorder) SkipNow()                          { panic(stopRun{}) }
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.failed = true; panic(stopRun{}) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// Check, the rapid-driven run, fails on a divergence and reports the
// shrunk schedule with the field that differs.
func TestCheckFailsAndShrinks(t *testing.T) {
	forgetful := driver.Library{Name: "raft/ forgets its vote", Start: func(c driver.Config, st *driver.Storage) (driver.Driver, error) {
		st.HardState.Vote = 0
		return driver.Native.Start(c, st)
	}}
	var r recorder
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(stopRun); !ok {
					panic(p)
				}
			}
		}()
		driver.Check(&r, driver.Native, forgetful, driver.Setup{N: 3}, 100)
	}()
	if !r.failed {
		t.Fatal("rapid found no divergence")
	}
	out := r.out.String()
	for _, want := range []string{"diverge on n3/prevote=false/checkquorum=false", "Restart(", "State.Server.Vote"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}
