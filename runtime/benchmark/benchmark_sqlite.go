package benchmark

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// SQLiteDirect is the hand-written baseline on SQLite: database/sql with the
// modernc driver on the same database file, with the store's settings (WAL,
// synchronous NORMAL, one writer connection). Values are stored as the
// platform stores them: decimals as integers scaled by 10^scale, dates and
// instants as fixed-width text, booleans as 0/1, tags as a JSON array.
type SQLiteDirect struct {
	Writer, Reader                        *sql.DB
	table, accounts                       string
	insertSQL, getSQL, listSQL, insertAcc string
	existsSQL                             string
}

var _ Direct = (*SQLiteDirect)(nil)

// Scales of the fixture's decimal fields on SQLite.
const (
	amountScale      = 2
	quantityScale    = 0
	probabilityScale = 2
)

// OpenSQLiteDirect opens the SQLite database file path and works on the
// tables of the tenant schema.
func OpenSQLiteDirect(ctx context.Context, path, schema string) (*SQLiteDirect, error) {
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	writer, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("benchmark: sqlite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("benchmark: sqlite: %w", err)
	}
	reader.SetMaxOpenConns(4)
	reader.SetMaxIdleConns(4)
	if err := errors.Join(writer.PingContext(ctx), reader.PingContext(ctx)); err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("benchmark: sqlite: %w", err)
	}
	d := dialect.SQLite{}
	s := &SQLiteDirect{Writer: writer, Reader: reader, table: d.Table(schema, OpportunityObject), accounts: d.Table(schema, AccountObject)}
	s.insertSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", s.table, columnList, placeholders(len(columns), 0, "?"))
	s.getSQL = fmt.Sprintf("SELECT %s FROM %s WHERE id = ?1", columnList, s.table)
	s.listSQL = fmt.Sprintf("SELECT %s FROM %s WHERE account = ?1 AND stage IN (?2, ?3, ?4) ORDER BY amount DESC, id LIMIT ?5", columnList, s.table)
	s.existsSQL = fmt.Sprintf("SELECT count(*) FROM %s WHERE id = ?1", s.accounts)
	s.insertAcc = fmt.Sprintf("INSERT INTO %s (id, created_at, created_by, updated_at, updated_by, owner_id, version, name) VALUES (?1, ?2, ?3, ?2, ?3, ?3, 1, ?4)", s.accounts)
	return s, nil
}

func sqliteTime(t time.Time) string { return t.UTC().Format(dialect.DateTimeLayout) }

func scaled(d decimal.Decimal, scale int32) int64 { return d.Shift(scale).IntPart() }

func (o *Opportunity) sqliteArgs() ([]any, error) {
	tags, err := json.Marshal(o.Tags)
	if err != nil {
		return nil, err
	}
	won := int64(0)
	if o.Won {
		won = 1
	}
	return []any{o.ID, sqliteTime(o.CreatedAt), o.CreatedBy, sqliteTime(o.UpdatedAt), o.UpdatedBy, o.OwnerID, o.Version,
		o.Name, o.Description, scaled(o.Amount, amountScale), scaled(o.Quantity, quantityScale), scaled(o.Probability, probabilityScale),
		o.CloseDate.Format(dialect.DateLayout), sqliteTime(o.LastActivity),
		won, o.Stage, string(tags), o.ContactEmail, o.ContactPhone, o.Website, o.Ref, o.Account}, nil
}

// sqliteRow holds a row as SQLite returns it, before conversion.
type sqliteRow struct {
	createdAt, updatedAt, closeDate, lastActivity, tags string
	amount, quantity, probability, won                  int64
}

func (r *sqliteRow) dest(o *Opportunity) []any {
	return []any{&o.ID, &r.createdAt, &o.CreatedBy, &r.updatedAt, &o.UpdatedBy, &o.OwnerID, &o.Version,
		&o.Name, &o.Description, &r.amount, &r.quantity, &r.probability, &r.closeDate, &r.lastActivity,
		&r.won, &o.Stage, &r.tags, &o.ContactEmail, &o.ContactPhone, &o.Website, &o.Ref, &o.Account}
}

