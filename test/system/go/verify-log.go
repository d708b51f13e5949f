// Checks the registry's signed log with Go's own implementation of it, golang.org/x/mod/sumdb:
// note.Open verifies each checkpoint against the verifier key; tlog reads the log's C2SP tiles
// over HTTP, and checks every version's manifest against the newest checkpoint, the registry's own
// inclusion proofs, and that every older checkpoint is consistent with the newest.
//
// usage: verify-log <base URL> <verifier key> <evidence.json>... (oldest first; the last is the newest)
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type evidence struct {
	Version        int64    `json:"version"`
	LeafIndex      int64    `json:"leafIndex"`
	TreeSize       int64    `json:"treeSize"`
	Manifest       string   `json:"manifest"`
	InclusionProof []string `json:"inclusionProof"`
	Checkpoint     string   `json:"checkpoint"`
}

type checkpoint struct {
	size int64
	root tlog.Hash
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	res, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		fail("GET %s: %d %s", url, res.StatusCode, body)
	}
	return body
}

// open verifies a signed checkpoint with the key and reads its three lines (C2SP tlog-checkpoint).
func open(text string, verifiers note.Verifiers, origin string) checkpoint {
	n, err := note.Open([]byte(text), verifiers)
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != origin {
		fail("not a checkpoint of %s: %q", origin, n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("tree size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("root hash: %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{size, root}
}

// tiles reads the registry's tiles: C2SP paths under /log/tile/, which drop the height that
// x/mod's own tile paths carry.
type tiles struct{ base string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, tile := range list {
		path := tile.Path() // tile/8/L/NNN[.p/W]
		out[i] = get(t.base + "/log/tile/" + strings.SplitN(path, "/", 3)[2])
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	if len(os.Args) < 4 {
		fail("usage: verify-log <base URL> <verifier key> <evidence.json>...")
	}
	base, vkey := os.Args[1], os.Args[2]
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	verifiers := note.VerifierList(verifier)
	origin := verifier.Name()

	var all []evidence
	for _, file := range os.Args[3:] {
		var e evidence
		data, err := os.ReadFile(file)
		if err != nil || json.Unmarshal(data, &e) != nil {
			fail("cannot read %s", file)
		}
		all = append(all, e)
	}
	newest := open(string(get(base+"/log/checkpoint")), verifiers, origin)
	reader := tlog.TileHashReader(tlog.Tree{N: newest.size, Hash: newest.root}, tiles{base})
	fmt.Printf("checkpoint: %s, %d versions\n", origin, newest.size)

	for _, e := range all {
		old := open(e.Checkpoint, verifiers, origin)
		manifest := get(fmt.Sprintf("%s/versions/%d/manifest", base, e.Version))
		if string(manifest) != e.Manifest {
			fail("version %d: the served manifest differs from the one in its evidence", e.Version)
		}
		leaf := tlog.RecordHash(manifest)
		// The registry's own proof, to the checkpoint it was served with.
		var proof tlog.RecordProof
		for _, step := range e.InclusionProof {
			raw, _ := base64.StdEncoding.DecodeString(step)
			var h tlog.Hash
			copy(h[:], raw)
			proof = append(proof, h)
		}
		if err := tlog.CheckRecord(proof, old.size, old.root, e.LeafIndex, leaf); err != nil {
			fail("version %d: the registry's inclusion proof: %v", e.Version, err)
		}
		// A proof Go makes itself from the tiles, to the newest checkpoint.
		p, err := tlog.ProveRecord(newest.size, e.LeafIndex, reader)
		if err != nil {
			fail("version %d: ProveRecord: %v", e.Version, err)
		}
		if err := tlog.CheckRecord(p, newest.size, newest.root, e.LeafIndex, leaf); err != nil {
			fail("version %d: CheckRecord: %v", e.Version, err)
		}
		// The checkpoint the version was served with is a prefix of the newest.
		tp, err := tlog.ProveTree(newest.size, old.size, reader)
		if err != nil {
			fail("version %d: ProveTree: %v", e.Version, err)
		}
		if err := tlog.CheckTree(tp, newest.size, newest.root, old.size, old.root); err != nil {
			fail("version %d: CheckTree from %d to %d: %v", e.Version, old.size, newest.size, err)
		}
		fmt.Printf("version %d: included; tree %d consistent with tree %d\n", e.Version, old.size, newest.size)
	}
}
