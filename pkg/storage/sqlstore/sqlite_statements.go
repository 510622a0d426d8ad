package sqlstore

// sqliteStatements are the SQLite texts of the statements whose plan SQLite
// cannot be trusted to choose: it has no statistics unless ANALYZE ran, and
// a key-range replay has two usable access paths (see stmtReplayPrefix).
var sqliteStatements = map[stmtID]string{
	// The revision range (rowid), never the (key, rv) index.
	stmtReplayPrefix: eventColumnsFrom + `events e NOT INDEXED LEFT JOIN events p ON p.rv = e.prev_rv ` +
		`WHERE e.rv > ? AND e.rv <= ? AND e.key >= ? AND e.key < ? ORDER BY e.rv LIMIT ?`,
	// The (key, rv) index of the key range.
	stmtReplayPrefixByKey: eventColumnsFrom + `events e INDEXED BY events_key_rv LEFT JOIN events p ON p.rv = e.prev_rv ` +
		`WHERE e.rv > ? AND e.rv <= ? AND e.key >= ? AND e.key < ? ORDER BY e.rv LIMIT ?`,
}
