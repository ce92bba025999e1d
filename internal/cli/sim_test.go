package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestSimPrintsOneJSONLineAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"sim", "--users", "30", "--plan", "business", "--accounts", "2", "--seed", "9"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no line on stdout: %v (stderr: %s)", err, stderr.String())
	}
	var out struct {
		APIURL   string `json:"api_url"`
		OAuthURL string `json:"oauth_url"`
		Accounts []struct {
			AccountID    string `json:"account_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			Plan         string `json:"plan"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(line), &out); err != nil {
		t.Fatalf("first line is not JSON: %q", line)
	}
	if len(out.Accounts) != 2 || out.Accounts[0].Plan != "business" || out.Accounts[0].ClientSecret == "" || !strings.HasSuffix(out.APIURL, "/v2") {
		t.Fatalf("unexpected line: %s", line)
	}
	// It serves: the OAuth endpoint answers a wrong secret with 401.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, out.OAuthURL+"/oauth/token?grant_type=account_credentials&account_id="+out.Accounts[0].AccountID, nil)
	req.SetBasicAuth(out.Accounts[0].ClientID, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token endpoint answered %d to a wrong secret", resp.StatusCode)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	if code := <-done; code != 0 && code != 130 {
		t.Fatalf("exit code %d after interrupt; stderr: %s", code, stderr.String())
	}
}

func TestSimRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "--plan", "gold"},
		{"sim", "--faults", "5xx=7"},
		{"sim", "--users", "0"},
	} {
		var stderr strings.Builder
		if code := Run(t.Context(), args, io.Discard, &stderr); code == 0 {
			t.Errorf("%v exited 0", args)
		} else if !strings.Contains(stderr.String(), "zoomsight:") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: want one clear error line, got %q", args, stderr.String())
		}
	}
}
