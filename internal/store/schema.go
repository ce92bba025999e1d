package store

import "strings"

// View is one of the SQL views users query, as the database's own catalog
// describes it.
type View struct {
	Name    string
	Columns []Column
}

// Column is a view's column. Type is the database's word for it, so it
// differs between drivers (SQLite leaves computed columns untyped).
type Column struct {
	Name string
	Type string
}

// PublicView reports whether a view is part of the documented interface:
// views whose names start with "_" are helpers the others are built on.
func PublicView(name string) bool { return !strings.HasPrefix(name, "_") }
