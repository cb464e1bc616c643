package storage

import "errors"

// Codes name the reasons a command is refused, so that a refusal keeps its
// meaning (errors.Is) when it travels from the leader to the node that
// forwarded the command.
var codes = []struct {
	code string
	err  error
}{
	{"bad-command", ErrBadCommand},
	{"unknown-bucket", ErrUnknownBucket},
	{"version-conflict", ErrVersionConflict},
	{"store-failed", ErrStoreFailed},
	{"compacted", ErrCompacted},
	{"future-revision", ErrFutureRev},
}

// ErrorCode returns the code of a refusal, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "refused"
}

// ErrorFromCode rebuilds a refusal from its code and message.
func ErrorFromCode(code, msg string) error {
	if code == "" {
		return nil
	}
	for _, c := range codes {
		if c.code == code {
			return &codedError{err: c.err, msg: msg}
		}
	}
	return errors.New(msg)
}

type codedError struct {
	err error
	msg string
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Unwrap() error { return e.err }
