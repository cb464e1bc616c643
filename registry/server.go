package registry

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"
)

// Server is the http.Server that serves the registry on a listener that
// already speaks TLS (tls.NewListener with TLSConfig's answer). HTTP/1.1
// only: each pull of a layer has a connection of its own, which streams a
// file faster than HTTP/2's flow-controlled streams and keeps memory per
// pull bounded. No write timeout: a layer of gigabytes may take minutes.
func (r *Registry) Server() *http.Server {
	return &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnContext:       withCork,
	}
}

// TLSConfig is base (the node's HTTPS configuration: its certificate from
// the cluster CA) offering HTTP/1.1 only.
func TLSConfig(base *tls.Config) *tls.Config {
	cfg := base.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return cfg
}
