package driver

// DrawAction draws the next action of a differential schedule from src,
// with the mix RunSchedule uses, aware of c's flight and leader; *values
// counts the proposals so far (each proposes a new value "v<n>"). It lets
// other harnesses (the trace logs of package traces) run the same
// schedules on one library.
// Compact and Read actions are not drawn (the schedules of Setups without
// compaction or reads).
func DrawAction(src Source, c *Cluster, values *int) Action {
	return drawAction(src, c, values, Setup{})
}
