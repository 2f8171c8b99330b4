package traces

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSimNextIsNext: tla/SimRaft.tla's SimNext has one disjunct per
// disjunct of Next in tla/Raft.tla, in the same order, each the twin Sim_A
// of Next's action A with the same quantifier, and SimName maps each twin
// back: a new action in Next cannot be missing from the corpus unnoticed.
func TestSimNextIsNext(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "tla", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	block := func(text, def string) []string {
		k := strings.Index(text, "\n"+def+" ==")
		if k < 0 {
			t.Fatalf("no definition %s", def)
		}
		var out []string
		for _, line := range strings.Split(text[k+1:], "\n")[1:] {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, `\/`) {
				break
			}
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, `\/`)))
		}
		return out
	}
	next := block(read("Raft.tla"), "Next")
	sim := read("SimRaft.tla")
	simNext := block(sim, "SimNext")
	if len(next) == 0 {
		t.Fatal("Next has no disjuncts")
	}
	want := make([]string, len(next))
	reAction := regexp.MustCompile(`: (\w+)\(`)
	for k, d := range next {
		want[k] = reAction.ReplaceAllString(d, ": Sim_$1(")
		m := reAction.FindStringSubmatch(d)
		if m == nil {
			t.Fatalf("Next's disjunct %q applies no action", d)
		}
		if !strings.Contains(sim, "Sim_"+m[1]+" |-> \""+m[1]+"\"") {
			t.Errorf("SimName does not map Sim_%s to %q", m[1], m[1])
		}
		if !regexp.MustCompile(`(?m)^Sim_` + m[1] + `\([^)]*\) == ` + m[1] + `\([^)]*\) /\\ H$`).MatchString(sim) {
			t.Errorf("no twin Sim_%s == %s(...) /\\ H", m[1], m[1])
		}
	}
	if !slices.Equal(simNext, want) {
		t.Errorf("SimNext's disjuncts:\n  %s\nwant Next's twins:\n  %s", strings.Join(simNext, "\n  "), strings.Join(want, "\n  "))
	}
}
