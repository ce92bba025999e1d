package web

// PostRoutes are the dashboard's form targets, for the CSRF walk.
func (h *Handler) PostRoutes() []string { return h.postRoutes }
