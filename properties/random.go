package properties

import (
	"fmt"
	"math/rand/v2"

	"github.com/checkedraft/checkedraft/raft"
)

// RandomRun drives c through steps random actions drawn from what it
// emitted (seeded, so a run replays exactly): deliveries (most of them),
// drops, duplicates, ticks, fired timers, campaigns, proposals of values
// v1..vValues, leader transfers, ForgetLeader, reads (with Options.Reads),
// partitions, heals and restarts. It returns the first error a
// node gives for a message it refuses. Terms stay below MaxTerm and logs
// below MaxProposedIndex entries, within the model's range.
func RandomRun(c *Cluster, seed uint64, steps, values int) error {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	n := c.Options().N
	node := func() int { return 1 + r.IntN(n) }
	bounded := func() bool {
		for id := 1; id <= n; id++ {
			if st := c.Node(id).Status(); st.Term >= MaxTerm || st.LastIndex >= MaxProposedIndex {
				return true
			}
		}
		return false
	}
	for range steps {
		flight := len(c.Flight())
		if k := r.IntN(100); k < 2 && !bounded() {
			c.TransferLeader(node(), node())
			continue
		} else if k == 2 {
			c.ForgetLeader(node())
			continue
		}
		switch k := r.IntN(20); {
		case k < 9 && flight > 0:
			if _, err := c.Deliver(r.IntN(flight)); err != nil {
				return err
			}
		case k == 9 && flight > 0:
			c.Drop(r.IntN(flight))
		case k == 10 && flight > 0 && flight < 12:
			c.Duplicate(r.IntN(flight))
		case k == 11 && !bounded():
			c.Tick(node())
		case k == 12 && !bounded():
			c.Fire(node(), raft.Timer(1+r.IntN(5)))
		case k == 13 && !bounded():
			c.Campaign(node())
		case k == 14 && !bounded() && c.Options().Reads && r.IntN(2) == 0:
			c.Read(node())
		case k <= 15 && !bounded():
			c.Propose(node(), fmt.Sprintf("v%d", 1+r.IntN(values)))
		case k == 16:
			if a, b := node(), node(); a != b && !c.IsCut(a, b) {
				c.Partition(a, b)
			}
		case k == 17:
			if cut := c.Cut(); len(cut) > 0 {
				l := cut[r.IntN(len(cut))]
				c.Heal(l.From, l.To)
			}
		case k == 18:
			c.Restart(node())
		case k == 19 && flight > 0:
			if _, err := c.DeliverPersistThenCrash(r.IntN(flight)); err != nil {
				return err
			}
		}
	}
	return nil
}
