//go:build !unix

package cli

// claimSQLiteWorker cannot lock a file here: one worker per SQLite file
// is then up to the operator (docs/serve.md).
func claimSQLiteWorker(string) (func(), error) { return func() {}, nil }
