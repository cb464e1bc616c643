package raftnode

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The certificates the cluster CA signs, and which of them speak for the
// cluster. Every certificate a member signs is recorded under its serial
// (BucketIssuedCerts: whom for, its fingerprint, when, how), never
// deleted; a member's current certificate is recorded under its name
// (BucketMemberCerts). A certificate recorded for a name replaces, in the
// same batch, every earlier one of that name, which is revoked.
//
// Every handshake on the Raft port, both ways, refuses a revoked serial and
// any certificate that is not a node's (checkPeer); the mux closes the
// connections already open with one once it is revoked (mux.go). A peer
// call that writes is accepted only from a current member's certificate
// (currentMember): the serial recorded for a node that is in the Raft
// configuration, with the fingerprint recorded for it, and not revoked.
// Removing a member revokes every certificate of its name in one batch
// (revokeNodeOps) before the configuration changes; a serial can also be
// revoked on its own (RevokeCertCommand).

// IssuedCert is the record of one certificate the cluster CA signed.
type IssuedCert struct {
	Serial string `json:"serial"`
	// Name is whom it was issued to, a node's name.
	Name string `json:"name"`
	// Kind is "node", a node's certificate, the only kind recorded so far.
	Kind string `json:"kind"`
	// Fingerprint is the hex SHA-256 of the certificate's DER form.
	Fingerprint string    `json:"fingerprint"`
	Issued      time.Time `json:"issued"`
	// Via says how: "join token <id>", or "start" (the first node's, or a
	// restored one's, own certificate).
	Via      string `json:"via"`
	RaftAddr string `json:"raftAddr,omitempty"`
	// Revoked is filled in by Certificates, not stored.
	Revoked bool `json:"revoked,omitempty"`
}

// certKindNode is the kind of a node's certificate.
const certKindNode = "node"

func serialHex(c *x509.Certificate) string { return fmt.Sprintf("%x", c.SerialNumber) }

// issuedRecord describes a certificate the CA just signed.
func issuedRecord(c *x509.Certificate, kind, via, raftAddr string) IssuedCert {
	return IssuedCert{Serial: serialHex(c), Name: c.Subject.CommonName, Kind: kind, Fingerprint: fingerprint(c.Raw),
		Issued: time.Now().UTC().Truncate(time.Second), Via: via, RaftAddr: raftAddr}
}

// recordCertOps records an issued certificate; for a node's, it becomes
// the member's current one and every earlier certificate of that name is
// revoked, all in the one batch these commands go into.
func (n *Node) recordCertOps(rec IssuedCert) ([]storage.Command, error) {
	data, _ := json.Marshal(rec)
	ops := []storage.Command{storage.Create(storage.BucketIssuedCerts, []byte(rec.Serial), data)}
	if rec.Kind != certKindNode {
		return ops, nil
	}
	earlier, err := n.revokeNodeOps(rec.Name)
	if err != nil {
		return nil, err
	}
	ops = append(ops, earlier...)
	return append(ops, storage.Put(storage.BucketMemberCerts, []byte(rec.Name), []byte(rec.Serial))), nil
}

