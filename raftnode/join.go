package raftnode

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/openova-io/sovereign/internal/names"
)

// Joining a cluster, seen from both sides. The new node fetches the CA
// from any member's HTTPS endpoint without trusting it, checks its hash
// against the token before it sends anything secret, then, over a
// connection verified against that CA, proves the token's secret and
// sends its region, name, Raft address and a certificate request. The
// member checks all of it, signs the certificate, and adds the node as a
// non-voter; the node asks for a vote once it has caught up.

// Paths of the join endpoints on a node's HTTPS listener.
const (
	JoinCAPath = "/api/v1/cluster/ca"
	JoinPath   = "/api/v1/cluster/join"
)

// JoinRequest is what a joining node sends.
type JoinRequest struct {
	Token    string   `json:"token"` // <id>.<secret>
	Node     string   `json:"node"`
	Region   string   `json:"region"`
	RaftAddr string   `json:"raftAddr"`
	CSR      string   `json:"csr"`
	Names    []string `json:"names,omitempty"`
}

// JoinResponse is what it receives.
type JoinResponse struct {
	Certificate string `json:"certificate"`
	CA          string `json:"ca"`
	Region      string `json:"region"`
}

// JoinError is a refused join: Code is stable, Detail says what to do.
type JoinError struct {
	Status int    `json:"-"`
	Code   string `json:"error"`
	Detail string `json:"detail"`
}

func (e *JoinError) Error() string { return e.Detail }

// HandleJoin admits a node into the cluster, or says why not.
func (n *Node) HandleJoin(ctx context.Context, req JoinRequest) (JoinResponse, error) {
	refuse := func(status int, code, format string, args ...any) (JoinResponse, error) {
		return JoinResponse{}, &JoinError{Status: status, Code: code, Detail: fmt.Sprintf(format, args...)}
	}
	id, secret, ok := strings.Cut(req.Token, ".")
	if !ok || id == "" || secret == "" {
		return refuse(http.StatusUnauthorized, "invalid-token", "%v", ErrTokenFormat)
	}
	if err := n.ReadBarrier(ctx); err != nil {
		return JoinResponse{}, err
	}
	if err := n.checkToken(id, secret, time.Now()); err != nil {
		if errors.Is(err, ErrTokenExpired) {
			return refuse(http.StatusUnauthorized, "token-expired", "%v", err)
		}
		if errors.Is(err, ErrTokenInvalid) {
			return refuse(http.StatusUnauthorized, "invalid-token", "%v", err)
		}
		return JoinResponse{}, err
	}
	info, ok, err := n.Cluster()
	if err != nil {
		return JoinResponse{}, err
	}
	if !ok {
		return refuse(http.StatusServiceUnavailable, "not-ready", "the cluster has not recorded its region yet; retry in a moment")
	}
	if req.Region != info.Region {
		return refuse(http.StatusConflict, "region-mismatch",
			"this cluster belongs to region %q and the node asked to join with --region %q; a cluster holds one region only: start the node with --region %s, or join it to the cluster of region %s",
			info.Region, req.Region, info.Region, req.Region)
	}
	if names.NodeName(req.Node) != nil {
		return refuse(http.StatusBadRequest, "invalid-node", "node name %q is not a DNS label", req.Node)
	}
	if _, _, err := net.SplitHostPort(req.RaftAddr); err != nil {
		return refuse(http.StatusBadRequest, "invalid-address", "raft address %q is not host:port", req.RaftAddr)
	}
	if s, ok, err := n.server(req.Node); err != nil {
		return JoinResponse{}, err
	} else if ok && string(s.Address) != req.RaftAddr {
		return refuse(http.StatusConflict, "name-taken", "a member named %s already exists at %s; remove it first (sovereign cluster remove %s) or choose another --node-name", req.Node, s.Address, req.Node)
	}
	caCert, caKey, err := n.clusterCA()
	if err != nil {
		return JoinResponse{}, err
	}
	cert, err := issueNodeCert(caCert, caKey, []byte(req.CSR), req.Node, namesFor(append([]string{req.RaftAddr}, req.Names...)...))
	if err != nil {
		return refuse(http.StatusBadRequest, "invalid-csr", "%v", err)
	}
	serial, err := certSerial(cert)
	if err != nil {
		return JoinResponse{}, err
	}
	if res, err := n.Apply(ctx, memberCertCommand(req.Node, serial)); err != nil {
		return JoinResponse{}, err
	} else if res.Err != nil {
		return JoinResponse{}, res.Err
	}
	if err := n.AddNonvoter(ctx, req.Node, req.RaftAddr); err != nil {
		return JoinResponse{}, err
	}
	n.logger.Info("admitted a node as non-voter", "node", req.Node, "raft", req.RaftAddr, "token", id)
	return JoinResponse{Certificate: string(cert), CA: string(caCert), Region: info.Region}, nil
}

// requestJoin runs the joining side against the member at baseURL and
// returns the node's certificate and the cluster's CA. keyPEM is the
// node's private key, csrPEM its certificate request.
func requestJoin(ctx context.Context, baseURL, token string, req JoinRequest) (JoinResponse, error) {
	tok, err := ParseToken(token)
	if err != nil {
		return JoinResponse{}, err
	}
	baseURL = strings.TrimRight(baseURL, "/")
	if !strings.HasPrefix(baseURL, "https://") {
		return JoinResponse{}, fmt.Errorf("--join %s: use the https:// address of a member (its --https listener)", baseURL)
	}

	// 1. The CA, fetched without trust and checked against the token.
	blind := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}}
	caPEM, err := get(ctx, blind, baseURL+JoinCAPath)
	if err != nil {
		return JoinResponse{}, fmt.Errorf("fetch the cluster CA from %s: %w", baseURL, err)
	}
	got, err := caHash(caPEM)
	if err != nil {
		return JoinResponse{}, fmt.Errorf("the CA at %s: %w", baseURL, err)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(tok.CAHash)) != 1 {
		return JoinResponse{}, fmt.Errorf("the cluster at %s shows a CA with hash %s, but the token expects %s: the token belongs to another cluster, or something stands between; nothing was sent", baseURL, got, tok.CAHash)
	}

	// 2. Everything else over a connection verified against that CA.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	trusted := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Any certificate the cluster CA signed is a member's, whatever
			// name the URL uses; the chain is what is checked.
			InsecureSkipVerify:    true,
			VerifyPeerCertificate: verifyChain(pool),
		},
	}}
	req.Token = tok.ID + "." + tok.Secret
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+JoinPath, bytes.NewReader(body))
	if err != nil {
		return JoinResponse{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := trusted.Do(hreq)
	if err != nil {
		return JoinResponse{}, fmt.Errorf("join %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return JoinResponse{}, err
	}
	if resp.StatusCode != http.StatusOK {
		je := &JoinError{Status: resp.StatusCode}
		if json.Unmarshal(data, je) != nil || je.Detail == "" {
			je.Code, je.Detail = "refused", fmt.Sprintf("join %s: %s: %s", baseURL, resp.Status, bytes.TrimSpace(data))
		}
		return JoinResponse{}, je
	}
	var out JoinResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return JoinResponse{}, fmt.Errorf("join %s: %w", baseURL, err)
	}
	if string(caPEM) != out.CA {
		return JoinResponse{}, errors.New("the member answered with a CA other than the one it showed")
	}
	return out, nil
}

func verifyChain(pool *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("no certificate")
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, r := range raw[1:] {
			if c, err := x509.ParseCertificate(r); err == nil {
				inter.AddCert(c)
			}
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return err
	}
}

func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<10))
}
