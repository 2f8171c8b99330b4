package explore

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// parentFile records, for every visited state in the order the search
// found them (its index), its fingerprint and the index of its parent, as
// TLC's trace file does: 12 bytes a state on disk instead of in the
// fingerprint set. It is read back only to rebuild a counterexample.
type parentFile struct {
	f    *os.File
	name string // set if the file could not be removed while open
	w    *bufio.Writer
	n    int64
	rec  [parentRecord]byte
}

const (
	parentRecord = 12
	noParent     = math.MaxUint32 // the parent of an initial state
	maxStates    = math.MaxUint32 // indexes are 32 bits
)

func newParentFile(dir string) (*parentFile, error) {
	f, err := os.CreateTemp(dir, "raftcheck-parents-*")
	if err != nil {
		return nil, fmt.Errorf("explorer: creating the file of parents: %w", err)
	}
	p := &parentFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	// Used only through this handle: on Unix it can go at once.
	if os.Remove(f.Name()) != nil {
		p.name = f.Name()
	}
	return p, nil
}

// add records the next state's fingerprint and its parent's index.
func (p *parentFile) add(fp uint64, parent uint32) error {
	if p.n >= maxStates {
		return fmt.Errorf("explorer: more than %d states: beyond the 32-bit indexes of the file of parents", int64(maxStates))
	}
	binary.LittleEndian.PutUint64(p.rec[:8], fp)
	binary.LittleEndian.PutUint32(p.rec[8:], parent)
	if _, err := p.w.Write(p.rec[:]); err != nil {
		return fmt.Errorf("explorer: writing the file of parents: %w", err)
	}
	p.n++
	return nil
}

// read returns the fingerprint and the parent's index of state i.
func (p *parentFile) read(i int64) (fp uint64, parent uint32, err error) {
	if err := p.w.Flush(); err != nil {
		return 0, 0, fmt.Errorf("explorer: writing the file of parents: %w", err)
	}
	var rec [parentRecord]byte
	if _, err := p.f.ReadAt(rec[:], i*parentRecord); err != nil {
		return 0, 0, fmt.Errorf("explorer: reading state %d from the file of parents: %w", i, err)
	}
	return binary.LittleEndian.Uint64(rec[:8]), binary.LittleEndian.Uint32(rec[8:]), nil
}

func (p *parentFile) close() {
	p.f.Close()
	if p.name != "" {
		os.Remove(p.name)
	}
}
