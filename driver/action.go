package driver

import "fmt"

// Kind is the kind of an Action.
type Kind uint8

// The actions of a schedule.
const (
	// Tick ticks Node once: election timeouts fire, leases expire,
	// leaders send heartbeats and check their quorum.
	Tick Kind = iota + 1
	// Campaign makes Node campaign now.
	Campaign
	// Propose proposes Value at Node (the leader or not).
	Propose
	// Deliver delivers message Msg of the flight to its receiver.
	Deliver
	// Drop loses message Msg of the flight.
	Drop
	// Duplicate puts a second copy of message Msg in flight.
	Duplicate
	// Isolate cuts every link to and from Node; messages in flight on
	// them are lost.
	Isolate
	// Heal restores every link.
	Heal
	// Restart crashes Node and restarts it from what it persisted.
	Restart
	// Compact makes Node snapshot and compact its log up to its applied
	// index (Setup.Compaction).
	Compact
	// TransferLeader asks Node (a leader) to transfer its leadership to
	// Target.
	TransferLeader
	// ForgetLeader makes Node forget its leader.
	ForgetLeader
	// Read asks Node for a linearizable read (Reader.ReadIndex), numbered
	// in the order the cluster's reads are issued (Setup.Reads).
	Read
)

var kindNames = [...]string{"", "Tick", "Campaign", "Propose", "Deliver", "Drop", "Duplicate", "Isolate", "Heal", "Restart",
	"Compact", "TransferLeader", "ForgetLeader", "Read"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Action is one step of a schedule, applied to both clusters.
type Action struct {
	Kind   Kind
	Node   int    // Tick, Campaign, Propose, Isolate, Restart, Compact, TransferLeader, ForgetLeader, Read
	Msg    int    // Deliver, Drop, Duplicate: the position in flight
	Value  string // Propose
	Target int    // TransferLeader
}

func (a Action) String() string {
	switch a.Kind {
	case Propose:
		return fmt.Sprintf("Propose(%d, %q)", a.Node, a.Value)
	case Deliver, Drop, Duplicate:
		return fmt.Sprintf("%v(#%d)", a.Kind, a.Msg)
	case Heal:
		return "Heal"
	case TransferLeader:
		return fmt.Sprintf("TransferLeader(%d, %d)", a.Node, a.Target)
	}
	return fmt.Sprintf("%v(%d)", a.Kind, a.Node)
}
