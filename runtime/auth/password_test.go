package auth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/auth"
)

func TestHashPassword(t *testing.T) {
	hash, err := auth.HashPassword("correct horse battery", auth.DefaultParams)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"), hash)
	parts := strings.Split(hash, "$")
	require.Len(t, parts, 6)
	assert.Len(t, parts[4], 22, "a 16-byte salt in base64 without padding")
	assert.Len(t, parts[5], 43, "a 32-byte key in base64 without padding")
	assert.NotContains(t, hash, "correct horse")

	ok, err := auth.VerifyPassword(hash, "correct horse battery")
	require.NoError(t, err)
	assert.True(t, ok)
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		ok, err := auth.VerifyPassword(hash, wrong)
		require.NoError(t, err)
		assert.False(t, ok, "%q", wrong)
	}

	again, err := auth.HashPassword("correct horse battery", auth.DefaultParams)
	require.NoError(t, err)
	assert.NotEqual(t, hash, again, "every hash has its own salt")

	assert.False(t, auth.NeedsRehash(hash, auth.DefaultParams))
	cheap := auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	assert.True(t, auth.NeedsRehash(hash, cheap))
	cheapHash, err := auth.HashPassword("correct horse battery", cheap)
	require.NoError(t, err)
	ok, err = auth.VerifyPassword(cheapHash, "correct horse battery")
	require.NoError(t, err)
	assert.True(t, ok, "the parameters are read from the hash")
	assert.True(t, auth.NeedsRehash(cheapHash, auth.DefaultParams))

	_, err = auth.HashPassword("x", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32})
	assert.Error(t, err, "a short salt is refused")
}

func TestVerifyMalformedHash(t *testing.T) {
	good, err := auth.HashPassword("correct horse battery", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	for name, bad := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"other version":  strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Join([]string{"", parts[1], parts[2], "m=4194304,t=1,p=1", parts[4], parts[5]}, "$"),
		"huge time":      strings.Join([]string{"", parts[1], parts[2], "m=64,t=1000,p=1", parts[4], parts[5]}, "$"),
		"no threads":     strings.Join([]string{"", parts[1], parts[2], "m=64,t=1,p=0", parts[4], parts[5]}, "$"),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing a part": strings.Join(parts[:5], "$"),
	} {
		ok, err := auth.VerifyPassword(bad, "correct horse battery")
		assert.ErrorIs(t, err, auth.ErrMalformedHash, name)
		assert.False(t, ok, name)
		assert.True(t, auth.NeedsRehash(bad, auth.DefaultParams), name)
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		want     error
	}{
		{"", auth.ErrPasswordTooShort},
		{"short", auth.ErrPasswordTooShort},
		{"elevenchars", auth.ErrPasswordTooShort},
		{"twelve chars", nil},
		{"ééééééééééé", auth.ErrPasswordTooShort}, // 11 characters, 22 bytes
		{"éééééééééééé", nil},
		{strings.Repeat(" ", 20), auth.ErrPasswordBlank},
		{strings.Repeat("a", auth.MaxPasswordLength), nil},
		{strings.Repeat("a", auth.MaxPasswordLength+1), auth.ErrPasswordTooLong},
	} {
		assert.ErrorIs(t, auth.CheckPassword(tc.password), tc.want, "%q", tc.password)
		if tc.want == nil {
			assert.NoError(t, auth.CheckPassword(tc.password))
		}
	}
}

func ExampleHashPassword() {
	hash, _ := auth.HashPassword("correct horse battery", auth.DefaultParams)
	ok, _ := auth.VerifyPassword(hash, "correct horse battery")
	wrong, _ := auth.VerifyPassword(hash, "wrong horse battery")
	fmt.Println(hash[:31], ok, wrong)
	// Output: $argon2id$v=19$m=19456,t=2,p=1$ true false
}
