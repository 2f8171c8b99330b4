package traces

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/spec"
)

// The corpus: for each tla/SimRaft_<name>.cfg, the behaviours TLC generated
// with it, in traces/corpus/<name>/NNN.ndjson.gz.

// SimConfigs are the names of the simulation configs (tla/SimRaft_<name>.cfg).
var SimConfigs = []string{"plain", "prevote", "checkquorum", "prevote_checkquorum", "partitions", "restarts", "compaction", "transfer", "reads"}

// SimModelConfig reads tla/SimRaft_<name>.cfg as a model configuration
// (the constants the behaviours were generated with).
func SimModelConfig(tlaDir, name string) (model.Config, error) {
	path := filepath.Join(tlaDir, "SimRaft_"+name+".cfg")
	data, err := os.ReadFile(path)
	if err != nil {
		return model.Config{}, err
	}
	// The generation-only lines (the Record "invariant") mean nothing to
	// the model, and SimInit and SimNext are Init and Next with the
	// history variable.
	var keep []string
	for _, line := range strings.Split(string(data), "\n") {
		switch strings.Join(strings.Fields(line), " ") {
		case "INIT SimInit":
			line = "INIT Init"
		case "NEXT SimNext":
			line = "NEXT Next"
		}
		if !strings.HasPrefix(strings.TrimSpace(line), "INVARIANT") {
			keep = append(keep, line)
		}
	}
	return model.ParseConfigData(path, strings.Join(keep, "\n"))
}

// ReadBehaviour reads what tla/SimRaft.tla wrote for one behaviour: one
// line per state, with its level, levels 1, 2, ... in order. TLC chose
// every state (SimRaft's history variable says which candidate of each
// level it kept): the behaviour is read as it is, nothing here picks or
// checks a step.
func ReadBehaviour(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := &Trace{File: path}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			return nil, &ParseError{File: path, Line: line, Err: err}
		}
		var level int
		if err := json.Unmarshal(obj["level"], &level); err != nil || level < 1 {
			return nil, &ParseError{File: path, Line: line, Field: "level", Err: fmt.Errorf("missing or not a positive number")}
		}
		if level != line {
			return nil, &ParseError{File: path, Line: line, Field: "level", Err: fmt.Errorf("level %d on line %d: want one state per level, in order", level, line)}
		}
		st, perr := decodeStep(obj)
		if perr != nil {
			perr.File, perr.Line = path, line
			return nil, perr
		}
		st.Line = line
		tr.Steps = append(tr.Steps, *st)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(tr.Steps) == 0 {
		return nil, &ParseError{File: path, Err: fmt.Errorf("no state")}
	}
	return tr, nil
}

// WriteTrace writes a behaviour as NDJSON: one line per state, with its
// action (name and parameters) and every variable, as TLC names them.
func WriteTrace(w io.Writer, tr *Trace) error {
	for _, st := range tr.Steps {
		data, err := json.Marshal(stateLine(st, tr.Reads))
		if err != nil {
			return err
		}
		if _, err := w.Write(append(data, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// stateLine is the JSON form of one state (the inverse of decodeStep).
func stateLine(st Step, reads bool) map[string]any {
	v := st.View
	per := func(f func(s *spec.Server) any) map[string]any {
		m := map[string]any{}
		for i := range v.Servers {
			m[serverName(i+1)] = f(&v.Servers[i])
		}
		return m
	}
	set := func(s spec.Set) []string {
		out := []string{}
		for _, i := range s.Members() {
			out = append(out, serverName(i))
		}
		return out
	}
	action := map[string]any{"name": st.Action}
	if len(st.Params) > 0 {
		action["context"] = st.Params
	}
	var progress [][3]any
	for i := range v.Servers {
		for j, pr := range v.Servers[i].Progress {
			progress = append(progress, [3]any{serverName(i + 1), serverName(j + 1),
				map[string]any{"next": pr.Next, "match": pr.Match, "mode": pr.Mode.String(), "paused": pr.Paused,
					"sentCommit": pr.SentCommit}})
		}
	}
	var msgs any = []any{}
	if len(v.Messages) > 0 {
		bag := map[string]int{}
		for _, b := range v.Messages {
			bag[tlaText(MessageRecord(b.Msg, reads))] = b.Copies
		}
		msgs = bag
	}
	cut := [][2]string{}
	for _, l := range v.Cut {
		cut = append(cut, [2]string{serverName(l.From), serverName(l.To)})
	}
	line := map[string]any{
		"action":        action,
		"currentTerm":   per(func(s *spec.Server) any { return s.Term }),
		"votedFor":      per(func(s *spec.Server) any { return serverName(s.Vote) }),
		"log":           per(func(s *spec.Server) any { return logJSON(s.Log) }),
		"commitIndex":   per(func(s *spec.Server) any { return s.Commit }),
		"state":         per(func(s *spec.Server) any { return s.Role.String() }),
		"leader":        per(func(s *spec.Server) any { return serverName(s.Leader) }),
		"lease":         per(func(s *spec.Server) any { return s.Lease }),
		"votesGranted":  per(func(s *spec.Server) any { return set(s.Granted) }),
		"votesRejected": per(func(s *spec.Server) any { return set(s.Rejected) }),
		"recentActive":  per(func(s *spec.Server) any { return set(s.RecentActive) }),
		"transferee":    per(func(s *spec.Server) any { return serverName(s.Transferee) }),
		"progress":      progress,
		"messages":      msgs,
		"cut":           cut,
	}
	// The log's offset, where something was compacted (absent, decodeState
	// reads 0: lines of configs without compaction stay as they were).
	for i := range v.Servers {
		if v.Servers[i].SnapshotIndex != 0 || v.Servers[i].SnapshotTerm != 0 {
			line["snapshotIndex"] = per(func(s *spec.Server) any { return s.SnapshotIndex })
			line["snapshotTerm"] = per(func(s *spec.Server) any { return s.SnapshotTerm })
			break
		}
	}
	// The read variables, in a behaviour with reads (lines of configs
	// without stay as they were).
	if reads {
		line["readQueue"] = per(func(s *spec.Server) any { return readsLine(s.ReadQueue, true) })
		line["pendingReads"] = per(func(s *spec.Server) any { return readsLine(s.PendingReads, false) })
		line["readStates"] = per(func(s *spec.Server) any {
			out := [][2]uint64{}
			for _, a := range s.ReadStates {
				out = append(out, [2]uint64{a.ID, a.Index})
			}
			return out
		})
		rs := []map[string]any{}
		for _, r := range v.Reads {
			rs = append(rs, map[string]any{"from": serverName(r.From), "begin": r.Begin})
		}
		line["reads"] = rs
	}
	return line
}

// readsLine writes read records: [id, from, index, acks] in readQueue
// (queue), [id, from] in pendingReads.
func readsLine(rs []spec.ReadRequest, queue bool) []map[string]any {
	out := []map[string]any{}
	for _, r := range rs {
		rec := map[string]any{"id": r.ID, "from": serverName(r.From)}
		if queue {
			acks := []string{}
			for _, i := range r.Acks.Members() {
				acks = append(acks, serverName(i))
			}
			rec["index"], rec["acks"] = r.Index, acks
		}
		out = append(out, rec)
	}
	return out
}

func logJSON(ents []spec.Entry) []map[string]any {
	out := []map[string]any{}
	for _, e := range ents {
		out = append(out, map[string]any{"term": e.Term, "value": valueName(e.Value)})
	}
	return out
}

// tlaText writes a message record as TLA+ text, the way TLC names the keys
// of the messages bag (servers and values as model values).
func tlaText(r map[string]any) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("[")
	for n, k := range keys {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + " |-> ")
		switch x := r[k].(type) {
		case string:
			if k == "mtype" {
				b.WriteString(strconv.Quote(x))
			} else {
				b.WriteString(x)
			}
		case uint64:
			b.WriteString(strconv.FormatUint(x, 10))
		case bool:
			b.WriteString(strings.ToUpper(strconv.FormatBool(x)))
		case []map[string]any:
			b.WriteString("<<")
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "[term |-> %d, value |-> %s]", e["term"], e["value"])
			}
			b.WriteString(">>")
		default:
			panic(fmt.Sprintf("tlaText: %T", x))
		}
	}
	b.WriteString("]")
	return b.String()
}

