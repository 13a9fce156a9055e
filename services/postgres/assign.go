package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// assignments build an UPDATE's SET list, every value a bind parameter,
// for the stores' partial updates (a nil field of an update stays).
type assignments struct {
	sets []string
	args []any
}

// set assigns v to col.
func (a *assignments) set(col string, v any) {
	a.args = append(a.args, v)
	a.sets = append(a.sets, fmt.Sprintf("%s = $%d", col, len(a.args)))
}

// expr adds an assignment whose SQL takes vs as its parameters: format
// has one %d for each, which becomes the parameter's number.
func (a *assignments) expr(format string, vs ...any) {
	nums := make([]any, len(vs))
	for i, v := range vs {
		a.args = append(a.args, v)
		nums[i] = len(a.args)
	}
	a.sets = append(a.sets, fmt.Sprintf(format, nums...))
}

func (a *assignments) empty() bool { return len(a.sets) == 0 }

// querier is a pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// update runs UPDATE table SET … WHERE key = id, with also (plain SQL
// such as "updated_at = now()") after the assignments, and returns how
// many rows it changed.
func (a *assignments) update(ctx context.Context, q querier, table, key string, id int64, also ...string) (int64, error) {
	args := append(a.args, id)
	sql := fmt.Sprintf("UPDATE %s SET %s WHERE %s = $%d", table, strings.Join(append(a.sets, also...), ", "), key, len(args))
	tag, err := q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}
