package raftnode

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// Certificates of removed nodes. Every member records the serial number of
// its certificate in the replicated store; removing a member revokes that
// serial, and every node's TLS handshakes, both ways, refuse a revoked
// certificate. A removed node thus cannot reach the cluster again with the
// certificate it had; joining again gives it a new one.

func serialHex(c *x509.Certificate) string { return fmt.Sprintf("%x", c.SerialNumber) }

// certSerial returns the serial of the PEM certificate.
func certSerial(certPEM []byte) (string, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return "", errors.New("not a PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	return serialHex(c), nil
}

// memberCertCommand records that node's certificate has serial.
func memberCertCommand(node, serial string) storage.Command {
	return storage.Put(storage.BucketMemberCerts, []byte(node), []byte(serial))
}

// checkPeer refuses a peer whose certificate was revoked.
func (n *Node) checkPeer(cert *x509.Certificate) error {
	if n.fsm == nil {
		return nil
	}
	if _, revoked, _ := n.fsm.Get(storage.BucketRevokedCerts, []byte(serialHex(cert))); revoked {
		return fmt.Errorf("certificate %s of %s was revoked: the node was removed from the cluster", serialHex(cert), cert.Subject.CommonName)
	}
	return nil
}

// revokeMember revokes the certificate recorded for node, if any.
func (n *Node) revokeMember(ctx context.Context, node string) error {
	rec, ok, err := n.fsm.Get(storage.BucketMemberCerts, []byte(node))
	if err != nil || !ok {
		return err
	}
	res, err := n.Apply(ctx, storage.Batch(
		storage.Put(storage.BucketRevokedCerts, rec.Value, []byte(node)),
		storage.Delete(storage.BucketMemberCerts, []byte(node)),
	))
	if err == nil {
		err = res.Err
	}
	return err
}

// registerCert records this node's certificate serial once it is ready,
// for a node that did not join through HandleJoin (the first node, a
// restored one).
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
		rec, ok, err := n.fsm.Get(storage.BucketMemberCerts, []byte(n.cfg.NodeID))
		if err == nil && ok && string(rec.Value) == serial {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := n.Apply(ctx, memberCertCommand(n.cfg.NodeID, serial))
		cancel()
		if err == nil && res.Err == nil {
			return
		}
	}
}
