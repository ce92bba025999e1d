package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// ErrNoWebhookSecret means an account has no Zoom webhook secret token:
// its webhooks cannot be verified, so none is accepted.
var ErrNoWebhookSecret = errors.New("no webhook secret token is set for this account")

// SetWebhookSecret seals and stores the account's Zoom webhook secret
// token (the app's Feature page, "Secret Token"); "" removes it.
func (a *App) SetWebhookSecret(ctx context.Context, name string, token secret.String) error {
	acct, err := a.Account(ctx, name)
	if err != nil {
		return err
	}
	var sealed []byte
	if token != "" {
		if sealed, err = a.sealSecret(ctx, []byte(token.Reveal())); err != nil {
			return err
		}
	}
	return a.Store.SetWebhookSecret(ctx, acct.ID, sealed)
}

// WebhookSecret returns the account named name and its webhook secret
// token, or an error wrapping store.ErrNotFound or ErrNoWebhookSecret.
func (a *App) WebhookSecret(ctx context.Context, name string) (*store.Account, secret.String, error) {
	acct, err := a.Store.Account(ctx, name)
	if err != nil {
		return nil, "", err
	}
	sealed, err := a.Store.WebhookSecret(ctx, acct.ID)
	if err != nil {
		return nil, "", err
	}
	if len(sealed) == 0 {
		return acct, "", fmt.Errorf("account %q: %w", name, ErrNoWebhookSecret)
	}
	keys, err := a.openingKeyring(name)
	if err != nil {
		return nil, "", err
	}
	b, err := keys.Open(sealed)
	if err != nil {
		return nil, "", fmt.Errorf("opening the webhook secret of %q: %w", name, err)
	}
	return acct, secret.String(b), nil
}
