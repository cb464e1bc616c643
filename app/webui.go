package app

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	sovembed "github.com/openova-io/sovereign/embed"
)

// The Sovereign Console is a single-page app compiled into the binary
// (embed.Console). Every GET that no API route answered lands here:
//
//   - /assets/<name>-<hash>.<ext> are served with a year-long immutable
//     cache, as their .br or .gz sibling when Accept-Encoding allows it;
//   - other files of the build (favicon.svg) are served as they are;
//   - any other path is a page of the console (/dashboard, /app/bp-cilium,
//     /provision/<id>/users, ...) and gets index.html, never cached, so a
//     deep link or a reload works and a new binary's console is seen at once;
//   - paths of the API and the node's own endpoints (/api, /auth, /metrics,
//     /healthz, /readyz, /v1) never get index.html: they keep their JSON 404.
//
// Every console answer carries a Content-Security-Policy that allows only
// this origin and no inline script or style (the build has none; embed's
// tests check it), forbids framing, and turns off MIME sniffing.

// consoleCSP is the Content-Security-Policy of every console answer.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// apiPrefixes are never pages of the console.
var apiPrefixes = []string{"/api", "/auth", "/metrics", "/healthz", "/readyz", "/v1"}

// consoleAsset is one file of the build, with its precompressed forms.
type consoleAsset struct {
	body, br, gz []byte
	contentType  string
}

// webUI serves the console's build from memory.
type webUI struct {
	index  []byte
	files  map[string]consoleAsset // by path without the leading slash
	hashed string                  // the folder of content-hashed assets
}

// newWebUI reads the whole build (a few hundred KiB) once, so a request
// never touches the file system.
func newWebUI(build fs.FS) (*webUI, error) {
	index, err := fs.ReadFile(build, "index.html")
	if err != nil {
		return nil, fmt.Errorf("console build: %w", err)
	}
	ui := &webUI{index: index, files: map[string]consoleAsset{}, hashed: "assets/"}
	err = fs.WalkDir(build, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") || p == "index.html" {
			return err
		}
		a := consoleAsset{contentType: contentTypeOf(p)}
		if a.body, err = fs.ReadFile(build, p); err != nil {
			return err
		}
		a.br, _ = fs.ReadFile(build, p+".br")
		a.gz, _ = fs.ReadFile(build, p+".gz")
		ui.files[p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console build: %w", err)
	}
	return ui, nil
}

// webUIRoutes serves the embedded console. It must be registered after
// every API route: it answers whatever GET they did not.
func (s *Server) webUIRoutes() {
	ui, err := newWebUI(sovembed.Console())
	if err != nil {
		// The build is compiled in; embed's tests prove it is whole.
		panic(err)
	}
	s.fiber.Get("/*", ui.serve)
}

func isAPIPath(p string) bool {
	for _, prefix := range apiPrefixes {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

func (ui *webUI) serve(c *fiber.Ctx) error {
	p := c.Path()
	if isAPIPath(strings.ToLower(p)) {
		// No route of the API matched: fall through to Fiber's JSON 404.
		return c.Next()
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if a, ok := ui.files[name]; ok {
		consoleHeaders(c)
		if strings.HasPrefix(name, ui.hashed) {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
		return sendAsset(c, a)
	}
	if name != "" && name != "index.html" && (strings.HasPrefix(name, ui.hashed) || strings.Contains(path.Base(name), ".")) {
		// A missing file is a 404, never the page: a browser must not run
		// index.html as a script or a style sheet.
		return c.Next()
	}
	consoleHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(ui.index)
}

func consoleHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", consoleCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
}

// sendAsset answers with the smallest form the client accepts: brotli,
// then gzip, then the file itself.
func sendAsset(c *fiber.Ctx, a consoleAsset) error {
	c.Set(fiber.HeaderContentType, a.contentType)
	if a.br != nil || a.gz != nil {
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	accept := c.Get(fiber.HeaderAcceptEncoding)
	switch {
	case a.br != nil && accepts(accept, "br"):
		c.Set(fiber.HeaderContentEncoding, "br")
		return c.Send(a.br)
	case a.gz != nil && accepts(accept, "gzip"):
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(a.gz)
	}
	return c.Send(a.body)
}

// accepts reports whether an Accept-Encoding header allows coding (with a
// q-value above zero, by name or by "*").
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := true
		if qs, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			q, err := strconv.ParseFloat(strings.TrimSpace(qs), 64)
			ok = err == nil && q > 0
		}
		if name == coding {
			return ok
		}
		star = ok
	}
	return star
}

func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return fiber.MIMETextHTMLCharsetUTF8
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return fiber.MIMEApplicationJSONCharsetUTF8
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}
