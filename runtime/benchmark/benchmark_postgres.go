package benchmark

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// PostgresDirect is the hand-written baseline on PostgreSQL: a pgx pool and
// plain SQL on the tenant's tables.
type PostgresDirect struct {
	Pool                                  *pgxpool.Pool
	table, accounts                       string
	insertSQL, getSQL, listSQL, insertAcc string
	existsSQL                             string
}

var _ Direct = (*PostgresDirect)(nil)

// OpenPostgresDirect connects to the database at url (a pgx connection
// string) and works on the tables of the tenant schema.
func OpenPostgresDirect(ctx context.Context, url, schema string) (*PostgresDirect, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("benchmark: postgres: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("benchmark: postgres: %w", err)
	}
	d := dialect.Postgres{}
	p := &PostgresDirect{Pool: pool, table: d.Table(schema, OpportunityObject), accounts: d.Table(schema, AccountObject)}
	p.insertSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", p.table, columnList, placeholders(len(columns), 0, "$"))
	p.getSQL = fmt.Sprintf("SELECT %s FROM %s WHERE id = $1", columnList, p.table)
	p.listSQL = fmt.Sprintf("SELECT %s FROM %s WHERE account = $1 AND stage = ANY($2) ORDER BY amount DESC, id LIMIT $3", columnList, p.table)
	p.existsSQL = fmt.Sprintf("SELECT count(*) FROM %s WHERE id = $1", p.accounts)
	p.insertAcc = fmt.Sprintf("INSERT INTO %s (id, created_at, created_by, updated_at, updated_by, owner_id, version, name) VALUES ($1, $2, $3, $2, $3, $3, 1, $4)", p.accounts)
	return p, nil
}

func (o *Opportunity) pgArgs() []any {
	return []any{o.ID, o.CreatedAt, o.CreatedBy, o.UpdatedAt, o.UpdatedBy, o.OwnerID, o.Version,
		o.Name, o.Description, o.Amount, o.Quantity, o.Probability, o.CloseDate, o.LastActivity,
		o.Won, o.Stage, o.Tags, o.ContactEmail, o.ContactPhone, o.Website, o.Ref, o.Account}
}

func (o *Opportunity) pgDest() []any {
	return []any{&o.ID, &o.CreatedAt, &o.CreatedBy, &o.UpdatedAt, &o.UpdatedBy, &o.OwnerID, &o.Version,
		&o.Name, &o.Description, &o.Amount, &o.Quantity, &o.Probability, &o.CloseDate, &o.LastActivity,
		&o.Won, &o.Stage, &o.Tags, &o.ContactEmail, &o.ContactPhone, &o.Website, &o.Ref, &o.Account}
}

// Create implements Direct: one INSERT, committed on its own.
func (p *PostgresDirect) Create(ctx context.Context, o *Opportunity) error {
	_, err := p.Pool.Exec(ctx, p.insertSQL, o.pgArgs()...)
	return err
}

// Get implements Direct.
func (p *PostgresDirect) Get(ctx context.Context, id string, dst *Opportunity) error {
	err := p.Pool.QueryRow(ctx, p.getSQL, id).Scan(dst.pgDest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// List implements Direct.
func (p *PostgresDirect) List(ctx context.Context, account string, stages []string, limit int, dst []Opportunity) ([]Opportunity, error) {
	rows, err := p.Pool.Query(ctx, p.listSQL, account, stages, limit+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dst = dst[:0]
	for rows.Next() {
		dst = append(dst, Opportunity{})
		if err := rows.Scan(dst[len(dst)-1].pgDest()...); err != nil {
			return nil, err
		}
	}
	return dst, rows.Err()
}

// CreateBatch implements Direct: one transaction, one INSERT after
// another, each its own round trip — the same shape as the platform's batch.
func (p *PostgresDirect) CreateBatch(ctx context.Context, os []Opportunity) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		for i := range os {
			if _, err := tx.Exec(ctx, p.insertSQL, os[i].pgArgs()...); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateChecked implements Direct.
func (p *PostgresDirect) CreateChecked(ctx context.Context, o *Opportunity) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error { return p.checkedInsert(ctx, tx, o) })
}

// CreateBatchChecked implements Direct.
func (p *PostgresDirect) CreateBatchChecked(ctx context.Context, os []Opportunity) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		for i := range os {
			if err := p.checkedInsert(ctx, tx, &os[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (p *PostgresDirect) checkedInsert(ctx context.Context, tx pgx.Tx, o *Opportunity) error {
	var n int64
	if err := tx.QueryRow(ctx, p.existsSQL, o.Account).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNoAccount
	}
	_, err := tx.Exec(ctx, p.insertSQL, o.pgArgs()...)
	return err
}

// CreatePipelined is CreateBatch with the INSERTs sent as one pipelined
// pgx batch: one round trip for all of them.
func (p *PostgresDirect) CreatePipelined(ctx context.Context, os []Opportunity) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var batch pgx.Batch
		for i := range os {
			batch.Queue(p.insertSQL, os[i].pgArgs()...)
		}
		return tx.SendBatch(ctx, &batch).Close()
	})
}

// Seed implements Direct with COPY.
func (p *PostgresDirect) Seed(ctx context.Context, gen *Gen, from, n int) error {
	schema, table := splitTable(p.table)
	var o Opportunity
	i := from
	_, err := p.Pool.CopyFrom(ctx, pgx.Identifier{schema, table}, columns, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= from+n {
			return nil, nil
		}
		gen.Opportunity(i, &o)
		i++
		return o.pgArgs(), nil
	}))
	if err != nil {
		return fmt.Errorf("benchmark: seed %s: %w", p.table, err)
	}
	return nil
}

// SeedAccounts implements Direct.
func (p *PostgresDirect) SeedAccounts(ctx context.Context, gen *Gen) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var batch pgx.Batch
		for _, a := range gen.Accounts {
			batch.Queue(p.insertAcc, a.ID, gen.Base, gen.Actor, a.Name)
		}
		return tx.SendBatch(ctx, &batch).Close()
	})
}

// Analyze implements Direct.
func (p *PostgresDirect) Analyze(ctx context.Context) error {
	_, err := p.Pool.Exec(ctx, "ANALYZE "+p.table+", "+p.accounts)
	return err
}

// Close implements Direct.
func (p *PostgresDirect) Close() { p.Pool.Close() }

// splitTable splits `"schema"."table"` into its unquoted parts.
func splitTable(q string) (string, string) {
	schema, table, _ := strings.Cut(q, `"."`)
	return strings.Trim(schema, `"`), strings.Trim(table, `"`)
}
