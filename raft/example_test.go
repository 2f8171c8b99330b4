package raft_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/checkedraft/checkedraft/raft"
)

// A three-node cluster in one process, driven by hand: tick, step the
// messages, and handle every Ready in order (persist, send, apply,
// Advance). README.md shows this function's body word for word
// (internal/xref checks that).
func Example() {
	// Three nodes in one process; a real application runs one per machine,
	// persists to disk and sends Messages over its network.
	ids := []uint64{1, 2, 3}
	nodes := map[uint64]*raft.RawNode{}
	stores := map[uint64]*raft.MemoryStorage{}
	for _, id := range ids {
		stores[id] = raft.NewMemoryStorage()
		n, err := raft.NewRawNode(&raft.Config{
			ID: id, Peers: ids, ElectionTick: 10, HeartbeatTick: 1,
			Storage: stores[id], PreVote: true, CheckQuorum: true,
			Seed: 42, // election timeouts replay exactly
		})
		if err != nil {
			log.Fatal(err)
		}
		nodes[id] = n
	}

	var network []raft.Message
	applied := map[uint64][]string{}
	handle := func(id uint64) { // after every Tick, Step and Propose
		for nodes[id].HasReady() {
			rd := nodes[id].Ready()
			if !rd.HardState.IsEmpty() { // 1. persist
				if err := stores[id].SetHardState(rd.HardState); err != nil {
					log.Fatal(err)
				}
			}
			if err := stores[id].Append(rd.Entries); err != nil {
				log.Fatal(err)
			}
			network = append(network, rd.Messages...) // 2. send
			for _, e := range rd.CommittedEntries {   // 3. apply
				if len(e.Data) > 0 { // a leader's empty entry has none
					applied[id] = append(applied[id], string(e.Data))
				}
			}
			nodes[id].Advance() // 4. acknowledge
		}
	}
	deliver := func() {
		for len(network) > 0 {
			m := network[0]
			network = network[1:]
			if err := nodes[m.To].Step(m); err != nil { // refused input: a *raft.StepError
				log.Fatal(err)
			}
			handle(m.To)
		}
	}
	tick := func() {
		for _, id := range ids {
			nodes[id].Tick()
			handle(id)
		}
		deliver()
	}

	// Tick until a leader is elected.
	var leader uint64
	for t := 0; t < 100 && leader == 0; t++ {
		tick()
		for _, id := range ids {
			if nodes[id].Status().Role == raft.Leader {
				leader = id
			}
		}
	}
	if leader == 0 {
		log.Fatal("no leader after 100 ticks")
	}

	// The leader takes proposals; elsewhere Propose returns ErrNotLeader.
	for _, id := range ids {
		err := nodes[id].Propose([]byte("hello"))
		switch {
		case id == leader && err != nil:
			log.Fatal(err)
		case id != leader && !errors.Is(err, raft.ErrNotLeader):
			log.Fatalf("node %d: %v, want ErrNotLeader", id, err)
		}
		handle(id)
	}
	// The leader commits once a quorum holds the entry, and its next appends
	// carry the commit index to the followers.
	deliver()
	for _, id := range ids {
		fmt.Printf("node %d applied %q\n", id, applied[id])
	}
	// Output:
	// node 1 applied ["hello"]
	// node 2 applied ["hello"]
	// node 3 applied ["hello"]
}
