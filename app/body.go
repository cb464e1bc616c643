package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// fieldError is a request the server refuses because of one field: it is
// answered 400 {"error":"<field>: <problem>","field":"<field>"}.
type fieldError struct {
	Field   string
	Problem string
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Problem }

func badField(field, format string, args ...any) error {
	return &fieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// answerErrors turns the errors handlers return into their answers:
// field errors become 400 with the field named; the rest go to the
// server's error handler.
func answerErrors(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := h(c)
		var fe *fieldError
		if errors.As(err, &fe) {
			return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": fe.Error(), "field": fe.Field})
		}
		return err
	}
}

// decodeBody reads the request body, a single JSON object, into dst.
// Unknown fields are refused, so a misspelt field is not silently
// ignored; every problem names the field. The body is at most 1 MiB
// (fiber's BodyLimit answers 413 beyond it).
func decodeBody(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return badField("body", "empty; send a JSON object")
	}
	if ct := string(c.Request().Header.ContentType()); ct != "" && !strings.HasPrefix(strings.ToLower(ct), fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: send application/json", ct))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonFieldError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badField("body", "one JSON object expected, found more after it")
	}
	return nil
}

func jsonFieldError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badField("body", "not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return badField(field, "expected %s, found a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badField("body", "JSON ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		if field == "" {
			return badField("body", "an unknown field with an empty name")
		}
		return badField(field, "unknown field; check its spelling")
	}
	return badField("body", "%v", err)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "slice":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return k
}
