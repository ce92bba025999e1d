package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/zoomsight/zoomsight/zoom"
)

// clarify turns the errors a newcomer meets most into one line that says
// what went wrong and what to do. Others pass through unchanged.
func clarify(err error) error {
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(err, zoom.ErrInvalidClient):
		return fmt.Errorf("wrong credentials: Zoom rejected the app's credentials (%w); check the account id, client id and client secret, and that the app is activated", err)
	case errors.Is(err, zoom.ErrInvalidGrant):
		return fmt.Errorf("authorization withdrawn: Zoom no longer accepts the stored tokens (%w); link the account again with zoomsight account add --oauth-app", err)
	case errors.Is(err, zoom.ErrTimeout):
		return fmt.Errorf("%w; earlier data is kept: try again later, or allow longer with --request-timeout", err)
	case errors.Is(err, zoom.ErrBodyTooLarge):
		return fmt.Errorf("%w; earlier data is kept: try again later, and report it if it persists", err)
	case errors.As(err, &ue) && errors.As(err, &ne):
		return fmt.Errorf("cannot reach Zoom at %s (%v); check the network and --api-url/--oauth-url", redactURL(ue.URL), ne)
	}
	return err
}

// redactURL keeps the scheme and host of a URL: query strings may carry
// codes or tokens.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the configured URL"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// oneLine folds a multi-line error (pgx lists every address it tried) into
// the single line a failed command ends with.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

// interruptedError is a command cut short by Ctrl-C or SIGTERM: it says
// what to do next and still ends the process as interrupted (exit 130).
type interruptedError struct{ msg string }

func interrupted(msg string) error       { return interruptedError{msg} }
func (e interruptedError) Error() string { return e.msg }
func (e interruptedError) Unwrap() error { return context.Canceled }
