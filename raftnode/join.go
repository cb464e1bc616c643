package raftnode

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/openova-io/sovereign/internal/names"
	"github.com/openova-io/sovereign/storage"
)

// Joining a cluster, seen from both sides.
//
//  1. The new node fetches the CA from a member's HTTPS endpoint without
//     trusting it, and checks that it is exactly one certificate whose hash
//     the token carries. That certificate alone is its trust pool.
//  2. Over a connection verified against it, it sends a nonce and the
//     token's id; the member answers with an HMAC, keyed by the token, of
//     the nonce, the CA hash and the certificate the member shows. The new
//     node checks it in constant time: whoever answers knows the token and
//     is the one the connection reached, not a relay.
//  3. Only then, to that same certificate, it sends the token's secret,
//     its region, name, Raft address and a certificate request. The member
//     checks all of it, refuses a name or address that is already a member,
//     records and audits the certificate it signs, and adds the node as a
//     non-voter; the node asks for a vote once it has caught up.
//  4. The new node keeps the CA only if the answer carries the very bytes
//     it checked in step 1.

// Paths of the join endpoints on a node's HTTPS listener.
const (
	JoinCAPath        = "/api/v1/cluster/ca"
	JoinChallengePath = "/api/v1/cluster/join/challenge"
	JoinPath          = "/api/v1/cluster/join"
)

// JoinChallenge is the new node's first call: a fresh nonce (64 hex
// digits) and the id of its token, nothing secret.
type JoinChallenge struct {
	TokenID string `json:"tokenId"`
	Nonce   string `json:"nonce"`
}

// JoinChallengeAnswer is the member's proof that it knows the token.
type JoinChallengeAnswer struct {
	Proof string `json:"proof"`
}

// JoinRequest is what a joining node sends once the member has proven
// that it knows the token.
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

