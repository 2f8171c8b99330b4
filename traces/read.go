package traces

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/checkedraft/checkedraft/model"
)

// ReadAny reads a behaviour from a file in any format TLC writes here,
// told apart by its content: a -dumpTrace json counterexample (one JSON
// document with state and action lists), or NDJSON states (the corpus,
// TLC's ndJsonSerialize), either possibly gzipped.
func ReadAny(path string) (*Trace, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, &ParseError{File: path, Err: err}
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, &ParseError{File: path, Err: fmt.Errorf("gzip: %w", err)}
		}
	}
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return nil, &ParseError{File: path, Err: fmt.Errorf("empty file")}
	}
	if text[0] != '{' {
		return nil, &ParseError{File: path, Line: 1, Err: fmt.Errorf("neither a TLC -dumpTrace json document nor NDJSON states: starts with %q", head(text))}
	}
	// A -dumpTrace document is one object with a "state" list; NDJSON has
	// one state object per line (whose variable state is a function).
	var first map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&first); err == nil {
		if st := bytes.TrimSpace(first["state"]); len(st) > 0 && st[0] == '[' {
			if _, err := dec.Token(); err != io.EOF {
				return nil, &ParseError{File: path, Err: fmt.Errorf("text after the -dumpTrace json document")}
			}
			return ParseDumpTrace(path, text)
		}
	}
	return ParseNDJSON(path, bytes.NewReader(text))
}

func head(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}

// States is the behaviour as the model's trace steps: each state's view
// and the label of the step that led to it. A seeded mutant's action
// (tla/Mut*.tla: MutTimeout replaces Timeout) is read as the action it
// replaces.
func States(tr *Trace) ([]model.TraceStep, error) {
	named := &Trace{File: tr.File, Steps: slices.Clone(tr.Steps)}
	for k := range named.Steps {
		st := &named.Steps[k]
		if orig, ok := strings.CutPrefix(st.Action, "Mut"); ok && (knownAction(orig) || isMessageAction(orig)) {
			st.Action = orig
		}
	}
	labels, err := Labels(named)
	if err != nil {
		return nil, err
	}
	out := make([]model.TraceStep, len(tr.Steps))
	for k := range tr.Steps {
		out[k].State = tr.Steps[k].View
		if k > 0 {
			out[k].Label = &labels[k-1]
		}
	}
	return out, nil
}
