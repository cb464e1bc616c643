package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// PassphraseEnv is the environment variable a passphrase may come from,
// for scripts; a file (--passphrase-file) or the terminal are the others.
const PassphraseEnv = "SOVEREIGN_KEY_PASSPHRASE"

// PassphraseSource finds the passphrase of a private key: a file first,
// then the environment, then a prompt on the terminal. With none of them
// there is no passphrase.
type PassphraseSource struct {
	File string
	// Terminal is where to prompt; nil when not interactive.
	Terminal *os.File
	// Prompt is written to Prompter before reading.
	Prompter io.Writer
}

// ForKey returns a PassphraseFunc for opening an existing key.
func (s PassphraseSource) ForKey(keyPath string) PassphraseFunc {
	return func() ([]byte, error) {
		if p, ok, err := s.given(); ok || err != nil {
			return p, err
		}
		if s.Terminal == nil {
			return nil, nil
		}
		return s.prompt(fmt.Sprintf("Passphrase for %s: ", keyPath))
	}
}

// ForNewKey asks for the passphrase of a new key: from a file or the
// environment, or typed twice on the terminal; empty means no encryption.
func (s PassphraseSource) ForNewKey() ([]byte, error) {
	if p, ok, err := s.given(); ok || err != nil {
		return p, err
	}
	if s.Terminal == nil {
		return nil, nil
	}
	p, err := s.prompt("Passphrase for the new key (empty for none): ")
	if err != nil || len(p) == 0 {
		return p, err
	}
	again, err := s.prompt("Same passphrase again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, again) {
		return nil, errors.New("the passphrases differ: run keygen again")
	}
	return p, nil
}

func (s PassphraseSource) given() ([]byte, bool, error) {
	if s.File != "" {
		data, err := readSmallFile(s.File, 4<<10)
		if err != nil {
			return nil, true, fmt.Errorf("--passphrase-file: %w", err)
		}
		return bytes.TrimRight(data, "\r\n"), true, nil
	}
	if v, ok := os.LookupEnv(PassphraseEnv); ok {
		return []byte(v), true, nil
	}
	return nil, false, nil
}

func (s PassphraseSource) prompt(msg string) ([]byte, error) {
	if s.Prompter != nil {
		fmt.Fprint(s.Prompter, msg)
	}
	p, err := term.ReadPassword(int(s.Terminal.Fd()))
	if s.Prompter != nil {
		fmt.Fprintln(s.Prompter)
	}
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	return p, nil
}
