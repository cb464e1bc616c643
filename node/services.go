package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/raftnode"
)

// service is one server of the node on listeners of its own. Run serves
// each listener in a goroutine and, when the node stops, shuts the
// services down in order before Raft stops, so every request in flight
// still reaches the cluster.
type service struct {
	name      string
	listeners []net.Listener
	serve     func(net.Listener) error
	shutdown  func(context.Context) error
}

// openServices opens the listeners of the console and API: plain HTTP and
// HTTPS, as configured. A service with an address of its own (etcd.go,
// registry.go) opens its listener in its own file and Run appends it. On
// an error every listener opened so far is closed.
func openServices(cfg Config, pki *raftnode.PKI, srv *app.Server) (_ []service, err error) {
	var opened []net.Listener
	defer func() {
		if err != nil {
			for _, ln := range opened {
				ln.Close()
			}
		}
	}()
	listen := func(flag, addr string, tlsConfig *tls.Config) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w; choose a free address", flag, addr, err)
		}
		if tlsConfig != nil {
			ln = tls.NewListener(ln, tlsConfig)
		}
		opened = append(opened, ln)
		return ln, nil
	}

	web := service{name: "http", serve: srv.Serve, shutdown: srv.Shutdown}
	if cfg.HTTP != "" {
		ln, err := listen("--http", cfg.HTTP, nil)
		if err != nil {
			return nil, err
		}
		web.listeners = append(web.listeners, ln)
	}
	if cfg.HTTPS != "" {
		ln, err := listen("--https", cfg.HTTPS, pki.HTTPSConfig())
		if err != nil {
			return nil, err
		}
		web.listeners = append(web.listeners, ln)
	}
	return []service{web}, nil
}

// closeListeners closes the listeners of services that never served.
func closeListeners(services []service) {
	for _, s := range services {
		for _, ln := range s.listeners {
			ln.Close()
		}
	}
}

// consoleURL is the address an operator opens: HTTPS when there is one.
func consoleURL(cfg Config, web service) string {
	last := web.listeners[len(web.listeners)-1]
	host, port, _ := net.SplitHostPort(last.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http"
	if cfg.HTTPS != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
