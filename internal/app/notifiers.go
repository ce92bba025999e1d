package app

import (
	"context"
	"fmt"
)

// SealOrgNotifier seals where an org's alert notifier sends (its URL,
// secret, SMTP credentials) with the credential key, as client secrets
// are sealed.
func (a *App) SealOrgNotifier(ctx context.Context, target []byte) ([]byte, error) {
	return a.sealSecret(ctx, target)
}

// OpenOrgNotifier opens what SealOrgNotifier sealed.
func (a *App) OpenOrgNotifier(sealed []byte) ([]byte, error) {
	keys, err := a.openingKeyring("(the orgs' alert notifiers)")
	if err != nil {
		return nil, err
	}
	b, err := keys.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("opening a sealed alert notifier: %w", err)
	}
	return b, nil
}
