package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDrawFiles: raftcheck draw reads a TLC -dumpTrace counterexample and a
// gzipped corpus trace, tells them apart, and writes a chart naming what
// is violated.
func TestDrawFiles(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"../../traces/testdata/MutVoteTwice.json"}, "11 states, 3 servers; OneVotePerTerm is violated at step 8"},
		{[]string{"../../traces/testdata/MutVoteTwice.json", "-property", "ElectionSafety"}, "ElectionSafety is violated at step 10"},
		{[]string{"-property", "ElectionSafety", "../../traces/testdata/MutVoteTwice.json"}, "ElectionSafety is violated at step 10"},
		{[]string{"../../traces/corpus/partitions/001.ndjson.gz"}, "100 states, 3 servers; no property is violated"},
	} {
		out := filepath.Join(dir, "chart.svg")
		os.Remove(out)
		code, stdout, stderr := runCmd(append([]string{"draw", "-o", out}, c.args...)...)
		if code != exitOK || !strings.Contains(stdout, c.want) || !strings.Contains(stdout, "chart: "+out) {
			t.Errorf("raftcheck draw %q: exit %d\n%s%s\nwant %q", c.args, code, stdout, stderr, c.want)
			continue
		}
		data, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(data, []byte("<svg ")) {
			t.Errorf("raftcheck draw %q wrote no SVG to %s: %v", c.args, out, err)
		}
	}
}

// TestDrawBadInput: a malformed file is refused with a message naming the
// file and the line or field, and exit status 2.
func TestDrawBadInput(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../../traces/testdata/good.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	dump, err := os.ReadFile("../../traces/testdata/MutVoteTwice.json")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines[0] + lines[1][:len(lines[1])/2] + "\n"))
	zw.Close()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		file string
		want string // a regular expression after the file's name
	}{
		{write("empty.json", nil), `: empty file`},
		{write("text.txt", []byte("Error: Invariant ElectionSafety is violated.\n")), `:1: neither a TLC -dumpTrace json document nor NDJSON`},
		{write("truncated.ndjson", []byte(lines[0]+lines[1][:len(lines[1])/2]+"\n")), `:2: not a JSON object`},
		{write("truncated.ndjson.gz", gz.Bytes()), `:2: not a JSON object`},
		{write("norole.ndjson", []byte(lines[0]+strings.Replace(lines[1], `"Follower"`, `"Boss"`, 1))), `:2: field state\.s\d: unknown role "Boss"`},
		{write("noaction.ndjson", []byte(lines[0]+strings.Replace(lines[1], `"_action"`, `"_act"`, 1))), `:2: field _action: missing`},
		{write("dump.json", bytes.ReplaceAll(dump, []byte(`"currentTerm"`), []byte(`"term"`))), `: field state\[\d+\]\.currentTerm: missing`},
		{write("trailing.json", append(append([]byte{}, dump...), []byte("{}")...)), `: text after the -dumpTrace json document`},
		{filepath.Join(dir, "missing.json"), `: no such file`},
	} {
		code, _, stderr := runCmd("draw", c.file, "-o", filepath.Join(dir, "out.svg"))
		re := regexp.MustCompile(regexp.QuoteMeta(c.file) + c.want)
		if code != exitBadUsage || !re.MatchString(stderr) || strings.Contains(stderr, "panic") {
			t.Errorf("raftcheck draw %s: exit %d, stderr %q; want %d and %q", filepath.Base(c.file), code, stderr, exitBadUsage, re)
		}
	}
	for _, args := range [][]string{{"draw"}, {"draw", "a", "b"}, {"draw", "../../traces/testdata/MutVoteTwice.json", "-property", "NoSuch"}} {
		if code, _, stderr := runCmd(args...); code != exitBadUsage || stderr == "" {
			t.Errorf("raftcheck %q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestExploreDrawsCounterexample: on a violation, explore writes the chart
// and prints its path after the table.
func TestExploreDrawsCounterexample(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCmd("explore", "-config", "../../tla/MutVoteTwice.cfg", "-progress", "0", "-draw", dir)
	want := filepath.Join(dir, "explore-MutVoteTwice.svg")
	if code != exitFailed || !strings.Contains(out, "counterexample: 11 states") || !strings.HasSuffix(out, "chart: "+want+"\n") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`class="violation" data-property="ElectionSafety" data-step="10"`)) {
		t.Error("the chart does not name ElectionSafety at step 10")
	}
}
