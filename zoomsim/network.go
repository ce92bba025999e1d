package zoomsim

import (
	"fmt"
	"strconv"
	"strings"
)

// NetworkFile renders the tenant's offices as the network file a customer
// would give zoomsight (`zoomsight network import`): each site's public
// egress address and internal /24, and a MAC table with the client MAC
// prefix of every Wi-Fi access point, as a wireless controller export
// would have them. Degraded sites are not marked: finding them is the
// analysis' job.
func (t *Tenant) NetworkFile() []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var b strings.Builder
	fmt.Fprintf(&b, "# Network of simulated Zoom account %s (%s).\n", t.ID, t.Name)
	b.WriteString("sites:\n")
	for _, s := range t.Sites {
		fmt.Fprintf(&b, "  - name: %s\n    egress: [%s/32]\n    internal: [%s]\n", strconv.Quote(s.Name), s.Egress, s.Internal.Masked())
	}
	b.WriteString("macs:\n")
	for _, s := range t.Sites {
		for _, ap := range s.APs {
			fmt.Fprintf(&b, "  - {mac: %q, site: %s, access_point: %s}\n", ap.ClientMACPrefix, strconv.Quote(s.Name), strconv.Quote(ap.Name))
		}
	}
	return []byte(b.String())
}
