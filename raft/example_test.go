package raft_test

import (
	"fmt"
	"log"

	"github.com/checkedraft/checkedraft/raft"
)

// A three-node cluster in one process, driven by hand: tick, step the
// messages, and handle every Ready in order (persist, send, apply,
// Advance).
func Example() {
	ids := []uint64{1, 2, 3}
	storages := map[uint64]*raft.MemoryStorage{}
	nodes := map[uint64]*raft.RawNode{}
	for _, id := range ids {
		storages[id] = raft.NewMemoryStorage()
		n, err := raft.NewRawNode(&raft.Config{
			ID: id, Peers: ids,
			ElectionTick: 10, HeartbeatTick: 1,
			Storage: storages[id], PreVote: true, CheckQuorum: true,
			Seed: 42,
		})
		if err != nil {
			log.Fatal(err)
		}
		nodes[id] = n
	}

	var inflight []raft.Message
	applied := map[uint64][]string{}
	handle := func(id uint64) {
		for nodes[id].HasReady() {
			rd := nodes[id].Ready()
			if !rd.HardState.IsEmpty() {
				if err := storages[id].SetHardState(rd.HardState); err != nil { // persist first
					log.Fatal(err)
				}
			}
			if err := storages[id].Append(rd.Entries); err != nil {
				log.Fatal(err)
			}
			inflight = append(inflight, rd.Messages...) // then send
			for _, e := range rd.CommittedEntries {     // then apply
				if len(e.Data) > 0 {
					applied[id] = append(applied[id], string(e.Data))
				}
			}
			nodes[id].Advance()
		}
	}
	deliver := func() {
		for len(inflight) > 0 {
			m := inflight[0]
			inflight = inflight[1:]
			if err := nodes[m.To].Step(m); err != nil {
				log.Fatal(err)
			}
			handle(m.To)
		}
	}

	var leader uint64
	for tick := 0; tick < 100 && leader == 0; tick++ {
		for _, id := range ids {
			nodes[id].Tick()
			handle(id)
		}
		deliver()
		for _, id := range ids {
			if nodes[id].Status().Role == raft.Leader {
				leader = id
			}
		}
	}
	fmt.Println("a leader was elected:", leader != 0)

	if err := nodes[leader].Propose([]byte("hello")); err != nil {
		log.Fatal(err)
	}
	handle(leader)
	deliver()
	for _, id := range ids {
		nodes[id].Tick() // a heartbeat carries the commit to the followers
		handle(id)
	}
	deliver()
	for _, id := range ids {
		fmt.Printf("node %d applied %q\n", id, applied[id])
	}
	// Output:
	// a leader was elected: true
	// node 1 applied ["hello"]
	// node 2 applied ["hello"]
	// node 3 applied ["hello"]
}
