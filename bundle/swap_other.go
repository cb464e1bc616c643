//go:build !linux

package bundle

// exchange is Linux-only; elsewhere placeDir falls back to two renames.
func exchange(a, b string) error { return errUnsupported }