// GenOptions configure Generate.
type GenOptions struct {
	Num, Depth int
	Seed       int64
}

// Generate runs TLC in simulation mode with tla/SimRaft_<name>.cfg, recovers
// each behaviour and writes it gzipped to outDir/NNN.ndjson.gz (replacing
// what was there). The same seed gives the same files.
func Generate(ctx context.Context, jar, tlaDir, name, outDir string, o GenOptions) (int, error) {
	// The config must be one the model reads: the corpus is replayed
	// with it (SimModelConfig).
	cfg, err := SimModelConfig(tlaDir, name)
	if err != nil {
		return 0, err
	}
	raw, err := os.MkdirTemp("", "simraft-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(raw)
	base, err := os.ReadFile(filepath.Join(tlaDir, "SimRaft_"+name+".cfg"))
	if err != nil {
		return 0, err
	}
	cfgFile := filepath.Join(raw, "sim.cfg")
	extra := fmt.Sprintf("CONSTANTS\n  Depth = %d\n  Dir = %q\n", o.Depth, raw)
	if err := os.WriteFile(cfgFile, append(base, extra...), 0o644); err != nil {
		return 0, err
	}
	res, err := tlc.Run(ctx, jar, tlaDir, "SimRaft", cfgFile, tlc.Options{Args: []string{
		"-simulate", fmt.Sprintf("num=%d", o.Num), "-depth", strconv.Itoa(o.Depth), "-seed", strconv.FormatInt(o.Seed, 10),
	}})
	if err != nil {
		return 0, err
	}
	if res.ExitCode != tlc.ExitOK {
		return 0, fmt.Errorf("TLC simulation with SimRaft_%s.cfg exited %d:\n%s", name, res.ExitCode, lastLines(res.Output, 30))
	}
	files, err := filepath.Glob(filepath.Join(raw, "b*.ndjson"))
	if err != nil {
		return 0, err
	}
	// TLC numbers behaviours as it finishes them: keep that order.
	slices.SortFunc(files, func(a, b string) int { return behaviourNumber(a) - behaviourNumber(b) })
	if err := os.RemoveAll(outDir); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return 0, err
	}
	for n, f := range files {
		tr, err := ReadBehaviour(f)
		if err != nil {
			return 0, err
		}
		tr.Reads = cfg.MaxReads > 0
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf) // no name or time in the header: reproducible
		if err := WriteTrace(zw, tr); err != nil {
			return 0, err
		}
		if err := zw.Close(); err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(outDir, fmt.Sprintf("%03d.ndjson.gz", n+1)), buf.Bytes(), 0o644); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

func behaviourNumber(path string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "b"), ".ndjson"))
	return n
}
