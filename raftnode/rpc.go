package raftnode

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// Node-to-node calls ride the mutual-TLS mux as HTTP/1.1: forwarded
// writes, read indexes, membership changes and status. Only a peer holding
// a node certificate from the cluster CA that is not revoked reaches these
// handlers, and every request is checked again (a certificate revoked
// after the connection opened is refused at its next request): a call
// that writes only from a current member's certificate (currentMember),
// a read from any node certificate that is not revoked (checkPeer).

const maxRPCBody = 8 << 20

// Timeouts of the node-to-node server: a request is read whole within
// rpcReadTimeout, and a connection idle for rpcIdleTimeout is closed
// (longer than the client keeps one idle, so the client closes first).
const (
	rpcReadTimeout = 30 * time.Second
	rpcIdleTimeout = 2 * time.Minute
	rpcClientIdle  = time.Minute
)

type rpcServer struct {
	node *Node
	srv  *http.Server
	// certified: every call comes over the mux and must show a certificate
	// (the in-memory twin's calls show none).
	certified bool
}

// peerCertKey is the context key of the certificate a call's peer showed.
type peerCertKey struct{}

func newRPCServer(n *Node) *rpcServer {
	routes := http.NewServeMux()
	s := &rpcServer{node: n}
	_, s.certified = n.net.(*mux)
	routes.HandleFunc("POST /v1/apply", s.writes(s.apply))
	routes.HandleFunc("POST /v1/read-index", s.reads(s.readIndex))
	routes.HandleFunc("POST /v1/members/add", s.writes(s.addMember))
	routes.HandleFunc("POST /v1/members/promote", s.writes(s.promote))
	routes.HandleFunc("POST /v1/members/remove", s.writes(s.remove))
	routes.HandleFunc("POST /v1/members/removed", s.writes(s.removed))
	routes.HandleFunc("POST /v1/leadership/transfer", s.writes(s.transfer))
	routes.HandleFunc("GET /v1/status", s.reads(s.status))
	s.srv = &http.Server{
		Handler:           routes,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       rpcReadTimeout,
		IdleTimeout:       rpcIdleTimeout,
		ErrorLog:          nil,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if pc, ok := c.(*peerConn); ok && pc.peer != nil {
				return context.WithValue(ctx, peerCertKey{}, pc.peer)
			}
			return ctx
		},
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = s.srv.Serve(n.net.rpcListener())
	}()
	return s
}

// writes admits a call that changes the cluster only from a current
// member's certificate.
func (s *rpcServer) writes(h http.HandlerFunc) http.HandlerFunc {
	return s.guard(s.node.currentMember, h)
}

// reads admits a call that changes nothing from any node certificate
// that is not revoked.
func (s *rpcServer) reads(h http.HandlerFunc) http.HandlerFunc {
	return s.guard(s.node.checkPeer, h)
}

func (s *rpcServer) guard(check func(*x509.Certificate) error, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.certified {
			h(w, r)
			return
		}
		err := errors.New("no peer certificate")
		if cert, ok := r.Context().Value(peerCertKey{}).(*x509.Certificate); ok {
			err = check(cert)
		}
		if err != nil {
			s.node.logger.Warn("refused a peer call", "path", r.URL.Path, "remote", r.RemoteAddr, "error", err)
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusForbidden, rpcError{Error: "forbidden", Detail: err.Error()})
			return
		}
		h(w, r)
	}
}

// close lets calls in flight finish for a moment, then cuts the rest:
// a peer treats a cut call as one whose outcome it does not know.
func (s *rpcServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

// rpcError is the body of every failed call.
type rpcError struct {
	Error  string `json:"error"`
	Detail string `json:"detail,omitempty"`
	Leader string `json:"leader,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers err with a code the caller maps back to this package's errors.
func (s *rpcServer) fail(w http.ResponseWriter, err error) {
	code := "internal"
	switch {
	case errors.Is(err, ErrNotLeader):
		code = "not-leader"
	case errors.Is(err, ErrNoLeader):
		code = "no-leader"
	case errors.Is(err, ErrTimeout):
		code = "timeout"
	case errors.Is(err, ErrShutdown):
		code = "shutdown"
	case errors.Is(err, ErrUnknownNode):
		code = "unknown-node"
	case errors.Is(err, ErrUnknownOutcome):
		code = "unknown-outcome"
	case errors.Is(err, ErrDiskFull):
		code = "disk-full"
	}
	leader, _ := s.node.raft.LeaderWithID()
	writeJSON(w, http.StatusConflict, rpcError{Error: code, Detail: err.Error(), Leader: string(leader)})
}

func (s *rpcServer) requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	if ms := r.Header.Get("X-Timeout-Ms"); ms != "" {
		var d int64
		if _, err := fmt.Sscan(ms, &d); err == nil && d > 0 {
			return context.WithTimeout(r.Context(), time.Duration(d)*time.Millisecond)
		}
	}
	return context.WithTimeout(r.Context(), DefaultTimeout)
}

type applyResponse struct {
	Index   uint64 `json:"index"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Data is the state machine's answer (storage.Result.Data).
	Data []byte `json:"data,omitempty"`
}

func (s *rpcServer) apply(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRPCBody))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, rpcError{Error: "bad-request", Detail: err.Error()})
		return
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()
	res, err := s.node.applyLocal(ctx, data)
	if err != nil {
		s.fail(w, err)
		return
	}
	if r.URL.Query().Get("wait") == "here" {
		s.node.nudgeCommit() // the sender waits to apply it itself
	} else {
		s.node.nudgeCommitSoon(res.Index)
	}
	out := applyResponse{Index: res.Index, Data: res.Data}
	if res.Err != nil {
		out.Code, out.Message = storage.ErrorCode(res.Err), res.Err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

type readIndexResponse struct {
	Index uint64 `json:"index"`
	// StateIndex is the last entry at or below Index that changes the
	// state, 0 when unknown (readPoint).
	StateIndex uint64 `json:"stateIndex,omitempty"`
}

func (s *rpcServer) readIndex(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.requestContext(r)
	defer cancel()
	at, err := s.node.leaderReadIndex(ctx)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, readIndexResponse{Index: at.commit, StateIndex: at.state})
}

