module github.com/checkedraft/checkedraft/conformance

go 1.26.0

require (
	github.com/checkedraft/checkedraft v0.0.0
	go.etcd.io/raft/v3 v3.7.0
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/checkedraft/checkedraft => ../
