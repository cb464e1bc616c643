package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"time"

	"github.com/k3s-io/kine/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// Options tune the etcd endpoint; the zero value is etcd's and kine's
// defaults.
type Options struct {
	// Logger receives the endpoint's few log lines; nil discards them.
	Logger *slog.Logger
	// Registerer receives the request metrics; nil registers none.
	Registerer prometheus.Registerer
	// NotifyInterval is how often a synced watch that asked for them gets
	// a progress notification (default 5 s, kine's).
	NotifyInterval time.Duration
	// Version is the etcd version Maintenance.Status reports (default
	// 3.6.11, new enough for Kubernetes to use watch progress requests).
	Version string
	// CompactInterval is how often the leader compacts (default 5 min;
	// negative: never), keeping the last CompactKeep revisions (default 1000).
	CompactInterval time.Duration
	CompactKeep     int64
	// LeaseCheckInterval is how often the leader looks for expired leases
	// (default 500 ms).
	LeaseCheckInterval time.Duration
	// Clock is the wall clock (default time.Now). The leader reads it once
	// when it starts to lead and counts on from there by the monotonic
	// clock (leader.go), so a jump of the wall clock expires no lease.
	Clock func() time.Time
}

// DefaultAddr is where the endpoint listens unless told otherwise: etcd's
// client port, on loopback.
const DefaultAddr = "127.0.0.1:2379"

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.NotifyInterval <= 0 {
		o.NotifyInterval = 5 * time.Second
	}
	if o.Version == "" {
		o.Version = "3.6.11"
	}
	if o.CompactInterval == 0 {
		o.CompactInterval = 5 * time.Minute
	}
	if o.CompactKeep <= 0 {
		o.CompactKeep = 1000
	}
	if o.LeaseCheckInterval <= 0 {
		o.LeaseCheckInterval = 500 * time.Millisecond
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Server is the etcd v3 endpoint of one node: kine's server over Backend,
// with Put, DeleteRange and serializable reads done as etcd does them.
type Server struct {
	backend *Backend
	grpc    *grpc.Server
	sweeper *connSweeper // nil without TLS or without a certificate check
	metrics *metrics
	cancel  context.CancelFunc
	opts    Options
}

// New builds the endpoint over member and store. With tlsConf nil it
// speaks plain gRPC (only for --dev, on loopback); otherwise tlsConf
// should require client certificates (ServerTLS).
func New(member Member, store Store, tlsConf *tls.Config, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{backend: NewBackend(member, store, opts), opts: opts}
	s.metrics = newMetrics(opts.Registerer)
	gopts := []grpc.ServerOption{
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 2 * time.Hour, Timeout: 20 * time.Second}),
		grpc.MaxConcurrentStreams(math.MaxUint32),
		grpc.MaxRecvMsgSize(maxRequestBytes),
		grpc.MaxSendMsgSize(math.MaxInt32),
		grpc.ChainUnaryInterceptor(s.metrics.unary, s.route),
		grpc.ChainStreamInterceptor(s.metrics.stream),
	}
	scheme := "http"
	if tlsConf != nil {
		creds := credentials.NewTLS(tlsConf)
		if tlsConf.VerifyConnection != nil {
			s.sweeper = newConnSweeper(tlsConf.VerifyConnection, opts.Logger)
			creds = s.sweeper.creds(creds)
		}
		gopts = append(gopts, grpc.Creds(creds))
		scheme = "https"
	}
	s.grpc = grpc.NewServer(gopts...)
	server.New(s.backend, scheme, opts.NotifyInterval, opts.Version).Register(s.grpc)
	return s
}

// maxRequestBytes admits the largest value the store takes, with room for
// the rest of the request.
const maxRequestBytes = 4<<20 + 64<<10

// Serve starts the leader's duties and answers on l until Close.
func (s *Server) Serve(l net.Listener) error {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.backend.Start(ctx); err != nil {
		return err
	}
	if s.sweeper != nil {
		go s.sweeper.run()
	}
	err := s.grpc.Serve(l)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Close stops the endpoint: calls in flight get a moment to finish, then
// every stream (watches among them) is cut.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.sweeper != nil {
		s.sweeper.close()
	}
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		s.grpc.Stop()
	}
	s.metrics.unregister()
}

// ServerTLS is the endpoint's TLS: the node's certificate, and a client
// certificate signed by the cluster CA required of every client; check,
// when set, may refuse one more (a revoked serial) at each handshake.
func ServerTLS(cert tls.Certificate, caPEM []byte, check func(*x509.Certificate) error) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("etcd endpoint: no CA certificate in the cluster CA PEM")
	}
	conf := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	if check != nil {
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("etcd endpoint: no client certificate")
			}
			return check(cs.PeerCertificates[0])
		}
	}
	return conf, nil
}
