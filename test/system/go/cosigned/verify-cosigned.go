// Opens a cosigned checkpoint with Go's own signed-note implementation, golang.org/x/mod/sumdb/note:
// the log's key through note.NewVerifier, each witness's through a note.Verifier written here from
// C2SP tlog-cosignature (Ed25519, key type 0x04: the signature is a big-endian u64 time and the
// Ed25519 signature of "cosignature/v1\ntime <time>\n" followed by the note text).
//
// usage: verify-cosigned <checkpoint file> <log verifier key> <witness verifier key>...
// Prints the log's name, then each witness whose cosignature verified, with its time.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	seen *uint64
}

func (c cosigner) Name() string    { return c.name }
func (c cosigner) KeyHash() uint32 { return c.hash }
func (c cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	time := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(time, 10)+"\n"), msg...)
	if time == 0 || !ed25519.Verify(c.key, signed, sig[8:]) {
		return false
	}
	*c.seen = time
	return true
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// parseCosigner reads name+hash+base64(0x04 ‖ key), checking the hash as the spec computes it.
func parseCosigner(vkey string) cosigner {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("not a verifier key: %s", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("not a cosignature key (0x04): %s", vkey)
	}
	sum := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	hash := binary.BigEndian.Uint32(sum[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		fail("key hash does not match: %s", vkey)
	}
	return cosigner{parts[0], hash, ed25519.PublicKey(raw[1:]), new(uint64)}
}

func main() {
	if len(os.Args) < 4 {
		fail("usage: verify-cosigned <checkpoint file> <log verifier key> <witness verifier key>...")
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("read %s: %v", os.Args[1], err)
	}
	logKey, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	verifiers := []note.Verifier{logKey}
	var cosigners []cosigner
	for _, vkey := range os.Args[3:] {
		c := parseCosigner(vkey)
		cosigners = append(cosigners, c)
		verifiers = append(verifiers, c)
	}
	n, err := note.Open(text, note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	fmt.Printf("log: %s\n", logKey.Name())
	for _, sig := range n.Sigs {
		for _, c := range cosigners {
			if sig.Name == c.name && sig.Hash == c.hash {
				fmt.Printf("%s time %d\n", c.name, *c.seen)
			}
		}
	}
}
