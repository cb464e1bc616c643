package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// clusterRoutes registers the cluster's endpoints: the CA and the join a
// new node calls (public: the join token is the credential), and the
// tokens, membership and snapshots an administrator manages.
func (s *Server) clusterRoutes() {
	s.handle(fiber.MethodGet, raftnode.JoinCAPath, actionPublic, s.clusterCA)
	s.handle(fiber.MethodPost, raftnode.JoinChallengePath, actionPublic, s.clusterJoinChallenge)
	s.handle(fiber.MethodPost, raftnode.JoinPath, actionPublic, s.clusterJoin)
	s.handle(fiber.MethodGet, "/api/v1/cluster/status", ActionClusterRead, s.clusterStatus)
	s.handle(fiber.MethodGet, "/api/v1/cluster/tokens", ActionClusterRead, s.tokenList)
	s.handle(fiber.MethodPost, "/api/v1/cluster/tokens", ActionClusterWrite, s.tokenCreate)
	s.handle(fiber.MethodDelete, "/api/v1/cluster/tokens/:id", ActionClusterWrite, s.tokenRevoke)
	s.handle(fiber.MethodDelete, "/api/v1/cluster/members/:id", ActionClusterWrite, s.memberRemove)
	s.handle(fiber.MethodGet, "/api/v1/cluster/certificates", ActionClusterRead, s.certList)
	s.handle(fiber.MethodDelete, "/api/v1/cluster/certificates/:serial", ActionClusterWrite, s.certRevoke)
	s.handle(fiber.MethodPost, "/api/v1/cluster/leadership", ActionClusterWrite, s.leadershipTransfer)
	s.handle(fiber.MethodGet, "/api/v1/cluster/snapshot", ActionClusterWrite, s.snapshotSave)
}

func (s *Server) clusterCA(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	return c.Send(s.opts.Node.CACert())
}

// joinOverTLS refuses a join call that did not come over HTTPS.
func joinOverTLS(c *fiber.Ctx) error {
	if !c.Context().IsTLS() {
		return fiber.NewError(fiber.StatusBadRequest, "join over HTTPS only: the token's secret must not cross the network in clear; use the member's --https address")
	}
	return nil
}

// joinRefused answers a refused join call, or passes any other error on.
func (s *Server) joinRefused(c *fiber.Ctx, err error, node, region string) error {
	var je *raftnode.JoinError
	if errors.As(err, &je) {
		s.logger.Warn("refused a join", "node", node, "region", region, "reason", je.Code, "remote", c.IP())
		return c.Status(je.Status).JSON(je)
	}
	return unavailable(c, err)
}

// clusterJoinChallenge is a joining node's first call: this member proves
// that it knows the node's token before the node sends its secret.
func (s *Server) clusterJoinChallenge(c *fiber.Ctx) error {
	if err := joinOverTLS(c); err != nil {
		return err
	}
	var ch raftnode.JoinChallenge
	if err := decodeBody(c, &ch); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	answer, err := s.opts.Node.AnswerJoinChallenge(ctx, ch)
	if err != nil {
		return s.joinRefused(c, err, "", "")
	}
	return c.JSON(answer)
}

// clusterJoin admits a node; the certificate it is issued is recorded and
// audited in one batch, through the console's own commit.
func (s *Server) clusterJoin(c *fiber.Ctx) error {
	if err := joinOverTLS(c); err != nil {
		return err
	}
	var req raftnode.JoinRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	tokenID, _, _ := strings.Cut(req.Token, ".")
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	record := func(ctx context.Context, cert raftnode.IssuedCert, build func() ([]storage.Command, error)) error {
		return s.console.commitCtx(ctx, c, "join token "+tokenID, func() (change, error) {
			ops, err := build()
			if err != nil {
				return change{}, err
			}
			return change{ops: ops, action: "cluster.member.join", target: "node/" + cert.Name + "/cert/" + cert.Serial}, nil
		})
	}
	resp, err := s.opts.Node.HandleJoin(ctx, req, record)
	if err != nil {
		return s.joinRefused(c, err, req.Node, req.Region)
	}
	return c.JSON(resp)
}

type clusterStatus struct {
	Region  string                `json:"region"`
	Leader  string                `json:"leader"`
	Members []raftnode.PeerStatus `json:"members"`
}

func (s *Server) clusterStatus(c *fiber.Ctx) error {
	info, _, err := s.opts.Node.Cluster()
	if err != nil {
		return err
	}
	members, err := s.opts.Node.Members(c.UserContext())
	if err != nil {
		return unavailable(c, err)
	}
	out := clusterStatus{Region: info.Region, Members: members}
	for _, m := range members {
		if m.Leader {
			out.Leader = m.ID
		}
	}
	return c.JSON(out)
}

func (s *Server) tokenList(c *fiber.Ctx) error {
	if !wantsStale(c) {
		if err := s.console.hardReadBarrier(c); err != nil {
			return err
		}
	}
	tokens, err := s.opts.Node.Tokens()
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": tokens})
}

type tokenRequest struct {
	TTL         string `json:"ttl"`
	Description string `json:"description"`
}

