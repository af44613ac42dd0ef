package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

var tokenPattern = regexp.MustCompile(`mst_[A-Za-z0-9_-]+`)

// start runs the server on a free port and returns its address and a stop
// function that waits for Run to return.
func start(t *testing.T, dataDir string, out io.Writer) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Addr: "127.0.0.1:0", Store: store.Config{DataDir: dataDir}, Out: out,
			ShutdownTimeout: 5 * time.Second, Ready: func(a string) { ready <- a }})
	}()
	select {
	case addr := <-ready:
		return addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	}
	return "", nil
}

func TestFirstRunBootstrapsDefaultTenantOnce(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	addr, stop := start(t, dir, &out)
	token := tokenPattern.FindString(out.String())
	require.NotEmpty(t, token, "first run prints a token: %s", out.String())
	assert.Contains(t, out.String(), "admin@localhost", "it names the administrator")
	assert.Contains(t, out.String(), "mosaic user password default admin@localhost", "and how to set its password")

	resp, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var me struct {
		User struct {
			Email       string `json:"email"`
			Role        string `json:"role"`
			HasPassword bool   `json:"has_password"`
		} `json:"user"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the printed token works")
	assert.Equal(t, "admin@localhost", me.User.Email, "it is the administrator's")
	assert.Equal(t, "admin", me.User.Role)
	assert.False(t, me.User.HasPassword, "no password is baked in")

	// Nobody signs in as the administrator until its password is set.
	resp, err = http.Post("http://"+addr+"/api/v1/auth/sign-in", "application/json",
		strings.NewReader(`{"tenant": "default", "email": "admin@localhost", "password": ""}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)

	resp, err = http.Get("http://" + addr + "/api/v1/objects")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no token, no access")
	require.NoError(t, stop(), "graceful shutdown returns no error")

	var again bytes.Buffer
	_, stop = start(t, dir, &again)
	require.NoError(t, stop())
	assert.NotContains(t, again.String(), "mst_", "a second start creates no tenant and prints no token")
}

// within waits for a value for at most 20 seconds, so a hang fails the test
// with a message instead of blocking it.
func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting")
	}
	var zero T
	return zero
}
