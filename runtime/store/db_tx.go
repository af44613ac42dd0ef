package store

import (
	"context"
	"errors"
	"fmt"
)

// errNestedUse is returned when code running inside a transaction of a DB
// writes through that DB instead of through its Tx. On SQLite this would
// wait forever for the single writer connection the transaction holds; on
// PostgreSQL it would silently run outside the transaction. Both stores
// refuse it, so the mistake shows in tests on either.
var errNestedUse = errors.New("store: write through the DB while one of its transactions is open in this context; use the Tx passed to fn")

// txMarker is the context key that marks a context as running inside a
// transaction of one DB (the owner).
type txMarker struct{ owner any }

// withTx returns ctx marked as running inside a transaction of owner.
func withTx(ctx context.Context, owner any) context.Context {
	return context.WithValue(ctx, txMarker{owner}, true)
}

// checkNotInTx refuses a write through owner from inside its own
// transaction.
func checkNotInTx(ctx context.Context, owner any) error {
	if ctx.Value(txMarker{owner}) != nil {
		return errNestedUse
	}
	return nil
}

// runTx runs fn with tx and commits when it returns nil; it rolls back when
// fn returns an error or panics (re-raising the panic after the rollback).
func runTx(ctx context.Context, tx Tx, fn func(ctx context.Context, tx Tx) error, commit, rollback func() error) (err error) {
	committed := false
	defer func() {
		if committed {
			return
		}
		if p := recover(); p != nil {
			_ = rollback()
			panic(p)
		}
		if rbErr := rollback(); rbErr != nil && err != nil {
			err = errors.Join(err, fmt.Errorf("store: rollback: %w", rbErr))
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	committed = true
	if err := commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
