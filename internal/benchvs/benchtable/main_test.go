package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/checkedraft/checkedraft/conformance/etcd36
BenchmarkVsEtcd/v3.6.0/serial/n=3/raft-2         	    2000	     10000 ns/op	         8.000 msgs/proposal	     100000 proposals/s	    3000 B/op	      10 allocs/op
BenchmarkVsEtcd/v3.6.0/serial/n=3/etcd-v3.6.0-2  	    2000	     20000 ns/op	         8.000 msgs/proposal	     50000 proposals/s	    3000 B/op	      20 allocs/op
BenchmarkVsEtcd/v3.6.0/serial/n=3/raft-2         	    2000	     12000 ns/op	         8.000 msgs/proposal	     80000 proposals/s	    3000 B/op	      10 allocs/op
BenchmarkVsEtcd/v3.6.0/serial/n=3/etcd-v3.6.0-2  	    2000	     16000 ns/op	         8.000 msgs/proposal	     60000 proposals/s	    3000 B/op	      20 allocs/op
BenchmarkVsEtcd/v3.6.0/serial/n=3/raft-2         	    2000	     90000 ns/op	         8.000 msgs/proposal	     11000 proposals/s	    3000 B/op	      10 allocs/op
BenchmarkVsEtcd/v3.6.0/serial/n=3/etcd-v3.6.0-2  	    2000	     24000 ns/op	         8.000 msgs/proposal	     40000 proposals/s	    3000 B/op	      20 allocs/op
BenchmarkOther-2 1 5 ns/op
PASS
`

// The table's figures are the medians of each side and their ratio: an
// outlier run does not move them.
func TestMediansAndRatios(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.Write(&b)
	out := b.String()
	for _, want := range []string{
		"| serial/n=3 | 3:3 |",
		" 12000 | 20000 | 0.60 |", // ns/op: medians 12000 and 20000
		" 10.0 | 20.0 | 0.50 |",   // allocs/op
		" 80000 | 50000 | 1.60 |", // proposals/s
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Other") {
		t.Errorf("table shows a benchmark that is not VsEtcd:\n%s", out)
	}
}

func TestMedianEven(t *testing.T) {
	if m, ok := Median([]float64{4, 1, 3, 2}); !ok || m != 2.5 {
		t.Fatalf("Median = %v, %v, want 2.5", m, ok)
	}
	if _, ok := Median(nil); ok {
		t.Fatal("Median of nothing reported a value")
	}
}

// A malformed line is an error naming its line.
func TestBadLine(t *testing.T) {
	_, err := Parse(strings.NewReader("x\nBenchmarkVsEtcd/v3.6.0/serial/n=3/raft-2 10 5 ns/op 7\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want one naming line 2", err)
	}
	_, err = Parse(strings.NewReader("BenchmarkVsEtcd/v3.6.0/serial/n=3/etcd-v3.7.0-2 10 5 ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want one naming line 1 (a side of another release)", err)
	}
}
