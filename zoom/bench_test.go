package zoom_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestMain doubles as the simulator process for the benchmarks: with
// ZOOMSIGHT_BENCH_SIM_USERS set, the test binary serves a simulator, prints
// its address on stdout and runs until stdin closes. Running it apart keeps
// the simulator's tenant out of the client's heap figures.
func TestMain(m *testing.M) {
	if n := os.Getenv("ZOOMSIGHT_BENCH_SIM_USERS"); n != "" {
		users, _ := strconv.Atoi(n)
		s, err := zoomsim.NewServer(zoomsim.Options{Seed: 1, Users: users, NoRateLimits: true, Days: 1})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv, _, err := s.Start("127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		line, _ := json.Marshal(map[string]any{"api_url": s.APIURL, "oauth_url": s.OAuthURL, "accounts": s.Credentials()})
		fmt.Println(string(line))
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = srv.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type simInfo struct {
	APIURL   string                `json:"api_url"`
	OAuthURL string                `json:"oauth_url"`
	Accounts []zoomsim.Credentials `json:"accounts"`
}

func startChildSim(b *testing.B, users int) simInfo {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZOOMSIGHT_BENCH_SIM_USERS="+strconv.Itoa(users))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		b.Fatalf("simulator did not start: %v", err)
	}
	var info simInfo
	if err := json.Unmarshal(line, &info); err != nil {
		b.Fatal(err)
	}
	return info
}

// BenchmarkListUsers lists every user of every status from a simulator with
// rate limits off, and reports users per second and the client's peak heap
// above its starting point. The heap should not grow with the tenant.
func BenchmarkListUsers(b *testing.B) {
	for _, users := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			info := startChildSim(b, users)
			cred := info.Accounts[0]
			ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: info.OAuthURL}.TokenSource()
			c, err := zoom.NewClient(ts, zoom.WithBaseURL(info.APIURL), zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
			if err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			// Warm the simulator once: its first pass builds each user's JSON,
			// a cost real Zoom does not have and this benchmark does not measure.
			for _, status := range []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending} {
				if _, err := zoom.Collect(c.Users.List(ctx, &zoom.ListUsersOptions{Status: status})); err != nil {
					b.Fatal(err)
				}
			}
			var ms runtime.MemStats
			var peak uint64
			listed := 0
			var elapsed time.Duration
			b.ResetTimer()
			for range b.N {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				start := time.Now()
				for _, status := range []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending} {
					for p, err := range c.Users.ListPages(ctx, &zoom.ListUsersOptions{Status: status}) {
						if err != nil {
							b.Fatal(err)
						}
						listed += len(p.Items)
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
				}
				elapsed += time.Since(start)
			}
			b.StopTimer()
			if listed != users*b.N {
				b.Fatalf("listed %d users, want %d", listed, users*b.N)
			}
			b.ReportMetric(float64(listed)/elapsed.Seconds(), "users/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}
