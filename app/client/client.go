package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Defaults of the connection settings.
const (
	DefaultServer = "http://127.0.0.1:8080"
	DefaultEmail  = "admin@sovereign.local"
)

// Options say where the node is and how to sign in.
type Options struct {
	// Server is the node's base URL.
	Server string
	// Token is a session token; when empty, Email and Password sign in.
	Token    string
	Email    string
	Password string
	// CA is a PEM file of the cluster CA to trust for HTTPS; empty uses
	// the system's roots.
	CA string
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
}

// Client calls one node's API.
type Client struct {
	base *url.URL
	http *http.Client
	opts Options

	mu    sync.Mutex
	token string
}

// BindFlags adds --server, --email, --password and --ca to fs.
func BindFlags(fs *pflag.FlagSet) {
	fs.String("server", "", "URL of a node's API (env SOVEREIGN_URL, default "+DefaultServer+")")
	fs.String("email", "", "sign in as this user (env SOVEREIGN_EMAIL, default "+DefaultEmail+"); SOVEREIGN_TOKEN skips signing in")
	fs.String("password", "", "password of --email (env SOVEREIGN_PASSWORD; prefer the environment, a flag shows in ps)")
	fs.String("ca", "", "PEM file of the cluster CA to trust for an https --server (env SOVEREIGN_CA)")
}

// FromFlags builds a client from the flags BindFlags added (on cmd or a
// parent) and the environment; a flag beats its variable.
func FromFlags(cmd *cobra.Command) (*Client, error) {
	get := func(flag, env, def string) string {
		if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
			return f.Value.String()
		}
		if v := os.Getenv(env); v != "" {
			return v
		}
		return def
	}
	return New(Options{
		Server:   get("server", "SOVEREIGN_URL", DefaultServer),
		Token:    os.Getenv("SOVEREIGN_TOKEN"),
		Email:    get("email", "SOVEREIGN_EMAIL", DefaultEmail),
		Password: get("password", "SOVEREIGN_PASSWORD", ""),
		CA:       get("ca", "SOVEREIGN_CA", ""),
	})
}

// Run returns a cobra RunE that builds the client from the flags and the
// environment (FromFlags) and hands it to fn.
func Run(fn func(cmd *cobra.Command, c *Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := FromFlags(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, c, args)
	}
}

// New returns a client for o.
func New(o Options) (*Client, error) {
	if o.Server == "" {
		o.Server = DefaultServer
	}
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	base, err := url.Parse(strings.TrimSuffix(o.Server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--server %q: not an http(s) URL; give the node's address, for example %s", o.Server, DefaultServer)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // an air-gapped node is reached directly, never through a proxy
	if o.CA != "" {
		pem, err := os.ReadFile(o.CA)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate in it; give the cluster CA (ca.crt in the node's data directory)", o.CA)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &Client{base: base, http: &http.Client{Transport: transport, Timeout: o.Timeout}, opts: o, token: o.Token}, nil
}

// Server is the base URL the client talks to.
func (c *Client) Server() string { return c.base.String() }

// Error is an answer of the API that is not a success.
type Error struct {
	Status int
	// Message is the API's "error"; Field names the field it is about.
	Message    string
	Field      string
	RetryAfter string
	Method     string
	Path       string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		if e.Path == "/api/v1/auth/login" {
			return fmt.Sprintf("sign-in refused: %s; check SOVEREIGN_EMAIL and SOVEREIGN_PASSWORD (or --email and --password)", msg)
		}
		return fmt.Sprintf("%s %s: not signed in (%s); set SOVEREIGN_TOKEN, or SOVEREIGN_PASSWORD (or --password) for %s", e.Method, e.Path, msg, DefaultEmail+" or --email")
	case http.StatusForbidden:
		return fmt.Sprintf("%s %s: refused: %s", e.Method, e.Path, msg)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if e.RetryAfter != "" {
			return fmt.Sprintf("%s %s: %s (retry in %s s)", e.Method, e.Path, msg, e.RetryAfter)
		}
	}
	return fmt.Sprintf("%s %s: %s", e.Method, e.Path, msg)
}

// Login exchanges the email and password for a session token.
func (c *Client) Login(ctx context.Context) error {
	if c.opts.Password == "" {
		return fmt.Errorf("no credentials for %s: set SOVEREIGN_TOKEN, or SOVEREIGN_PASSWORD (the first administrator's password is in <data-dir>/admin-password)", c.base)
	}
	var out struct {
		Token string `json:"token"`
	}
	body := map[string]string{"email": c.opts.Email, "password": c.opts.Password}
	if err := c.call(ctx, http.MethodPost, "/api/v1/auth/login", body, &out, false); err != nil {
		return err
	}
	c.mu.Lock()
	c.token = out.Token
	c.mu.Unlock()
	return nil
}

// Token returns the session token, signing in first if there is none.
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok := c.token
	c.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	if err := c.Login(ctx); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

// Do sends body (encoded as JSON unless nil) and decodes a JSON answer
// into out (unless nil). An answer that is not 2xx is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	return c.call(ctx, method, path, body, out, true)
}

func (c *Client) call(ctx context.Context, method, path string, body, out any, auth bool) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	resp, err := c.send(ctx, method, path, rd, "application/json", auth)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// Stream sends body as is and returns the answer for the caller to read
// and close (snapshots, large lists). An answer that is not 2xx is an
// *Error and no response is returned.
func (c *Client) Stream(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	return c.send(ctx, method, path, body, contentType, true)
}

func (c *Client) send(ctx context.Context, method, path string, body io.Reader, contentType string, auth bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if auth {
		tok, err := c.Token(ctx)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	apiErr := &Error{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Method: method, Path: path}
	var payload struct {
		Error  string `json:"error"`
		Field  string `json:"field"`
		Detail string `json:"detail"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(data, &payload) == nil {
		apiErr.Message, apiErr.Field = payload.Error, payload.Field
		if payload.Detail != "" {
			apiErr.Message += ": " + payload.Detail
		}
	} else {
		apiErr.Message = strings.TrimSpace(string(data))
	}
	return nil, apiErr
}

func (c *Client) transportError(err error) error {
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &ua) || errors.As(err, &cv) {
		return fmt.Errorf("%s: its certificate is not trusted: %w; pass the cluster CA with --ca (or SOVEREIGN_CA)", c.base, err)
	}
	return fmt.Errorf("cannot reach %s: %w; is `sovereign serve` running there? set --server (or SOVEREIGN_URL)", c.base, err)
}
