package app

import (
	"context"
	"io"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// The server sees the cluster member and the local state through these
// interfaces, which *raftnode.Node and *storage.Store satisfy. Each says
// what one part of the server needs; Member and State are all of them.

// Member is this process's member of the region's cluster.
type Member interface {
	Replica
	ClusterMember
	JoinTokens
}

// Replica changes the replicated state and makes local reads current: the
// console's writes (commit.go) and reads (read.go), and /readyz.
type Replica interface {
	// Apply proposes cmd to the leader and waits until it is applied here.
	Apply(ctx context.Context, cmd storage.Command) (storage.Result, error)
	// ReadBarrier returns once a local read reflects every write
	// acknowledged anywhere before the call.
	ReadBarrier(ctx context.Context) error
	// Ready says whether the member can serve current state, and if not why.
	Ready() (ready bool, reason string)
}

// ClusterMember is the member's side of the cluster endpoints (cluster.go)
// and of the home cluster in the topology (topology.go).
type ClusterMember interface {
	ID() string
	Status() raftnode.Status
	Cluster() (raftnode.ClusterInfo, bool, error)
	// Members asks every member how it is.
	Members(ctx context.Context) ([]raftnode.PeerStatus, error)
	// AppliedMembers lists the members this node last knew of, asking no one.
	AppliedMembers() ([]raftnode.PeerStatus, error)
	CACert() []byte
	AnswerJoinChallenge(ctx context.Context, ch raftnode.JoinChallenge) (raftnode.JoinChallengeAnswer, error)
	HandleJoin(ctx context.Context, req raftnode.JoinRequest, record raftnode.Recorder) (raftnode.JoinResponse, error)
	Remove(ctx context.Context, id string) error
	TransferLeadership(ctx context.Context, id string) error
	// Certificates lists what the cluster CA signed; RevokeCertCommand is
	// the command that revokes one serial, for the caller to commit.
	Certificates() ([]raftnode.IssuedCert, error)
	RevokeCertCommand(serial string) (storage.Command, string, error)
}

// JoinTokens lists, makes and revokes the cluster's join tokens; the
// writes are commands the caller commits with its audit entry.
type JoinTokens interface {
	Tokens() ([]raftnode.Token, error)
	NewToken(ttl time.Duration, description string) (string, raftnode.Token, storage.Command, error)
	RevokeTokenCommand(id string) (storage.Command, error)
}

// Reader reads the node's local state without the log.
type Reader interface {
	Get(bucket, key []byte) (storage.Record, bool, error)
	Scan(bucket, prefix []byte, fn func(key []byte, rec storage.Record) bool) error
}

// State is the node's local state as the server uses it: reads, the users'
// directory (identity.Reader) and the snapshot a client downloads.
type State interface {
	Reader
	Empty(bucket []byte) (bool, error)
	Count(bucket []byte) (int, error)
	WriteSnapshotFile(w io.Writer, h storage.SnapshotHeader) (storage.SnapshotHeader, error)
}