type memberRequest struct {
	ID      string `json:"id"`
	Address string `json:"address,omitempty"`
}

func (s *rpcServer) member(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, m memberRequest) error) {
	var m memberRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRPCBody)).Decode(&m); err != nil || m.ID == "" {
		writeJSON(w, http.StatusBadRequest, rpcError{Error: "bad-request", Detail: "need a JSON body with id"})
		return
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()
	if err := op(ctx, m); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *rpcServer) addMember(w http.ResponseWriter, r *http.Request) {
	s.member(w, r, func(ctx context.Context, m memberRequest) error { return s.node.addNonvoterLocal(ctx, m.ID, m.Address) })
}

func (s *rpcServer) promote(w http.ResponseWriter, r *http.Request) {
	s.member(w, r, func(ctx context.Context, m memberRequest) error { return s.node.promoteLocal(ctx, m.ID) })
}

func (s *rpcServer) remove(w http.ResponseWriter, r *http.Request) {
	s.member(w, r, func(ctx context.Context, m memberRequest) error { return s.node.removeLocal(ctx, m.ID) })
}

// removed is the leader telling this node it is no longer a member.
func (s *rpcServer) removed(w http.ResponseWriter, r *http.Request) {
	s.member(w, r, func(ctx context.Context, m memberRequest) error {
		if m.ID != s.node.cfg.NodeID {
			return fmt.Errorf("%w: this node is %s", ErrUnknownNode, s.node.cfg.NodeID)
		}
		return s.node.markRemoved()
	})
}

func (s *rpcServer) transfer(w http.ResponseWriter, r *http.Request) {
	s.member(w, r, func(ctx context.Context, m memberRequest) error { return s.node.transferLocal(ctx, m.ID) })
}

func (s *rpcServer) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.node.Status())
}

// peerClient calls other nodes over the mux.
type peerClient struct {
	client *http.Client
	tr     *http.Transport
}

func newPeerClient(m peerNetwork) *peerClient { return newPeerClientDialing(m.dialRPC) }

func newPeerClientDialing(dial func(addr string, timeout time.Duration) (net.Conn, error)) *peerClient {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			timeout := 5 * time.Second
			if d, ok := ctx.Deadline(); ok {
				timeout = time.Until(d)
			}
			return dial(addr, timeout)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     rpcClientIdle,
	}
	return &peerClient{client: &http.Client{Transport: tr}, tr: tr}
}

func (p *peerClient) close() { p.tr.CloseIdleConnections() }

// errNotSent marks a call that never reached the peer, so it is safe to
// send again elsewhere.
var errNotSent = errors.New("peer not reached")

// callError classifies the failure of a call to the leader: refused by a
// peer (its reason), never sent (safe to send again), out of time, or
// broken in flight. A broken call that changes nothing when repeated
// (idempotent: reads, membership changes) is treated as never sent; any
// other may have been applied, so its outcome is unknown.
func callError(err error, idempotent bool) error {
	var re *remoteError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return re
	case errors.Is(err, errNotSent):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ErrTimeout
	case idempotent:
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	return fmt.Errorf("%w (%v)", ErrUnknownOutcome, err)
}

// remoteError is a peer's refusal, with the leader it knows of.
type remoteError struct {
	rpcError
}

func (e *remoteError) Error() string { return e.Detail }

func (e *remoteError) Unwrap() error {
	switch e.rpcError.Error {
	case "not-leader":
		return ErrNotLeader
	case "no-leader":
		return ErrNoLeader
	case "timeout":
		return ErrTimeout
	case "shutdown":
		return ErrShutdown
	case "unknown-node":
		return ErrUnknownNode
	case "unknown-outcome":
		return ErrUnknownOutcome
	case "disk-full":
		return ErrDiskFull
	}
	return nil
}

// call sends body (raw bytes, or a value to encode as JSON) to a peer and
// decodes its answer into out.
func (p *peerClient) call(ctx context.Context, method, addr, path string, body any, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, rd)
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		req.Header.Set("X-Timeout-Ms", fmt.Sprint(time.Until(d).Milliseconds()))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%w: %v", errNotSent, err)
		}
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxRPCBody))
	if resp.StatusCode != http.StatusOK {
		var re remoteError
		if err := dec.Decode(&re.rpcError); err != nil {
			return fmt.Errorf("peer %s answered %s", addr, resp.Status)
		}
		return &re
	}
	if out == nil {
		return nil
	}
	return dec.Decode(out)
}
