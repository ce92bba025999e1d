package cli

import (
	"context"
	"time"
)

// contextWithTimeout is for shutdown work that must run after the command's
// own context was cancelled.
func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