// tokenCreate makes a join token. It lives raftnode.DefaultTokenTTL
// unless the request says otherwise, and never longer than
// raftnode.MaxTokenTTL.
func (s *Server) tokenCreate(c *fiber.Ctx) error {
	var req tokenRequest
	if len(c.Body()) > 0 {
		if err := decodeBody(c, &req); err != nil {
			return err
		}
	}
	ttl := raftnode.DefaultTokenTTL
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl <= 0 {
			return badField("ttl", "a duration such as 24h or 30m, at most 168h (7 days); leave it out for 24h")
		}
	}
	if ttl > raftnode.MaxTokenTTL {
		return badField("ttl", "a join token lives at most 168h (7 days); ask for less, and create a new token when it expires")
	}
	if len(req.Description) > 200 {
		return badField("description", "at most 200 characters")
	}
	var token string
	var t raftnode.Token
	err := s.console.commit(c, sessionOf(c).Email, func() (change, error) {
		var cmd storage.Command
		var err error
		token, t, cmd, err = s.opts.Node.NewToken(ttl, req.Description)
		if err != nil {
			return change{}, err
		}
		return change{ops: []storage.Command{cmd}, action: "cluster.token.create", target: "token/" + t.ID}, nil
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": token, "id": t.ID, "created": t.Created, "expires": t.Expires, "description": t.Description})
}

func (s *Server) tokenRevoke(c *fiber.Ctx) error {
	id := c.Params("id")
	err := s.console.commit(c, sessionOf(c).Email, func() (change, error) {
		cmd, err := s.opts.Node.RevokeTokenCommand(id)
		if errors.Is(err, raftnode.ErrNoToken) {
			return change{}, fiber.NewError(fiber.StatusNotFound, err.Error())
		}
		if err != nil {
			return change{}, err
		}
		return change{ops: []storage.Command{cmd}, action: "cluster.token.revoke", target: "token/" + id}, nil
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) certList(c *fiber.Ctx) error {
	if !wantsStale(c) {
		if err := s.console.hardReadBarrier(c); err != nil {
			return err
		}
	}
	certs, err := s.opts.Node.Certificates()
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"certificates": certs})
}

// certRevoke revokes one certificate by its serial: every node's
// handshakes refuse it from then on and cut the connections open with it.
// A serial revoked already answers 204 and writes nothing.
func (s *Server) certRevoke(c *fiber.Ctx) error {
	serial := c.Params("serial")
	err := s.console.commit(c, sessionOf(c).Email, func() (change, error) {
		cmd, norm, err := s.opts.Node.RevokeCertCommand(serial)
		switch {
		case errors.Is(err, raftnode.ErrSerialFormat):
			return change{}, badField("serial", "%v", err)
		case errors.Is(err, raftnode.ErrMemberCert):
			return change{}, fiber.NewError(fiber.StatusConflict, err.Error())
		case err != nil:
			return change{}, err
		case cmd.Op == 0:
			return change{}, nil // revoked already
		}
		return change{ops: []storage.Command{cmd}, action: "cluster.cert.revoke", target: "cert/" + norm}, nil
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) memberRemove(c *fiber.Ctx) error {
	id := c.Params("id")
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	if err := s.opts.Node.Remove(ctx, id); err != nil {
		if errors.Is(err, raftnode.ErrUnknownNode) {
			return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("no member named %s; `sovereign cluster status` lists them", id))
		}
		return unavailable(c, err)
	}
	s.auditEvent(c, "cluster.member.remove", "node/"+id)
	return c.SendStatus(fiber.StatusNoContent)
}

type leadershipRequest struct {
	Node string `json:"node"`
}

func (s *Server) leadershipTransfer(c *fiber.Ctx) error {
	var req leadershipRequest
	if len(c.Body()) > 0 {
		if err := decodeBody(c, &req); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	if err := s.opts.Node.TransferLeadership(ctx, req.Node); err != nil {
		if errors.Is(err, raftnode.ErrUnknownNode) {
			return badField("node", "%v", err)
		}
		return unavailable(c, err)
	}
	s.auditEvent(c, "cluster.leadership.transfer", "node/"+req.Node)
	return c.JSON(fiber.Map{"leader": s.opts.Node.Status().LeaderID})
}

// snapshotSave streams a consistent snapshot file of this node's state,
// after a read barrier, so it holds every write acknowledged before the call.
func (s *Server) snapshotSave(c *fiber.Ctx) error {
	if err := s.console.hardReadBarrier(c); err != nil {
		return err
	}
	info, _, _ := s.opts.Node.Cluster()
	node := s.opts.Node.ID()
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="sovereign-`+info.Region+`.snapshot"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		h, err := s.opts.Store.WriteSnapshotFile(w, storage.SnapshotHeader{Created: time.Now().UTC(), Node: node, Region: info.Region})
		if err != nil {
			// The stream is cut short, so the client's checksum check fails.
			s.logger.Error("snapshot save", "error", err)
			return
		}
		if err := w.Flush(); err == nil {
			s.logger.Info("snapshot saved", "index", h.Index, "bytes", h.Size)
		}
	})
	return nil
}

// auditEvent records an action that changes the cluster but not the
// state (membership, leadership) in the audit trail.
func (s *Server) auditEvent(c *fiber.Ctx, action, target string) {
	rid, _ := c.Locals("requestid").(string)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := AuditEntry{Time: s.console.now(), Actor: sessionOf(c).Email, Action: action, Target: target, RequestID: rid}
	res, err := s.opts.Node.Apply(ctx, storage.AuditAppend(e))
	if err != nil || res.Err != nil {
		s.logger.Error("audit trail", "action", action, "target", target, "error", errors.Join(err, res.Err))
	}
}