func (r *sqliteRow) into(o *Opportunity) error {
	var errs [4]error
	o.CreatedAt, errs[0] = time.Parse(time.RFC3339Nano, r.createdAt)
	o.UpdatedAt, errs[1] = time.Parse(time.RFC3339Nano, r.updatedAt)
	o.CloseDate, errs[2] = time.Parse(dialect.DateLayout, r.closeDate)
	o.LastActivity, errs[3] = time.Parse(time.RFC3339Nano, r.lastActivity)
	o.Amount = decimal.New(r.amount, -amountScale)
	o.Quantity = decimal.New(r.quantity, -quantityScale)
	o.Probability = decimal.New(r.probability, -probabilityScale)
	o.Won = r.won != 0
	o.Tags = o.Tags[:0]
	return errors.Join(errors.Join(errs[:]...), json.Unmarshal([]byte(r.tags), &o.Tags))
}

// Create implements Direct: one INSERT, committed on its own.
func (s *SQLiteDirect) Create(ctx context.Context, o *Opportunity) error {
	args, err := o.sqliteArgs()
	if err != nil {
		return err
	}
	_, err = s.Writer.ExecContext(ctx, s.insertSQL, args...)
	return err
}

// Get implements Direct.
func (s *SQLiteDirect) Get(ctx context.Context, id string, dst *Opportunity) error {
	var r sqliteRow
	err := s.Reader.QueryRowContext(ctx, s.getSQL, id).Scan(r.dest(dst)...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return r.into(dst)
}

// List implements Direct. It takes exactly three stages.
func (s *SQLiteDirect) List(ctx context.Context, account string, stages []string, limit int, dst []Opportunity) ([]Opportunity, error) {
	if len(stages) != 3 {
		return nil, fmt.Errorf("benchmark: the SQLite list takes 3 stages, not %d", len(stages))
	}
	rows, err := s.Reader.QueryContext(ctx, s.listSQL, account, stages[0], stages[1], stages[2], limit+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dst = dst[:0]
	var r sqliteRow
	for rows.Next() {
		dst = append(dst, Opportunity{})
		o := &dst[len(dst)-1]
		if err := rows.Scan(r.dest(o)...); err != nil {
			return nil, err
		}
		if err := r.into(o); err != nil {
			return nil, err
		}
	}
	return dst, rows.Err()
}

// CreateBatch implements Direct: one transaction, one prepared INSERT.
func (s *SQLiteDirect) CreateBatch(ctx context.Context, os []Opportunity) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.insertSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range os {
			args, err := os[i].sqliteArgs()
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateChecked implements Direct.
func (s *SQLiteDirect) CreateChecked(ctx context.Context, o *Opportunity) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.checkedInsert(ctx, tx, o) })
}

// CreateBatchChecked implements Direct.
func (s *SQLiteDirect) CreateBatchChecked(ctx context.Context, os []Opportunity) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range os {
			if err := s.checkedInsert(ctx, tx, &os[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *SQLiteDirect) checkedInsert(ctx context.Context, tx *sql.Tx, o *Opportunity) error {
	var n int64
	if err := tx.QueryRowContext(ctx, s.existsSQL, o.Account).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNoAccount
	}
	args, err := o.sqliteArgs()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.insertSQL, args...)
	return err
}

func (s *SQLiteDirect) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Seed implements Direct: one transaction, one prepared INSERT.
func (s *SQLiteDirect) Seed(ctx context.Context, gen *Gen, from, n int) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.insertSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		var o Opportunity
		for i := from; i < from+n; i++ {
			gen.Opportunity(i, &o)
			args, err := o.sqliteArgs()
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("benchmark: seed %s: %w", s.table, err)
	}
	return nil
}

// SeedAccounts implements Direct.
func (s *SQLiteDirect) SeedAccounts(ctx context.Context, gen *Gen) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, a := range gen.Accounts {
			if _, err := tx.ExecContext(ctx, s.insertAcc, a.ID, sqliteTime(gen.Base), gen.Actor, a.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

// Analyze implements Direct.
func (s *SQLiteDirect) Analyze(ctx context.Context) error {
	for _, t := range []string{s.table, s.accounts} {
		if _, err := s.Writer.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

// Close implements Direct.
func (s *SQLiteDirect) Close() { _ = errors.Join(s.Reader.Close(), s.Writer.Close()) }
