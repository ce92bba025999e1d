//go:build unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// claimSQLiteWorker makes this process the one worker of a SQLite file:
// an exclusive lock on a file beside it, held until release (or the
// process's end, however it ends). Two workers on one SQLite file would
// each keep the account's rate budget and token in memory and together
// exceed Zoom's limits; several workers need PostgreSQL.
func claimSQLiteWorker(dbPath string) (release func(), err error) {
	path := dbPath + ".worker"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("claiming the worker of %s: %w", dbPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := strings.TrimSpace(string(b))
			if _, perr := strconv.Atoi(holder); perr != nil || holder == "" {
				holder = "unknown"
			}
			return nil, fmt.Errorf("another zoomsight serve (pid %s) is the worker of %s: a SQLite file has one worker; "+
				"run this one with --no-worker (API and dashboard only), or use PostgreSQL to run several workers", holder, dbPath)
		}
		return nil, fmt.Errorf("claiming the worker of %s: %w", dbPath, err)
	}
	// The holder's pid, for the message another process shows.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}
