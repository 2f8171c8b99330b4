package traces

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/raft"
)

// TestValidateTransferLog: a raft/ run with a completed leader transfer
// (MsgTimeoutNow, the forced campaign through the lease), a transfer given
// up, and a follower forgetting its leader is logged and TLC accepts the
// log; the same log with the transfer's target changed on its
// TransferLeadership line is rejected at that line.
func TestValidateTransferLog(t *testing.T) {
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		t.Skipf("TLC skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	o := properties.Options{N: 3, PreVote: true, CheckQuorum: true}
	path := filepath.Join(t.TempDir(), "transfer.ndjson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	lg := NewLogger(f)
	c := properties.NewCluster(o)
	c.OnStep = lg.Step
	settle := func() {
		for len(c.Flight()) > 0 {
			if _, err := c.Deliver(0); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.Campaign(1)
	settle()
	if _, ok := c.Propose(1, "v1"); !ok {
		t.Fatal("1 is not the leader")
	}
	settle()
	if _, ok := c.TransferLeader(1, 2); !ok {
		t.Fatal("the transfer to 2 was refused")
	}
	settle()
	if st := c.Node(2).Status(); st.Lead != 2 || st.Term != 2 {
		t.Fatalf("after the transfer: node 2 %+v", st)
	}
	// A transfer whose MsgTimeoutNow is lost, given up.
	c.Partition(2, 3)
	if _, ok := c.TransferLeader(2, 3); !ok {
		t.Fatal("the transfer to 3 was refused")
	}
	if _, ok := c.Fire(2, raft.TransferTimer); !ok {
		t.Fatal("no transfer to give up")
	}
	c.Heal(2, 3)
	c.ForgetLeader(1)
	if lg.Err() != nil {
		t.Fatal(lg.Err())
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	at := 0
	for _, a := range []string{"TransferLeadership", "HandleTimeoutNowRequest", "AbortTransfer", "ForgetLeader"} {
		k := slices0(lines, `"action":"`+a+`"`)
		if k < 0 {
			t.Fatalf("the log has no %s line", a)
		}
		if a == "TransferLeadership" {
			at = k
		}
	}
	if err := ValidateLog(context.Background(), jar, tlaDir, path, o); err != nil {
		t.Fatalf("TLC rejected a run with transfers (%d lines): %v", len(lines), err)
	}
	bad := strings.Replace(lines[at], `"transferee":"s2"`, `"transferee":"s3"`, 1)
	if bad == lines[at] {
		t.Fatalf("line %d names no transferee s2: %s", at+1, lines[at])
	}
	lines[at] = bad
	badPath := path + ".bad"
	if err := os.WriteFile(badPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = ValidateLog(context.Background(), jar, tlaDir, badPath, o)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Line != at+1 {
		t.Fatalf("TLC on the log with the transfer's target changed at line %d: %v", at+1, err)
	}
}

// slices0 is the index of the first line containing s, -1 if none.
func slices0(lines []string, s string) int {
	for k, l := range lines {
		if strings.Contains(l, s) {
			return k
		}
	}
	return -1
}
