package zoomsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pageReq is the slice of a listing one request asks for.
type pageReq struct {
	Lo, Hi int    // items [Lo, Hi) of the listing
	Size   int    // the page size in force
	Next   string // next_page_token for the following page, "" on the last
	Number int    // 1-based page number (the deprecated page_number field)
	Count  int    // page_count
}

// paginate reads page_size and next_page_token for a listing of n items.
// Page sizes above maxSize are capped, as Zoom does. Tokens are signed,
// bound to the endpoint and its other query parameters, and expire after
// Options.PageTokenTTL: a bad one answers 400 code 300.
func (c *call) paginate(n, defaultSize, maxSize int) (pageReq, error) {
	q := c.r.URL.Query()
	size := defaultSize
	if v := q.Get("page_size"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return pageReq{}, &apiError{Status: http.StatusBadRequest, Code: 300, Message: "Invalid field.", Errors: []fieldError{{Field: "page_size", Message: "Invalid field."}}}
		}
		size = min(p, maxSize)
	}
	lo := 0
	if tok := q.Get("next_page_token"); tok != "" {
		off, ok := c.s.checkPageToken(tok, c.route.op, fingerprint(q), c.now)
		if !ok {
			return pageReq{}, errorf(http.StatusBadRequest, 300, "The next page token is invalid or expired.")
		}
		lo = off
	} else if v := q.Get("page_number"); v != "" {
		if p, err := strconv.Atoi(v); err == nil && p > 1 {
			lo = (p - 1) * size
		}
	}
	lo = min(lo, n)
	hi := min(lo+size, n)
	pr := pageReq{Lo: lo, Hi: hi, Size: size, Number: lo/size + 1, Count: (n + size - 1) / size}
	if hi < n {
		pr.Next = c.s.pageToken(c.route.op, fingerprint(q), hi, c.now)
	}
	return pr, nil
}

// fingerprint identifies a listing's query: every parameter except the
// paging cursor.
func fingerprint(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "next_page_token" && k != "page_number" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.Join(q[k], ","))
		b.WriteByte('&')
	}
	return b.String()
}

// Page tokens carry their offset and issue time, and a MAC over both plus
// the endpoint and query, so the server keeps no state for them.
func (s *Server) pageToken(op, fp string, offset int, now time.Time) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(offset))
	binary.BigEndian.PutUint64(buf[8:], uint64(now.UnixMilli()))
	mac := s.pageMAC(op, fp, buf[:])
	return base64.RawURLEncoding.EncodeToString(append(buf[:], mac...))
}

func (s *Server) checkPageToken(tok, op, fp string, now time.Time) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 16+12 {
		return 0, false
	}
	if !hmac.Equal(raw[16:], s.pageMAC(op, fp, raw[:16])) {
		return 0, false
	}
	issued := time.UnixMilli(int64(binary.BigEndian.Uint64(raw[8:16])))
	if now.Sub(issued) > s.opts.PageTokenTTL {
		return 0, false
	}
	return int(binary.BigEndian.Uint64(raw[:8])), true
}

func (s *Server) pageMAC(op, fp string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.pageKey)
	m.Write([]byte(op))
	m.Write([]byte{0})
	m.Write([]byte(fp))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)[:12]
}
