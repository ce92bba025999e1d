package zoom

import (
	"fmt"
	"strings"
)

// Label is Zoom's rate-limit category of an endpoint. All endpoints of one
// label share one quota per account.
type Label int

// Zoom's rate-limit labels.
const (
	Light Label = iota + 1
	Medium
	Heavy
	ResourceIntensive
)

// Labels lists every label, in order of cost.
var Labels = []Label{Light, Medium, Heavy, ResourceIntensive}

func (l Label) String() string {
	switch l {
	case Light:
		return "Light"
	case Medium:
		return "Medium"
	case Heavy:
		return "Heavy"
	case ResourceIntensive:
		return "Resource-intensive"
	}
	return fmt.Sprintf("Label(%d)", int(l))
}

// ParseLabel reads a label the way Zoom spells it in X-RateLimit-Category and
// in its docs ("Light", "MEDIUM", "Resource-intensive", "RESOURCE-INTENSIVE").
func ParseLabel(s string) (Label, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "light":
		return Light, true
	case "medium":
		return Medium, true
	case "heavy":
		return Heavy, true
	case "resource-intensive", "resource intensive", "resourceintensive":
		return ResourceIntensive, true
	}
	return 0, false
}

// Plan is the rate-limit tier of a Zoom account.
type Plan int

// Rate-limit tiers. Business+ covers Business, Business Plus, Enterprise,
// Education and Partner accounts.
const (
	PlanFree Plan = iota + 1
	PlanPro
	PlanBusiness
)

func (p Plan) String() string {
	switch p {
	case PlanFree:
		return "free"
	case PlanPro:
		return "pro"
	case PlanBusiness:
		return "business"
	}
	return fmt.Sprintf("Plan(%d)", int(p))
}

// ParsePlan reads a plan name: free, pro, or business (also business+,
// businessplus, enterprise, education, partner, which share Business's tier).
func ParsePlan(s string) (Plan, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "free", "basic":
		return PlanFree, nil
	case "pro":
		return PlanPro, nil
	case "business", "business+", "businessplus", "business plus", "enterprise", "education", "partner":
		return PlanBusiness, nil
	}
	return 0, fmt.Errorf("zoom: unknown plan %q (want free, pro or business)", s)
}
