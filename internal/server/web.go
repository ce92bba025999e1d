package server

import "github.com/zoomsight/zoomsight/internal/web"

// webRoutes mounts the dashboard at /: every path the API and the probes
// do not take.
func (s *Server) webRoutes() {
	s.mux.Handle("/", web.New(s.app, web.Options{SyncNow: s.opts.SyncNow, PublicURL: s.opts.PublicURL}))
}
