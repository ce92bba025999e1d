// Package readonly screens SQL text before a driver runs it for Query: one
// statement, starting with a keyword that cannot write. The screen is only
// the first line of defence and gives a clear error early; each driver also
// runs the statement on a connection or transaction that the database
// itself keeps read-only, which is what stops a write hidden inside a
// statement (WITH … DELETE, EXPLAIN ANALYZE DELETE).
package readonly

import (
	"fmt"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// allowed are the statement keywords Query accepts.
var allowed = map[string]bool{"SELECT": true, "WITH": true, "EXPLAIN": true, "VALUES": true}

// statements are the other statement keywords of SQLite and PostgreSQL.
// A statement starting with one is refused; one starting with a word that
// is no statement at all ("SELEC") goes to the database, whose syntax
// error says more than a refusal would, and which refuses writes anyway.
var statements = map[string]bool{
	"ABORT": true, "ALTER": true, "ANALYZE": true, "ATTACH": true, "BEGIN": true, "CALL": true, "CHECKPOINT": true,
	"CLOSE": true, "CLUSTER": true, "COMMENT": true, "COMMIT": true, "COPY": true, "CREATE": true, "DEALLOCATE": true,
	"DECLARE": true, "DELETE": true, "DETACH": true, "DISCARD": true, "DO": true, "DROP": true, "END": true,
	"EXECUTE": true, "FETCH": true, "GRANT": true, "IMPORT": true, "INSERT": true, "LISTEN": true, "LOAD": true,
	"LOCK": true, "MERGE": true, "MOVE": true, "NOTIFY": true, "PRAGMA": true, "PREPARE": true, "REASSIGN": true,
	"REFRESH": true, "REINDEX": true, "RELEASE": true, "REPLACE": true, "RESET": true, "REVOKE": true, "ROLLBACK": true,
	"SAVEPOINT": true, "SECURITY": true, "SET": true, "SHOW": true, "START": true, "TABLE": true, "TRUNCATE": true,
	"UNLISTEN": true, "UPDATE": true, "UPSERT": true, "VACUUM": true,
}

// Check returns nil if sql is a single statement starting with SELECT,
// WITH, EXPLAIN or VALUES (after comments and opening parentheses), or
// with a word that starts no statement (left to the database to reject as
// a syntax error). It returns an error wrapping store.ErrReadOnly for an
// empty text, more than one statement, or any other statement.
func Check(sql string) error {
	body, err := single(sql)
	if err != nil {
		return err
	}
	i := 0
	for i < len(body) {
		j := skipSpaceAndComments(body, i)
		if j < len(body) && body[j] == '(' {
			i = j + 1
			continue
		}
		i = j
		break
	}
	j := i
	for j < len(body) && isWordByte(body[j]) {
		j++
	}
	word := strings.ToUpper(body[i:j])
	if word == "" {
		return fmt.Errorf("%w: the statement is empty", store.ErrReadOnly)
	}
	if !allowed[word] && (statements[word] || word == "") {
		return fmt.Errorf("%w: got a %s statement", store.ErrReadOnly, word)
	}
	return nil
}

// single returns sql without a trailing semicolon, or an error if it holds
// more than one statement. It knows quoted strings and identifiers,
// comments and PostgreSQL dollar quoting, so a semicolon inside any of them
// does not count.
func single(sql string) (string, error) {
	i := 0
	for i < len(sql) {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(sql, i, c)
		case c == '[':
			// SQLite accepts [identifier]; PostgreSQL uses [] for arrays,
			// where skipping to ']' is harmless too.
			if k := strings.IndexByte(sql[i:], ']'); k >= 0 {
				i += k + 1
			} else {
				i = len(sql)
			}
		case c == '-' || c == '/':
			if j := skipComment(sql, i); j > i {
				i = j
			} else {
				i++
			}
		case c == '$':
			i = skipDollar(sql, i)
		case c == ';':
			// Only semicolons and comments may follow the first statement.
			for j := i; j < len(sql); {
				if sql[j] == ';' {
					j++
					continue
				}
				k := skipSpaceAndComments(sql, j)
				if k == j {
					return "", fmt.Errorf("%w: only one statement is allowed", store.ErrReadOnly)
				}
				j = k
			}
			return sql[:i], nil
		default:
			i++
		}
	}
	return sql, nil
}

func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q { // doubled quote escapes itself
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// skipComment returns the index after a comment starting at i, or i.
func skipComment(s string, i int) int {
	switch {
	case strings.HasPrefix(s[i:], "--"):
		if k := strings.IndexByte(s[i:], '\n'); k >= 0 {
			return i + k + 1
		}
		return len(s)
	case strings.HasPrefix(s[i:], "/*"):
		// PostgreSQL nests block comments; SQLite does not, but a nested
		// opener inside a SQLite comment is just text either way.
		depth, j := 0, i
		for j < len(s) {
			switch {
			case strings.HasPrefix(s[j:], "/*"):
				depth++
				j += 2
			case strings.HasPrefix(s[j:], "*/"):
				depth--
				j += 2
				if depth == 0 {
					return j
				}
			default:
				j++
			}
		}
		return len(s)
	}
	return i
}

// skipDollar skips a PostgreSQL dollar-quoted string ($$…$$, $tag$…$tag$)
// starting at i; a lone $ (a parameter like $1) is skipped as one byte.
func skipDollar(s string, i int) int {
	j := i + 1
	for j < len(s) && (isWordByte(s[j]) && !(j == i+1 && s[j] >= '0' && s[j] <= '9')) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return i + 1
	}
	tag := s[i : j+1]
	if k := strings.Index(s[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag)
	}
	return len(s)
}

func skipSpaceAndComments(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			i++
			continue
		}
		if j := skipComment(s, i); j > i {
			i = j
			continue
		}
		break
	}
	return i
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