// revokeNodeOps revokes every certificate of node that is not revoked yet
// and drops its member record; none when there is nothing to revoke.
func (n *Node) revokeNodeOps(node string) ([]storage.Command, error) {
	var serials []string
	err := n.fsm.Scan(storage.BucketIssuedCerts, nil, func(key []byte, r storage.Record) bool {
		var c IssuedCert
		if json.Unmarshal(r.Value, &c) == nil && c.Kind == certKindNode && c.Name == node {
			serials = append(serials, string(key))
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	member, hasMember, err := n.fsm.Get(storage.BucketMemberCerts, []byte(node))
	if err != nil {
		return nil, err
	}
	if hasMember && !slices.Contains(serials, string(member.Value)) {
		serials = append(serials, string(member.Value)) // recorded before every certificate was
	}
	var ops []storage.Command
	for _, s := range serials {
		if _, revoked, err := n.fsm.Get(storage.BucketRevokedCerts, []byte(s)); err != nil {
			return nil, err
		} else if !revoked {
			ops = append(ops, storage.Put(storage.BucketRevokedCerts, []byte(s), []byte(node)))
		}
	}
	if len(ops) > 0 || hasMember {
		ops = append(ops, storage.Delete(storage.BucketMemberCerts, []byte(node)))
	}
	return ops, nil
}

// revokeMember revokes every certificate of node, in one batch.
func (n *Node) revokeMember(ctx context.Context, node string) error {
	ops, err := n.revokeNodeOps(node)
	if err != nil || len(ops) == 0 {
		return err
	}
	res, err := n.Apply(ctx, storage.Batch(ops...))
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("revoke the certificates of %s: %w", node, err)
	}
	n.net.cutRevoked()
	return nil
}

// Errors of revoking a certificate on its own.
var (
	ErrSerialFormat = errors.New("a certificate serial is hexadecimal, as `openssl x509 -serial` or `sovereign cluster certs` show it")
	ErrMemberCert   = errors.New("the certificate is a current member's")
)

// normalSerial is a serial as this package writes it: lower-case hex,
// no leading zeros, no colons.
func normalSerial(s string) (string, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	s = strings.TrimPrefix(s, "serial=")
	if s == "" || len(s) > 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return "", ErrSerialFormat
	}
	if s = strings.TrimLeft(s, "0"); s == "" {
		s = "0"
	}
	return s, nil
}

// RevokeCertCommand returns the command that revokes one certificate by
// its serial, reading the local state, and the serial as recorded. It
// returns no command (empty Op) when the serial is revoked already. A
// current member's certificate is refused (ErrMemberCert): removing the
// member revokes it and keeps the configuration whole.
func (n *Node) RevokeCertCommand(serial string) (storage.Command, string, error) {
	s, err := normalSerial(serial)
	if err != nil {
		return storage.Command{}, "", err
	}
	if _, revoked, err := n.fsm.Get(storage.BucketRevokedCerts, []byte(s)); err != nil || revoked {
		return storage.Command{}, s, err
	}
	holder := ""
	if rec, ok, err := n.fsm.Get(storage.BucketIssuedCerts, []byte(s)); err != nil {
		return storage.Command{}, s, err
	} else if ok {
		var c IssuedCert
		if json.Unmarshal(rec.Value, &c) == nil {
			holder = c.Name
		}
	}
	if err := n.memberSerial(s); err != nil {
		return storage.Command{}, s, err
	}
	return storage.Put(storage.BucketRevokedCerts, []byte(s), []byte(holder)), s, nil
}

// memberSerial refuses the serial of a current member's certificate.
func (n *Node) memberSerial(serial string) error {
	conf := n.raft.GetConfiguration()
	if err := conf.Error(); err != nil {
		return n.mapError(err)
	}
	for _, srv := range conf.Configuration().Servers {
		rec, ok, err := n.fsm.Get(storage.BucketMemberCerts, []byte(srv.ID))
		if err != nil {
			return err
		}
		if ok && string(rec.Value) == serial {
			return fmt.Errorf("%w: it is the certificate of member %s; remove the member instead (sovereign cluster remove %s), which revokes it", ErrMemberCert, srv.ID, srv.ID)
		}
	}
	return nil
}

// Certificates lists every certificate the cluster recorded, with whether
// it is revoked.
func (n *Node) Certificates() ([]IssuedCert, error) {
	out := []IssuedCert{}
	err := n.fsm.Scan(storage.BucketIssuedCerts, nil, func(_ []byte, r storage.Record) bool {
		var c IssuedCert
		if json.Unmarshal(r.Value, &c) == nil {
			_, c.Revoked, _ = n.fsm.Get(storage.BucketRevokedCerts, []byte(c.Serial))
			out = append(out, c)
		}
		return true
	})
	return out, err
}

// checkPeer is the check of every handshake on the Raft port, both ways:
// the certificate is a node's (it carries PeerName, as every certificate
// a member signs for a node does, and a client's does not), and it is
// not revoked.
func (n *Node) checkPeer(cert *x509.Certificate) error {
	if !slices.Contains(cert.DNSNames, PeerName) {
		return fmt.Errorf("certificate %s of %q is not a node's certificate", serialHex(cert), cert.Subject.CommonName)
	}
	if n.fsm == nil {
		return nil
	}
	if _, revoked, _ := n.fsm.Get(storage.BucketRevokedCerts, []byte(serialHex(cert))); revoked {
		return fmt.Errorf("certificate %s of %s was revoked", serialHex(cert), cert.Subject.CommonName)
	}
	return nil
}

// currentMember accepts a peer's certificate for a call that writes only
// if it is a current member's: not revoked, recorded as the current
// certificate of the name it carries, with the fingerprint recorded when
// it was issued, and that name in the Raft configuration.
func (n *Node) currentMember(cert *x509.Certificate) error {
	if err := n.checkPeer(cert); err != nil {
		return err
	}
	serial, name := serialHex(cert), cert.Subject.CommonName
	refuse := func(why string) error {
		return fmt.Errorf("certificate %s of %q is not a current member's: %s", serial, name, why)
	}
	rec, ok, err := n.fsm.Get(storage.BucketMemberCerts, []byte(name))
	if err != nil {
		return err
	}
	if !ok || string(rec.Value) != serial {
		return refuse("no member holds it")
	}
	if issued, ok, err := n.fsm.Get(storage.BucketIssuedCerts, []byte(serial)); err != nil {
		return err
	} else if ok {
		var c IssuedCert
		if json.Unmarshal(issued.Value, &c) != nil || c.Fingerprint != fingerprint(cert.Raw) || c.Name != name {
			return refuse("it is not the certificate recorded under its serial")
		}
	}
	if _, ok, err := n.server(name); err != nil {
		return err
	} else if !ok {
		return refuse("its node is not in the cluster's configuration")
	}
	return nil
}

// registerCert records this node's certificate once it is ready, for a
// node that did not join through HandleJoin (the first node, a restored
// one) or whose certificate was recorded before every certificate was.
func (n *Node) registerCert() {
	defer n.wg.Done()
	leaf, err := x509.ParseCertificate(n.cfg.PKI.Cert.Certificate[0])
	if err != nil {
		return
	}
	serial := serialHex(leaf)
	for {
		select {
		case <-n.stop:
			return
		case <-time.After(200 * time.Millisecond):
		}
		if ready, _ := n.Ready(); !ready {
			continue
		}
		member, ok, err := n.fsm.Get(storage.BucketMemberCerts, []byte(n.cfg.NodeID))
		if err != nil {
			continue
		}
		_, issued, err := n.fsm.Get(storage.BucketIssuedCerts, []byte(serial))
		if err != nil {
			continue
		}
		var ops []storage.Command
		switch {
		case ok && string(member.Value) == serial && issued:
			return
		case issued: // only the member record is missing
			ops = []storage.Command{storage.Put(storage.BucketMemberCerts, []byte(n.cfg.NodeID), []byte(serial))}
		default:
			if ops, err = n.recordCertOps(issuedRecord(leaf, certKindNode, "start", n.Addr())); err != nil {
				continue
			}
			if ok && string(member.Value) == serial { // recorded before every certificate was: keep it current
				ops = ops[:1]
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := n.Apply(ctx, storage.Batch(ops...))
		cancel()
		if err == nil && res.Err == nil {
			return
		}
	}
}

// CheckClientCert refuses a certificate whose serial was revoked, for the
// node's endpoints other than the Raft port (the etcd endpoint): a client
// certificate is never recorded, but `sovereign cluster revoke-cert`
// revokes any serial.
func (n *Node) CheckClientCert(cert *x509.Certificate) error {
	if _, revoked, err := n.fsm.Get(storage.BucketRevokedCerts, []byte(serialHex(cert))); err != nil {
		return err
	} else if revoked {
		return fmt.Errorf("certificate %s of %q was revoked", serialHex(cert), cert.Subject.CommonName)
	}
	return nil
}
