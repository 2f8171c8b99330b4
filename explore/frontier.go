package explore

import (
	"encoding/binary"
	"fmt"
	"os"
)

// frontier is one BFS level: the canonical encodings of its states, each
// preceded by its length (uvarint), in the order they were found. It stays
// in memory while small and spills to a temporary file beyond
// Options.SpillBytes, so that the explorer's memory is essentially its set of
// fingerprints. States are read back a chunk (chunkSize states) at a time.
type frontier struct {
	dir   string // where to spill ("" = os.TempDir())
	spill int    // the in-memory bytes beyond which records go to the file
	mem   []byte // the records not yet written to file
	file  *os.File
	name  string
	// written is the number of bytes written to file; the stream of
	// records is file[0:written] followed by mem.
	written int64
	n       int
	starts  []int64 // starts[c] is the offset of chunk c's first record
}

// defaultSpillBytes is Options.SpillBytes by default.
const defaultSpillBytes = 64 << 20

func newFrontier(dir string, spill int) *frontier { return &frontier{dir: dir, spill: spill} }

func (f *frontier) len() int { return f.n }

// chunks is the number of chunks.
func (f *frontier) chunks() int { return len(f.starts) }

// add appends a state's encoding.
func (f *frontier) add(enc []byte) error {
	if f.n%chunkSize == 0 {
		f.starts = append(f.starts, f.written+int64(len(f.mem)))
	}
	f.mem = binary.AppendUvarint(f.mem, uint64(len(enc)))
	f.mem = append(f.mem, enc...)
	f.n++
	if len(f.mem) >= f.spill {
		return f.flush()
	}
	return nil
}

// flush writes the in-memory records to the file.
func (f *frontier) flush() error {
	if f.file == nil {
		file, err := os.CreateTemp(f.dir, "raftcheck-frontier-*")
		if err != nil {
			return fmt.Errorf("explorer: spilling a BFS level to disk: %w", err)
		}
		// The file is only used through this handle: on Unix it can go
		// at once (close removes it elsewhere).
		if os.Remove(file.Name()) != nil {
			f.name = file.Name()
		}
		f.file = file
	}
	if _, err := f.file.WriteAt(f.mem, f.written); err != nil {
		return fmt.Errorf("explorer: spilling a BFS level to disk: %w", err)
	}
	f.written += int64(len(f.mem))
	f.mem = f.mem[:0]
	return nil
}

// end is the offset just past the last record.
func (f *frontier) end() int64 { return f.written + int64(len(f.mem)) }

// chunk returns the records of chunk c, reading them into *buf (grown as
// needed) if they are on file.
func (f *frontier) chunk(c int, bufp *[]byte) ([]byte, error) {
	from, to := f.starts[c], f.end()
	if c+1 < len(f.starts) {
		to = f.starts[c+1]
	}
	if from >= f.written {
		return f.mem[from-f.written : to-f.written], nil
	}
	// The chunk starts in the file; it may end in memory.
	n := int(to - from)
	if cap(*bufp) < n {
		*bufp = make([]byte, n)
	}
	buf := (*bufp)[:n]
	onFile := min(to, f.written) - from
	if _, err := f.file.ReadAt(buf[:onFile], from); err != nil {
		return nil, fmt.Errorf("explorer: reading a BFS level from disk: %w", err)
	}
	if to > f.written {
		copy(buf[onFile:], f.mem[:to-f.written])
	}
	return buf, nil
}

// close releases the frontier's file.
func (f *frontier) close() {
	if f.file != nil {
		f.file.Close()
		f.file = nil
	}
	if f.name != "" {
		os.Remove(f.name)
		f.name = ""
	}
	f.mem = nil
}

// nextRecord splits the first record off recs.
func nextRecord(recs []byte) (enc, rest []byte) {
	n, k := binary.Uvarint(recs)
	return recs[k : k+int(n)], recs[k+int(n):]
}
