// Command benchtable reads the output of `go test -bench BenchmarkVsEtcd`
// from the conformance modules (several runs, concatenated, on stdin) and
// prints one table per etcd release: the median ns/op, allocs/op, B/op and
// proposals/s of each side, and the ratios raft/:etcd of those medians.
// Ratios are taken only between results of the same module, whose runs
// interleave the two sides (make bench-vs-etcd).
//
// A benchmark line is named VsEtcd/<release>/<workload>/<side>-<procs>;
// the side is "raft" or "etcd-<release>". Lines of any other benchmark are
// ignored; a VsEtcd line that cannot be read is an error naming its line.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Units are the metrics in the table, in order.
var Units = []string{"ns/op", "allocs/op", "B/op", "proposals/s"}

// Results holds every value read: release -> workload -> side -> unit ->
// values, and the order in which releases and workloads first appeared.
type Results struct {
	Values    map[string]map[string]map[string]map[string][]float64
	Releases  []string
	Workloads map[string][]string
}

// Parse reads benchmark output.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{Values: map[string]map[string]map[string]map[string][]float64{}, Workloads: map[string][]string{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "BenchmarkVsEtcd/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkVsEtcd/")
		if k := strings.LastIndexByte(name, '-'); k > 0 {
			if _, err := strconv.Atoi(name[k+1:]); err == nil {
				name = name[:k]
			}
		}
		parts := strings.Split(name, "/")
		if len(parts) < 3 {
			return nil, fmt.Errorf("line %d: benchmark %q is not VsEtcd/<release>/<workload>/<side>", line, f[0])
		}
		if len(f) < 2 {
			// The name alone: go test prints it before a sub-benchmark's
			// results only when it has no results of its own.
			continue
		}
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("line %d: %q: want an iteration count, then value-unit pairs", line, sc.Text())
		}
		rel, side, wl := parts[0], parts[len(parts)-1], strings.Join(parts[1:len(parts)-1], "/")
		if side != "raft" && side != "etcd-"+rel {
			return nil, fmt.Errorf("line %d: side %q of release %s: want raft or etcd-%s", line, side, rel, rel)
		}
		if res.Values[rel] == nil {
			res.Values[rel] = map[string]map[string]map[string][]float64{}
			res.Releases = append(res.Releases, rel)
		}
		if res.Values[rel][wl] == nil {
			res.Values[rel][wl] = map[string]map[string][]float64{}
			res.Workloads[rel] = append(res.Workloads[rel], wl)
		}
		if res.Values[rel][wl][side] == nil {
			res.Values[rel][wl][side] = map[string][]float64{}
		}
		for k := 2; k < len(f); k += 2 {
			v, err := strconv.ParseFloat(f[k], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q of %s: %v", line, f[k], f[k+1], err)
			}
			res.Values[rel][wl][side][f[k+1]] = append(res.Values[rel][wl][side][f[k+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// Median is the median of vs (the mean of the middle two for an even
// count), false for none.
func Median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Sorted(slices.Values(vs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// Write prints the tables.
func (res *Results) Write(w io.Writer) {
	for _, rel := range res.Releases {
		etcd := "etcd-" + rel
		fmt.Fprintf(w, "\nraft/ vs etcd-raft %s (medians; ratio = raft/ : etcd, below 1 is fewer ns, allocs or bytes, above 1 more proposals/s)\n\n", rel)
		fmt.Fprint(w, "| workload | runs |")
		for _, u := range Units {
			fmt.Fprintf(w, " %s raft/ | %s etcd | ratio |", u, u)
		}
		fmt.Fprintln(w)
		fmt.Fprint(w, "|---|---|")
		for range Units {
			fmt.Fprint(w, "---:|---:|---:|")
		}
		fmt.Fprintln(w)
		for _, wl := range res.Workloads[rel] {
			sides := res.Values[rel][wl]
			fmt.Fprintf(w, "| %s | %d:%d |", wl, len(sides["raft"]["ns/op"]), len(sides[etcd]["ns/op"]))
			for _, u := range Units {
				a, okA := Median(sides["raft"][u])
				e, okE := Median(sides[etcd][u])
				fmt.Fprintf(w, " %s | %s |", num(a, okA), num(e, okE))
				if okA && okE && e != 0 {
					fmt.Fprintf(w, " %.2f |", a/e)
				} else {
					fmt.Fprint(w, " - |")
				}
			}
			fmt.Fprintln(w)
		}
	}
}

func num(v float64, ok bool) string {
	switch {
	case !ok:
		return "-"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func main() {
	res, err := Parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(res.Releases) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no BenchmarkVsEtcd results on stdin")
		os.Exit(1)
	}
	res.Write(os.Stdout)
}
