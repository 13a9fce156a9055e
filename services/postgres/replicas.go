package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// ReplicaStore is where the API replicas say they are alive.
type ReplicaStore struct{ db *DB }

// NewReplicaStore returns the replica store.
func NewReplicaStore(db *DB) *ReplicaStore { return &ReplicaStore{db: db} }

// Beat records replica id as alive now and returns how many replicas beat
// within stale, itself included.
func (s *ReplicaStore) Beat(ctx context.Context, id uuid.UUID, stale time.Duration) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `
		WITH beat AS (
			INSERT INTO api_replicas (id, seen_at) VALUES ($1, now())
			ON CONFLICT (id) DO UPDATE SET seen_at = now())
		SELECT count(*) + 1 FROM api_replicas WHERE id <> $1 AND seen_at > now() - $2::interval`,
		id, stale.String()).Scan(&n)
	return n, translate(err, "replica")
}

// Leave removes replica id, and rows of replicas long gone.
func (s *ReplicaStore) Leave(ctx context.Context, id uuid.UUID) error {
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM api_replicas WHERE id = $1 OR seen_at < now() - interval '1 hour'`, id)
	return translate(err, "replica")
}