func refusal(status int, code, format string, args ...any) *JoinError {
	return &JoinError{Status: status, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// joinProof is the HMAC that proves knowledge of a token: keyed by the
// SHA-256 of its secret (what the cluster stores), over the joiner's
// nonce, the CA hash and the fingerprint of the certificate the member
// shows on the connection.
func joinProof(secretHash []byte, nonce, caHash, memberFingerprint string) []byte {
	mac := hmac.New(sha256.New, secretHash)
	fmt.Fprintf(mac, "sovereign join v1\n%s\n%s\n%s\n", nonce, caHash, memberFingerprint)
	return mac.Sum(nil)
}

// AnswerJoinChallenge proves to a joining node that this member knows its
// token, bound to this member's certificate (the one its HTTPS listener
// shows). An unknown, revoked or expired token is refused.
func (n *Node) AnswerJoinChallenge(ctx context.Context, ch JoinChallenge) (JoinChallengeAnswer, error) {
	if len(ch.Nonce) != 64 || strings.Trim(ch.Nonce, "0123456789abcdef") != "" {
		return JoinChallengeAnswer{}, refusal(http.StatusBadRequest, "invalid-nonce", "the nonce is 64 lower-case hex digits")
	}
	if n.cfg.PKI == nil || len(n.cfg.PKI.Cert.Certificate) == 0 {
		return JoinChallengeAnswer{}, refusal(http.StatusServiceUnavailable, "not-ready", "this member has no TLS identity; join through another member")
	}
	if err := n.ReadBarrier(ctx); err != nil {
		return JoinChallengeAnswer{}, err
	}
	t, err := n.liveToken(ch.TokenID, time.Now())
	if err != nil {
		return JoinChallengeAnswer{}, tokenRefusal(err)
	}
	info, ok, err := n.Cluster()
	if err != nil {
		return JoinChallengeAnswer{}, err
	}
	if !ok {
		return JoinChallengeAnswer{}, refusal(http.StatusServiceUnavailable, "not-ready", "the cluster has not recorded its CA yet; retry in a moment")
	}
	key, err := hex.DecodeString(t.SecretHash)
	if err != nil {
		return JoinChallengeAnswer{}, fmt.Errorf("join token %s: %w", t.ID, err)
	}
	proof := joinProof(key, ch.Nonce, info.CAHash, fingerprint(n.cfg.PKI.Cert.Certificate[0]))
	return JoinChallengeAnswer{Proof: hex.EncodeToString(proof)}, nil
}

func tokenRefusal(err error) error {
	switch {
	case errors.Is(err, ErrTokenExpired):
		return refusal(http.StatusUnauthorized, "token-expired", "%v", err)
	case errors.Is(err, ErrTokenInvalid):
		return refusal(http.StatusUnauthorized, "invalid-token", "%v", err)
	}
	return err
}

// Recorder proposes, as one batch with its caller's audit entry of the
// certificate issued, the commands build returns. It runs build after a
// read barrier, and again when a record build read changed before the
// batch applied. HandleJoin's own, when given none, applies the batch alone.
type Recorder func(ctx context.Context, cert IssuedCert, build func() ([]storage.Command, error)) error

// HandleJoin admits a node into the cluster, or says why not. record
// proposes the certificate's records with the caller's audit entry; nil
// applies them without one.
func (n *Node) HandleJoin(ctx context.Context, req JoinRequest, record Recorder) (JoinResponse, error) {
	id, secret, ok := strings.Cut(req.Token, ".")
	if !ok || id == "" || secret == "" {
		return JoinResponse{}, refusal(http.StatusUnauthorized, "invalid-token", "%v", ErrTokenFormat)
	}
	if err := n.ReadBarrier(ctx); err != nil {
		return JoinResponse{}, err
	}
	if err := n.checkToken(id, secret, time.Now()); err != nil {
		return JoinResponse{}, tokenRefusal(err)
	}
	info, ok, err := n.Cluster()
	if err != nil {
		return JoinResponse{}, err
	}
	if !ok {
		return JoinResponse{}, refusal(http.StatusServiceUnavailable, "not-ready", "the cluster has not recorded its region yet; retry in a moment")
	}
	if req.Region != info.Region {
		return JoinResponse{}, refusal(http.StatusConflict, "region-mismatch",
			"this cluster belongs to region %q and the node asked to join with --region %q; a cluster holds one region only: start the node with --region %s, or join it to the cluster of region %s",
			info.Region, req.Region, info.Region, req.Region)
	}
	if names.NodeName(req.Node) != nil {
		return JoinResponse{}, refusal(http.StatusBadRequest, "invalid-node", "node name %q is not a DNS label", req.Node)
	}
	if _, _, err := net.SplitHostPort(req.RaftAddr); err != nil {
		return JoinResponse{}, refusal(http.StatusBadRequest, "invalid-address", "raft address %q is not host:port", req.RaftAddr)
	}
	if err := n.notAMember(req.Node, req.RaftAddr); err != nil {
		return JoinResponse{}, err
	}
	caCert, caKey, err := n.clusterCA()
	if err != nil {
		return JoinResponse{}, err
	}
	certPEM, err := issueNodeCert(caCert, caKey, []byte(req.CSR), req.Node, namesFor(append([]string{req.RaftAddr}, req.Names...)...))
	if err != nil {
		return JoinResponse{}, refusal(http.StatusBadRequest, "invalid-csr", "%v", err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return JoinResponse{}, err
	}
	issued := issuedRecord(cert, certKindNode, "join token "+id, req.RaftAddr)
	build := func() ([]storage.Command, error) {
		// Checked again against the state the batch applies to: a node of
		// that name or address admitted in between refuses this one.
		if err := n.notAMember(req.Node, req.RaftAddr); err != nil {
			return nil, err
		}
		return n.recordCertOps(issued)
	}
	if record == nil {
		record = n.recordAlone
	}
	if err := record(ctx, issued, build); err != nil {
		return JoinResponse{}, err
	}
	if err := n.AddNonvoter(ctx, req.Node, req.RaftAddr); err != nil {
		return JoinResponse{}, err
	}
	n.logger.Info("admitted a node as non-voter", "node", req.Node, "raft", req.RaftAddr, "token", id, "serial", issued.Serial)
	return JoinResponse{Certificate: string(certPEM), CA: string(caCert), Region: info.Region}, nil
}

// recordAlone is the Recorder of a caller without an audit trail.
func (n *Node) recordAlone(ctx context.Context, _ IssuedCert, build func() ([]storage.Command, error)) error {
	for attempt := 0; attempt < 5; attempt++ {
		if err := n.ReadBarrier(ctx); err != nil {
			return err
		}
		ops, err := build()
		if err != nil {
			return err
		}
		res, err := n.Apply(ctx, storage.Batch(ops...))
		if err != nil {
			return err
		}
		if !errors.Is(res.Err, storage.ErrVersionConflict) {
			return res.Err
		}
	}
	return refusal(http.StatusConflict, "conflict", "the cluster's records changed while the node was admitted; retry")
}

// notAMember refuses a join under the name or the Raft address of a node
// that is already in the cluster's configuration: a join never issues a
// certificate a member could be impersonated with.
func (n *Node) notAMember(name, raftAddr string) error {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return n.mapError(err)
	}
	for _, s := range f.Configuration().Servers {
		switch {
		case string(s.ID) == name:
			return refusal(http.StatusConflict, "name-taken", "a member named %s already exists (at %s); a join never issues a certificate for a member: remove it first (sovereign cluster remove %s), or choose another --node-name", name, s.Address, name)
		case string(s.Address) == raftAddr:
			return refusal(http.StatusConflict, "address-taken", "member %s already has the Raft address %s; remove it first (sovereign cluster remove %s), or give this node another --raft or --advertise address", s.ID, raftAddr, s.ID)
		}
	}
	return nil
}

// joined is what requestJoin brings back: the member's answer and the CA
// exactly as it was checked against the token.
type joined struct {
	JoinResponse
	caPEM []byte
}

// requestJoin runs the joining side against the member at baseURL.
func requestJoin(ctx context.Context, baseURL, token string, req JoinRequest) (joined, error) {
	tok, err := parseToken(token)
	if err != nil {
		return joined{}, err
	}
	baseURL = strings.TrimRight(baseURL, "/")
	if !strings.HasPrefix(baseURL, "https://") {
		return joined{}, fmt.Errorf("--join %s: use the https:// address of a member (its --https listener)", baseURL)
	}

	// 1. The CA, fetched without trust and checked against the token: one
	// certificate, that hash, and it alone is trusted from here on.
	blind := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}}
	caPEM, err := get(ctx, blind, baseURL+JoinCAPath)
	if err != nil {
		return joined{}, fmt.Errorf("fetch the cluster CA from %s: %w", baseURL, err)
	}
	got, err := caHash(caPEM)
	if err != nil {
		return joined{}, fmt.Errorf("the CA at %s: %w; nothing was sent", baseURL, err)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(tok.CAHash)) != 1 {
		return joined{}, fmt.Errorf("the cluster at %s shows a CA with hash %s, but the token expects %s: the token belongs to another cluster, or something stands between; nothing was sent", baseURL, got, tok.CAHash)
	}
	pool, err := caPool(caPEM)
	if err != nil {
		return joined{}, err
	}

	// 2. The member proves it knows the token, on a connection verified
	// against the CA; the proof binds the certificate it showed.
	nonce, err := randomHex(32)
	if err != nil {
		return joined{}, err
	}
	var member *x509.Certificate
	var answer JoinChallengeAnswer
	status, data, err := postJSON(ctx, memberClient(pool, nil, &member), baseURL+JoinChallengePath, JoinChallenge{TokenID: tok.ID, Nonce: nonce})
	if err != nil {
		return joined{}, fmt.Errorf("join %s: %w", baseURL, err)
	}
	if status != http.StatusOK {
		return joined{}, answerError(baseURL, status, data)
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return joined{}, fmt.Errorf("join %s: %w", baseURL, err)
	}
	secretHash := sha256.Sum256([]byte(tok.Secret))
	want := joinProof(secretHash[:], nonce, tok.CAHash, fingerprint(member.Raw))
	proof, _ := hex.DecodeString(answer.Proof)
	if !hmac.Equal(proof, want) {
		return joined{}, fmt.Errorf("the member at %s could not prove that it knows the join token: the token is not valid (its secret is wrong), or something stands between; the secret was not sent", baseURL)
	}

	// 3. The secret and the request, to that same certificate only.
	req.Token = tok.ID + "." + tok.Secret
	status, data, err = postJSON(ctx, memberClient(pool, member, nil), baseURL+JoinPath, req)
	if err != nil {
		return joined{}, fmt.Errorf("join %s: %w", baseURL, err)
	}
	if status != http.StatusOK {
		return joined{}, answerError(baseURL, status, data)
	}
	var out JoinResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return joined{}, fmt.Errorf("join %s: %w", baseURL, err)
	}

	// 4. The CA of the answer is the one checked, byte for byte, and the
	// certificate is the CA's.
	if !bytes.Equal([]byte(out.CA), caPEM) {
		return joined{}, fmt.Errorf("join %s: the member answered with a CA other than the one the token names; nothing was saved", baseURL)
	}
	cert, err := parseCert([]byte(out.Certificate))
	if err != nil {
		return joined{}, fmt.Errorf("join %s: the certificate in the answer: %w", baseURL, err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return joined{}, fmt.Errorf("join %s: the certificate in the answer is not the cluster CA's: %w", baseURL, err)
	}
	return joined{JoinResponse: out, caPEM: caPEM}, nil
}

