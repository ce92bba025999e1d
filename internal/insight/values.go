package insight

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Values as store.Store.Query gives them: int64, float64, string, []byte,
// nil; times as RFC 3339 UTC text on both drivers.

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func num(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	case bool:
		if x {
			return 1
		}
		return 0
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// normTime gives a time value as "2006-01-02T15:04:05Z", "" for NULL, so
// that times compare as text.
func normTime(v any) string {
	s := str(v)
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

// quote is a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// accountsCond is the SQL condition on column col selecting the account
// one, or the accounts many (non-nil and empty selects none: an org with no
// account sees nothing), or "" for every account.
func accountsCond(col, one string, many []string) string {
	var conds []string
	if one != "" {
		conds = append(conds, col+" = "+quote(one))
	}
	if many != nil {
		in := make([]string, len(many))
		for i, a := range many {
			in[i] = quote(a)
		}
		if len(in) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds = append(conds, col+" IN ("+strings.Join(in, ", ")+")")
		}
	}
	return strings.Join(conds, " AND ")
}

// andWhere adds a condition to a WHERE clause that may be empty.
func andWhere(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
