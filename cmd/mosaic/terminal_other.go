//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package main

import "os"

// noEcho cannot turn off a terminal's echo on this system: it reports
// stdin as not a terminal, so the password is read as a line (pipe it in
// to keep it off the screen).
func noEcho(*os.File) (restore func(), ok bool) { return func() {}, false }
