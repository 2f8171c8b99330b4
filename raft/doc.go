// Package raft is a deterministic, I/O-free implementation of Raft with
// PreVote and CheckQuorum in etcd-raft's semantics: leader election, log
// replication and commitment. tla/Raft.tla defines the protocol it
// implements; each step the spec can see is named after the spec action it
// realises (the Action* constants, TraceEvent).
//
// # Driving a node
//
// A node is a RawNode, started by NewRawNode from a Config and its Storage.
// It has no goroutines, clock, I/O or hidden randomness, and is not safe for
// concurrent use: the application drives it from one goroutine. Tick
// advances its logical clock, Step hands it a message from another node,
// Propose hands a leader data to replicate; Campaign and Fire start an
// election or fire a timer now, for drivers that choose the timing
// themselves. Status and Log report its state.
//
// # The Ready contract
//
// Whatever a node wants done accumulates until the application collects it:
// while HasReady reports true, the application calls Ready and handles what
// it returns in this order:
//
//  1. Persist Snapshot (unless it is empty), HardState (unless it is empty)
//     and append Entries to Storage, synchronously if MustSync.
//     The first entry may replace stored entries from its index on.
//  2. Send Messages. Vote and append responses promise what step 1 made
//     durable (a vote cast, entries held), so they must not leave before it.
//  3. Apply CommittedEntries, in order. A leader's empty entry (no Data)
//     is among them and carries nothing to apply.
//  4. Call Advance, which acknowledges everything that Ready handed out.
//
// A node may be stepped or ticked between Ready and Advance: what those
// calls produce is not acknowledged by Advance and comes out in the next
// Ready. Calling Ready again before Advance hands out everything since the
// last Advance again (so what was persisted or sent may be repeated);
// Advance without a Ready is a no-op.
//
// # What is whose
//
// What a Ready holds is shared with the node, not copied (as in etcd-raft):
// Entries and CommittedEntries are the node's own log (or what its Storage
// returned, see below), the entries of an append are the leader's log,
// Snapshot's Data is the sender's, and Messages is the node's queue. The node
// never writes to any of it again, so it stays as handed out after Advance
// and whatever follows (replacing entries gives the log a new array), and
// the caller may keep it; each slice's capacity ends at its length, so the
// caller may append to it too. The caller must not write to it, an entry's
// Data included: that would change the node's log.
//
// Of what it is given, the node copies the data of Propose (the caller may
// reuse its buffer once Propose returns) and the entries of a stepped append,
// but not their Data, which joins the log as it is (so does a stepped
// snapshot's Data): the caller must not write to an entry's Data once it
// stepped the message (a message decoded
// from the network has buffers of its own). Log and Status return copies.
//
// The node keeps in memory only what it has not yet seen persisted: the
// entries and snapshot of a Ready until its Advance. Everything else it
// reads back from Storage, so the application must have written what a
// Ready handed out before it calls Advance. What it reads back is handed
// out as Storage.Entries returns it, not copied (committed entries, the
// entries of an append to a lagging follower), so a Storage must not write
// to a slice it returned (MemoryStorage gives its log a new array when it
// replaces entries). A restart is NewRawNode on the same Storage: the node
// comes back as a follower with the term, vote, snapshot, log and commit
// index it persisted, and hands out the committed entries after
// Config.Applied (or after the snapshot) as CommittedEntries.
//
// # Compaction and snapshots
//
// The application compacts a node's log itself: MemoryStorage.CreateSnapshot
// records its state machine up to an applied index, Compact drops the
// entries it covers. A leader that needs a compacted entry for a follower
// sends it the storage's snapshot instead (MsgSnap) and sends nothing more
// until the follower acknowledges or the application calls ReportSnapshot.
// A follower hands a snapshot newer than its commit index out in
// Ready.Snapshot, to persist (MemoryStorage.ApplySnapshot) and restore its
// state machine from.
package raft
