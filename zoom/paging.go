package zoom

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// Page is one page of a listing.
type Page[T any] struct {
	Items []T
	// NextPageToken resumes the listing after this page; empty on the last.
	NextPageToken string
	PageSize      int
	TotalRecords  int
	Response      *Response
}

// pageInfo holds the paging fields Zoom puts beside a list.
type pageInfo struct {
	NextPageToken string `json:"next_page_token"`
	PageCount     int    `json:"page_count"`
	PageSize      int    `json:"page_size"`
	TotalRecords  int    `json:"total_records"`
}

// ListOptions are the paging options every list method takes.
type ListOptions struct {
	// PageSize defaults to the endpoint's maximum, which costs the fewest
	// requests.
	PageSize int
	// NextPageToken resumes a listing from a page token seen earlier
	// (Zoom keeps them 15 minutes).
	NextPageToken string
}

func (o *ListOptions) pageSize(max int) int {
	if o == nil || o.PageSize <= 0 || o.PageSize > max {
		return max
	}
	return o.PageSize
}

func (o *ListOptions) token() string {
	if o == nil {
		return ""
	}
	return o.NextPageToken
}

// listPages iterates the pages of a token-paged listing. query holds the
// filters; the same filters go with every page, as Zoom requires. items
// extracts the list and paging fields from a decoded page of type P.
func listPages[T, P any](ctx context.Context, c *Client, label Label, path string, query url.Values, pageSize int, start string, items func(*P) ([]T, pageInfo)) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if pageSize > 0 {
			q.Set("page_size", strconv.Itoa(pageSize))
		}
		token := start
		seen := map[string]bool{}
		for {
			if token != "" {
				if seen[token] {
					// A server that hands back a token it already gave would
					// make this loop spin forever.
					yield(nil, fmt.Errorf("zoom: GET %s: page token repeated; stopping the listing", path))
					return
				}
				seen[token] = true
				q.Set("next_page_token", token)
			} else {
				q.Del("next_page_token")
			}
			var body P
			resp, err := c.get(ctx, label, path, q, &body)
			if err != nil {
				yield(nil, err)
				return
			}
			list, pi := items(&body)
			p := &Page[T]{Items: list, NextPageToken: pi.NextPageToken, PageSize: pi.PageSize, TotalRecords: pi.TotalRecords, Response: resp}
			if !yield(p, nil) {
				return
			}
			if pi.NextPageToken == "" {
				return
			}
			token = pi.NextPageToken
		}
	}
}

// All flattens a page iterator into an item iterator.
func All[T any](pages iter.Seq2[*Page[T], error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// Collect gathers every item of a listing into a slice. It is for small
// listings; stream big ones.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for it, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}
