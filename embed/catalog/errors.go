package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for errors.Is. Each error type below answers to one of them.
var (
	// ErrNotFound: the catalog holds no Blueprint of that name.
	ErrNotFound = errors.New("blueprint not found")
	// ErrInvalidFile: a Blueprint file is not valid.
	ErrInvalidFile = errors.New("invalid blueprint file")
	// ErrMissingDependency: a dependency names a Blueprint the catalog lacks.
	ErrMissingDependency = errors.New("missing dependency")
	// ErrUnsatisfiedRange: the catalog's version of a dependency is outside
	// the range asked for.
	ErrUnsatisfiedRange = errors.New("unsatisfied version range")
	// ErrCycle: Blueprints depend on each other in a loop.
	ErrCycle = errors.New("dependency cycle")
)

// position formats "file:line:col: field: " for the start of a message.
func position(file string, line, column int, field string) string {
	var b strings.Builder
	b.WriteString(file)
	if line > 0 {
		fmt.Fprintf(&b, ":%d:%d", line, column)
	}
	b.WriteString(": ")
	if field != "" {
		b.WriteString(field)
		b.WriteString(": ")
	}
	return b.String()
}

// FieldError is one problem in one Blueprint file: which field, what the
// reader expected there and what it found.
type FieldError struct {
	File   string
	Line   int
	Column int
	// Field is the path of the field ("spec.depends[2].version"); empty when
	// the problem is the file as a whole.
	Field    string
	Expected string
	Got      string
}

func (e *FieldError) Error() string {
	msg := position(e.File, e.Line, e.Column, e.Field) + "expected " + e.Expected
	if e.Got != "" {
		msg += ", got " + e.Got
	}
	return msg
}

func (e *FieldError) Is(target error) bool { return target == ErrInvalidFile }

// FileError lists every problem found in one Blueprint file.
type FileError struct {
	File     string
	Problems []*FieldError
}

func (e *FileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *FieldError.
func (e *FileError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// DependencyError is a dependency the catalog cannot satisfy: the Blueprint
// it names is missing (Have is empty), or the catalog's version of it is
// outside the range asked for.
type DependencyError struct {
	File   string
	Line   int
	Column int
	Field  string
	From   string
	To     string
	Range  string
	Have   string
}

func (e *DependencyError) Error() string {
	msg := position(e.File, e.Line, e.Column, e.Field) +
		fmt.Sprintf("%s needs %s %s", e.From, e.To, e.Range)
	if e.Have == "" {
		return msg + ", which is not in the catalog"
	}
	return msg + fmt.Sprintf(", but the catalog has %s %s", e.To, e.Have)
}

func (e *DependencyError) Is(target error) bool {
	if e.Have == "" {
		return target == ErrMissingDependency
	}
	return target == ErrUnsatisfiedRange
}

// CycleError is a loop of dependencies. Path starts and ends with the same
// Blueprint ("bp-a", "bp-b", "bp-a"); File and Field locate the first edge.
type CycleError struct {
	File   string
	Line   int
	Column int
	Field  string
	Path   []string
}

func (e *CycleError) Error() string {
	return position(e.File, e.Line, e.Column, e.Field) +
		"dependency cycle " + strings.Join(e.Path, " -> ")
}

func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// NotFoundError says that no Blueprint has the name asked for.
type NotFoundError struct {
	Name string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("Blueprint %s is not in the catalog", e.Name)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// LoadError is what Load returns for a catalog with problems: every problem
// found (a *FieldError, *DependencyError or *CycleError each, or an error
// reading a file), and the warnings seen on the way.
type LoadError struct {
	Source   string
	Problems []error
	Warnings []Warning
}

func (e *LoadError) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "catalog %s has %d %s:", e.Source, len(e.Problems), noun)
	for _, p := range e.Problems {
		for _, line := range strings.Split(p.Error(), "\n") {
			b.WriteString("\n  ")
			b.WriteString(line)
		}
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As look at each problem.
func (e *LoadError) Unwrap() []error { return e.Problems }

// Warning is something odd that does not stop a file from loading, such as
// a field the reader does not know (which it keeps).
type Warning struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	return position(w.File, w.Line, w.Column, w.Field) + w.Message
}
