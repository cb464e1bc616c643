package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
	s.handle(fiber.MethodPost, raftnode.JoinPath, actionPublic, s.clusterJoin)
	s.handle(fiber.MethodGet, "/api/v1/cluster/status", ActionClusterRead, s.clusterStatus)
	s.handle(fiber.MethodGet, "/api/v1/cluster/tokens", ActionClusterRead, s.tokenList)
	s.handle(fiber.MethodPost, "/api/v1/cluster/tokens", ActionClusterWrite, s.tokenCreate)
	s.handle(fiber.MethodDelete, "/api/v1/cluster/tokens/:id", ActionClusterWrite, s.tokenRevoke)
	s.handle(fiber.MethodDelete, "/api/v1/cluster/members/:id", ActionClusterWrite, s.memberRemove)
	s.handle(fiber.MethodPost, "/api/v1/cluster/leadership", ActionClusterWrite, s.leadershipTransfer)
	s.handle(fiber.MethodGet, "/api/v1/cluster/snapshot", ActionClusterWrite, s.snapshotSave)
}

func (s *Server) clusterCA(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	return c.Send(s.opts.Node.CACert())
}

func (s *Server) clusterJoin(c *fiber.Ctx) error {
	if !c.Context().IsTLS() {
		return fiber.NewError(fiber.StatusBadRequest, "join over HTTPS only: the token's secret must not cross the network in clear; use the member's --https address")
	}
	var req raftnode.JoinRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	resp, err := s.opts.Node.HandleJoin(ctx, req)
	var je *raftnode.JoinError
	if errors.As(err, &je) {
		s.logger.Warn("refused a join", "node", req.Node, "region", req.Region, "reason", je.Code, "remote", c.IP())
		return c.Status(je.Status).JSON(je)
	}
	if err != nil {
		return unavailable(c, err)
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

func (s *Server) tokenCreate(c *fiber.Ctx) error {
	var req tokenRequest
	if len(c.Body()) > 0 {
		if err := decodeBody(c, &req); err != nil {
			return err
		}
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl < 0 {
			return badField("ttl", "a duration such as 24h or 30m, or empty for no expiry")
		}
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