// memberClient is an HTTPS client that accepts only a certificate the CA
// in pool signed directly, for server authentication; and, when pinned is
// set, only that certificate. seen, when set, receives the certificate.
func memberClient(pool *x509.CertPool, pinned *x509.Certificate, seen **x509.Certificate) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Any certificate the cluster CA signed for a node is a
			// member's, whatever name the URL uses; the chain is what is
			// checked, here.
			InsecureSkipVerify: true,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("the member showed no certificate")
				}
				leaf, err := x509.ParseCertificate(raw[0])
				if err != nil {
					return err
				}
				if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
					return fmt.Errorf("the member's certificate is not the cluster CA's: %w", err)
				}
				if pinned != nil && !bytes.Equal(leaf.Raw, pinned.Raw) {
					return errors.New("the member showed another certificate than the one that proved it knows the token")
				}
				if seen != nil {
					*seen = leaf
				}
				return nil
			},
		},
	}}
}

func postJSON(ctx context.Context, c *http.Client, url string, body any) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

// answerError is a member's refusal as a JoinError.
func answerError(baseURL string, status int, data []byte) error {
	je := &JoinError{Status: status}
	if json.Unmarshal(data, je) != nil || je.Detail == "" {
		je.Code, je.Detail = "refused", fmt.Sprintf("join %s: %d: %s", baseURL, status, bytes.TrimSpace(data))
	}
	return je
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
