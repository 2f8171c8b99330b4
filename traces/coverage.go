package traces

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/checkedraft/checkedraft/raft"
)

// CoverageTable formats action counts per config.
func CoverageTable(cov map[string]map[string]int) string {
	actions := raft.Actions()
	slices.Sort(actions)
	var names []string
	for n := range cov {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s", "action")
	for _, n := range names {
		fmt.Fprintf(&b, " %20s", n)
	}
	b.WriteString("\n")
	for _, a := range actions {
		fmt.Fprintf(&b, "%-28s", a)
		for _, n := range names {
			fmt.Fprintf(&b, " %20d", cov[n][string(a)])
		}
		b.WriteString("\n")
	}
	return b.String()
}
