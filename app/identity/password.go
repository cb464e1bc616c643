package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs: memory in KiB, passes over it, and lanes.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// RecommendedParams are OWASP's argon2id configuration m=19456 KiB
// (19 MiB), t=2, p=1, which new hashes use (DefaultParams). OWASP's
// password storage cheat sheet lists five configurations it rates equally
// strong (m=47104 t=1, m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5,
// all p=1): each trades memory for passes. This one keeps a hash at
// 19 MiB, so the two that run at once on a two-core node add under 40 MiB
// to a process that idles near 20 MiB, and costs about 30 ms of one core;
// the 46 MiB row would take 2.4 times the memory for the same strength,
// and the rows below 19 MiB spend more CPU per sign-in while making a
// guesser's memory cheaper. One lane: a node runs several sign-ins side by
// side rather than one sign-in on several cores.
//
// Every hash carries its parameters (the PHC string), so changing these
// leaves existing hashes verifiable; NeedsRehash tells the sign-in to
// store a new hash under these once the password is known to be right.
var RecommendedParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// DefaultParams are the parameters of new hashes: RecommendedParams, unless
// a test lowers them to make hashing cheap.
var DefaultParams = RecommendedParams

const (
	argonKeyLen  = 32
	argonSaltLen = 16
	// Bounds on the parameters of a stored hash: verifying one costs its
	// memory, so a hash asking for more than maxMemory is refused as
	// unreadable rather than allowed to take the node's memory.
	maxMemory = 256 * 1024
	maxTime   = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under argon2id with
// DefaultParams:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// It costs DefaultParams.Memory of memory while it runs; callers that
// serve requests go through a Hasher, which bounds how many run at once.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := DefaultParams
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	return phc{Params: p, salt: salt, key: key}.String(), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	Params
	salt, key []byte
}

func (h phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Time, h.Threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

var errBadHash = errors.New("not an argon2id hash this version can verify")

// parsePHC reads a PHC string written by HashPassword, whatever its
// parameters, within the bounds above.
func parsePHC(hash string) (phc, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, errBadHash
	}
	var h phc
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return phc{}, errBadHash
	}
	var n [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		var err error
		if n[i], err = strconv.ParseUint(v, 10, 32); !ok || err != nil {
			return phc{}, errBadHash
		}
	}
	if n[2] > 255 {
		return phc{}, errBadHash
	}
	h.Memory, h.Time, h.Threads = uint32(n[0]), uint32(n[1]), uint8(n[2])
	if h.Time == 0 || h.Time > maxTime || h.Threads == 0 || h.Memory < 8*uint32(h.Threads) || h.Memory > maxMemory {
		return phc{}, errBadHash
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return phc{}, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return phc{}, errBadHash
	}
	return h, nil
}

// VerifyPassword reports whether password matches the PHC string hash,
// under the parameters the hash carries, comparing in constant time.
func VerifyPassword(hash, password string) (bool, error) {
	h, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), h.salt, h.Time, h.Memory, h.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than
// DefaultParams (or other salt or key lengths), so that a sign-in which
// proved the password should store a new hash.
func NeedsRehash(hash string) bool {
	h, err := parsePHC(hash)
	return err != nil || h.Params != DefaultParams || len(h.salt) != argonSaltLen || len(h.key) != argonKeyLen
}

// EqualiserHash is a hash that no password matches, under DefaultParams:
// verifying against it costs what verifying a user's hash costs, so a
// sign-in for an unknown email takes as long as a wrong password. It is a
// constant (a zero salt and key), so nothing is hashed to make it.
func EqualiserHash() string {
	return phc{Params: DefaultParams, salt: make([]byte, argonSaltLen), key: make([]byte, argonKeyLen)}.String()
}

// RandomPassword returns a password of n characters from an alphabet that
// survives copying by hand (no 0/O, 1/l/I).
func RandomPassword(n int) (string, error) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, n)
	for i, c := range b {
		// 256 is not a multiple of len(alphabet); rejection sampling would
		// remove the small bias, which is irrelevant at this length.
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out), nil
}
