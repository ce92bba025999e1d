package ingest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// A system of record deletes only on proof. A listing proves itself
// complete when every page is a well-formed object carrying its array and
// the rows received add up to the total_records Zoom announced; anything
// less (an empty, null, short or malformed answer) keeps what is stored.
// A complete listing that would still delete much (see shrinkReason) is
// held back for a person to accept.

// IncompleteError says why a listing's answers do not prove it complete.
// The resource's stored rows are kept and the run is partial.
type IncompleteError struct {
	Resource string // e.g. "users:active", "groups"
	Why      string
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("%s: Zoom's answer does not prove the listing complete (%s)", e.Resource, e.Why)
}

// driftError is a listing whose total_records changed between pages, or
// whose rows did not add up: the tenant changed while it was listed. It
// is listed again rather than trusted.
type driftError struct{ why string }

func (e *driftError) Error() string { return "listing did not add up: " + e.why }

// drift returns err as a *driftError, or nil.
func drift(err error) *driftError {
	var d *driftError
	if errors.As(err, &d) {
		return d
	}
	return nil
}

// relists is how many times a listing that did not add up is listed again
// from the top before its resource is reported stale.
const relists = 2

// tally proves a listing complete page by page. Its state is saved in the
// listing's checkpoint, so a listing resumed by another process carries on
// counting.
type tally struct {
	resource string
	rows     int
	total    int // -1 before the first page
}

func newTally(resource string) tally { return tally{resource: resource, total: -1} }

// page counts one page: items is the number of rows it carried, present
// whether its array was there at all, total its total_records, and keyless
// how many rows lacked the key that identifies them. last says the page
// had no next_page_token. It returns an *IncompleteError for a malformed
// page, a *driftError for a listing to list again, or nil.
func (t *tally) page(present bool, items, total, keyless int, last bool) error {
	switch {
	case !present:
		return &IncompleteError{t.resource, "a page without its list of rows"}
	case keyless > 0:
		return &IncompleteError{t.resource, fmt.Sprintf("%d rows on a page have no id", keyless)}
	case total < 0:
		return &IncompleteError{t.resource, fmt.Sprintf("a page announced %d rows", total)}
	case t.total >= 0 && total != t.total:
		return &driftError{fmt.Sprintf("total_records went from %d to %d mid-listing", t.total, total)}
	}
	t.total = total
	t.rows += items
	if t.rows > t.total || (last && t.rows != t.total) {
		return &driftError{fmt.Sprintf("received %d of %d rows", t.rows, t.total)}
	}
	return nil
}

// stale turns the last drift into the reason the listing is not trusted.
func (t *tally) stale(d *driftError) *IncompleteError {
	return &IncompleteError{t.resource, d.why + ", also when listed again"}
}

// DefaultShrinkLimit is the share of a resource's stored rows a complete
// listing may delete before it is held back.
const DefaultShrinkLimit = 0.5

// shrinkReason says why a sweep of resource is suspicious, or "" when it
// may go ahead: it would delete more than limit of the live rows, or every
// row of a status (a listing that drops to zero from non-zero). It is the
// accidental-delete threshold of Microsoft Entra Connect, applied per sync.
func shrinkReason(resource string, counts []store.SweepCount, limit float64) string {
	var live, unseen int64
	var emptied []string
	for _, c := range counts {
		live += c.Seen + c.Unseen
		unseen += c.Unseen
		if c.Unseen > 0 && c.Seen == 0 {
			emptied = append(emptied, c.Status)
		}
	}
	if unseen == 0 {
		return ""
	}
	switch {
	case len(emptied) > 0 && emptied[0] != "":
		return fmt.Sprintf("held back: the listing would delete every %s user (%d of %d %s); earlier data kept, accept with sync --accept-shrink",
			strings.Join(emptied, " and every "), unseen, live, resource)
	case len(emptied) > 0:
		return fmt.Sprintf("held back: the listing would delete all %d %s; earlier data kept, accept with sync --accept-shrink", unseen, resource)
	case float64(unseen) > limit*float64(live):
		return fmt.Sprintf("held back: the listing would delete %d of %d %s (%.0f%%, above the %.0f%% limit); earlier data kept, accept with sync --accept-shrink",
			unseen, live, resource, 100*float64(unseen)/float64(live), 100*limit)
	}
	return ""
}

// sweep marks deleted the rows of resource this run did not see, unless
// that would shrink it suspiciously and no one accepted it; then the
// resource is stale and nothing is deleted.
func (c *collector) sweep(ctx context.Context, resource string) error {
	if !c.AcceptShrink {
		counts, err := c.Store.SweepPreview(ctx, c.run.ID, c.Account.ID, resource)
		if err != nil {
			return fatalError{err}
		}
		limit := c.ShrinkLimit
		if limit <= 0 {
			limit = DefaultShrinkLimit
		}
		if why := shrinkReason(resource, counts, limit); why != "" {
			c.stale[resource] = why
			return nil
		}
	}
	// The sweep and the resource's change events are one transaction: the
	// events say exactly what this complete listing changed.
	d, err := c.differ(ctx)
	if err != nil {
		return fatalError{err}
	}
	if _, err := c.Store.SweepChanges(ctx, c.run.ID, c.Account.ID, resource, c.clock(), d.Diff); err != nil {
		return fatalError{fmt.Errorf("sweeping %s: %w", resource, err)}
	}
	return nil
}

// clock is the run's time source.
func (c *collector) clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// differ returns the change differ, knowing the account's stored roles
// (to flag grants of admin roles).
func (c *collector) differ(ctx context.Context) (*monitor.Differ, error) {
	d := &monitor.Differ{Roles: map[string]monitor.Role{}}
	q := fmt.Sprintf("SELECT zoom_id, name, description FROM zoom_roles WHERE account_id = %d AND deleted_run IS NULL", c.Account.ID)
	err := c.Store.Query(ctx, q, func(_ []string, row []any) error {
		d.Roles[str(row[0])] = monitor.Role{Name: str(row[1]), Description: str(row[2])}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading roles for the change diff: %w", err)
	}
	return d, nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// listAll lists a small resource whole, page by page, until its pages add
// up, listing it again from the top when the tenant changed meanwhile.
// keyless tells a row that lacks the id that identifies it.
func listAll[T any](resource string, pages func() iter.Seq2[*zoom.Page[T], error], keyless func(*T) bool) ([]T, error) {
	var last error
attempts:
	for range relists + 1 {
		t := newTally(resource)
		var out []T
		for p, err := range pages() {
			if err != nil {
				return nil, err
			}
			n := 0
			for i := range p.Items {
				if keyless(&p.Items[i]) {
					n++
				}
			}
			if err := t.page(p.Items != nil, len(p.Items), p.TotalRecords, n, p.NextPageToken == ""); err != nil {
				if d := drift(err); d != nil {
					last = t.stale(d)
					continue attempts
				}
				return nil, err
			}
			out = append(out, p.Items...)
		}
		return out, nil
	}
	return nil, last
}

// onePage is a listing of a single page, for endpoints that do not page.
func onePage[T any](get func() (*zoom.Page[T], error)) func() iter.Seq2[*zoom.Page[T], error] {
	return func() iter.Seq2[*zoom.Page[T], error] {
		return func(yield func(*zoom.Page[T], error) bool) { yield(get()) }
	}
}
