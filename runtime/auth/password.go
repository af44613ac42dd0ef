package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id parameters of a password hash. They are stored
// in the hash (a PHC string), so hashes made with other parameters keep
// verifying; a sign-in rehashes a password whose parameters are not the
// current ones.
type Params struct {
	// Memory is in KiB.
	Memory uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen, KeyLen uint32
}

// DefaultParams are OWASP's recommended argon2id parameters (19 MiB, two
// passes, one thread): some tens of milliseconds a hash.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits of a password.
const (
	// MinPasswordLength is the fewest characters a password may have.
	MinPasswordLength = 12
	// MaxPasswordLength is the most bytes a password may have.
	MaxPasswordLength = 1024
)

// Errors of passwords.
var (
	// ErrPasswordTooShort, ErrPasswordTooLong and ErrPasswordBlank are
	// CheckPassword's refusals.
	ErrPasswordTooShort = fmt.Errorf("a password must have at least %d characters", MinPasswordLength)
	ErrPasswordTooLong  = fmt.Errorf("a password must have at most %d bytes", MaxPasswordLength)
	ErrPasswordBlank    = errors.New("a password must not be only spaces")
	// ErrMalformedHash means that a stored hash is not an argon2id PHC
	// string this package can read.
	ErrMalformedHash = errors.New("auth: malformed password hash")
)

// CheckPassword reports whether a password may be set: at least
// MinPasswordLength characters, at most MaxPasswordLength bytes, not only
// spaces. Length is what makes a password strong; no composition rules.
func CheckPassword(password string) error {
	switch {
	case len(password) > MaxPasswordLength:
		return ErrPasswordTooLong
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return ErrPasswordTooShort
	case strings.TrimFunc(password, unicode.IsSpace) == "":
		return ErrPasswordBlank
	}
	return nil
}

// HashPassword hashes a password with argon2id, a fresh random salt and the
// parameters p, and returns the PHC string
// "$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>" (base64 without padding).
func HashPassword(password string, p Params) (string, error) {
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("auth: argon2id parameters %+v are too weak", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// Bounds of the parameters VerifyPassword accepts from a stored hash, so
// that a corrupted one cannot make a sign-in take minutes or gigabytes.
const (
	maxMemory = 1 << 20 // 1 GiB
	maxTime   = 100
)

// VerifyPassword reports whether password matches the PHC string encoded,
// comparing in constant time. A hash it cannot read gives ErrMalformedHash.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a hash was made with parameters other than
// p (or cannot be read).
func NeedsRehash(encoded string, p Params) bool {
	got, salt, key, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	return got.Memory != p.Memory || got.Time != p.Time || got.Threads != p.Threads ||
		uint32(len(salt)) != p.SaltLen || uint32(len(key)) != p.KeyLen
}

func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || threads == 0 || threads > 255 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
