package zoomsim

import (
	"hash/fnv"
	"math/rand/v2"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomID returns an n-character id in the style of Zoom's ids
// ("z8yCxjabcdEFGHi1234567").
func randomID(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[r.IntN(len(idAlphabet))]
	}
	return string(b)
}

// hashString folds a string into a seed component.
func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// newRand returns a deterministic generator for a purpose within a seed, so
// that each part of a tenant can be derived on its own, in any order.
func newRand(seed int64, purpose string, n ...uint64) *rand.Rand {
	k := hashString(purpose)
	for _, x := range n {
		k = k*1099511628211 ^ x
	}
	return rand.New(rand.NewPCG(uint64(seed), k))
}
