package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
)

// dialect is the seam between the store and one SQL engine. The store speaks
// only through named statements (statements.go) and this interface; SQLite is
// the one implementation today (sqlite.go). PostgreSQL plugs in by
// implementing it: open a *sql.DB with pgx, return its schema (BIGINT, BYTEA,
// TEXT COLLATE "C" keys so that key order stays byte order), override
// stmtLockRV with "... FOR UPDATE" so the meta row lock orders commits, and
// rewrite "?" placeholders to "$n" in rebind.
type dialect interface {
	// name is used in logs, metrics and errors ("sqlite").
	name() string
	// open opens the pools (and takes the lock, if the engine needs one).
	// Failures are one-line reasons
	// (they are wrapped with the path by Open).
	open(ctx context.Context, cfg Config) (*pools, error)
	// schema returns the idempotent statements that create the base schema.
	schema() []string
	// override returns the dialect's text for a statement, or "" to use the
	// portable text.
	override(id stmtID) string
	// rebind rewrites the "?" placeholders of a statement for the driver.
	rebind(query string) string
	// classify maps a driver error to a class.
	classify(err error) errClass
	// quickCheckOK interprets the single-row result of stmtQuickCheck.
	quickCheckOK(result string) bool
}

// pools are the connections of one database: a single writer, so that write
// transactions are serialized and revisions are allocated in commit order,
// a pool of readers, and optionally a connection that checkpoints the WAL
// and a lock that keeps other processes off the database.
type pools struct {
	writer     *sql.DB
	reader     *sql.DB
	checkpoint *sql.DB
	lock       io.Closer
}

func (p *pools) close() error {
	var errs []error
	for _, db := range []*sql.DB{p.checkpoint, p.reader, p.writer} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	// The lock goes last: another process may open the file once it is free.
	if p.lock != nil {
		errs = append(errs, p.lock.Close())
	}
	return errors.Join(errs...)
}

// errClass is the class of a database failure.
type errClass int

const (
	classOther errClass = iota
	classCanceled
	classBusy
	classCorrupt
	classNotADatabase
	classFull
	classReadOnly
	classConstraint
	classCantOpen
)

func (c errClass) String() string {
	switch c {
	case classCanceled:
		return "canceled"
	case classBusy:
		return "busy"
	case classCorrupt:
		return "corrupt"
	case classNotADatabase:
		return "not_a_database"
	case classFull:
		return "full"
	case classReadOnly:
		return "read_only"
	case classConstraint:
		return "constraint"
	case classCantOpen:
		return "cant_open"
	default:
		return "other"
	}
}

// Errors callers can test with errors.Is.
var (
	// ErrClosed is returned by operations on a closed DB.
	ErrClosed = errors.New("database is closed")
	// ErrCorrupt is matched by failures caused by a damaged database file.
	ErrCorrupt = errors.New("database is corrupt")
	// ErrReadOnly is matched by failures to write the database or its directory.
	ErrReadOnly = errors.New("database is not writable")
	// ErrBusy is matched by failures to get a lock in time.
	ErrBusy = errors.New("database is busy")
)

// DBError is a failure of one named statement, with the driver error kept.
type DBError struct {
	// Statement is the name of the statement that failed.
	Statement string
	class     errClass
	err       error
}

// Error implements error.
func (e *DBError) Error() string {
	if e.Statement == "" {
		return e.err.Error()
	}
	return fmt.Sprintf("sql %s: %v", e.Statement, e.err)
}

// Unwrap returns the driver error.
func (e *DBError) Unwrap() error { return e.err }

// Is lets errors.Is match the exported class sentinels.
func (e *DBError) Is(target error) bool {
	switch target {
	case ErrCorrupt:
		return e.class == classCorrupt || e.class == classNotADatabase
	case ErrReadOnly:
		return e.class == classReadOnly || e.class == classCantOpen
	case ErrBusy:
		return e.class == classBusy
	}
	return false
}
