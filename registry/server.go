package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve answers the distribution API on ln over TLS with tlsConfig (the
// node's certificate from the cluster CA) until ctx ends, then lets
// requests in flight finish for a few seconds. HTTP/1.1 only: each pull
// of a layer has a connection of its own, which streams a file faster than
// HTTP/2's flow-controlled streams and keeps memory per pull bounded.
func (r *Registry) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config) error {
	if tlsConfig == nil {
		return errors.New("registry: no TLS configuration: the registry serves only over TLS")
	}
	cfg := tlsConfig.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	srv := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
		TLSConfig:         cfg,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	served := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		select {
		case <-ctx.Done():
		case <-served:
			return
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(shutdown) != nil {
			srv.Close()
		}
	}()
	err := srv.Serve(tls.NewListener(ln, cfg))
	close(served)
	<-drained
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
