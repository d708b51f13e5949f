// Opens an objection and its receipt with Go's own signed-note implementation,
// golang.org/x/mod/sumdb/note: the objection with the customer's key, the receipt with the
// registry's receipt key, and checks that the receipt names the objection's SHA-256, the customer
// and the change.
//
// usage: open-objection <objection file> <receipt file> <customer key> <receipt key>
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func open(file, vkey string) (*note.Note, []byte) {
	data, err := os.ReadFile(file)
	if err != nil {
		fail("read %s: %v", file, err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open %s: %v", file, err)
	}
	return n, data
}

// fields reads "name value" lines after the header.
func fields(text, header string) map[string]string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != header {
		fail("not %s: %q", header, lines[0])
	}
	out := map[string]string{}
	for _, line := range lines[1:] {
		parts := strings.SplitN(line, " ", 2)
		out[parts[0]] = parts[1]
	}
	return out
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: open-objection <objection file> <receipt file> <customer key> <receipt key>")
	}
	objection, bytes := open(os.Args[1], os.Args[3])
	receipt, _ := open(os.Args[2], os.Args[4])
	o := fields(objection.Text, "subprocessor-registry/objection/v1")
	r := fields(receipt.Text, "subprocessor-registry/receipt/v1")
	sum := sha256.Sum256(bytes)
	if r["objection"] != base64.StdEncoding.EncodeToString(sum[:]) {
		fail("the receipt names another objection")
	}
	if r["customer"] != os.Args[3] || r["change"] != o["change"] || r["registry"] != o["registry"] {
		fail("the receipt names another customer, change or registry")
	}
	fmt.Printf("objection by %s to %s, received %s\n", objection.Sigs[0].Name, o["change"], r["received"])
}
